#!/usr/bin/env python3
"""Export a video encoder as TorchScript for `deepcoro embed` and encoder fine-tuning.

The exported module keeps the encoder's parameter names (the backbone under `model.`, the projection under `proj.`,
as DeepCORO_CLIP's VideoEncoder names them) and exports, with tensors and ints only:

  tokens(x)                 x [B, 3, T, H, W] normalised frames -> [B, L, D] tokens (or [B, D] with --aggregate)
  prefix(x, n)              the stem and the first n blocks      -> [B, L', C] hidden tokens
  suffix(h, n, t, hh, ww)   blocks n.. on h, whose token grid is t x hh x ww, then the head -> what tokens gives
  cuts()                    int64 [K + 1, 4]: per n = 0..K, the backbone parameters before block n and the grid (t, hh, ww)
  input_shape()             int64 [4]: (3, T, H, W) the encoder was exported for

suffix(prefix(x, n), n, *cuts()[n, 1:]) equals tokens(x) for every n: that is what lets a fine-tuning run compute the
frozen bottom of the encoder once per video. This script checks it, and the export against the eager model, before
writing the file. Needs PyTorch and torchvision (Debian: python3-torch python3-torchvision); not run by CI.

With --onnx FILE it also writes the same encoder's tokens(x) as ONNX (opset 17, traced in eval mode at the exported
frames and size, batch dynamic) for `deepcoro embed --encoder FILE.onnx` through ONNX Runtime: forward only, so
fine-tuning keeps the TorchScript file. `deepcoro bench --encoder E.pt --onnx E.onnx` checks that the two agree.

Examples:
  export_encoder.py --torchvision mvit_v2_s --random --out mvit_v2_s.random.pt        # random weights, 16 x 224
  export_encoder.py --torchvision mvit_v2_s --random --out mvit.pt --onnx mvit.onnx   # both, the same weights
  export_encoder.py --torchvision mvit_v2_s --state-dict kinetics.pth --out mvit.pt
  export_encoder.py --reference-repo ~/DeepCORO_CLIP --checkpoint best_epoch.pt --out deepcoro_mvit.pt
"""
import argparse
import sys
from typing import List

import torch
from torch import Tensor, nn


def mvit_cuts(backbone: nn.Module, frames: int, size: int) -> List[List[int]]:
    """Rows (parameters before block n, t, h, w) for n = 0..K, measured by running the blocks once."""
    stem = len(list(backbone.conv_proj.parameters())) + len(list(backbone.pos_encoding.parameters()))
    rows = []
    with torch.no_grad():
        x = backbone.conv_proj(torch.zeros(1, 3, frames, size, size)).flatten(2).transpose(1, 2)
        x = backbone.pos_encoding(x)
        thw = (backbone.pos_encoding.temporal_size,) + tuple(backbone.pos_encoding.spatial_size)
        before = stem
        for block in backbone.blocks:
            rows.append([before, *thw])
            x, thw = block(x, thw)
            before += len(list(block.parameters()))
        rows.append([before, *thw])
    return rows


class MViTTokens(nn.Module):
    """A torchvision MViT (v1 or v2) without its head: tokens are the normed last-block tokens through `proj`."""

    def __init__(self, backbone: nn.Module, proj: nn.Module, frames: int, size: int, aggregate: bool):
        super().__init__()
        backbone.head = nn.Identity()
        self.cut_table: List[List[int]] = mvit_cuts(backbone, frames, size)
        self.input_size: List[int] = [3, frames, size, size]
        self.aggregate = aggregate
        self.model = backbone
        self.proj = proj

    def forward(self, x: Tensor) -> Tensor:
        return self.tokens(x)

    @torch.jit.export
    def tokens(self, x: Tensor) -> Tensor:
        first = self.cut_table[0]
        return self.suffix(self.prefix(x, 0), 0, first[1], first[2], first[3])

    @torch.jit.export
    def prefix(self, x: Tensor, n: int) -> Tensor:
        x = self.model.conv_proj(x).flatten(2).transpose(1, 2)
        x = self.model.pos_encoding(x)
        thw = (self.model.pos_encoding.temporal_size,) + self.model.pos_encoding.spatial_size
        for i, block in enumerate(self.model.blocks):
            if i < n:
                x, thw = block(x, thw)
        return x

    @torch.jit.export
    def suffix(self, h: Tensor, n: int, t: int, hh: int, ww: int) -> Tensor:
        thw = (t, hh, ww)
        for i, block in enumerate(self.model.blocks):
            if i >= n:
                h, thw = block(h, thw)
        h = self.proj(self.model.norm(h))
        return h.mean(dim=1) if self.aggregate else h

    @torch.jit.export
    def cuts(self) -> Tensor:
        return torch.tensor(self.cut_table, dtype=torch.long)

    @torch.jit.export
    def input_shape(self) -> Tensor:
        return torch.tensor(self.input_size, dtype=torch.long)


def resnet_blocks(backbone: nn.Module) -> List[nn.Module]:
    return [b for layer in (backbone.layer1, backbone.layer2, backbone.layer3, backbone.layer4) for b in layer]


class VideoResNetTokens(nn.Module):
    """A torchvision VideoResNet (r3d_18, mc3_18, r2plus1d_18): its pooled feature is one token, as the reference treats it."""

    def __init__(self, backbone: nn.Module, proj: nn.Module, frames: int, size: int, aggregate: bool):
        super().__init__()
        backbone.fc = nn.Identity()
        rows = []
        before = len(list(backbone.stem.parameters()))
        with torch.no_grad():
            x = backbone.stem(torch.zeros(1, 3, frames, size, size))
            for block in resnet_blocks(backbone):
                rows.append([before, x.shape[2], x.shape[3], x.shape[4]])
                x = block(x)
                before += len(list(block.parameters()))
            rows.append([before, x.shape[2], x.shape[3], x.shape[4]])
        self.cut_table: List[List[int]] = rows
        self.input_size: List[int] = [3, frames, size, size]
        self.aggregate = aggregate
        self.model = backbone
        self.proj = proj

    def forward(self, x: Tensor) -> Tensor:
        return self.tokens(x)

    def _blocks(self, x: Tensor, lo: int, hi: int) -> Tensor:
        i = 0
        for block in self.model.layer1:
            if lo <= i < hi:
                x = block(x)
            i += 1
        for block in self.model.layer2:
            if lo <= i < hi:
                x = block(x)
            i += 1
        for block in self.model.layer3:
            if lo <= i < hi:
                x = block(x)
            i += 1
        for block in self.model.layer4:
            if lo <= i < hi:
                x = block(x)
            i += 1
        return x

    @torch.jit.export
    def tokens(self, x: Tensor) -> Tensor:
        first = self.cut_table[0]
        return self.suffix(self.prefix(x, 0), 0, first[1], first[2], first[3])

    @torch.jit.export
    def prefix(self, x: Tensor, n: int) -> Tensor:
        x = self._blocks(self.model.stem(x), 0, n)
        return x.flatten(2).transpose(1, 2)

    @torch.jit.export
    def suffix(self, h: Tensor, n: int, t: int, hh: int, ww: int) -> Tensor:
        x = h.transpose(1, 2).reshape(h.shape[0], h.shape[2], t, hh, ww)
        x = self.model.avgpool(self._blocks(x, n, len(self.cut_table) - 1)).flatten(1)
        h = self.proj(x.unsqueeze(1))
        return h.mean(dim=1) if self.aggregate else h

    @torch.jit.export
    def cuts(self) -> Tensor:
        return torch.tensor(self.cut_table, dtype=torch.long)

    @torch.jit.export
    def input_shape(self) -> Tensor:
        return torch.tensor(self.input_size, dtype=torch.long)


def projection(width: int, output_dim: int, dropout: float) -> nn.Module:
    """The reference VideoEncoder's projection: dropout, linear, GELU, dropout."""
    return nn.Sequential(nn.Dropout(dropout), nn.Linear(width, output_dim), nn.GELU(), nn.Dropout(dropout))


def wrap(backbone: nn.Module, proj: nn.Module, frames: int, size: int, aggregate: bool) -> nn.Module:
    if hasattr(backbone, "conv_proj") and hasattr(backbone, "blocks"):
        return MViTTokens(backbone, proj, frames, size, aggregate)
    if hasattr(backbone, "stem") and hasattr(backbone, "layer4"):
        return VideoResNetTokens(backbone, proj, frames, size, aggregate)
    raise SystemExit(f"{type(backbone).__name__}: not an MViT or a VideoResNet; export_encoder.py knows those two families")


def width_of(backbone: nn.Module) -> int:
    """The backbone's feature width: its last norm (MViT) or the input of its classifier (VideoResNet)."""
    return backbone.norm.normalized_shape[0] if hasattr(backbone, "norm") else backbone.fc.in_features


def from_torchvision(args) -> nn.Module:
    import torchvision.models.video as video
    if not hasattr(video, args.torchvision):
        raise SystemExit(f"--torchvision {args.torchvision}: not a torchvision video model")
    backbone = getattr(video, args.torchvision)(weights=None)
    if args.state_dict:
        backbone.load_state_dict(torch.load(args.state_dict, map_location="cpu"))
    elif not args.random:
        raise SystemExit("give --state-dict FILE (torchvision weights) or --random (random weights, for benchmarks)")
    proj = projection(width_of(backbone), args.output_dim, args.dropout) if args.output_dim else nn.Identity()
    return wrap(backbone, proj, args.frames, args.resize, args.aggregate)


def from_reference(args) -> nn.Module:
    """DeepCORO_CLIP's VideoEncoder from the user's clone: its backbone and projection, its checkpoint's weights."""
    sys.path.insert(0, args.reference_repo)
    from models.video_encoder import VideoEncoder  # noqa: the user's clone of DeepCORO_CLIP
    encoder = VideoEncoder(backbone="mvit", num_frames=args.frames, pretrained=False, output_dim=args.output_dim or 512,
                           dropout=args.dropout, num_heads=args.num_heads, aggregator_depth=args.aggregator_depth)
    state = torch.load(args.checkpoint, map_location="cpu")
    state = state.get("video_encoder", state.get("model_state_dict", state.get("state_dict", state)))
    encoder.load_state_dict({k.replace("module.", "", 1): v for k, v in state.items()})
    return wrap(encoder.model, encoder.proj, args.frames, args.resize, args.aggregate)


def check(eager: nn.Module, scripted: torch.jit.ScriptModule, frames: int, size: int, tolerance: float) -> None:
    """The script equals the eager module, and prefix + suffix equals tokens at every cut."""
    eager.eval()
    scripted.eval()
    torch.manual_seed(0)
    x = torch.randn(2, 3, frames, size, size)
    with torch.no_grad():
        expected = eager.tokens(x)
        got = scripted.tokens(x)
        worst = (expected - got).abs().max().item()
        print(f"tokens: {tuple(got.shape)}, script vs eager max |diff| {worst:.2e}")
        if worst > tolerance:
            raise SystemExit(f"the script differs from the eager model by {worst:.2e} (> {tolerance})")
        cuts = scripted.cuts()
        for n in range(cuts.shape[0]):
            t, hh, ww = (int(v) for v in cuts[n, 1:])
            split = scripted.suffix(scripted.prefix(x, n), n, t, hh, ww)
            diff = (split - got).abs().max().item()
            if diff > tolerance:
                raise SystemExit(f"suffix(prefix(x, {n})) differs from tokens(x) by {diff:.2e} (> {tolerance})")
        print(f"prefix/suffix: all {cuts.shape[0]} cuts equal tokens (within {tolerance})")


def export_onnx(eager: nn.Module, frames: int, size: int, path: str) -> None:
    """tokens(x) as ONNX: input `frames` [B, 3, T, H, W], output `tokens`; node names dropped (they only add bytes)."""
    import onnx
    eager.eval()
    x = torch.zeros(1, 3, frames, size, size)
    torch.onnx.export(eager, (x,), path, input_names=["frames"], output_names=["tokens"], opset_version=17,
                      dynamic_axes={"frames": {0: "batch"}, "tokens": {0: "batch"}}, do_constant_folding=True)
    model = onnx.load(path)
    for node in model.graph.node:
        node.name = ""
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--torchvision", help="a torchvision video model name: mvit_v2_s, mvit_v1_b, r3d_18, mc3_18, r2plus1d_18")
    source.add_argument("--reference-repo", help="a clone of DeepCORO_CLIP (its VideoEncoder is imported from there)")
    p.add_argument("--checkpoint", help="with --reference-repo: a checkpoint holding 'video_encoder' (or a state dict)")
    p.add_argument("--state-dict", help="with --torchvision: the backbone's weights")
    p.add_argument("--random", action="store_true", help="with --torchvision: keep random weights")
    p.add_argument("--frames", type=int, default=16)
    p.add_argument("--resize", type=int, default=224)
    p.add_argument("--output-dim", type=int, default=512, help="projection width (0 = no projection, torchvision only)")
    p.add_argument("--dropout", type=float, default=0.2, help="the projection's dropout (the reference's `dropout`)")
    p.add_argument("--num-heads", type=int, default=4, help="with --reference-repo: its aggregator's heads")
    p.add_argument("--aggregator-depth", type=int, default=2, help="with --reference-repo: its aggregator's depth")
    p.add_argument("--aggregate", action="store_true", help="tokens gives one [D] vector per video (mean of the tokens)")
    p.add_argument("--tolerance", type=float, default=1e-4)
    p.add_argument("--out", required=True)
    p.add_argument("--onnx", help="also write tokens(x) as ONNX to this file (for embed through ONNX Runtime)")
    args = p.parse_args()
    if args.reference_repo and not args.checkpoint:
        raise SystemExit("--reference-repo needs --checkpoint")
    eager = from_reference(args) if args.reference_repo else from_torchvision(args)
    scripted = torch.jit.script(eager)
    check(eager, scripted, args.frames, args.resize, args.tolerance)
    scripted.save(args.out)
    print(f"wrote {args.out}: {sum(p.numel() for p in eager.parameters())} parameters, "
          f"{sum(1 for n, _ in eager.named_parameters() if n.startswith('model.'))} backbone tensors")
    if args.onnx:
        export_onnx(eager, args.frames, args.resize, args.onnx)
        print(f"wrote {args.onnx}: tokens(x) as ONNX (check it against {args.out} with deepcoro bench --onnx)")


if __name__ == "__main__":
    main()
