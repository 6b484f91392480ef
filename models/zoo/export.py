#!/usr/bin/python3
"""Export torchvision's standard image classifiers to ONNX for benchmarking.

    /usr/bin/python3 models/zoo/export.py [OUT_DIR] [--only NAME ...]

OUT_DIR defaults to build/zoo/ (not committed). For each model it writes
    <name>.onnx         opset 13, input "input" [1,3,224,224] float32,
                        output "logits" [1,1000]
    <name>.input.npy    the seeded input (float32, standard normal)
    <name>.output.npy   PyTorch's output on that input (float32)

No pretrained weights can be downloaded here, so the weights are random
(seeded): torchvision's own initialisation, then BatchNorm's affine
parameters drawn at random (so a converter that folds BatchNormalization
sees non-trivial scale and shift) and fully connected layers redrawn with
N(0, 1/fan_in) weights and N(0, 0.1) biases (so that logits are of order
one, not 1e-2), then BatchNorm running statistics
re-estimated by running a few random batches through the network in train
mode. Without that last step eval-mode BatchNorm uses mean 0 / variance 1,
activations shrink layer after layer and mobilenet_v2/v3 and efficientnet
outputs vanish to ~1e-10, which makes a numerical comparison meaningless.

The helpers here are shared with tests/data/arch/gen_arch.py, which exports
reduced versions of the same architectures small enough to commit.
"""

import argparse
import hashlib
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torchvision

ZOO = [
	'mobilenet_v2', 'resnet18', 'resnet50', 'squeezenet1_1',
	'shufflenet_v2_x1_0', 'mobilenet_v3_small', 'efficientnet_b0',
]
OPSET = 13


def seed_for(name, base):
	"""A per-model seed derived from its name, stable across Python runs."""
	h = hashlib.sha256(name.encode()).digest()
	return (base + int.from_bytes(h[:4], 'little')) % (2 ** 31)


def randomize_bn_affine(model, gen):
	"""gamma ~ U(0.5, 1.5), beta ~ N(0, 0.2) for every BatchNorm."""
	with torch.no_grad():
		for m in model.modules():
			if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.affine:
				m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
				m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)


def randomize_linear(model, gen):
	"""Linear weights ~ N(0, 1/fan_in), biases ~ N(0, 0.1). torchvision
	initialises some classifiers with N(0, 0.01) and zero bias, which leaves
	logits around 1e-2; these keep them of order one."""
	with torch.no_grad():
		for m in model.modules():
			if isinstance(m, nn.Linear):
				m.weight.copy_(torch.randn(m.weight.shape, generator=gen)
				               / m.in_features ** 0.5)
				if m.bias is not None:
					m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)


def reestimate_bn(model, shape, gen, batches=4, batch=8):
	"""Replaces BatchNorm running statistics with the average of the batch
	statistics over `batches` random standard-normal batches, computed in
	train mode; leaves the model in eval mode."""
	bns = [m for m in model.modules()
	       if isinstance(m, nn.modules.batchnorm._BatchNorm)]
	for m in bns:
		m.reset_running_stats()
		m.momentum = None   # cumulative moving average
	model.train()
	with torch.no_grad():
		for _ in range(batches):
			model(torch.randn((batch,) + tuple(shape[1:]), generator=gen))
	for m in bns:
		m.momentum = 0.1
	model.eval()


def prepare(model, name, shape, base_seed):
	"""Seeds and calibrates `model` in place; returns (input, output)."""
	gen = torch.Generator().manual_seed(seed_for(name, base_seed))
	randomize_bn_affine(model, gen)
	randomize_linear(model, gen)
	reestimate_bn(model, shape, gen)
	x = torch.randn(shape, generator=gen)
	with torch.no_grad():
		y = model(x)
	return x, y


def export(model, x, path, keep_bn=False):
	"""Exports at opset 13; returns the sorted op types of the graph.

	By default the exporter runs in eval mode, which folds each
	BatchNormalization into the Conv before it (what torch.onnx users get).
	keep_bn=True exports with TrainingMode.PRESERVE on the eval-mode model,
	which skips that fold and leaves BatchNormalization nodes in the graph,
	for testing a converter's own folding pass."""
	import onnx
	mode = (torch.onnx.TrainingMode.PRESERVE if keep_bn
	        else torch.onnx.TrainingMode.EVAL)
	torch.onnx.export(model, x, path, opset_version=OPSET,
	                  input_names=['input'], output_names=['logits'],
	                  training=mode, do_constant_folding=True)
	m = onnx.load(path)
	onnx.checker.check_model(m)
	return sorted({n.op_type for n in m.graph.node})


def op_counts(path):
	import onnx
	counts = {}
	for n in onnx.load(path).graph.node:
		counts[n.op_type] = counts.get(n.op_type, 0) + 1
	return dict(sorted(counts.items()))


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('out', nargs='?', default=os.path.join(
		os.path.dirname(os.path.abspath(__file__)), '..', '..', 'build', 'zoo'))
	ap.add_argument('--only', nargs='+', choices=ZOO, help='models to export')
	ap.add_argument('--seed', type=int, default=1234)
	ap.add_argument('--threads', type=int, default=2)
	args = ap.parse_args()
	torch.set_num_threads(args.threads)
	os.makedirs(args.out, exist_ok=True)
	shape = (1, 3, 224, 224)
	for name in args.only or ZOO:
		t0 = time.time()
		torch.manual_seed(seed_for(name, args.seed))
		model = getattr(torchvision.models, name)(weights=None)
		x, y = prepare(model, name, shape, args.seed)
		path = os.path.join(args.out, f'{name}.onnx')
		ops = export(model, x, path)
		np.save(os.path.join(args.out, f'{name}.input.npy'),
		        x.numpy().astype(np.float32))
		np.save(os.path.join(args.out, f'{name}.output.npy'),
		        y.numpy().astype(np.float32))
		yn = y.numpy()
		print(f'{name}: {os.path.getsize(path) / 1e6:.1f} MB, output '
		      f'{list(yn.shape)} std {yn.std():.3g}, '
		      f'{time.time() - t0:.0f} s, ops {" ".join(ops)}', flush=True)


if __name__ == '__main__':
	sys.exit(main())
