#!/usr/bin/env python3
"""Writes the small bad Fashion-MNIST folders of the corpus (checked in; rerun to regenerate).

    python3 tests/bad_inputs/gen_datasets.py
Each folder holds t10k-{images-idx3,labels-idx1}-ubyte.gz with one defect; the
corpus points accuracy.dataset_dir at it.
"""
import gzip
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def images(n, rows=28, cols=28, magic=2051, count=None, body=None):
    hdr = struct.pack(">IIII", magic, n if count is None else count, rows, cols)
    return hdr + (bytes((i * 7) % 256 for i in range(n * rows * cols)) if body is None else body)


def labels(n, magic=2049, count=None, value=None):
    return struct.pack(">II", magic, n if count is None else count) + bytes(
        (i % 10 if value is None else value) for i in range(n))


def write(case, img, lab, gz=True):
    d = os.path.join(HERE, case)
    os.makedirs(d, exist_ok=True)
    for name, data in (("t10k-images-idx3-ubyte.gz", img), ("t10k-labels-idx1-ubyte.gz", lab)):
        if data is None:
            continue
        with open(os.path.join(d, name), "wb") as f:
            f.write(gzip.compress(data, mtime=0) if gz else data)


write("dataset_truncated", images(4, count=100), labels(100))
write("dataset_wrong_magic", images(20, magic=2049), labels(20))
write("dataset_labels_wrong_magic", images(20), labels(20, magic=2051))
write("dataset_count_mismatch", images(20), labels(19))
write("dataset_wrong_image_size", images(20, rows=32, cols=32), labels(20))
write("dataset_zero_rows", images(0, rows=0, cols=28, count=20), labels(20))
write("dataset_label_out_of_range", images(20), labels(20, value=12))
write("dataset_header_only", struct.pack(">I", 2051), labels(20))
write("dataset_labels_missing", images(20), None)
# A gzip stream whose deflate body is damaged after the header.
d = os.path.join(HERE, "dataset_corrupt_gzip")
os.makedirs(d, exist_ok=True)
raw = bytearray(gzip.compress(images(20), mtime=0))
for i in range(20, min(len(raw) - 8, 400)):
    raw[i] ^= 0x5A
with open(os.path.join(d, "t10k-images-idx3-ubyte.gz"), "wb") as f:
    f.write(bytes(raw))
with open(os.path.join(d, "t10k-labels-idx1-ubyte.gz"), "wb") as f:
    f.write(gzip.compress(labels(20), mtime=0))
# The dataset folder exists but is empty.
os.makedirs(os.path.join(HERE, "dataset_missing"), exist_ok=True)
open(os.path.join(HERE, "dataset_missing", ".keep"), "w").close()
# The header promises 4 billion 4096x4096 images; the file holds a few bytes.
write("dataset_absurd_count", images(1, rows=4096, cols=4096, count=0xFFFFFFFF, body=b"\0" * 64),
      labels(1, count=0xFFFFFFFF))
