#!/usr/bin/env python3
"""Checks that PyTorch loads a .pt file written by deepcoro's writer (TorchFileWriter) as one torch.save wrote.

A manual tool (CI has no PyTorch): the standard library and torch (tested with Debian's torch 1.13 as
/usr/bin/python3).

    /usr/bin/python3 tools/check_pt_writer.py [FILE]

FILE defaults to tests/DeepCoro.Tests/Fixtures/torch/written/study_embeddings.pt, the file whose bytes
tests/DeepCoro.Tests/TorchWriterTests.fs compares with what the writer makes of three fixed studies. Checks:

- the zip layout: archive/data.pkl, archive/byteorder ('little'), archive/data/0.., archive/version ('3\\n'), each
  stored uncompressed with its data on a 64-byte boundary, as PyTorch's writer aligns it;
- torch.load reads it, and so does torch.load(weights_only=True) (the pickle names nothing but tensors);
- torch.save of what was loaded writes the same data.pkl, byte for byte, the same storage bytes, and the same
  local headers, padding fields and data descriptors (torch 1.13 writes no byteorder entry; 2.1 and later do);
- a study embeddings dict is DeepCORO_CLIP's: {'study_ids': [str, ...], 'embeddings': float32 [N, W],
  'embedding_dim': W}, in that order; the default FILE holds the test's values.

Prints what it found; exit code 0 when everything holds.
"""
import io, pickle, struct, sys, zipfile
from pathlib import Path

import torch

FIXTURE = Path(__file__).resolve().parent.parent / "tests/DeepCoro.Tests/Fixtures/torch/written/study_embeddings.pt"
FIXED_IDS = ["study-1", "study-2", "étude-3"]
FIXED_VALUES = torch.tensor([(i - 5) * 0.25 for i in range(12)], dtype=torch.float32).reshape(3, 4)


def entries(data):
    """name -> (bytes, offset of the data, compression, records) of every entry of a zip held in memory; records:
    the local header up to the name's length, the extra field's tag and the data descriptor."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            at = info.header_offset
            name_length, extra_length = struct.unpack("<HH", data[at + 26:at + 30])
            start = at + 30 + name_length + extra_length
            content = z.read(info)
            end = start + len(content)
            records = (data[at:at + 26], data[at + 30 + name_length:at + 32 + name_length], data[end:end + 16])
            out[info.filename] = (content, start, info.compress_type, records)
    return out


def check_layout(ours):
    names = list(ours)
    storages = [n for n in names if n.startswith("archive/data/")]
    expected = ["archive/data.pkl", "archive/byteorder"] + [f"archive/data/{i}" for i in range(len(storages))] + ["archive/version"]
    assert names == expected, f"entries {names}, expected {expected}"
    for name, (_, start, compression, _) in ours.items():
        assert compression == zipfile.ZIP_STORED, f"{name} is compressed"
        assert start % 64 == 0, f"{name}'s data starts at byte {start}, not on a 64-byte boundary"
    assert ours["archive/byteorder"][0] == b"little", ours["archive/byteorder"][0]
    assert ours["archive/version"][0] == b"3\n", ours["archive/version"][0]
    print(f"layout: {names}, stored, data at {[e[1] for e in ours.values()]} (64-byte aligned)")


def check_weights_only(path, loaded):
    try:
        restricted = torch.load(path, weights_only=True)
    except pickle.UnpicklingError as e:
        # torch 1.13's restricted unpickler lacks opcodes (BINFLOAT: Python floats): fine if torch's own file fails too
        buffer = io.BytesIO()
        torch.save(loaded, buffer)
        buffer.seek(0)
        try:
            torch.load(buffer, weights_only=True)
        except pickle.UnpicklingError:
            print(f"torch.load(weights_only=True) refuses it, and torch.save's own file of the same value alike: {e}")
            return
        raise
    if isinstance(loaded, dict):
        assert list(restricted) == list(loaded), (list(restricted), list(loaded))
    print("torch.load(weights_only=True) reads it")


def check_resave(loaded, ours):
    buffer = io.BytesIO()
    torch.save(loaded, buffer)
    theirs = entries(buffer.getvalue())
    assert theirs["archive/data.pkl"][0] == ours["archive/data.pkl"][0], "torch.save pickles what it loaded differently"
    for name in theirs:
        if name.startswith("archive/data/"):
            assert theirs[name][0] == ours[name][0], f"{name}: storage bytes differ"
        assert theirs[name][3] == ours[name][3], f"{name}: local header, extra field or data descriptor differs"
    print(f"torch.save of the loaded value: data.pkl identical ({len(ours['archive/data.pkl'][0])} bytes), storages "
          f"identical, the same local headers, padding fields and data descriptors for its entries {list(theirs)}")


def check_study_embeddings(value, fixed):
    assert isinstance(value, dict), type(value)
    assert list(value) == ["study_ids", "embeddings", "embedding_dim"], list(value)
    ids, embeddings, width = value["study_ids"], value["embeddings"], value["embedding_dim"]
    assert isinstance(ids, list) and all(isinstance(i, str) for i in ids), ids
    assert embeddings.dtype == torch.float32 and embeddings.dim() == 2, (embeddings.dtype, embeddings.shape)
    assert type(width) is int and width == embeddings.shape[1], width
    assert len(ids) == embeddings.shape[0], (len(ids), embeddings.shape)
    print(f"study embeddings: {len(ids)} ids {ids[:3]}{' ...' if len(ids) > 3 else ''}, embeddings {embeddings.dtype} "
          f"{list(embeddings.shape)}, embedding_dim {width}")
    if fixed:
        assert ids == FIXED_IDS, ids
        assert torch.equal(embeddings, FIXED_VALUES), embeddings
        print(f"values as the test wrote them:\n{embeddings}")


def main():
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else FIXTURE
    data = path.read_bytes()
    print(f"{path}: {len(data)} bytes, torch {torch.__version__}")
    ours = entries(data)
    check_layout(ours)
    loaded = torch.load(path)
    print("torch.load reads it")
    check_weights_only(path, loaded)
    check_resave(loaded, ours)
    if isinstance(loaded, dict) and "study_ids" in loaded:
        check_study_embeddings(loaded, fixed=path.resolve() == FIXTURE)
    print("ok")


if __name__ == "__main__":
    main()
