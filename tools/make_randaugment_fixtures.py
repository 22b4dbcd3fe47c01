#!/usr/bin/env python3
"""Saves torchvision's RandAugment operations on a small uint8 video, the ones DeepCORO_CLIP applies in training
(torchvision.transforms.v2.RandAugment(magnitude=9, num_ops=2) in utils/video.py), for RandAugmentTests.

Run once with Debian's python3-torch and python3-torchvision (torchvision 0.14 has the v1 class only, so each
operation is called through torchvision.transforms.functional with the parameters v2's RandAugment passes):

    /usr/bin/python3 tools/make_randaugment_fixtures.py

Writes tests/DeepCoro.Tests/Fixtures/video/randaugment.pt: {'input': uint8 [2, 3, 20, 24], '<Op>+' and '<Op>-':
the operation at magnitude bin 9 of 31 with either sign (one entry for unsigned operations)}.
"""
import math
from pathlib import Path

import torch
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

BIN, BINS = 9, 31
OUT = Path(__file__).resolve().parent.parent / "tests/DeepCoro.Tests/Fixtures/video/randaugment.pt"

g = torch.Generator().manual_seed(11)
# smooth structure plus noise, so that every operation changes something
yy, xx = torch.meshgrid(torch.arange(20.0), torch.arange(24.0), indexing="ij")
base = torch.stack([xx * 10, yy * 12, (xx + yy) * 5])
video = (base.unsqueeze(0) + torch.randint(0, 60, (2, 3, 20, 24), generator=g)).clamp(0, 255).to(torch.uint8)
video[1] = (video[1].float() * 0.5 + 40).to(torch.uint8)  # a second, low-contrast frame
h, w = video.shape[-2:]


def magnitude(top):
    return float(torch.linspace(0.0, top, BINS)[BIN])


NEAREST = InterpolationMode.NEAREST
signed = {
    "ShearX": (magnitude(0.3), lambda v, m: F.affine(v, 0.0, [0, 0], 1.0, [math.degrees(math.atan(m)), 0.0], NEAREST, None, [0, 0])),
    "ShearY": (magnitude(0.3), lambda v, m: F.affine(v, 0.0, [0, 0], 1.0, [0.0, math.degrees(math.atan(m))], NEAREST, None, [0, 0])),
    "TranslateX": (magnitude(150.0 / 331.0 * w), lambda v, m: F.affine(v, 0.0, [int(m), 0], 1.0, [0.0, 0.0], NEAREST, None)),
    "TranslateY": (magnitude(150.0 / 331.0 * h), lambda v, m: F.affine(v, 0.0, [0, int(m)], 1.0, [0.0, 0.0], NEAREST, None)),
    "Rotate": (magnitude(30.0), lambda v, m: F.rotate(v, m, NEAREST)),
    "Brightness": (magnitude(0.9), lambda v, m: F.adjust_brightness(v, 1.0 + m)),
    "Color": (magnitude(0.9), lambda v, m: F.adjust_saturation(v, 1.0 + m)),
    "Contrast": (magnitude(0.9), lambda v, m: F.adjust_contrast(v, 1.0 + m)),
    "Sharpness": (magnitude(0.9), lambda v, m: F.adjust_sharpness(v, 1.0 + m)),
}
posterize_bits = int((8 - (torch.arange(BINS) / ((BINS - 1) / 4))).round().int()[BIN])
solarize = float(torch.linspace(1.0, 0.0, BINS)[BIN])
unsigned = {
    "Posterize": lambda v: F.posterize(v, posterize_bits),
    "Solarize": lambda v: F.solarize(v, 255.0 * solarize),
    "AutoContrast": F.autocontrast,
    "Equalize": F.equalize,
}

saved = {"input": video.clone()}
for name, (m, op) in signed.items():
    saved[name + "+"] = op(video, m).contiguous()
    saved[name + "-"] = op(video, -m).contiguous()
for name, op in unsigned.items():
    saved[name] = op(video).contiguous()
for k, v in saved.items():
    assert v.dtype == torch.uint8 and v.shape == video.shape, k
torch.save(saved, OUT)
print(f"wrote {OUT}: {len(saved) - 1} outputs; posterize bits {posterize_bits}, solarize threshold {255.0 * solarize}")
