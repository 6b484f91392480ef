#!/usr/bin/python3
"""Writes tests/data/qdq/: two small ONNX models already quantized in QDQ
form (QuantizeLinear/DequantizeLinear pairs, as ONNX Runtime's quantization
tools write them), inputs, and the expected outputs of an independent
simulation of their quantized arithmetic in numpy.

    /usr/bin/python3 tests/data/gen_qdq.py

The model (opset 13), built by hand with onnx.helper:

    x -> Q/DQ (uint8)
      -> Conv 3x3 (int8 weights per output channel, axis 0; int32 bias)
      -> Relu -> Q/DQ (int8)
      -> Conv 3x3 stride 2 (int8 weights, one scale; int32 bias)
      -> Q/DQ (int8, zero point 5)
      -> GlobalAveragePool -> Q/DQ (int8)
      -> Flatten -> Gemm transB=1 (int8 weights, one scale; int32 bias)
      -> Q/DQ (uint8) -> y

qdq.onnx quantizes the pool's output on its input's grid, as ONNX
Runtime's quantizer does for pooling (AveragePool is one of its "direct
8-bit" ops, output parameters = input parameters); qdq_gap.onnx gives it
a grid of its own from its calibrated range (what ORT does for
GlobalAveragePool, which it quantizes as a generic op).

Activation scales come from the float model's ranges on random inputs, as
a calibrating quantizer would pick them; weights are symmetric int8
(scale = max|w| / 127), biases int32 at x_scale * w_scale, as ONNX
Runtime's QDQ quantizer writes them.

qlinear.onnx is the same network in ONNX's other quantized form, the
QOperator ops: QuantizeLinear (uint8) -> QLinearConv (per-channel int8
weights, int32 bias, uint8 output with zero point 0, which clips like a
ReLU) -> QLinearConv (stride 2, int8 output) -> Flatten -> QLinearMatMul
(int8 weights [200, 5], one scale per column) -> DequantizeLinear -> y.
Its simulation follows ONNX's definition of those ops: exact integer sums
of (x - zero point) (w - zero point) plus the bias, times
x_scale * w_scale / y_scale in float64, rounded half to even, plus the
output zero point, saturated.

qdq.in.npy (all models) holds 4 inputs [4, 3, 10, 10] (uniform in [-1.3, 1.3], a little
beyond the input's quantized range, so saturation is exercised);
NAME.out.npy the 4 outputs [4, 5] of the simulation: every QuantizeLinear
rounds x / scale computed in float32 half to even and saturates, every
DequantizeLinear is (q - z) * scale, and Conv/Gemm/pooling run in float64
on the dequantized values, which is what the ONNX graph means.
qdq.w1.npy holds the first convolution's int8 weights (as float) for the
test's check that the model's own integers are kept.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'qdq')


def q(x, s, z, lo, hi):
	v = np.rint((x.astype(np.float32) / np.float32(s)).astype(np.float32))
	return np.clip(v + z, lo, hi)


def dq(v, s, z):
	return (v.astype(np.float64) - z) * np.float64(s)


def conv(x, w, b, stride, pad):
	n, c, h, wd = x.shape
	m, _, kh, kw = w.shape
	xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
	oh = (h + 2 * pad - kh) // stride + 1
	ow = (wd + 2 * pad - kw) // stride + 1
	y = np.zeros((n, m, oh, ow))
	for i in range(oh):
		for j in range(ow):
			patch = xp[:, :, i * stride:i * stride + kh,
			           j * stride:j * stride + kw]
			y[:, :, i, j] = np.tensordot(patch, w, axes=([1, 2, 3],
			                                             [1, 2, 3]))
	return y + b[None, :, None, None]


def sym_weights(w, axis0):
	if axis0:
		s = np.abs(w).reshape(w.shape[0], -1).max(axis=1) / 127.0
		s = s.astype(np.float32)
		wq = np.clip(np.rint(w / s.reshape(-1, *([1] * (w.ndim - 1)))),
		             -127, 127)
	else:
		s = np.float32(np.abs(w).max() / 127.0)
		wq = np.clip(np.rint(w / s), -127, 127)
	return wq.astype(np.int8), s


def act_params(lo, hi, unsigned):
	lo, hi = min(lo, 0.0), max(hi, 0.0)
	s = np.float32((hi - lo) / 255.0)
	if unsigned:
		z = int(np.clip(np.rint(-lo / s), 0, 255))
	else:
		z = int(np.clip(np.rint(-128 - lo / s), -128, 127))
	return s, z


def main():
	rng = np.random.default_rng(7)
	os.makedirs(OUT, exist_ok=True)
	w1 = rng.normal(0, 0.4, (8, 3, 3, 3)).astype(np.float32)
	b1 = rng.normal(0, 0.2, 8).astype(np.float32)
	w2 = rng.normal(0, 0.2, (8, 8, 3, 3)).astype(np.float32)
	b2 = rng.normal(0, 0.2, 8).astype(np.float32)
	w3 = rng.normal(0, 0.5, (5, 8)).astype(np.float32)
	b3 = rng.normal(0, 0.1, 5).astype(np.float32)

	# Ranges of the float model on calibration-like inputs.
	xc = rng.uniform(-1.2, 1.2, (16, 3, 10, 10))
	a1 = np.maximum(conv(xc, w1, b1, 1, 1), 0)
	a2 = conv(a1, w2, b2, 2, 1)
	a3 = a2.mean(axis=(2, 3))
	a4 = a3 @ w3.T + b3
	s0, z0 = np.float32(2.4 / 255), 128          # uint8, [-1.2, 1.19]
	s1, z1 = act_params(0.0, a1.max(), False)
	s2 = np.float32((a2.max() - a2.min()) / 255)  # int8, zero point 5
	z2 = 5
	s3g, z3g = act_params(a3.min(), a3.max(), False)
	s4, z4 = act_params(a4.min(), a4.max(), True)

	w1q, sw1 = sym_weights(w1, True)
	w2q, sw2 = sym_weights(w2, False)
	w3q, sw3 = sym_weights(w3, False)
	sb1 = (s0 * sw1).astype(np.float32)
	sb2 = np.float32(s1 * sw2)
	b1q = np.rint(b1 / sb1).astype(np.int32)
	b2q = np.rint(b2 / sb2).astype(np.int32)
	xs = rng.uniform(-1.3, 1.3, (4, 3, 10, 10)).astype(np.float32)
	np.save(os.path.join(OUT, 'qdq.in.npy'), xs)
	np.save(os.path.join(OUT, 'qdq.w1.npy'), w1q.astype(np.float32))
	qlinear(rng, w1q, sw1, b1q, w2q, sw2, b2q, s0, z0, s1, s2, z2, xs)
	for name, s3, z3 in [('qdq', s2, z2), ('qdq_gap', s3g, z3g)]:
		sb3 = np.float32(s3 * sw3)
		b3q = np.rint(b3 / sb3).astype(np.int32)
		model(name, s0, z0, s1, z1, s2, z2, s3, z3, s4, z4, w1q, sw1,
		      sb1, b1q, w2q, sw2, sb2, b2q, w3q, sw3, sb3, b3q, xs)


def qlinear(rng, w1q, sw1, b1q, w2q, sw2, b2q, s0, z0, s1, s2, z2, xs):
	w3 = rng.normal(0, 0.1, (200, 5)).astype(np.float32)  # MatMul [K, N]
	sw3 = (np.abs(w3).max(axis=0) / 127.0).astype(np.float32)
	w3q = np.clip(np.rint(w3 / sw3), -127, 127).astype(np.int8)

	def qconv(xq, xs_, xz, wq, ws, b, ys, yz, lo, hi, stride):
		acc = conv(xq.astype(np.float64) - xz, wq.astype(np.float64), b,
		           stride, 1)
		m = (np.float64(xs_) * np.asarray(ws, np.float64) /
		     np.float64(ys)).reshape(1, -1, 1, 1)
		return np.clip(np.rint(acc * m) + yz, lo, hi)

	def run(x):
		xq = q(x, s0, z0, 0, 255)
		h = qconv(xq, s0, z0, w1q, sw1, b1q, s1, 0, 0, 255, 1)
		c = qconv(h, s1, 0, w2q, np.full(8, sw2), b2q, s2, z2, -128, 127,
		          2)
		f = c.reshape(len(x), -1)
		acc = (f - z2) @ w3q.astype(np.float64)
		return acc, f

	# Output grid from the float range of the last layer on the inputs.
	acc, _ = run(xs)
	real = acc * (np.float64(s2) * sw3)
	s4, z4 = act_params(real.min(), real.max(), True)
	gq = np.clip(np.rint(acc * (np.float64(s2) * sw3 / np.float64(s4))) +
	             z4, 0, 255)
	y = dq(gq, s4, z4)

	inits, nodes = [], []

	def init(name, arr, dt=None):
		inits.append(numpy_helper.from_array(np.asarray(arr, dtype=dt),
		                                     name))
		return name

	init('s0', np.float32(s0)); init('z0', z0, np.uint8)
	init('s1', np.float32(s1)); init('z1', 0, np.uint8)
	init('s2', np.float32(s2)); init('z2', z2, np.int8)
	init('s4', np.float32(s4)); init('z4', z4, np.uint8)
	init('w1', w1q); init('w1_s', sw1); init('w1_z', np.zeros(8, np.int8))
	init('b1', b1q)
	init('w2', w2q); init('w2_s', np.float32(sw2)); init('w2_z', 0, np.int8)
	init('b2', b2q)
	init('w3', w3q); init('w3_s', sw3); init('w3_z', np.zeros(5, np.int8))
	nodes.append(helper.make_node('QuantizeLinear', ['x', 's0', 'z0'],
	             ['xq'], name='quant'))
	nodes.append(helper.make_node('QLinearConv',
	             ['xq', 's0', 'z0', 'w1', 'w1_s', 'w1_z', 's1', 'z1', 'b1'],
	             ['h'], kernel_shape=[3, 3], pads=[1, 1, 1, 1], name='conv1'))
	nodes.append(helper.make_node('QLinearConv',
	             ['h', 's1', 'z1', 'w2', 'w2_s', 'w2_z', 's2', 'z2', 'b2'],
	             ['c'], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
	             strides=[2, 2], name='conv2'))
	nodes.append(helper.make_node('Flatten', ['c'], ['f'], name='flatten'))
	nodes.append(helper.make_node('QLinearMatMul',
	             ['f', 's2', 'z2', 'w3', 'w3_s', 'w3_z', 's4', 'z4'], ['g'],
	             name='fc'))
	nodes.append(helper.make_node('DequantizeLinear', ['g', 's4', 'z4'],
	             ['y'], name='dequant'))
	graph = helper.make_graph(
		nodes, 'qlinear',
		[helper.make_tensor_value_info('x', TensorProto.FLOAT,
		                               [1, 3, 10, 10])],
		[helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 5])],
		inits)
	m = helper.make_model(graph, opset_imports=[
		helper.make_opsetid('', 13)], producer_name='gen_qdq.py')
	onnx.checker.check_model(m)
	onnx.save(m, os.path.join(OUT, 'qlinear.onnx'))
	np.save(os.path.join(OUT, 'qlinear.out.npy'), y.astype(np.float32))
	print('qlinear output scale', s4, 'outputs', y)


def model(name, s0, z0, s1, z1, s2, z2, s3, z3, s4, z4, w1q, sw1, sb1,
          b1q, w2q, sw2, sb2, b2q, w3q, sw3, sb3, b3q, xs):
	inits = []
	nodes = []

	def init(name, arr, dt=None):
		t = numpy_helper.from_array(np.asarray(arr, dtype=dt), name)
		inits.append(t)
		return name

	def qdq_pair(x, name, s, z, zdt):
		init(name + '_s', np.float32(s))
		init(name + '_z', z, zdt)
		nodes.append(helper.make_node('QuantizeLinear',
		             [x, name + '_s', name + '_z'], [name + '_q'],
		             name=name + '_Q'))
		nodes.append(helper.make_node('DequantizeLinear',
		             [name + '_q', name + '_s', name + '_z'], [name + '_dq'],
		             name=name + '_DQ'))
		return name + '_dq'

	def weight(name, wq, s, axis=None):
		init(name + '_q', wq)
		init(name + '_s', s, np.float32)
		init(name + '_z', np.zeros(np.shape(s), np.int8))
		attrs = {'axis': axis} if axis is not None else {}
		nodes.append(helper.make_node('DequantizeLinear',
		             [name + '_q', name + '_s', name + '_z'], [name],
		             name=name + '_DQ', **attrs))
		return name

	x = qdq_pair('x', 'in', s0, z0, np.uint8)
	weight('w1', w1q, sw1, axis=0)
	weight('b1', b1q, sb1, axis=0)
	nodes.append(helper.make_node('Conv', [x, 'w1', 'b1'], ['c1'],
	             kernel_shape=[3, 3], pads=[1, 1, 1, 1], name='conv1'))
	nodes.append(helper.make_node('Relu', ['c1'], ['r1'], name='relu1'))
	h = qdq_pair('r1', 'a1', s1, z1, np.int8)
	weight('w2', w2q, sw2)
	weight('b2', b2q, sb2)
	nodes.append(helper.make_node('Conv', [h, 'w2', 'b2'], ['c2'],
	             kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[2, 2],
	             name='conv2'))
	h = qdq_pair('c2', 'a2', s2, z2, np.int8)
	nodes.append(helper.make_node('GlobalAveragePool', [h], ['p'],
	             name='pool'))
	h = qdq_pair('p', 'a3', s3, z3, np.int8)
	nodes.append(helper.make_node('Flatten', [h], ['f'], name='flatten'))
	weight('w3', w3q, sw3)
	weight('b3', b3q, sb3)
	nodes.append(helper.make_node('Gemm', ['f', 'w3', 'b3'], ['g'],
	             transB=1, name='fc'))
	h = qdq_pair('g', 'a4', s4, z4, np.uint8)
	nodes.append(helper.make_node('Identity', [h], ['y'], name='out'))

	graph = helper.make_graph(
		nodes, 'qdq',
		[helper.make_tensor_value_info('x', TensorProto.FLOAT,
		                               [1, 3, 10, 10])],
		[helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 5])],
		inits)
	m = helper.make_model(graph, opset_imports=[
		helper.make_opsetid('', 13)], producer_name='gen_qdq.py')
	onnx.checker.check_model(m)
	onnx.save(m, os.path.join(OUT, name + '.onnx'))

	# The simulation.
	v = dq(q(xs, s0, z0, 0, 255), s0, z0)
	v = conv(v, dq(w1q, sw1.reshape(-1, 1, 1, 1), 0), dq(b1q, sb1, 0), 1, 1)
	v = dq(q(np.maximum(v, 0), s1, z1, -128, 127), s1, z1)
	v = conv(v, dq(w2q, sw2, 0), dq(b2q, sb2, 0), 2, 1)
	v = dq(q(v, s2, z2, -128, 127), s2, z2)
	v = v.mean(axis=(2, 3))
	v = dq(q(v, s3, z3, -128, 127), s3, z3)
	v = v @ dq(w3q, sw3, 0).T + dq(b3q, sb3, 0)
	y = dq(q(v, s4, z4, 0, 255), s4, z4)
	np.save(os.path.join(OUT, name + '.out.npy'), y.astype(np.float32))
	print(name, 'output scale', s4, 'outputs', y)


if __name__ == '__main__':
	main()
