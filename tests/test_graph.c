#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_util.h"
#include "test_graph.h"

void tg_init(tg *b)
{
	memset(b, 0, sizeof(*b));
	b->g.tensors = b->t;
	b->g.layers = b->l;
	b->g.inputs = b->in;
	b->g.outputs = b->out;
	b->seed = 12345;
}

uint32_t tg_tensor(tg *b, const char *name, rfx_dtype dt, uint32_t rank,
                   const uint32_t *dims)
{
	uint32_t i = b->g.n_tensors++;
	rfx_tensor *t = &b->t[i];

	ck_assert_uint_lt(i, TG_TENSORS);
	snprintf(b->names[i], sizeof(b->names[i]), "%s", name);
	memset(t, 0, sizeof(*t));
	t->name = b->names[i];
	t->dtype = dt;
	t->rank = rank;
	for (uint32_t d = 0; d < RFX_MAX_RANK; d++)
		t->dims[d] = d < rank ? dims[d] : 1;
	t->channel_scales = UINT32_MAX;
	return i;
}

uint32_t tg_input(tg *b, const char *name, rfx_dtype dt, uint32_t rank,
                  const uint32_t *dims)
{
	uint32_t i = tg_tensor(b, name, dt, rank, dims);

	b->t[i].flags |= RFX_TENSOR_INPUT;
	b->in[b->g.n_inputs++] = i;
	return i;
}

uint32_t tg_const(tg *b, const char *name, rfx_dtype dt, uint32_t rank,
                  const uint32_t *dims, int zero)
{
	uint32_t i = tg_tensor(b, name, dt, rank, dims);
	rfx_tensor *t = &b->t[i];
	uint64_t bytes = rfx_tensor_bytes(t);
	size_t words = (size_t)(bytes + 63) / 64 * 16; /* keep 64-aligned */
	unsigned char *p = (unsigned char *)(b->data + b->n_data);

	ck_assert_uint_le(b->n_data + words, TG_DATA);
	for (uint64_t k = 0; k < bytes; k++)
		p[k] = zero ? 0 : (unsigned char)test_rand(&b->seed);
	if (dt == RFX_DTYPE_F32 && !zero)
		for (uint64_t k = 0; k < bytes / 4; k++)
			((float *)p)[k] = test_randf(&b->seed, -1, 1);
	b->n_data += words;
	t->flags = RFX_TENSOR_CONST;
	t->data = p;
	t->size = bytes;
	return i;
}

void tg_output(tg *b, uint32_t t)
{
	b->t[t].flags |= RFX_TENSOR_OUTPUT;
	b->out[b->g.n_outputs++] = t;
}

rfx_layer *tg_layer(tg *b, rfx_op op, const char *out_name,
                    const uint32_t *inputs, uint32_t n)
{
	uint32_t li = b->g.n_layers++;
	rfx_layer *l = &b->l[li];
	uint32_t y = tg_tensor(b, out_name, RFX_DTYPE_F32, 0, NULL);
	char *name = b->names[TG_TENSORS + li];

	ck_assert_uint_lt(li, TG_LAYERS);
	ck_assert_uint_le(b->n_idx + n + 1, sizeof(b->idx) / sizeof(b->idx[0]));
	snprintf(name, 32, "%s_op", out_name);
	memset(l, 0, sizeof(*l));
	l->op = op;
	l->precision = RFX_DTYPE_F32;
	l->name = name;
	l->n_inputs = n;
	l->inputs = b->idx + b->n_idx;
	memcpy(l->inputs, inputs, n * sizeof(uint32_t));
	l->n_outputs = 1;
	l->outputs = l->inputs + n;
	l->outputs[0] = y;
	b->n_idx += n + 1;
	return l;
}

uint32_t tg_out(const rfx_layer *l)
{
	return l->outputs[0];
}

rfx_status tg_infer(tg *b, rfx_layer *l, char *err, size_t errlen)
{
	rfx_tensor out;
	rfx_status st = rfx_layer_infer(&b->g, l, &out, err, errlen);
	rfx_tensor *y = &b->t[l->outputs[0]];

	if (st != RFX_OK)
		return st;
	y->dtype = out.dtype;
	y->rank = out.rank;
	memcpy(y->dims, out.dims, sizeof(y->dims));
	return RFX_OK;
}

static void infer_ok(tg *b, rfx_layer *l)
{
	char err[256];
	rfx_status st = tg_infer(b, l, err, sizeof(err));

	ck_assert_msg(st == RFX_OK, "%s: %s", l->name, err);
}

void tg_classifier(tg *b)
{
	static const uint32_t xd[4] = {1, 3, 8, 8}, wd[4] = {4, 3, 3, 3},
			      bd[1] = {4}, fwd[2] = {10, 64}, fbd[1] = {10},
			      flat[2] = {1, 64};
	static float golden_in[1 * 3 * 8 * 8], golden_out[10];
	uint32_t x, w, bias, fw, fb;
	rfx_layer *l;
	rfx_meta *m;

	tg_init(b);
	x = tg_input(b, "x", RFX_DTYPE_F32, 4, xd);
	w = tg_const(b, "conv.w", RFX_DTYPE_F32, 4, wd, 0);
	bias = tg_const(b, "conv.b", RFX_DTYPE_F32, 1, bd, 0);
	l = tg_layer(b, RFX_OP_CONV2D, "conv", (uint32_t[]){x, w, bias}, 3);
	l->i[RFX_CONV_STRIDE_H] = l->i[RFX_CONV_STRIDE_W] = 1;
	l->i[RFX_CONV_PAD_T] = l->i[RFX_CONV_PAD_L] = 1;
	l->i[RFX_CONV_PAD_B] = l->i[RFX_CONV_PAD_R] = 1;
	l->i[RFX_CONV_DIL_H] = l->i[RFX_CONV_DIL_W] = 1;
	l->i[RFX_CONV_GROUP] = 1;
	infer_ok(b, l);
	l = tg_layer(b, RFX_OP_UNARY, "relu", (uint32_t[]){tg_out(l)}, 1);
	l->i[RFX_UNARY_ACT] = RFX_ACT_RELU;
	infer_ok(b, l);
	l = tg_layer(b, RFX_OP_POOL2D, "pool", (uint32_t[]){tg_out(l)}, 1);
	l->i[RFX_POOL_KIND] = RFX_POOL_MAX;
	l->i[RFX_POOL_KERNEL_H] = l->i[RFX_POOL_KERNEL_W] = 2;
	l->i[RFX_POOL_STRIDE_H] = l->i[RFX_POOL_STRIDE_W] = 2;
	l->i[RFX_POOL_DIL_H] = l->i[RFX_POOL_DIL_W] = 1;
	infer_ok(b, l);
	l = tg_layer(b, RFX_OP_RESHAPE, "flat", (uint32_t[]){tg_out(l)}, 1);
	b->t[tg_out(l)].rank = 2;
	b->t[tg_out(l)].dims[0] = flat[0];
	b->t[tg_out(l)].dims[1] = flat[1];
	infer_ok(b, l);
	fw = tg_const(b, "fc.w", RFX_DTYPE_F32, 2, fwd, 0);
	fb = tg_const(b, "fc.b", RFX_DTYPE_F32, 1, fbd, 0);
	l = tg_layer(b, RFX_OP_FC, "logits", (uint32_t[]){tg_out(l), fw, fb}, 3);
	infer_ok(b, l);
	l = tg_layer(b, RFX_OP_SOFTMAX, "prob", (uint32_t[]){tg_out(l)}, 1);
	l->i[RFX_SOFTMAX_AXIS] = 1;
	infer_ok(b, l);
	tg_output(b, tg_out(l));

	for (size_t k = 0; k < sizeof(golden_in) / sizeof(golden_in[0]); k++)
		golden_in[k] = (float)k / 192.0f;
	for (size_t k = 0; k < 10; k++)
		golden_out[k] = 0.1f;
	m = &b->g.meta;
	m->labels = "zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine";
	m->n_labels = 10;
	m->color = "bgr";
	m->layout = "NCHW";
	m->scale = 1.0f / 255.0f;
	m->mean[0] = 0.485f, m->mean[1] = 0.456f, m->mean[2] = 0.406f;
	m->std[0] = 0.229f, m->std[1] = 0.224f, m->std[2] = 0.225f;
	m->input_w = 8;
	m->input_h = 8;
	m->converter = "rfx-convert test";
	m->source_name = "classifier.onnx";
	m->source_hash = 0x0123456789abcdefull;
	m->golden_input = golden_in;
	m->golden_input_size = sizeof(golden_in);
	m->golden_output = golden_out;
	m->golden_output_size = sizeof(golden_out);
}
