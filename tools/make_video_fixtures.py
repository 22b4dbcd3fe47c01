#!/usr/bin/env python3
"""Makes tests/DeepCoro.Tests/Fixtures/video: tiny clips, their frames as ffmpeg decodes them, a tiny scripted encoder
(and its ONNX export) and the tokens PyTorch computes from a clip through the reference's frame sampling.

Run once by hand (needs ffmpeg, python3-torch and python3-torchvision from Debian); CI has neither and uses the files.
  /usr/bin/python3 tools/make_video_fixtures.py
"""
import json
import os
import struct
import subprocess
import sys
from typing import List

import numpy as np
import torch
import torchvision.transforms as T
from torchvision.models.video.mvit import MSBlockConfig, MViT

sys.path.insert(0, os.path.dirname(__file__))
from export_encoder import check, export_onnx, projection, wrap  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "tests", "DeepCoro.Tests", "Fixtures", "video")
WIDTH, HEIGHT, FRAMES = 40, 32, 10
ENCODER_FRAMES, ENCODER_SIZE = 4, 32


def synthetic_frames() -> np.ndarray:
    """[F, H, W, 3] uint8: colour gradients and a moving square, different in every channel and frame."""
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    frames = []
    for f in range(FRAMES):
        r = (x * 6 + f * 9) % 256
        g = (y * 7 + 40) % 256
        b = ((x + y) * 3 + f * 17) % 256
        frame = np.stack([r, g, b], axis=-1).astype(np.uint8)
        frame[4 + f:12 + f, 6 + 2 * f:16 + 2 * f] = (250 - f * 20, 30, 200)
        frames.append(frame)
    return np.stack(frames)


def encode(frames: np.ndarray, path: str, codec_args: list) -> None:
    f, h, w, _ = frames.shape
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", "10", "-i", "-"]
    subprocess.run(cmd + codec_args + [path], input=frames.tobytes(), check=True)


def decode(path: str) -> np.ndarray:
    """Every frame as ffmpeg's own decoder gives it, RGB."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
                         check=True, capture_output=True).stdout
    return np.frombuffer(raw, np.uint8).reshape(-1, HEIGHT, WIDTH, 3)


def save_safetensors(path: str, tensors: dict, metadata: dict = None) -> None:
    """The safetensors layout (8-byte header length, JSON header, raw little-endian data), written by hand."""
    names = {np.dtype(np.uint8): "U8", np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for key, array in tensors.items():
        data = np.ascontiguousarray(array).tobytes()
        header[key] = {"dtype": names[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":"))
    text += " " * ((8 - (len(text) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for b in blobs:
            f.write(b)


def sample(frames: np.ndarray, n_frames: int, resize: int, stride: int, mean: float, std: float) -> torch.Tensor:
    """The reference's load_video after decoding (utils/video.py), restated: [F, C, H, W] float32."""
    video = torch.from_numpy(frames[::stride].astype(np.float32)).permute(0, 3, 1, 2)
    t = video.shape[0]
    if t < n_frames:
        video = torch.cat([video, video[-1:].repeat(n_frames - t, 1, 1, 1)], dim=0)
    elif t > n_frames:
        video = video[torch.linspace(0, t - 1, n_frames).long()]
    video = T.Resize((resize, resize), antialias=True)(video)
    return T.Normalize(mean=[mean] * 3, std=[std] * 3)(video)


def statistics(videos: list, n_frames: int, stride: int):
    """calculate_dataset_statistics_ddp on the first batch (up to 4 videos): unnormalised frames resized to 224."""
    batch = torch.stack([sample(v, n_frames, 224, stride, 0.0, 1.0).permute(0, 2, 3, 1) for v in videos[:4]])
    pixels = batch.reshape(-1, 3)
    mean = pixels.sum(dim=0) / pixels.shape[0]
    std = torch.sqrt(pixels.pow(2).sum(dim=0) / pixels.shape[0] - mean ** 2)
    return mean, std


def tiny_encoder() -> torch.nn.Module:
    """A 4-block MViT-v2-like encoder (8 then 16 channels, one pooling stage) projected to 8: a few kilobytes."""
    torch.manual_seed(12)
    blocks = [
        MSBlockConfig(1, 8, 8, [3, 3, 3], [3, 3, 3], [1, 1, 1], [1, 2, 2]),
        MSBlockConfig(2, 8, 16, [3, 3, 3], [3, 3, 3], [1, 2, 2], [1, 1, 1]),
        MSBlockConfig(2, 16, 16, [3, 3, 3], [3, 3, 3], [1, 1, 1], [1, 1, 1]),
        MSBlockConfig(2, 16, 16, [3, 3, 3], [3, 3, 3], [1, 1, 1], [1, 1, 1]),
    ]
    backbone = MViT(spatial_size=(ENCODER_SIZE, ENCODER_SIZE), temporal_size=ENCODER_FRAMES, block_setting=blocks,
                    residual_pool=True, residual_with_cls_embed=False, rel_pos_embed=True, proj_after_attn=True,
                    stochastic_depth_prob=0.0, num_classes=10)
    return wrap(backbone, projection(16, 8, 0.0), ENCODER_FRAMES, ENCODER_SIZE, aggregate=False)


class WrongRank(torch.nn.Module):
    """Has every method an encoder needs, but tokens() gives the frames back: rank 5, not [B, L, D]."""

    def __init__(self):
        super().__init__()
        self.model = torch.nn.Linear(3, 3)
        self.cut_table: List[List[int]] = [[2, 1, 1, 1]]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        return x

    @torch.jit.export
    def prefix(self, x: torch.Tensor, n: int) -> torch.Tensor:
        return x

    @torch.jit.export
    def suffix(self, h: torch.Tensor, n: int, t: int, hh: int, ww: int) -> torch.Tensor:
        return h

    @torch.jit.export
    def cuts(self) -> torch.Tensor:
        return torch.tensor(self.cut_table, dtype=torch.long)

    @torch.jit.export
    def input_shape(self) -> torch.Tensor:
        return torch.tensor([3, 4, 32, 32], dtype=torch.long)


def bad_encoders() -> None:
    """Encoders `embed` must refuse: a pickle, a script without the methods, a script whose tokens have rank 5."""
    torch.save({"weight": torch.zeros(2, 2)}, os.path.join(OUT, "bad_pickle.pt"))
    torch.jit.script(torch.nn.Linear(2, 2)).save(os.path.join(OUT, "bad_no_methods.pt"))
    torch.jit.script(WrongRank()).save(os.path.join(OUT, "bad_wrong_rank.pt"))


def main() -> None:
    os.makedirs(OUT, exist_ok=True)
    frames = synthetic_frames()
    clips = {
        "mjpg.avi": ["-c:v", "mjpeg", "-q:v", "3", "-pix_fmt", "yuvj420p"],
        "xvid.avi": ["-c:v", "mpeg4", "-vtag", "XVID", "-q:v", "3"],
        "h264.mp4": ["-c:v", "libx264", "-preset", "veryslow", "-crf", "18", "-pix_fmt", "yuv420p"],
        "lossless.avi": ["-c:v", "rawvideo", "-pix_fmt", "bgr24"],
    }
    decoded = {}
    for name, args in clips.items():
        path = os.path.join(OUT, name)
        encode(frames, path, args)
        decoded[name] = decode(path)
        save_safetensors(os.path.join(OUT, name + ".frames.safetensors"), {"frames": decoded[name]})
    encode(frames[:1], os.path.join(OUT, "oneframe.avi"), clips["mjpg.avi"])
    with open(os.path.join(OUT, "h264.mp4"), "rb") as f:
        whole = f.read()
    with open(os.path.join(OUT, "truncated.mp4"), "wb") as f:
        f.write(whole[: len(whole) // 3])
    with open(os.path.join(OUT, "corrupt.avi"), "wb") as f:
        f.write(np.random.default_rng(3).integers(0, 256, 2048, dtype=np.uint8).tobytes())

    bad_encoders()
    eager = tiny_encoder().eval()
    scripted = torch.jit.script(eager)
    check(eager, scripted, ENCODER_FRAMES, ENCODER_SIZE, 1e-6)
    scripted.save(os.path.join(OUT, "tiny_encoder.pt"))
    # the same weights as ONNX, for embed through ONNX Runtime (its tokens are checked against the script's in C#)
    export_onnx(eager, ENCODER_FRAMES, ENCODER_SIZE, os.path.join(OUT, "tiny_encoder.onnx"))

    # tokens PyTorch computes from the lossless clip (what any decoder gives exactly) through the reference's sampling:
    # the given dataset_mean/dataset_std (of which the reference uses the first channel's), and the computed ones
    lossless = decoded["lossless.avi"]
    expected = {}
    for stride in (1, 3):
        x = sample(lossless, ENCODER_FRAMES, ENCODER_SIZE, stride, 110.0, 40.0)
        with torch.no_grad():
            expected[f"tokens_stride{stride}"] = scripted.tokens(x.permute(1, 0, 2, 3).unsqueeze(0))[0].numpy()
        expected[f"input_stride{stride}"] = x.numpy()
    mean, std = statistics([lossless], ENCODER_FRAMES, 1)
    x = sample(lossless, ENCODER_FRAMES, ENCODER_SIZE, 1, float(mean[0]), float(std[0]))
    with torch.no_grad():
        expected["tokens_computed_stats"] = scripted.tokens(x.permute(1, 0, 2, 3).unsqueeze(0))[0].numpy()
    expected["computed_mean"] = mean.numpy().astype(np.float32)
    expected["computed_std"] = std.numpy().astype(np.float32)
    save_safetensors(os.path.join(OUT, "lossless.avi.expected.safetensors"), expected,
                     {"frames": str(ENCODER_FRAMES), "resize": str(ENCODER_SIZE), "mean": "110", "std": "40",
                      "statistics_over": "lossless.avi"})
    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(os.path.join(OUT, name)):>8}  {name}")


if __name__ == "__main__":
    main()
