/// Video decoding and frame sampling against what ffmpeg and PyTorch computed from the fixture clips
/// (Fixtures/video, made by tools/make_video_fixtures.py): frames within 3 levels of ffmpeg's own decode, the
/// reference's sampling steps, dataset statistics, and bad videos named.
module DeepCoro.Tests.VideoTests

open System
open System.IO
open Expecto
open TorchSharp
open DeepCoro.Runtime.IO
open DeepCoro.Runtime.Video
open DeepCoro.Tests.TestSupport

let fixtures = Path.Combine(repoRoot, "tests", "DeepCoro.Tests", "Fixtures", "video")
let fixture name = Path.Combine(fixtures, name)

/// The frames ffmpeg decoded from a clip, [F, H, W, 3] uint8.
let ffmpegFrames (clip: string) =
    let tensors = Safetensors.Load(fixture (clip + ".frames.safetensors"))
    tensors.["frames"]

let expected () = Safetensors.Load(fixture "lossless.avi.expected.safetensors")

/// The message of the VideoException that `f` throws.
let videoError (f: unit -> 'a) =
    try
        f () |> ignore
        failtest "expected a VideoException"
        ""
    with :? VideoException as e -> e.Message

[<Tests>]
let decodeTests =
    testList "video decoding" [
        for clip in [ "mjpg.avi"; "xvid.avi"; "h264.mp4"; "lossless.avi" ] do
            test (sprintf "%s decodes to ffmpeg's frames within 3 levels" clip) {
                let v = VideoDecoder.Decode(fixture clip, 1)
                let reference = ffmpegFrames clip
                let ours = v.ToTensor()
                Expect.sequenceEqual ours.shape reference.shape "frames, height, width, channels"
                let worst = (ours.to_type(torch.ScalarType.Int32) - reference.to_type(torch.ScalarType.Int32)).abs().max().item<int>()
                Expect.isLessThanOrEqual worst 3 (sprintf "max level difference %d" worst)
                if clip = "lossless.avi" then Expect.equal worst 0 "a lossless clip decodes exactly"
            }
        test "a stride keeps every stride-th frame, the first included" {
            let all = VideoDecoder.Decode(fixture "lossless.avi", 1)
            let third = VideoDecoder.Decode(fixture "lossless.avi", 3)
            Expect.equal third.Read all.Frames "every frame is read"
            Expect.equal third.Frames 4 "frames 0, 3, 6, 9 of 10"
            let a, b = all.ToTensor(), third.ToTensor()
            Expect.isTrue (torch.equal(b, a.index_select(0, torch.tensor([| 0L; 3L; 6L; 9L |]))).all().item<bool>()) "the same frames"
        }
        test "a file that is not a video names the file" {
            let message = videoError (fun () -> VideoDecoder.Decode(fixture "corrupt.avi", 1))
            Expect.stringContains message "corrupt.avi" "names the file"
        }
        test "a missing file names the file" {
            let message = videoError (fun () -> VideoDecoder.Decode(fixture "absent.avi", 1))
            Expect.stringContains message "absent.avi: video file not found" "names the file"
        }
    ]

/// A decoded video whose frame i is filled with the value i (so the sampled frames can be read back).
let numbered (frames: int) =
    let h, w = 2, 2
    let rgb = Array.init (frames * h * w * 3) (fun i -> byte (i / (h * w * 3)))
    DecodedVideo(rgb, frames, h, w, frames)

let frameValues (x: torch.Tensor) =
    // x [3, T, H, W]: the first pixel of channel 0 in each frame
    x.select(0, 0L).select(1, 0L).select(1, 0L).data<float32>().ToArray() |> Array.map float

[<Tests>]
let samplingTests =
    testList "frame sampling" [
        for stride in [ 1; 3 ] do
            test (sprintf "the lossless clip sampled with stride %d equals the reference's steps in PyTorch" stride) {
                let e = expected ()
                let v = VideoDecoder.Decode(fixture "lossless.avi", stride)
                use x = FrameSampler.Sample(v, 4, 32, 110.0, 40.0)
                // PyTorch saved [F, C, H, W]; the encoder's input is [C, F, H, W]
                assertClose "normalised frames" (e.[sprintf "input_stride%d" stride].permute(1L, 0L, 2L, 3L)) x
            }
        test "more frames than needed: torch.linspace(0, t - 1, frames).long()" {
            use x = FrameSampler.Sample(numbered 10, 4, 2, 0.0, 1.0)
            Expect.sequenceEqual (frameValues x) [ 0.0; 3.0; 6.0; 9.0 ] "frames 0, 3, 6, 9 of 10"
            use y = FrameSampler.Sample(numbered 30, 16, 2, 0.0, 1.0)
            Expect.sequenceEqual (frameValues y) [ 0.0; 1.0; 3.0; 5.0; 7.0; 9.0; 11.0; 13.0; 15.0; 17.0; 19.0; 21.0; 23.0; 25.0; 27.0; 29.0 ] "linspace truncated"
        }
        test "fewer frames than needed: the last frame repeated" {
            use x = FrameSampler.Sample(numbered 3, 6, 2, 0.0, 1.0)
            Expect.sequenceEqual (frameValues x) [ 0.0; 1.0; 2.0; 2.0; 2.0; 2.0 ] "padded with frame 2"
        }
        test "normalisation is (x - mean) / std with one mean and std for every channel" {
            use x = FrameSampler.Sample(numbered 2, 2, 2, 1.0, 2.0)
            Expect.sequenceEqual (frameValues x) [ -0.5; 0.0 ] "(0 - 1) / 2, (1 - 1) / 2"
            let channels = x.select(1, 1L).select(1, 0L).select(1, 0L).data<float32>().ToArray()
            Expect.sequenceEqual channels [| 0.0f; 0.0f; 0.0f |] "all channels alike"
        }
        test "dataset_mean and dataset_std: the first channel's value applies, as in the reference" {
            let o = DeepCoro.Runtime.Encoders.EncoderOptions(Path = "e.pt", DatasetMean = [| 110.0; 90.0; 80.0 |], DatasetStd = [| 40.0; 30.0; 20.0 |])
            let s = o.Sampling(null)
            Expect.equal (s.Mean, s.Std) (110.0, 40.0) "first values"
        }
        test "a random stride is drawn from 1..stride, the same for the same video, seed and pass" {
            let s = FrameSampling(Stride = 3, RandomStride = true)
            let draws = [ for pass in 0 .. 59 -> s.StrideFor("/data/a.avi", 7, pass) ]
            Expect.equal (set draws) (set [ 1; 2; 3 ]) "every stride in 1..3 drawn"
            Expect.equal (s.StrideFor("/data/a.avi", 7, 5)) (s.StrideFor("/data/a.avi", 7, 5)) "reproducible"
            Expect.equal (FrameSampling(Stride = 3, RandomStride = false).StrideFor("/data/a.avi", 7, 5)) 3 "fixed"
            Expect.isFalse s.Deterministic "random sampling is not cacheable"
        }
        test "dataset statistics as the reference computes them: the first existing videos, unreadable ones dropped" {
            let e = expected ()
            // absent.avi does not exist (skipped, as the reference lists existing files only); corrupt.avi fails to
            // load and is dropped from the batch without being replaced: the batch of 2 holds lossless.avi alone
            let videos = [ "absent.avi"; "corrupt.avi"; "lossless.avi"; "mjpg.avi" ] |> List.map fixture
            let s = DatasetStatistics.Compute(videos, FrameSampling(Frames = 4), 2)
            Expect.sequenceEqual s.Videos [ fixture "lossless.avi" ] "statistics over lossless.avi only"
            let mean, std = e.["computed_mean"].data<float32>().ToArray(), e.["computed_std"].data<float32>().ToArray()
            for c in 0 .. 2 do
                Expect.floatClose { absolute = 1e-3; relative = 1e-5 } s.Mean.[c] (float mean.[c]) (sprintf "mean of channel %d" c)
                Expect.floatClose { absolute = 1e-3; relative = 1e-5 } s.Std.[c] (float std.[c]) (sprintf "std of channel %d" c)
        }
    ]
