#!/usr/bin/python3
"""Generates the small ONNX models of tests/test_convert.c and their
expected outputs. Run with Debian's Python (torch 1.13, onnx 1.12):

    /usr/bin/python3 tests/data/gen_convert_models.py

Each model NAME gets tests/data/convert/NAME.onnx, NAME.in.npy (a seeded
random input) and NAME.out.npy (PyTorch's output for it, the independent
reference the CPU executor is compared with). Models are exported in eval
mode; TrainingMode.PRESERVE keeps BatchNormalization nodes (the default
export folds them into the convolutions itself, which would leave the
converter's fold-bn pass untested).
"""
import os

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "convert")


class ConvBn(nn.Module):
    """Conv/BN/ReLU, depthwise with dilation, ReLU6, residual add + ReLU,
    global pool, Linear + BatchNorm1d (fold into Gemm)."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.dw = nn.Conv2d(8, 8, 3, padding=2, dilation=2, groups=8,
                            bias=False)
        self.bn2 = nn.BatchNorm2d(8)
        self.pw = nn.Conv2d(8, 8, 1)
        self.bn3 = nn.BatchNorm2d(8)
        self.bn4 = nn.BatchNorm2d(8)  # standalone: becomes mul + add
        self.fc = nn.Linear(8, 6)
        self.bn5 = nn.BatchNorm1d(6)

    def forward(self, x):
        a = F.relu(self.bn1(self.conv1(x)))
        b = F.relu6(self.bn2(self.dw(a)))
        c = self.bn3(self.pw(b))
        y = F.relu(c + a)
        y = self.bn4(y + 1.0)
        y = F.adaptive_avg_pool2d(y, 1).flatten(1)
        return self.bn5(self.fc(y))


class Mobile(nn.Module):
    """Hardswish, squeeze-excitation, LeakyReLU, pools with ceil mode and
    count_include_pad, Sigmoid/Tanh concat, channel shuffle, Softmax.
    Opset 9 has no ceil_mode (PyTorch emulates it with pads larger than
    the kernel, which reflex refuses): that export uses floor mode."""

    def __init__(self, ceil=True):
        super().__init__()
        self.ceil = ceil
        self.conv1 = nn.Conv2d(3, 8, 3, stride=1, padding=1)
        self.se1 = nn.Conv2d(8, 4, 1)
        self.se2 = nn.Conv2d(4, 8, 1)
        self.conv2 = nn.Conv2d(8, 8, (3, 1), stride=(1, 2), padding=(1, 0))
        self.fc = nn.Linear(16 * 4 * 2 if ceil else 16 * 3 * 1, 5)

    def forward(self, x):
        x = F.hardswish(self.conv1(x))
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.se2(F.relu(self.se1(s))))
        x = x * s
        x = F.leaky_relu(self.conv2(x), 0.1)
        x = F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=self.ceil,
                         count_include_pad=False)
        x = F.max_pool2d(x, 2, stride=2, ceil_mode=self.ceil)
        x = torch.cat([torch.sigmoid(x), torch.tanh(x)], 1)
        n, c, h, w = x.shape
        x = x.view(n, 2, c // 2, h, w).transpose(1, 2).reshape(n, c, h, w)
        x = x.flatten(1)
        return F.softmax(self.fc(x), dim=1)


class Seq(nn.Module):
    """MatMul with constant weights on [N, T, K], shape chains (view with
    x.size()), chunk (Slice at run time), constant Pad, ReduceMean,
    Sub/Div with constants, unsqueeze/squeeze."""

    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(6, 8)
        self.l2 = nn.Linear(4 * 4, 3)
        self.scale = nn.Parameter(torch.tensor([0.5, 2.0, -1.0, 3.0]))

    def forward(self, x):
        x = torch.tanh(self.l1(x))                 # [1, 4, 8]
        a, b = x.chunk(2, dim=2)                   # [1, 4, 4] each
        x = (a - 0.25) / (b * b + 1.0)
        x = x * self.scale
        x = F.pad(x.unsqueeze(1), (1, 0, 0, 1), value=0.5)   # [1,1,5,5]
        x = x.flatten(1, 2)[:, :4, 1:]             # [1, 4, 4]
        m = x.mean(dim=2, keepdim=True)
        x = x - m
        x = x.view(x.size(0), -1)
        return self.l2(x)


class Tiny(nn.Module):
    """Conv, ReLU, MaxPool, Gemm: old-opset material."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 4 * 4, 3)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv(x)), 2)
        return self.fc(x.flatten(1))


def export(name, model, shape, opset, seed):
    torch.manual_seed(seed)
    model.eval()
    # Non-trivial BN statistics: a few training-mode batches first.
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(*((4,) + shape[1:])))
    model.eval()
    x = torch.randn(*shape)
    with torch.no_grad():
        y = model(x)
    path = os.path.join(OUT, name + ".onnx")
    torch.onnx.export(model, x, path, opset_version=opset,
                      input_names=["input"], output_names=["output"],
                      training=torch.onnx.TrainingMode.PRESERVE)
    onnx.checker.check_model(onnx.load(path))
    np.save(os.path.join(OUT, name + ".in.npy"), x.numpy())
    np.save(os.path.join(OUT, name + ".out.npy"), y.numpy())
    ops = sorted({n.op_type for n in onnx.load(path).graph.node})
    print(f"{name}: opset {opset}, {ops}")


def main():
    os.makedirs(OUT, exist_ok=True)
    export("conv_bn", ConvBn(), (1, 3, 16, 16), 13, 1)
    export("mobile_op14", Mobile(), (1, 3, 12, 8), 14, 2)
    export("mobile_op9", Mobile(ceil=False), (1, 3, 12, 8), 9, 2)
    export("mobile_op17", Mobile(), (1, 3, 12, 8), 17, 2)
    export("seq_op13", Seq(), (1, 4, 6), 13, 3)
    export("seq_op11", Seq(), (1, 4, 6), 11, 3)
    export("tiny_op7", Tiny(), (2, 1, 8, 8), 7, 4)


if __name__ == "__main__":
    main()
