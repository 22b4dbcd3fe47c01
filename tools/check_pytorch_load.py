#!/usr/bin/env python3
"""Checks that PyTorch loads a deepcoro export and computes what deepcoro computes.

A manual tool (CI has no PyTorch): needs only the standard library and torch (tested with Debian's
torch 1.13 as /usr/bin/python3). It reads safetensors by hand (8-byte little-endian header length, JSON
header, raw data), so the `safetensors` package is not needed either.

    # random inputs for a model with D = 64 (B 3, N 4 videos, L 16 tokens; the last video of sample 0 padded)
    /usr/bin/python3 tools/check_pytorch_load.py inputs in.safetensors 3 4 16 64
    deepcoro infer --config RUN/model.ir.json --weights RUN/best.safetensors --inputs in.safetensors --output ours.safetensors
    /usr/bin/python3 tools/check_pytorch_load.py check RUN/best.safetensors in.safetensors ours.safetensors

`check` builds the reference's cls_token MIL probe (restated op for op from the reference, as
shared/tools/ref_bench.py does: separate within/across nn.MultiheadAttention with batch_first, post or pre
LayerNorm, one Linear per head, optional view embedding), calls load_state_dict(strict=True), runs it in eval
mode on x, mask (and view_ids) from INPUTS, and compares every out.<head> in OURS (and in INPUTS, when it holds
reference outputs, as golden files do) within 1e-5 + 1e-4 |expected|. Exit code 0 when all agree.
"""
import argparse, json, struct, sys
import torch, torch.nn as nn

DTYPES = {"F64": torch.float64, "F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16,
          "I64": torch.int64, "I32": torch.int32, "I16": torch.int16, "I8": torch.int8, "U8": torch.uint8,
          "BOOL": torch.bool}


def load(path):
    with open(path, "rb") as f:
        data = bytearray(f.read())   # writable, so torch.frombuffer shares it without a warning
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    out = {}
    for key, e in header.items():
        if key == "__metadata__":
            continue
        dtype, (start, end) = DTYPES[e["dtype"]], e["data_offsets"]
        count = (end - start) // torch.tensor([], dtype=dtype).element_size()
        t = torch.frombuffer(data, dtype=dtype, count=count, offset=8 + n + start) if count else torch.empty(0, dtype=dtype)
        out[key] = t.reshape(e["shape"]).clone()
    return out


def save(path, tensors):
    names = {v: k for k, v in DTYPES.items()}
    header, blobs, offset = {}, [], 0
    for key, t in tensors.items():
        b = t.contiguous().numpy().tobytes()
        header[key] = {"dtype": names[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


class ClsTokenMil(nn.Module):
    """The reference's multi_instance_linear_probing, pooling_mode cls_token, separate_video_attention=True."""

    def __init__(self, dim, heads, attention_heads, view_classes, pre_norm):
        super().__init__()
        self.pre_norm = pre_norm
        if view_classes:
            self.view_embedding = nn.Embedding(view_classes + 1, dim)
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.cls_attention_within = nn.MultiheadAttention(dim, attention_heads, batch_first=True)
        self.cls_attention_across = nn.MultiheadAttention(dim, attention_heads, batch_first=True)
        self.cls_norm_within, self.cls_norm_across = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.heads = nn.ModuleDict({k: nn.Linear(dim, n) for k, n in heads.items()})

    def level(self, attention, norm, x, key_padding_mask=None):
        seq = torch.cat([self.cls_token.expand(x.shape[0], -1, -1), x], 1)
        if self.pre_norm:
            seq = norm(seq)
        out = attention(seq, seq, seq, key_padding_mask=key_padding_mask)[0]
        return (out if self.pre_norm else norm(out))[:, 0]

    def forward(self, x, mask=None, view_ids=None):
        if view_ids is not None and hasattr(self, "view_embedding"):
            e = self.view_embedding(view_ids)
            x = x + (e.unsqueeze(2) if x.dim() == 4 else e)
        if x.dim() == 4:
            B, N, L, D = x.shape
            x = self.level(self.cls_attention_within, self.cls_norm_within, x.reshape(B * N, L, D)).view(B, N, D)
        B, N = x.shape[:2]
        mask = torch.ones(B, N, dtype=torch.bool) if mask is None else mask
        kpm = ~torch.cat([torch.ones(B, 1, dtype=torch.bool), mask], 1)
        p = self.level(self.cls_attention_across, self.cls_norm_across, x, kpm)
        return {k: h(p) for k, h in self.heads.items()}


def compare(what, expected, actual):
    excess = ((actual - expected).abs() - (1e-5 + 1e-4 * expected.abs())).max().item()
    worst = (actual - expected).abs().max().item()
    print(f"{what}: max |diff| {worst:.3g} {'ok' if excess <= 0 else 'MISMATCH'}")
    return excess <= 0


def check(a):
    state = load(a.weights)
    heads = {k.split(".")[1]: v.shape[0] for k, v in state.items() if k.startswith("heads.") and k.endswith(".weight")}
    dim = state["cls_token"].shape[-1]
    views = state["view_embedding.weight"].shape[0] - 1 if "view_embedding.weight" in state else 0
    model = ClsTokenMil(dim, heads, a.attention_heads, views, a.pre_norm)
    model.load_state_dict(state, strict=True)   # raises, listing missing and unexpected keys
    print(f"{a.weights}: load_state_dict(strict=True) ok: {len(state)} tensors, D {dim}, heads {heads}, view classes {views}")
    model.eval()
    inputs = load(a.inputs)
    with torch.no_grad():
        out = model(inputs["x"], inputs.get("mask"), inputs.get("view_ids"))
    ours = load(a.ours)
    ok = all([compare(f"pytorch vs {a.ours} out.{k}", out[k], ours[f"out.{k}"]) for k in heads])
    ok &= all([compare(f"pytorch vs reference out.{k} in {a.inputs}", inputs[f"out.{k}"], out[k]) for k in heads if f"out.{k}" in inputs])
    return 0 if ok else 1


def inputs(a):
    torch.manual_seed(a.seed)
    mask = torch.ones(a.batch, a.videos, dtype=torch.bool)
    mask[0, -1] = False
    shape = (a.batch, a.videos, a.tokens, a.dim) if a.tokens else (a.batch, a.videos, a.dim)
    save(a.out, {"x": torch.randn(*shape), "mask": mask})
    print(f"wrote {a.out}: x {list(shape)}, mask")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="verb", required=True)
    c = sub.add_parser("check", help="load WEIGHTS into the reference module and compare its outputs with OURS")
    c.add_argument("weights"), c.add_argument("inputs"), c.add_argument("ours")
    c.add_argument("--attention-heads", type=int, default=8, help="num_attention_heads (not stored in the weights; default 8)")
    c.add_argument("--pre-norm", action="store_true", help="normalization_strategy pre_norm (default post_norm)")
    i = sub.add_parser("inputs", help="write random x and mask for deepcoro infer")
    i.add_argument("out"), i.add_argument("batch", type=int), i.add_argument("videos", type=int)
    i.add_argument("tokens", type=int, help="tokens per video; 0 for [B, N, D] inputs"), i.add_argument("dim", type=int)
    i.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    return check(a) if a.verb == "check" else inputs(a)


if __name__ == "__main__":
    sys.exit(main())
