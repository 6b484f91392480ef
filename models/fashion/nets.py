"""The two Fashion-MNIST networks shipped with reflex.

fashion_cnn    -- a compact CNN: conv-bn-relu blocks, max pooling, a
                  Flatten + two fully connected layers.
fashion_mobile -- a mobile-style network: depthwise separable convolutions,
                  inverted residual blocks with residual adds, ReLU6 and
                  HardSwish, squeeze-excitation (HardSigmoid gate), global
                  average pooling, a linear classifier.

Both take a [N, 1, 28, 28] float32 input, already normalised as
(pixel / 255 - MEAN) / STD, and return [N, 10] logits.
"""

import torch
import torch.nn as nn

MEAN = 0.2860
STD = 0.3530


def conv_bn(cin, cout, k=3, stride=1, groups=1, act=nn.ReLU):
	layers = [
		nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
		nn.BatchNorm2d(cout),
	]
	if act is not None:
		layers.append(act(inplace=True))
	return nn.Sequential(*layers)


class FashionCNN(nn.Module):
	def __init__(self, num_classes=10):
		super().__init__()
		self.features = nn.Sequential(
			conv_bn(1, 24),
			nn.MaxPool2d(2),                    # 14x14
			conv_bn(24, 48), conv_bn(48, 48),
			nn.MaxPool2d(2),                    # 7x7
			conv_bn(48, 96),
			nn.MaxPool2d(2, ceil_mode=True),    # 4x4
		)
		self.classifier = nn.Sequential(
			nn.Flatten(),
			nn.Dropout(0.3),
			nn.Linear(96 * 4 * 4, 128),
			nn.ReLU(inplace=True),
			nn.Dropout(0.3),
			nn.Linear(128, num_classes),
		)

	def forward(self, x):
		return self.classifier(self.features(x))


class SqueezeExcite(nn.Module):
	def __init__(self, ch, squeeze):
		super().__init__()
		self.pool = nn.AdaptiveAvgPool2d(1)
		self.fc1 = nn.Conv2d(ch, squeeze, 1)
		self.relu = nn.ReLU(inplace=True)
		self.fc2 = nn.Conv2d(squeeze, ch, 1)
		self.gate = nn.Hardsigmoid(inplace=True)

	def forward(self, x):
		s = self.gate(self.fc2(self.relu(self.fc1(self.pool(x)))))
		return x * s


class InvertedResidual(nn.Module):
	"""1x1 expand -> kxk depthwise -> [SE] -> 1x1 project (+ residual)."""

	def __init__(self, cin, cout, expand, stride, k=3, se=False, act=nn.ReLU6):
		super().__init__()
		hidden = cin * expand
		layers = []
		if expand != 1:
			layers.append(conv_bn(cin, hidden, 1, act=act))
		layers.append(conv_bn(hidden, hidden, k, stride, groups=hidden, act=act))
		if se:
			layers.append(SqueezeExcite(hidden, max(8, hidden // 4)))
		layers.append(conv_bn(hidden, cout, 1, act=None))
		self.block = nn.Sequential(*layers)
		self.residual = stride == 1 and cin == cout

	def forward(self, x):
		y = self.block(x)
		return x + y if self.residual else y


class FashionMobile(nn.Module):
	def __init__(self, num_classes=10):
		super().__init__()
		hs = nn.Hardswish
		self.features = nn.Sequential(
			conv_bn(1, 16, 3, 1, act=hs),                               # 28x28
			# depthwise separable, stride 2
			conv_bn(16, 16, 3, 2, groups=16, act=nn.ReLU6),             # 14x14
			conv_bn(16, 24, 1, act=None),
			InvertedResidual(24, 24, 2, 1, act=nn.ReLU6),
			InvertedResidual(24, 40, 3, 2, k=5, se=True, act=hs),       # 7x7
			InvertedResidual(40, 40, 3, 1, k=5, se=True, act=hs),
			InvertedResidual(40, 48, 3, 1, se=True, act=hs),
			InvertedResidual(48, 48, 3, 1, se=True, act=hs),
			conv_bn(48, 192, 1, act=hs),
			nn.AdaptiveAvgPool2d(1),
		)
		self.classifier = nn.Sequential(
			nn.Flatten(),
			nn.Linear(192, 128),
			nn.Hardswish(inplace=True),
			nn.Dropout(0.2),
			nn.Linear(128, num_classes),
		)

	def forward(self, x):
		return self.classifier(self.features(x))


NETS = {
	'fashion_cnn': FashionCNN,
	'fashion_mobile': FashionMobile,
}
