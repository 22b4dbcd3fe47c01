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
    with :? VideoException as e ->
        e.Message

[<Tests>]
let decodeTests =
    testList "video decoding" [
        for clip in [ "mjpg.avi"; "xvid.avi"; "h264.mp4"; "lossless.avi" ] do
            test (sprintf "%s decodes to ffmpeg's frames within 3 levels" clip) {
                let v = VideoDecoder.Decode(fixture clip, 1)
                let reference = ffmpegFrames clip
                let ours = v.ToTensor()
                Expect.sequenceEqual ours.shape reference.shape "frames, height, width, channels"
                let worst = (ours.to_type (torch.ScalarType.Int32) - reference.to_type (torch.ScalarType.Int32)).abs().max().item<int>()
                Expect.isLessThanOrEqual worst 3 (sprintf "max level difference %d" worst)
                if clip = "lossless.avi" then
                    Expect.equal worst 0 "a lossless clip decodes exactly"
            }
        test "a stride keeps every stride-th frame, the first included" {
            let all = VideoDecoder.Decode(fixture "lossless.avi", 1)
            let third = VideoDecoder.Decode(fixture "lossless.avi", 3)
            Expect.equal third.Read all.Frames "every frame is read"
            Expect.equal third.Frames 4 "frames 0, 3, 6, 9 of 10"
            let a, b = all.ToTensor(), third.ToTensor()
            Expect.isTrue (torch.equal(b, a.index_select (0, torch.tensor ([| 0L; 3L; 6L; 9L |]))).all().item<bool>()) "the same frames"
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
            Expect.sequenceEqual
                (frameValues y)
                [ 0.0; 1.0; 3.0; 5.0; 7.0; 9.0; 11.0; 13.0; 15.0; 17.0; 19.0; 21.0; 23.0; 25.0; 27.0; 29.0 ]
                "linspace truncated"
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
            let o =
                DeepCoro.Runtime.Encoders.EncoderOptions(
                    Path = "e.pt",
                    DatasetMean = [| 110.0; 90.0; 80.0 |],
                    DatasetStd = [| 40.0; 30.0; 20.0 |]
                )
            let s = DeepCoro.Runtime.Encoders.EncoderSampling.Sampling(o, null)
            Expect.equal (s.Mean, s.Std) (110.0, 40.0) "first values"
        }
        test "a random stride is drawn from 1..stride, the same for the same video, seed and pass" {
            let s = FrameSampling(Stride = 3, RandomStride = true)
            let draws = [ for pass in 0..59 -> s.StrideFor("/data/a.avi", 7, pass) ]
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
            for c in 0..2 do
                Expect.floatClose { absolute = 1e-3; relative = 1e-5 } s.Mean.[c] (float mean.[c]) (sprintf "mean of channel %d" c)
                Expect.floatClose { absolute = 1e-3; relative = 1e-5 } s.Std.[c] (float std.[c]) (sprintf "std of channel %d" c)
        }
    ]

/// The DT_NEEDED names of an ELF64 little-endian shared library (dynamic section and string table from the file).
let neededLibraries (path: string) =
    let elf = File.ReadAllBytes path
    let u16 (o: int64) = int64 (BitConverter.ToUInt16(elf, int o))
    let i64 (o: int64) = BitConverter.ToInt64(elf, int o)
    let phoff, phentsize, phnum = i64 0x20L, u16 0x36L, u16 0x38L
    let headers = [ for i in 0L .. phnum - 1L -> phoff + i * phentsize ]
    let typeOf h = BitConverter.ToUInt32(elf, int h)
    let loads = headers |> List.filter (fun h -> typeOf h = 1u) |> List.map (fun h -> i64 (h + 0x10L), i64 (h + 0x08L), i64 (h + 0x20L))
    let dyn = headers |> List.find (fun h -> typeOf h = 2u)
    let entries =
        [ for e in 0L .. i64 (dyn + 0x20L) / 16L - 1L -> i64 (i64 (dyn + 0x08L) + e * 16L), i64 (i64 (dyn + 0x08L) + e * 16L + 8L) ]
        |> List.takeWhile (fun (tag, _) -> tag <> 0L)
    let strtab = entries |> List.find (fun (tag, _) -> tag = 5L) |> snd
    let strOffset =
        loads |> List.pick (fun (vaddr, off, size) -> if strtab >= vaddr && strtab < vaddr + size then Some(strtab - vaddr + off) else None)
    [
        for tag, value in entries do
            if tag = 1L then
                let start = int (strOffset + value)
                let stop = Array.IndexOf(elf, 0uy, start)
                yield Text.Encoding.ASCII.GetString(elf, start, stop - start)
    ]

[<Tests>]
let nativeTests =
    testList "video native library" [
        test "the build output's libOpenCvSharpExtern.so needs glibc and libstdc++ only (no GTK, X11, cairo, fonts)" {
            let lib = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libOpenCvSharpExtern.so")
            Expect.isTrue (File.Exists lib) "copied beside the tests"
            let needed = neededLibraries lib |> Set.ofList
            Expect.equal
                needed
                (set [
                    "libm.so.6"
                    "librt.so.1"
                    "libpthread.so.0"
                    "libdl.so.2"
                    "libstdc++.so.6"
                    "libgcc_s.so.1"
                    "libc.so.6"
                    "ld-linux-x86-64.so.2"
                ])
                "what a bare Debian 12 with the .NET SDK has"
        }
    ]
