"""Checks a CalmSpace .safetensors export with a small pure-Python reader (json + numpy).

usage: /usr/bin/python3 check_safetensors.py MODEL.safetensors EXPECTED_DIR
EXPECTED_DIR holds <tensor name>.npy for every tensor (written by the C++ test with the values it
exported) and metadata.json (the expected __metadata__). Asserts the header layout (8-byte length,
JSON, padding, contiguous offsets), names, dtypes, shapes, exact values and metadata. If the
`safetensors` package is importable, its numpy loader must agree too. Exit status 0 = all good.
"""
import json
import os
import struct
import sys

import numpy as np


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    spans = []
    for name, info in header.items():
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        spans.append((begin, end))
        arr = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
        tensors[name] = arr
    spans.sort()
    pos = 0
    for begin, end in spans:  # contiguous, no holes, covers the whole buffer
        assert begin == pos, (begin, pos)
        pos = end
    assert pos == len(data), (pos, len(data))
    assert (8 + n) % 8 == 0, "header not padded to 8 bytes"
    return metadata, tensors


def main():
    path, expected_dir = sys.argv[1], sys.argv[2]
    metadata, tensors = read_safetensors(path)
    with open(os.path.join(expected_dir, "metadata.json")) as f:
        want_meta = json.load(f)
    assert metadata == want_meta, (metadata, want_meta)
    json.loads(metadata["labels"])
    want = {fn[:-4]: np.load(os.path.join(expected_dir, fn))
            for fn in os.listdir(expected_dir) if fn.endswith(".npy")}
    assert set(tensors) == set(want), (sorted(tensors), sorted(want))
    for name, arr in want.items():
        assert tensors[name].shape == arr.shape, (name, tensors[name].shape, arr.shape)
        assert np.array_equal(tensors[name], arr), name
    try:
        from safetensors.numpy import load_file
    except ImportError:
        print("ok (safetensors package not installed: pure-Python reader only)")
        return
    lib = load_file(path)
    for name, arr in want.items():
        assert np.array_equal(lib[name], arr), name
    print("ok (pure-Python reader and the safetensors package)")


if __name__ == "__main__":
    main()
