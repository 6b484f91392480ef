#!/usr/bin/python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/).

    /usr/bin/python3 tests/fuzz/make_corpus.py BUILD/tools/convert/rfx-convert

Seeds are small valid inputs and edge cases: .rfx files converted from the
committed test ONNX models (fp32, fp16, with metadata, labels and a golden
pair), the ONNX models themselves, tiny PNG/JPEG/BMP images and raw frames.
Each target's first input byte selects options (see the fuzz_*.c headers).
Regression inputs (crashes once found) live beside them as crash-*.
(No .rfx extension: the repository ignores *.rfx.)
"""
import io
import os
import subprocess
import sys
import tempfile

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, '..', 'data', 'convert')
CORPUS = os.path.join(HERE, 'corpus')


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def rfx_seeds(convert):
    with tempfile.TemporaryDirectory() as tmp:
        labels = os.path.join(tmp, 'labels.txt')
        with open(labels, 'w') as f:
            f.write(''.join('class%d\n' % i for i in range(6)))
        jobs = [
            ('tiny_op7', 'tiny_fp32', []),
            ('tiny_op7', 'tiny_fp16_golden', ['--precision', 'fp16', '--golden']),
            ('conv_bn', 'conv_bn_meta', ['--labels', labels, '--mean', '0.5,0.5,0.5',
                                         '--std', '0.25,0.25,0.25', '--scale',
                                         '0.0039215686', '--color', 'bgr', '--golden']),
            ('seq_op11', 'seq_op11', []),
        ]
        for src, name, args in jobs:
            out = os.path.join(tmp, name + '.rfx')
            subprocess.run([convert, '-q', os.path.join(DATA, src + '.onnx'),
                            '-o', out] + args, check=True)
            with open(out, 'rb') as f:
                data = f.read()
            # byte 0: bit 0 makes the target fix up file size and CRC
            put('rfx', name, b'\x01' + data)
            if name == 'tiny_fp32':
                put('rfx', name + '_as_is', b'\x00' + data)
    put('rfx', 'empty', b'')
    put('rfx', 'header_only', b'\x01RFX\x00\x01\x00\x00\x00' + bytes(216))


def onnx_seeds():
    for i, name in enumerate(['tiny_op7', 'conv_bn', 'seq_op11', 'mobile_op9']):
        with open(os.path.join(DATA, name + '.onnx'), 'rb') as f:
            # byte 0: bit 0 chooses fp16
            put('onnx', name + '.bin', bytes([i & 1]) + f.read())


def image(fmt, size, mode, **kw):
    im = Image.new(mode, size)
    px = im.load()
    for y in range(size[1]):
        for x in range(size[0]):
            v = (x * 37 + y * 11) & 255
            px[x, y] = v if mode == 'L' else (v, 255 - v, (x * y) & 255)
    b = io.BytesIO()
    im.save(b, fmt, **kw)
    return b.getvalue()


def frame_seeds():
    # byte 0: bits 0-1 path (0 gray image, 1 rgb image, 2 mjpeg, 3 raw),
    # bits 2-3 fit, bits 4-5 model channels / bgr
    put('frame', 'png_rgb', bytes([0x11]) + image('PNG', (7, 5), 'RGB'))
    put('frame', 'png_gray', bytes([0x00]) + image('PNG', (4, 9), 'L'))
    put('frame', 'png_1x1', bytes([0x15]) + image('PNG', (1, 1), 'RGB'))
    put('frame', 'jpeg_rgb', bytes([0x19]) + image('JPEG', (16, 8), 'RGB', quality=50))
    put('frame', 'jpeg_prog', bytes([0x31]) + image('JPEG', (9, 9), 'RGB',
                                                    progressive=True))
    put('frame', 'mjpeg', bytes([0x12]) + image('JPEG', (8, 8), 'RGB', quality=30))
    put('frame', 'bmp_rgb', bytes([0x35]) + image('BMP', (5, 3), 'RGB'))
    put('frame', 'bmp_gray', bytes([0x08]) + image('BMP', (3, 4), 'L'))
    # raw frames: w-1, h-1, format-1 (rgb24 bgr24 gray8 yuyv rgba32),
    # extra stride bytes, then the pixels
    for fmt, bpp in ((0, 3), (1, 3), (2, 1), (3, 2), (4, 4)):
        w, h, pad = 6, 3, fmt & 1
        stride = w * bpp + pad
        hdr = bytes([0x03 | (fmt & 3) << 2 | 0x10, w - 1, h - 1, fmt, pad])
        put('frame', 'raw_fmt%d' % fmt,
            hdr + bytes((i * 29) & 255 for i in range(stride * h)))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    rfx_seeds(sys.argv[1])
    onnx_seeds()
    frame_seeds()


if __name__ == '__main__':
    main()
