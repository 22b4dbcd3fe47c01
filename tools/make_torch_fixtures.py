"""Writes the .pt fixtures of tests/DeepCoro.Tests/Fixtures/torch with PyTorch (run once; CI has no PyTorch).

    git -C <DeepCORO_CLIP mirror> archive HEAD models utils | tar -x -C /tmp/deepcoro-ref
    /usr/bin/python3 tools/make_torch_fixtures.py --reference /tmp/deepcoro-ref --out tests/DeepCoro.Tests/Fixtures/torch

The reference checkout is only imported (its MultiInstanceLinearProbing builds the checkpoint's model); nothing of
it is written here. Expected values go beside each file as safetensors, written by the small writer below (the
safetensors package is not on this machine).
"""

import argparse
import collections
import functools
import importlib.util
import io
import json
import math
import os
import sys
import zipfile

import numpy as np
import torch

# The command the malicious pickle would run if it were ever executed; the tests check this file never appears.
MALICIOUS_MARKER = "/tmp/deepcoro-malicious-pickle-ran"

SAFETENSORS_DTYPES = {
    torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.int64: "I64",
    torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL",
}


def save_safetensors(path, tensors, metadata=None):
    """The safetensors layout: 8-byte little-endian header length, JSON header, raw little-endian data."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for key, tensor in tensors.items():
        t = tensor.detach().contiguous()
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes()
        header[key] = {"dtype": SAFETENSORS_DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(len(text).to_bytes(8, "little"))
        f.write(text)
        for b in blobs:
            f.write(b)


def big_endian_copy(source, target, element_size):
    """A copy of a torch.save zip whose storages are big-endian and say so in `byteorder` (as PyTorch 2.1+ writes)."""
    with zipfile.ZipFile(source) as z:
        prefix = z.namelist()[0].split("/")[0]
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as out:
            for name in z.namelist():
                data = z.read(name)
                if name.startswith(prefix + "/data/"):
                    data = np.frombuffer(data, dtype=np.dtype(f"<u{element_size}")).byteswap().tobytes()
                out.writestr(name, data)
            out.writestr(prefix + "/byteorder", "big")


def embeddings(out):
    """Tensor embeddings as utils/generate_video_embeddings.py writes them: torch.save(tensor) of one video."""
    g = torch.Generator().manual_seed(11)
    expected = {}
    # On CPU, `embedding.cpu()` of one item of the encoder's batch is a view: the whole batch storage is saved.
    batch = torch.randn(3, 6, 32, generator=g)
    torch.save(batch[1], os.path.join(out, "embedding_f32.pt"))
    expected["embedding_f32"] = batch[1]
    pooled = torch.randn(32, generator=g).half()
    torch.save(pooled, os.path.join(out, "embedding_f16.pt"))
    expected["embedding_f16"] = pooled.float()
    transposed = torch.randn(32, 6, generator=g).t()
    torch.save(transposed, os.path.join(out, "embedding_strided.pt"))
    expected["embedding_strided"] = transposed
    legacy = torch.randn(6, 32, generator=g)
    torch.save(legacy, os.path.join(out, "embedding_legacy.pt"), _use_new_zipfile_serialization=False)
    expected["embedding_legacy"] = legacy
    # torch.save(..., pickle_protocol=4): frames, STACK_GLOBAL and MEMOIZE instead of protocol 2's opcodes.
    protocol4 = torch.randn(6, 32, generator=g)
    torch.save(protocol4, os.path.join(out, "embedding_protocol4.pt"), pickle_protocol=4)
    expected["embedding_protocol4"] = protocol4
    swapped = torch.randn(6, 32, generator=g)
    buffer = io.BytesIO()
    torch.save(swapped, buffer)
    buffer.seek(0)
    big_endian_copy(buffer, os.path.join(out, "embedding_bigendian.pt"), 4)
    expected["embedding_bigendian"] = swapped
    save_safetensors(os.path.join(out, "embeddings.expected.safetensors"), {k: v.contiguous() for k, v in expected.items()})


def dtypes(out):
    """One tensor per storage type the reader knows, plain Python values, and a Parameter."""
    g = torch.Generator().manual_seed(12)
    base = torch.randn(2, 3, generator=g)
    tensors = collections.OrderedDict(
        f32=base, f16=base.half(), bf16=base.bfloat16(), f64=base.double(),
        i64=torch.tensor([[-(2 ** 40), 1, 2], [3, 4, 5]]), i32=torch.tensor([-7, 0, 2 ** 30], dtype=torch.int32),
        bool=torch.tensor([True, False, True]), u8=torch.tensor([0, 128, 255], dtype=torch.uint8),
        scalar=torch.tensor(2.5), empty=torch.zeros(0, 3), sliced=torch.arange(20.0).view(4, 5)[1:3, ::2],
    )
    values = {
        "tensors": tensors,
        "parameter": torch.nn.Parameter(torch.ones(2)),
        "plain": {"int": 3, "negative": -300000, "big": 2 ** 70, "float": 0.5, "inf": math.inf, "str": "λ", "none": None,
                  "flag": True, "tuple": (1, "a"), "list": [1.5, 2], "bytes": b"\x00\xff", "set": {4, 5},
                  "size": torch.Size([2, 3]), 7: "int key"},
    }
    torch.save(values, os.path.join(out, "values.pt"))
    expected = dict(tensors)
    expected["parameter"] = torch.ones(2)
    save_safetensors(os.path.join(out, "values.expected.safetensors"), {k: v.contiguous() for k, v in expected.items()})


class Torch2Reduce:
    """Pickles a tensor the way PyTorch 2.x writes what 1.13 cannot: `wrap(func, args)` gives the reduce tuple."""

    def __init__(self, tensor, wrap):
        self.tensor, self.wrap = tensor, wrap

    def __reduce_ex__(self, protocol):
        return self.wrap(*self.tensor._reduce_ex_internal(protocol))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """Only named in the pickle: PyTorch 2.x's rebuild of a Parameter with attributes (1.13 lacks it)."""


def torch2_values(out):
    """What PyTorch 2.x writes differently: the folder 'archive', a byteorder entry, metadata after a tensor's
    arguments, parameters with state, tensors with attributes through _rebuild_from_type_v2."""
    _rebuild_parameter_with_state.__module__ = "torch._utils"
    torch._utils._rebuild_parameter_with_state = _rebuild_parameter_with_state
    g = torch.Generator().manual_seed(15)
    with_metadata, parameter, with_attribute = (torch.randn(2, 3, generator=g) for _ in range(3))
    values = {
        "with_metadata": Torch2Reduce(with_metadata, lambda f, args: (f, args + ({"conj": False},))),
        "parameter": Torch2Reduce(parameter, lambda f, args: (
            _rebuild_parameter_with_state, (Torch2Reduce(parameter, lambda f, a: (f, a)), True, collections.OrderedDict(), {"note": "p"}))),
        "with_attribute": Torch2Reduce(with_attribute, lambda f, args: (
            torch._tensor._rebuild_from_type_v2, (f, torch.Tensor, args, {"note": "t"}))),
    }
    buffer = io.BytesIO()
    torch.save(values, buffer)
    buffer.seek(0)
    with zipfile.ZipFile(buffer) as z, zipfile.ZipFile(os.path.join(out, "values_torch2.pt"), "w", zipfile.ZIP_STORED) as target:
        for name in z.namelist():
            target.writestr(name, z.read(name))
        target.writestr("archive/byteorder", "little")
    expected = {"with_metadata": with_metadata, "parameter": parameter, "with_attribute": with_attribute}
    save_safetensors(os.path.join(out, "values_torch2.expected.safetensors"), expected)


def load_reference_model(reference):
    """MultiInstanceLinearProbing from a checkout, without importing its models package (which needs transformers)."""
    sys.path.insert(0, reference)
    spec = importlib.util.spec_from_file_location("mil", os.path.join(reference, "models", "multi_instance_linear_probing.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.MultiInstanceLinearProbing


class Ddp(torch.nn.Module):
    """Stands in for DistributedDataParallel, whose state_dict keys are its module's under `module.`."""

    def __init__(self, module):
        super().__init__()
        self.module = module


class VideoMilWrapper(torch.nn.Module):
    """The reference's training-time layout: a video encoder and the DDP-wrapped MIL model."""

    def __init__(self, video_encoder, mil_model):
        super().__init__()
        self.video_encoder = video_encoder
        self.mil_model = mil_model


def warmup_cosine(step, warmup, total):
    if step < warmup:
        return step / max(1, warmup)
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


CHECKPOINT_CONFIG = """\
# The model the reference builds for tools/make_torch_fixtures.py's checkpoint (8 heads, separate layers, post-norm).
model_config:
  embedding_dim: 16
  pooling_mode: cls_token
  input_rank: 4
  dropout: 0.1
  head_structure:
    cathEF: 1
    stenosis: 3
    contrast: 2
"""


def checkpoint(out, reference):
    """A checkpoint as runners/linear_probing_runner.py's _save_checkpoint writes it, plus inputs and outputs."""
    torch.manual_seed(13)
    heads = {"cathEF": 1, "stenosis": 3, "contrast": 2}
    mil = load_reference_model(reference)(embedding_dim=16, head_structure=heads, pooling_mode="cls_token", dropout=0.1)
    wrapper = VideoMilWrapper(torch.nn.Linear(4, 16), Ddp(mil))
    groups = [{"params": wrapper.video_encoder.parameters(), "lr": 1e-5, "name": "video_encoder", "weight_decay": 0.0}]
    groups += [{"params": mil.heads[h].parameters(), "lr": 1e-3, "name": f"head_{h}", "weight_decay": 1e-4} for h in heads]
    cls = [mil.cls_token, *mil.cls_attention_within.parameters(), *mil.cls_attention_across.parameters(),
           *mil.cls_norm_within.parameters(), *mil.cls_norm_across.parameters()]
    groups.append({"params": cls, "lr": 3e-3, "name": "cls_token", "weight_decay": 1e-4})
    optimizer = torch.optim.AdamW(groups)
    schedule = functools.partial(warmup_cosine, warmup=2, total=10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, [schedule] * len(groups))
    mil.train()
    for _ in range(3):
        x = torch.randn(4, 3, 5, 16)
        outputs = mil(x)
        loss = sum((o ** 2).mean() for o in outputs.values()) + wrapper.video_encoder(torch.randn(2, 4)).pow(2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    folder = os.path.join(out, "checkpoint")
    os.makedirs(folder, exist_ok=True)
    torch.save({
        "linear_probing": wrapper.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": 3,
        "scaler": {"scale": 65536.0, "growth_factor": 2.0, "backoff_factor": 0.5, "growth_interval": 2000, "_growth_tracker": 0},
    }, os.path.join(folder, "best_model_epoch_3.pt"))
    torch.save(mil.state_dict(), os.path.join(folder, "mil_state_dict.pt"))
    with open(os.path.join(folder, "config.yaml"), "w") as f:
        f.write(CHECKPOINT_CONFIG)
    mil.eval()
    x = torch.randn(3, 3, 5, 16)
    mask = torch.tensor([[True, True, True], [True, True, False], [True, False, False]])
    x[~mask] = 0.0
    with torch.no_grad():
        outputs = mil(x, mask=mask)
    io_tensors = {"x": x, "mask": mask}
    io_tensors.update({f"out.{h}": o for h, o in outputs.items()})
    save_safetensors(os.path.join(folder, "io.safetensors"), io_tensors, {"source": "MultiInstanceLinearProbing, PyTorch " + torch.__version__})
    return wrapper.state_dict()


class RunsACommand:
    """What a malicious .pt does: unpickling it calls os.system."""

    def __reduce__(self):
        return (os.system, (f"touch {MALICIOUS_MARKER}",))


def refused(out, state_dict):
    torch.save({"linear_probing": RunsACommand(), "epoch": 1}, os.path.join(out, "malicious.pt"))
    torch.save({"linear_probing": RunsACommand()}, os.path.join(out, "malicious_legacy.pt"), _use_new_zipfile_serialization=False)
    # Common in the wild: the training arguments saved beside the weights.
    torch.save({"linear_probing": state_dict, "args": argparse.Namespace(lr=0.1)}, os.path.join(out, "foreign_class.pt"))


def training_embeddings(out):
    """Eight [4, 16] video embeddings as .pt (two in float16) with .npy twins written by NumPy from the same values."""
    folder = os.path.join(out, "videos")
    os.makedirs(folder, exist_ok=True)
    g = torch.Generator().manual_seed(14)
    for k in range(8):
        e = torch.randn(4, 16, generator=g)
        if k >= 6:
            e = e.half()
        torch.save(e, os.path.join(folder, f"video{k}.pt"))
        np.save(os.path.join(folder, f"video{k}.npy"), e.numpy())


class ForwardOnlyEncoder(torch.nn.Module):
    """An encoder as a user scripts it: forward(x) [B, 3, T, H, W] -> [B, L, D] tokens, and no other method."""

    def __init__(self):
        super().__init__()
        self.patch = torch.nn.Conv3d(3, 8, kernel_size=(2, 8, 8), stride=(2, 8, 8))

    def forward(self, x):
        return self.patch(x).flatten(2).transpose(1, 2)


def forward_only_encoder(out):
    """torch.jit.script of ForwardOnlyEncoder (4 frames at 32 x 32 give 32 tokens of 8), and its tokens of one input."""
    torch.manual_seed(5)
    scripted = torch.jit.script(ForwardOnlyEncoder().eval())
    scripted.save(os.path.join(out, "forward_only_encoder.pt"))
    x = torch.linspace(-1, 1, 3 * 4 * 32 * 32).reshape(1, 3, 4, 32, 32)
    with torch.no_grad():
        tokens = scripted(x)
    save_safetensors(os.path.join(out, "forward_only_encoder.expected.safetensors"), {"x": x, "tokens": tokens.contiguous()})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", required=True, help="a checkout of DeepCORO_CLIP (models/ and utils/ suffice)")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    embeddings(args.out)
    dtypes(args.out)
    torch2_values(args.out)
    state_dict = checkpoint(args.out, args.reference)
    refused(args.out, state_dict)
    training_embeddings(args.out)
    forward_only_encoder(args.out)
    for root, _, files in sorted(os.walk(args.out)):
        for name in sorted(files):
            path = os.path.join(root, name)
            print(f"{os.path.getsize(path):8d}  {os.path.relpath(path, args.out)}")


if __name__ == "__main__":
    main()
