#!/usr/bin/python3
"""Generate the reduced standard architectures used by the CPU test suite.

    /usr/bin/python3 tests/data/arch/gen_arch.py [--out DIR] [--dry-run]

For each architecture in ARCHS this writes, into this directory,
    <name>.onnx         opset 13, input "input", output "logits"
    <name>.input.npy    the seeded input, float32 standard normal
    <name>.output.npy   PyTorch's output on that input, float32
and rewrites the generated tables of README.md (between the
"<!-- generated -->" markers): shapes, reduction, sizes and ONNX op types.

The networks are torchvision's own classes (same blocks, same forward code,
so the exported op patterns are the real ones), built narrower and run at a
smaller resolution so that the files are small enough to commit and run in a
naive CPU executor in well under a second. Weights are random and seeded;
BatchNorm is calibrated exactly as in models/zoo/export.py (random affine,
running statistics re-estimated on random batches in train mode).

--dry-run only prints parameters, MACs and output statistics.
"""

import argparse
import os
import re
import sys

import numpy as np
import torch
import torch.nn as nn
import torchvision
from torchvision.models import efficientnet, resnet, shufflenetv2, squeezenet

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, '..', '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'models', 'zoo'))
import export as zoo  # noqa: E402

SEED = 4321
NUM_CLASSES = 10


def init_like_torchvision(model):
	"""The init loop of torchvision's ResNet, for modules we rebuilt."""
	for m in model.modules():
		if isinstance(m, nn.Conv2d):
			nn.init.kaiming_normal_(m.weight, mode='fan_out',
			                        nonlinearity='relu')
		elif isinstance(m, nn.BatchNorm2d):
			nn.init.constant_(m.weight, 1)
			nn.init.constant_(m.bias, 0)


def make_resnet18():
	"""ResNet(BasicBlock, [2, 2, 2, 2]) with stage widths 10/20/40/80
	instead of 64/128/256/512 (not multiples of 4, on purpose)."""
	widths = (10, 20, 40, 80)
	m = resnet.ResNet(resnet.BasicBlock, [2, 2, 2, 2], num_classes=NUM_CLASSES)
	m.inplanes = widths[0]
	m.conv1 = nn.Conv2d(3, widths[0], 7, 2, 3, bias=False)
	m.bn1 = nn.BatchNorm2d(widths[0])
	m.layer1 = m._make_layer(resnet.BasicBlock, widths[0], 2)
	m.layer2 = m._make_layer(resnet.BasicBlock, widths[1], 2, stride=2)
	m.layer3 = m._make_layer(resnet.BasicBlock, widths[2], 2, stride=2)
	m.layer4 = m._make_layer(resnet.BasicBlock, widths[3], 2, stride=2)
	m.fc = nn.Linear(widths[3], NUM_CLASSES)
	init_like_torchvision(m)
	return m


def make_squeezenet1_1():
	"""SqueezeNet 1.1 with every Fire module at half width."""
	m = squeezenet.SqueezeNet('1_1', num_classes=NUM_CLASSES)
	Fire = squeezenet.Fire
	m.features = nn.Sequential(
		nn.Conv2d(3, 32, kernel_size=3, stride=2),
		nn.ReLU(inplace=True),
		nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
		Fire(32, 8, 32, 32),
		Fire(64, 8, 32, 32),
		nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
		Fire(64, 16, 64, 64),
		Fire(128, 16, 64, 64),
		nn.MaxPool2d(kernel_size=3, stride=2, ceil_mode=True),
		Fire(128, 24, 96, 96),
		Fire(192, 24, 96, 96),
		Fire(192, 32, 128, 128),
		Fire(256, 32, 128, 128),
	)
	final_conv = nn.Conv2d(256, NUM_CLASSES, kernel_size=1)
	m.classifier[1] = final_conv
	# torchvision's init: kaiming_uniform for the features, N(0, 0.01) for
	# the final conv; biases zero. Biases are drawn here so that they count.
	for mod in m.modules():
		if isinstance(mod, nn.Conv2d):
			if mod is final_conv:
				nn.init.normal_(mod.weight, mean=0.0, std=0.05)
			else:
				nn.init.kaiming_uniform_(mod.weight)
			nn.init.normal_(mod.bias, std=0.05)
	return m


def make_shufflenet_v2():
	"""ShuffleNetV2 with x1_0's stage repeats [4, 8, 4] and the widths of
	x0_5 except a narrower last conv: [24, 48, 96, 192, 256]."""
	return shufflenetv2.ShuffleNetV2([4, 8, 4], [24, 48, 96, 192, 256],
	                                 num_classes=NUM_CLASSES)


def make_mobilenet_v2():
	return torchvision.models.mobilenet_v2(width_mult=0.25,
	                                       num_classes=NUM_CLASSES)


def make_mobilenet_v3_small():
	return torchvision.models.mobilenet_v3_small(
		width_mult=0.5, reduced_tail=True, num_classes=NUM_CLASSES)


def make_efficientnet_b0():
	setting, last = efficientnet._efficientnet_conf(
		'efficientnet_b0', width_mult=0.35, depth_mult=0.5)
	return efficientnet.EfficientNet(setting, dropout=0.2, last_channel=last,
	                                 num_classes=NUM_CLASSES)


# name -> (constructor, input shape, reduction text, keep BatchNormalization)
ARCHS = {
	'mobilenet_v2': (make_mobilenet_v2, (1, 3, 96, 96),
	                 'width_mult=0.25, 10 classes, 96x96', False),
	'resnet18': (make_resnet18, (1, 3, 64, 64),
	             'widths 10/20/40/80 (of 64/128/256/512), 10 classes, 64x64',
	             True),
	'squeezenet1_1': (make_squeezenet1_1, (1, 3, 96, 96),
	                  'Fire modules at half width, 10 classes, 96x96', False),
	'shufflenet_v2_x1_0': (make_shufflenet_v2, (1, 3, 96, 96),
	                       'repeats [4,8,4], widths [24,48,96,192,256], '
	                       '10 classes, 96x96', False),
	'mobilenet_v3_small': (make_mobilenet_v3_small, (1, 3, 96, 96),
	                       'width_mult=0.5, reduced_tail=True, 10 classes, 96x96', False),
	'efficientnet_b0': (make_efficientnet_b0, (1, 3, 96, 96),
	                    'width_mult=0.35, depth_mult=0.5, 10 classes, 96x96',
	                    False),
}


def count_macs(model, shape):
	macs = [0]

	def hook(mod, inp, out):
		if isinstance(mod, nn.Conv2d):
			k = mod.weight[0].numel()          # cin/groups * kh * kw
			macs[0] += out.numel() * k
		elif isinstance(mod, nn.Linear):
			macs[0] += out.numel() * mod.in_features

	hs = [m.register_forward_hook(hook) for m in model.modules()
	      if isinstance(m, (nn.Conv2d, nn.Linear))]
	with torch.no_grad():
		model(torch.zeros(shape))
	for h in hs:
		h.remove()
	return macs[0]


def main():
	ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
	ap.add_argument('--out', default=HERE)
	ap.add_argument('--only', nargs='+', choices=sorted(ARCHS))
	ap.add_argument('--dry-run', action='store_true')
	args = ap.parse_args()
	torch.set_num_threads(1)
	rows = []
	for name in args.only or ARCHS:
		make, shape, reduction, keep_bn = ARCHS[name]
		torch.manual_seed(zoo.seed_for(name, SEED))
		model = make()
		x, y = zoo.prepare(model, name, shape, SEED)
		params = sum(p.numel() for p in model.parameters())
		macs = count_macs(model, shape)
		yn = y.numpy().astype(np.float32)
		info = (f'{name}: {params / 1e3:.0f}k params, {macs / 1e6:.1f}M MACs,'
		        f' output {list(yn.shape)} min {yn.min():.3g} max '
		        f'{yn.max():.3g} std {yn.std():.3g}')
		if args.dry_run:
			print(info)
			continue
		path = os.path.join(args.out, f'{name}.onnx')
		zoo.export(model, x, path, keep_bn=keep_bn)
		np.save(os.path.join(args.out, f'{name}.input.npy'),
		        x.numpy().astype(np.float32))
		np.save(os.path.join(args.out, f'{name}.output.npy'), yn)
		counts = zoo.op_counts(path)
		size = os.path.getsize(path)
		print(f'{info}, {size / 1e6:.2f} MB, ops {counts}', flush=True)
		rows.append((name, shape, list(yn.shape), reduction, keep_bn,
		             params, macs, size, counts))
	if rows and not args.dry_run and not args.only \
	   and os.path.abspath(args.out) == HERE:
		write_tables(rows)


def write_tables(rows):
	lines = ['| model | input | output | reduction | params | MACs | ONNX size |',
	         '|---|---|---|---|---|---|---|']
	for name, shape, oshape, red, keep_bn, params, macs, size, _ in rows:
		lines.append(f'| {name} | {"x".join(map(str, shape))} | '
		             f'{"x".join(map(str, oshape))} | {red} | '
		             f'{params / 1e3:.0f}k | {macs / 1e6:.1f}M | '
		             f'{size / 1e3:.0f} kB |')
	lines += ['', '| model | ONNX op types (count) |', '|---|---|']
	for name, _, _, _, keep_bn, _, _, _, counts in rows:
		ops = ', '.join(f'{k} ({v})' for k, v in counts.items())
		lines.append(f'| {name}{" (BN kept)" if keep_bn else ""} | {ops} |')
	allops = sorted({k for r in rows for k in r[8]})
	lines += ['', 'All op types: ' + ', '.join(allops) + '.']
	table = '\n'.join(lines)
	readme = os.path.join(HERE, 'README.md')
	with open(readme) as f:
		text = f.read()
	text, n = re.subn(r'(<!-- generated -->\n).*?(<!-- /generated -->)',
	                  lambda m: m.group(1) + table + '\n' + m.group(2), text,
	                  flags=re.S)
	if n != 1:
		raise SystemExit(f'{readme}: no <!-- generated --> section')
	with open(readme, 'w') as f:
		f.write(text)


if __name__ == '__main__':
	main()
