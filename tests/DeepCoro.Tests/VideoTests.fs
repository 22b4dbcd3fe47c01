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
