/*
 * rfx-bench-model: writes a small synthetic .rfx for rfx-bench's own test
 * and for trying the harness without the converter:
 *
 *   image [1,3,S,S] -> conv 3x3/2 + relu -> K x (conv 3x3 + relu) with a
 *   residual add every second conv -> maxpool 2x2 -> global average pool
 *   -> flatten -> fc (10) -> softmax
 *
 * Weights are seeded pseudo-random numbers scaled by 1/sqrt(fan-in), so
 * activations stay of order one. --fp16 makes every layer fp16.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format/rfx_format.h"
#include "graph/builder.h"
#include "graph/half.h"

static uint32_t seed = 12345;
static int fp16;

static float randf(float scale)
{
	seed ^= seed << 13;
	seed ^= seed >> 17;
	seed ^= seed << 5;
	return ((float)(seed >> 8) / 8388608.0f - 1.0f) * scale;
}

static uint32_t weights(rfx_builder *b, const char *name, uint32_t rank,
                        const uint32_t *dims, float scale, int half)
{
	uint64_t n = 1;
	uint32_t t;
	float *v;

	for (uint32_t k = 0; k < rank; k++)
		n *= dims[k];
	v = malloc(n * sizeof(float));
	if (!v)
		return RFX_BUILDER_NONE;
	for (uint64_t i = 0; i < n; i++)
		v[i] = randf(scale);
	if (half) {
		/* In place: the halves fit in the first half of the floats. */
		uint16_t *h = (uint16_t *)(void *)v;
		for (uint64_t i = 0; i < n; i++)
			h[i] = rfx_f32_to_f16(v[i]);
	}
	t = rfx_builder_const(b, name, half ? RFX_DTYPE_F16 : RFX_DTYPE_F32, rank,
			      dims, v);
	free(v);
	return t;
}

static rfx_layer *layer(rfx_builder *b, rfx_op op, const char *name,
                        const uint32_t *in, uint32_t n_in, uint32_t *out)
{
	rfx_layer *l;

	*out = rfx_builder_tensor(b, name, fp16 ? RFX_DTYPE_F16 : RFX_DTYPE_F32, 0, NULL);
	l = rfx_builder_layer(b, op, name, in, n_in, *out);
	if (l)
		l->precision = fp16 ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
	return l;
}

static uint32_t conv(rfx_builder *b, uint32_t x, uint32_t cin, uint32_t cout,
                     const char *name, int stride, uint32_t residual)
{
	char wn[32], bn[32];
	uint32_t wd[4] = {cout, cin, 3, 3}, bd[1] = {cout}, y;
	uint32_t in[4];
	rfx_layer *l;

	snprintf(wn, sizeof(wn), "%s.w", name);
	snprintf(bn, sizeof(bn), "%s.b", name);
	in[0] = x;
	in[1] = weights(b, wn, 4, wd, 1.0f / sqrtf((float)cin * 9.0f), fp16);
	in[2] = weights(b, bn, 1, bd, 0.1f, 0);
	in[3] = residual;
	l = layer(b, RFX_OP_CONV2D, name, in, residual == RFX_BUILDER_NONE ? 3 : 4, &y);
	if (l) {
		l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = stride;
		l->i[RFX_CONV_PAD_T] = l->i[RFX_CONV_PAD_L] = 1;
		l->i[RFX_CONV_PAD_B] = l->i[RFX_CONV_PAD_R] = 1;
		l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
		l->i[RFX_CONV_GROUP] = 1;
		l->i[RFX_CONV_ACT] = RFX_ACT_RELU;
	}
	rfx_builder_infer(b, l);
	return y;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: rfx-bench-model OUT.rfx [--size S] [--width C] [--convs K] [--fp16]\n"
		"Write a synthetic conv net (S x S x 3 input, default 64; C channels,\n"
		"default 16; K 3x3 convs after the first, default 4) for rfx-bench.\n");
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"size", required_argument, NULL, 's'},
		{"width", required_argument, NULL, 'w'},
		{"convs", required_argument, NULL, 'k'},
		{"fp16", no_argument, NULL, 'h'},
		{"help", no_argument, NULL, 'H'},
		{NULL, 0, NULL, 0},
	};
	unsigned long size = 64, width = 16, convs = 4;
	rfx_builder b;
	rfx_graph g;
	rfx_layer *l;
	char err[256], name[32];
	uint32_t x, y, prev, t, in[3];
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			size = strtoul(optarg, NULL, 10);
			break;
		case 'w':
			width = strtoul(optarg, NULL, 10);
			break;
		case 'k':
			convs = strtoul(optarg, NULL, 10);
			break;
		case 'h':
			fp16 = 1;
			break;
		case 'H':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || size < 8 || size > 4096 || width < 1 ||
	    width > 1024 || convs > 256) {
		usage(stderr);
		return 2;
	}
	rfx_builder_init(&b);
	x = rfx_builder_input(&b, "image", RFX_DTYPE_F32, 4,
			      (uint32_t[]){1, 3, (uint32_t)size, (uint32_t)size});
	y = conv(&b, x, 3, (uint32_t)width, "conv0", 2, RFX_BUILDER_NONE);
	prev = y;
	for (unsigned long i = 1; i <= convs; i++) {
		snprintf(name, sizeof(name), "conv%lu", i);
		/* Every second conv adds the output of two convs back. */
		y = conv(&b, y, (uint32_t)width, (uint32_t)width, name, 1,
			 i % 2 == 0 ? prev : RFX_BUILDER_NONE);
		if (i % 2 == 0)
			prev = y;
	}
	l = layer(&b, RFX_OP_POOL2D, "maxpool", &y, 1, &t);
	if (l) {
		l->i[RFX_POOL_KIND] = RFX_POOL_MAX;
		l->i[RFX_POOL_KERNEL_H] = l->i[RFX_POOL_KERNEL_W] = 2;
		l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = 2;
		l->i[RFX_POOL_DIL_H] = l->i[RFX_POOL_DIL_W] = 1;
	}
	rfx_builder_infer(&b, l);
	y = t;
	l = layer(&b, RFX_OP_GLOBAL_POOL, "gap", &y, 1, &t);
	if (l)
		l->i[RFX_GPOOL_KIND] = RFX_POOL_AVG;
	rfx_builder_infer(&b, l);
	y = t;
	t = rfx_builder_tensor(&b, "flatten", fp16 ? RFX_DTYPE_F16 : RFX_DTYPE_F32, 2,
			       (uint32_t[]){1, (uint32_t)width});
	l = rfx_builder_layer(&b, RFX_OP_RESHAPE, "flatten", &y, 1, t);
	if (l)
		l->precision = fp16 ? RFX_DTYPE_F16 : RFX_DTYPE_F32;
	rfx_builder_infer(&b, l);
	y = t;
	in[0] = y;
	in[1] = weights(&b, "fc.w", 2, (uint32_t[]){10, (uint32_t)width},
			1.0f / sqrtf((float)width), fp16);
	in[2] = weights(&b, "fc.b", 1, (uint32_t[]){10}, 0.1f, 0);
	l = layer(&b, RFX_OP_FC, "fc", in, 3, &t);
	rfx_builder_infer(&b, l);
	y = t;
	l = layer(&b, RFX_OP_SOFTMAX, "softmax", &y, 1, &t);
	if (l)
		l->i[RFX_SOFTMAX_AXIS] = 1;
	rfx_builder_infer(&b, l);
	rfx_builder_output(&b, t);
	rfx_builder_set_converter(&b, "rfx-bench-model");
	if (rfx_builder_finish(&b, &g, err, sizeof(err)) != RFX_OK ||
	    rfx_format_write_file(&g, argv[optind], err, sizeof(err)) != RFX_OK) {
		fprintf(stderr, "rfx-bench-model: %s\n", err);
		rfx_graph_finish(&g);
		return 1;
	}
	rfx_graph_finish(&g);
	return 0;
}
