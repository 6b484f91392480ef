#!/usr/bin/python3
"""Writes tests/data/calib/: a handful of small, deterministic images for
int8 calibration tests (rfx-convert --calib). Synthetic scenes (gradients,
discs, bars, noise) so activations see varied, natural-looking ranges.
Three formats, three sizes, one grayscale file, so loading and resizing are
exercised too. Run with Debian's /usr/bin/python3 (numpy, PIL).

calib_ref/NAME.npy: the expected model input for three lossless files,
decoded by PIL and preprocessed here in float64, independently of the C
code (tools/convert/images.c): bilinear resize to H=20, W=16 with pixel
centres aligned (src = (dst + 0.5) * in / out - 0.5, clamped), then
(pixel / 255 - mean) / std; ImageNet's mean/std for RGB, 0.5/0.25 for the
grayscale file read as one channel."""
import os

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, 'calib')


def scene(rng, h, w):
	y, x = np.mgrid[0:h, 0:w].astype(np.float32)
	img = np.zeros((h, w, 3), np.float32)
	for c in range(3):
		a, b = rng.uniform(-1, 1, 2)
		img[..., c] = 128 + 100 * (a * x / w + b * y / h)
	for _ in range(rng.integers(1, 4)):
		cy, cx = rng.uniform(0, h), rng.uniform(0, w)
		r = rng.uniform(3, min(h, w) / 2)
		disc = (y - cy) ** 2 + (x - cx) ** 2 < r * r
		img[disc] = rng.uniform(0, 255, 3)
	if rng.uniform() < 0.5:
		x0 = int(rng.integers(0, w - 4))
		img[:, x0:x0 + 3] = rng.uniform(0, 255, 3)
	img += rng.normal(0, 8, img.shape)
	return np.clip(img, 0, 255).astype(np.uint8)


def resize(img, h, w):
	"""img [H, W, C] -> [h, w, C], bilinear, pixel centres aligned."""
	ih, iw = img.shape[:2]

	def coords(n_out, n_in):
		s = np.clip((np.arange(n_out) + 0.5) * n_in / n_out - 0.5, 0,
		            n_in - 1)
		i0 = np.floor(s).astype(int)
		i1 = np.minimum(i0 + 1, n_in - 1)
		return i0, i1, s - i0

	y0, y1, fy = coords(h, ih)
	x0, x1, fx = coords(w, iw)
	img = img.astype(np.float64)
	top = img[y0][:, x0] + (img[y0][:, x1] - img[y0][:, x0]) * fx[None, :, None]
	bot = img[y1][:, x0] + (img[y1][:, x1] - img[y1][:, x0]) * fx[None, :, None]
	return top + (bot - top) * fy[:, None, None]


def write_refs():
	ref = os.path.join(HERE, 'calib_ref')
	os.makedirs(ref, exist_ok=True)
	mean = np.array([0.485, 0.456, 0.406])
	std = np.array([0.229, 0.224, 0.225])
	for name, mode in [('img00.png', 'RGB'), ('img03.bmp', 'RGB'),
	                   ('img09.png', 'L')]:
		px = np.asarray(Image.open(os.path.join(OUT, name)).convert(mode))
		if px.ndim == 2:
			px = px[:, :, None]
		x = resize(px, 20, 16) / 255.0
		if mode == 'RGB':
			x = (x - mean) / std
		else:
			x = (x - 0.5) / 0.25
		np.save(os.path.join(ref, name + '.npy'),
		        np.ascontiguousarray(x.transpose(2, 0, 1), np.float32))


def main():
	rng = np.random.default_rng(20261128)
	os.makedirs(OUT, exist_ok=True)
	for k in range(10):
		h, w = [(32, 40), (48, 48), (24, 36)][k % 3]
		px = scene(rng, h, w)
		name = os.path.join(OUT, f'img{k:02d}')
		if k == 3:
			Image.fromarray(px).save(name + '.bmp')
		elif k == 6:
			Image.fromarray(px).save(name + '.jpg', quality=90)
		elif k == 9:
			Image.fromarray(px.mean(axis=2).astype(np.uint8),
			                'L').save(name + '.png')
		else:
			Image.fromarray(px).save(name + '.png')
	write_refs()


if __name__ == '__main__':
	main()
