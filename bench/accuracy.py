#!/usr/bin/env python3
"""Top-1 accuracy of a .rfx Fashion-MNIST classifier on the test set,
through reflex (rfx-classify reading raw gray8 frames on stdin, so the
whole path runs: frame upload, preprocessing in the session, inference),
next to PyTorch's own predictions on the same images.

  bench/accuracy.py MODEL.rfx PYTORCH_PREDICTIONS.npy [--count N]
      [--classify build/tools/classify/rfx-classify] [--backend vulkan|cpu]
  bench/accuracy.py --write-calib DIR --count 500 x x   (training PNGs)

Reads Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist/)
with the standard library only. Prints accuracy, PyTorch's accuracy on the
same images, and how many predictions agree with PyTorch.
"""
import argparse
import gzip
import json
import struct
import subprocess
import sys

DATA = "/usr/share/datasets/fashion-mnist"


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    magic, = struct.unpack(">I", raw[:4])
    ndim = magic & 0xFF
    dims = struct.unpack(">" + "I" * ndim, raw[4:4 + 4 * ndim])
    return dims, raw[4 + 4 * ndim:]


def npy_u8(path):
    """PyTorch's top-1 predictions, a 1-D uint8 .npy (format 1.0)."""
    with open(path, "rb") as f:
        raw = f.read()
    hlen, = struct.unpack("<H", raw[8:10])
    header = raw[10:10 + hlen].decode("latin1")
    if "'|u1'" not in header:
        sys.exit(f"{path}: expected uint8 predictions, header {header}")
    return raw[10 + hlen:]


def write_png(path, w, h, gray):
    """An 8-bit grayscale PNG, standard library only."""
    import zlib
    rows = b"".join(b"\x00" + gray[y * w:(y + 1) * w] for y in range(h))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(rows)))
        f.write(chunk(b"IEND", b""))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("model")
    ap.add_argument("pytorch")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--classify", default="build/tools/classify/rfx-classify")
    ap.add_argument("--backend", default="vulkan")
    ap.add_argument("--write-calib", metavar="DIR",
                    help="instead: write the first --count TRAINING images "
                         "as PNGs into DIR (a calibration set) and exit")
    a = ap.parse_args()

    if a.write_calib:
        import os
        (n, h, w), pixels = idx(f"{DATA}/train-images-idx3-ubyte.gz")
        os.makedirs(a.write_calib, exist_ok=True)
        for i in range(min(n, a.count)):
            write_png(f"{a.write_calib}/train_{i:05d}.png", w, h,
                      pixels[i * h * w:(i + 1) * h * w])
        return

    (n, h, w), pixels = idx(f"{DATA}/t10k-images-idx3-ubyte.gz")
    _, labels = idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")
    torch_pred = npy_u8(a.pytorch)
    n = min(n, a.count)
    proc = subprocess.run(
        [a.classify, a.model, "--stream", f"{w}x{h}", "--pixel", "gray8",
         "--json", "--top", "1", "--backend", a.backend],
        input=pixels[:n * h * w], capture_output=True, check=False)
    preds = []
    for line in proc.stdout.decode().splitlines():
        obj = json.loads(line)
        if "top" in obj:
            preds.append(int(obj["top"][0]["class"]))
    if len(preds) != n:
        sys.exit(f"rfx-classify answered {len(preds)} of {n} frames "
                 f"(exit {proc.returncode}): {proc.stderr.decode()[-500:]}")
    ok = sum(p == labels[i] for i, p in enumerate(preds))
    tok = sum(torch_pred[i] == labels[i] for i in range(n))
    agree = sum(p == torch_pred[i] for i, p in enumerate(preds))
    print(json.dumps({"model": a.model, "backend": a.backend, "images": n,
                      "accuracy": ok / n, "pytorch_accuracy": tok / n,
                      "agree_with_pytorch": agree, "disagree": n - agree}))


if __name__ == "__main__":
    main()
