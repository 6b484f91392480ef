/*
 * ONNX -> rfx layers for the ops with weights or windows: Conv, pooling,
 * Gemm, MatMul, BatchNormalization. Weights are repacked here into the
 * layouts graph.h defines: conv [M, C/group, kH, kW], fc [N, K], bias [M]
 * or [N] float32 (zeros when the model has none).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/translate.h"

/* Pads [top, left, bottom, right] from pads/auto_pad, for input size in[]
 * (H, W), kernel extents ext[] and strides s[]. */
static rfx_status resolve_pads(rfx_ir_graph *g, uint32_t k,
                               const int64_t *in, const int64_t *ext,
                               const int64_t *s, int64_t *pads)
{
	const char *ap = rfx_ir_attr_str(&g->nodes[k], "auto_pad", "NOTSET");
	rfx_status st;

	if (strcmp(ap, "NOTSET") == 0 || !*ap) {
		if ((st = rfx_tr_ints(g, k, "pads", 4, 0, pads)))
			return st;
		for (int j = 0; j < 4; j++)
			if (pads[j] < 0)
				return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
							"negative pads");
		return RFX_OK;
	}
	if (rfx_ir_attr_get(&g->nodes[k], "pads"))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"pads and auto_pad %s together", ap);
	if (strcmp(ap, "VALID") == 0) {
		memset(pads, 0, 4 * sizeof(pads[0]));
		return RFX_OK;
	}
	int upper = strcmp(ap, "SAME_UPPER") == 0;
	if (!upper && strcmp(ap, "SAME_LOWER") != 0)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"auto_pad '%s' is not supported", ap);
	for (int a = 0; a < 2; a++) {
		int64_t out = (in[a] + s[a] - 1) / s[a];
		int64_t total = (out - 1) * s[a] + ext[a] - in[a];
		if (total < 0)
			total = 0;
		int64_t small = total / 2, big = total - small;
		pads[a] = upper ? small : big;
		pads[a + 2] = upper ? big : small;
	}
	return RFX_OK;
}

/* Strides and dilations: 2 positive values each. */
static rfx_status window_ints(rfx_ir_graph *g, uint32_t k, const char *name,
                              int64_t *out)
{
	rfx_status st = rfx_tr_ints(g, k, name, 2, 1, out);

	if (st)
		return st;
	if (out[0] < 1 || out[1] < 1)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"%s must be positive", name);
	return RFX_OK;
}

static rfx_status need_4d(rfx_ir_graph *g, uint32_t k, int32_t *x)
{
	rfx_status st = rfx_tr_input(g, k, 0, -1, x);

	if (st)
		return st;
	if (g->values[*x].t.rank != 4)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"only the 2-D form (a 4-D NCHW input) is "
					"supported; input '%s' has rank %u",
					g->values[*x].name, g->values[*x].t.rank);
	return RFX_OK;
}

rfx_status rfx_tr_conv(rfx_ir_graph *g, uint32_t *kp)
{
	static const char *const known[] = {"auto_pad", "dilations", "group",
					    "kernel_shape", "pads", "strides",
					    NULL};
	uint32_t k = *kp;
	int32_t in[3];
	int64_t strides[2], dil[2], ks[2], ext[2], pads[4], group;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, k, known)) || (st = need_4d(g, k, &in[0])) ||
	    (st = rfx_tr_const_input(g, k, 1, 4, "weight", &in[1])))
		return st;
	const rfx_ir_tensor *w = &g->values[in[1]].t;
	int64_t m = w->dims[0];
	if (g->nodes[k].n_in > 2 && g->nodes[k].in[2] >= 0) {
		if ((st = rfx_tr_const_input(g, k, 2, 1, "bias", &in[2])))
			return st;
		if (g->values[in[2]].t.dims[0] != m)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"bias has %lld entries for %lld "
						"output channels",
						(long long)g->values[in[2]].t.dims[0],
						(long long)m);
	} else if ((st = rfx_tr_new_const(g, k, "bias", 1, &m, NULL, &in[2]))) {
		return st;
	}
	w = &g->values[in[1]].t;
	group = rfx_ir_attr_int(&g->nodes[k], "group", 1);
	if (group < 1 || group > RFX_MAX_DIM)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT, "group %lld",
					(long long)group);
	if ((st = rfx_tr_ints(g, k, "kernel_shape", 2, 0, ks)))
		return st;
	if (rfx_ir_attr_get(&g->nodes[k], "kernel_shape") &&
	    (ks[0] != w->dims[2] || ks[1] != w->dims[3]))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"kernel_shape %lldx%lld differs from the "
					"weight's %lldx%lld", (long long)ks[0],
					(long long)ks[1], (long long)w->dims[2],
					(long long)w->dims[3]);
	if ((st = window_ints(g, k, "strides", strides)) ||
	    (st = window_ints(g, k, "dilations", dil)))
		return st;
	for (int a = 0; a < 2; a++)
		ext[a] = dil[a] * (w->dims[2 + a] - 1) + 1;
	if ((st = resolve_pads(g, k, &g->values[in[0]].t.dims[2], ext, strides,
			       pads)) ||
	    (st = rfx_tr_layer(g, k, RFX_OP_CONV2D, in, 3)))
		return st;
	int32_t *i = g->nodes[k].i;
	i[RFX_CONV_STRIDE_H] = (int32_t)strides[0];
	i[RFX_CONV_STRIDE_W] = (int32_t)strides[1];
	i[RFX_CONV_PAD_T] = (int32_t)pads[0];
	i[RFX_CONV_PAD_L] = (int32_t)pads[1];
	i[RFX_CONV_PAD_B] = (int32_t)pads[2];
	i[RFX_CONV_PAD_R] = (int32_t)pads[3];
	i[RFX_CONV_DIL_H] = (int32_t)dil[0];
	i[RFX_CONV_DIL_W] = (int32_t)dil[1];
	i[RFX_CONV_GROUP] = (int32_t)group;
	return rfx_tr_infer(g, k);
}

static rfx_status pool(rfx_ir_graph *g, uint32_t k, rfx_pool_kind kind)
{
	static const char *const avg_known[] = {"auto_pad", "ceil_mode",
						"count_include_pad",
						"kernel_shape", "pads",
						"strides", NULL};
	static const char *const max_known[] = {"auto_pad", "ceil_mode",
						"dilations", "kernel_shape",
						"pads", "storage_order",
						"strides", NULL};
	int32_t x;
	int64_t ks[2], strides[2], dil[2], ext[2], pads[4];
	int64_t ceil_mode = rfx_ir_attr_int(&g->nodes[k], "ceil_mode", 0);
	int64_t cip = rfx_ir_attr_int(&g->nodes[k], "count_include_pad", 0);
	rfx_status st;

	if ((st = rfx_tr_attrs(g, k, kind == RFX_POOL_MAX ? max_known
							  : avg_known)) ||
	    (st = need_4d(g, k, &x)))
		return st;
	if (!rfx_ir_attr_get(&g->nodes[k], "kernel_shape"))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"kernel_shape is required");
	if ((st = rfx_tr_ints(g, k, "kernel_shape", 2, 1, ks)) ||
	    (st = window_ints(g, k, "strides", strides)) ||
	    (st = window_ints(g, k, "dilations", dil)))
		return st;
	if (ks[0] < 1 || ks[1] < 1)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"kernel_shape must be positive");
	if ((ceil_mode != 0 && ceil_mode != 1) || (cip != 0 && cip != 1))
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"ceil_mode and count_include_pad are 0 "
					"or 1");
	for (int a = 0; a < 2; a++)
		ext[a] = dil[a] * (ks[a] - 1) + 1;
	if ((st = resolve_pads(g, k, &g->values[x].t.dims[2], ext, strides,
			       pads)) ||
	    (st = rfx_tr_layer(g, k, RFX_OP_POOL2D, &x, 1)))
		return st;
	int32_t *i = g->nodes[k].i;
	i[RFX_POOL_KIND] = kind;
	i[RFX_POOL_KERNEL_H] = (int32_t)ks[0];
	i[RFX_POOL_KERNEL_W] = (int32_t)ks[1];
	i[RFX_POOL_STRIDE_H] = (int32_t)strides[0];
	i[RFX_POOL_STRIDE_W] = (int32_t)strides[1];
	i[RFX_POOL_PAD_T] = (int32_t)pads[0];
	i[RFX_POOL_PAD_L] = (int32_t)pads[1];
	i[RFX_POOL_PAD_B] = (int32_t)pads[2];
	i[RFX_POOL_PAD_R] = (int32_t)pads[3];
	i[RFX_POOL_CEIL_MODE] = (int32_t)ceil_mode;
	i[RFX_POOL_COUNT_INCLUDE_PAD] = (int32_t)cip;
	i[RFX_POOL_DIL_H] = (int32_t)dil[0];
	i[RFX_POOL_DIL_W] = (int32_t)dil[1];
	return rfx_tr_infer(g, k);
}

rfx_status rfx_tr_maxpool(rfx_ir_graph *g, uint32_t *k)
{
	return pool(g, *k, RFX_POOL_MAX);
}

rfx_status rfx_tr_avgpool(rfx_ir_graph *g, uint32_t *k)
{
	return pool(g, *k, RFX_POOL_AVG);
}

rfx_status rfx_tr_global_pool(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {NULL};
	int is_max = strcmp(g->nodes[*k].op_type, "GlobalMaxPool") == 0;
	int32_t x;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) || (st = need_4d(g, *k, &x)) ||
	    (st = rfx_tr_layer(g, *k, RFX_OP_GLOBAL_POOL, &x, 1)))
		return st;
	g->nodes[*k].i[RFX_GPOOL_KIND] = is_max ? RFX_POOL_MAX : RFX_POOL_AVG;
	return rfx_tr_infer(g, *k);
}

/* FC from node k: in = {x, w[N,K], b[N]}, the output as the node has it. */
static rfx_status make_fc(rfx_ir_graph *g, uint32_t k, int32_t x,
                          const float *w, const float *b, int64_t n,
                          int64_t kk)
{
	int32_t in[3] = {x, -1, -1};
	int64_t wd[2] = {n, kk};
	rfx_status st;

	if ((st = rfx_tr_new_const(g, k, "weight", 2, wd, w, &in[1])) ||
	    (st = rfx_tr_new_const(g, k, "bias", 1, &n, b, &in[2])) ||
	    (st = rfx_tr_layer(g, k, RFX_OP_FC, in, 3)))
		return st;
	return RFX_OK;
}

rfx_status rfx_tr_gemm(rfx_ir_graph *g, uint32_t *kp)
{
	static const char *const known[] = {"alpha", "beta", "transA",
					    "transB", NULL};
	uint32_t k = *kp;
	const rfx_ir_node *nd = &g->nodes[k];
	float alpha = rfx_ir_attr_float(nd, "alpha", 1.0f);
	float beta = rfx_ir_attr_float(nd, "beta", 1.0f);
	int64_t ta = rfx_ir_attr_int(nd, "transA", 0);
	int64_t tb = rfx_ir_attr_int(nd, "transB", 0);
	int32_t a, bv, c = -1, matrix_c = -1;
	float *w = NULL, *bias = NULL;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, k, known)) ||
	    (st = rfx_tr_input(g, k, 0, 2, &a)) ||
	    (st = rfx_tr_const_input(g, k, 1, 2, "B (weights)", &bv)))
		return st;
	if (nd->n_in > 2 && nd->in[2] >= 0 &&
	    (st = rfx_tr_input(g, k, 2, -1, &c)))
		return st;
	const rfx_ir_tensor *bt = &g->values[bv].t;
	int64_t kk = tb ? bt->dims[1] : bt->dims[0];
	int64_t n = tb ? bt->dims[0] : bt->dims[1];
	int64_t ka = g->values[a].t.dims[ta ? 0 : 1];
	if (ka != kk)
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"A has K = %lld, B has K = %lld",
					(long long)ka, (long long)kk);
	w = malloc((size_t)(n * kk) * sizeof(float));
	bias = calloc((size_t)n, sizeof(float));
	if (!w || !bias) {
		st = rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		goto out;
	}
	for (int64_t r = 0; r < n; r++)
		for (int64_t q = 0; q < kk; q++)
			w[r * kk + q] = alpha * ((const float *)bt->data)
					[tb ? r * kk + q : q * n + r];
	if (c >= 0) {
		const rfx_ir_tensor *ct = &g->values[c].t;
		uint64_t cnt = 0;
		rfx_ir_tensor_count(ct, &cnt);
		int row = cnt == 1 ||
			  (ct->rank == 1 && ct->dims[0] == n) ||
			  (ct->rank == 2 && ct->dims[0] == 1 && ct->dims[1] == n);
		if (ct->data && row) {
			for (int64_t r = 0; r < n; r++)
				bias[r] = beta * ((const float *)ct->data)
						[cnt == 1 ? 0 : r];
		} else if (ct->data) {
			float *cd = malloc((size_t)cnt * sizeof(float));
			if (!cd) {
				st = rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY,
						 "out of memory");
				goto out;
			}
			for (uint64_t e = 0; e < cnt; e++)
				cd[e] = beta * ((const float *)ct->data)[e];
			int64_t dims[RFX_IR_MAX_RANK];
			memcpy(dims, ct->dims, sizeof(dims));
			st = rfx_tr_new_const(g, k, "C", ct->rank, dims, cd,
					      &matrix_c);
			free(cd);
			if (st)
				goto out;
		} else if (beta != 1.0f) {
			st = rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					      "a computed C with beta != 1 is "
					      "not supported");
			goto out;
		} else {
			matrix_c = c;
		}
	}
	if (ta) {
		/* y = A^T B: transpose A first. */
		int32_t at;
		if ((st = rfx_tr_new_value(g, k, "transA", &at)) ||
		    (st = rfx_tr_insert_layer(g, k, k, "transA", RFX_OP_TRANSPOSE, &a,
				       1, at)))
			goto out;
		g->nodes[k].i[0] = 1;
		g->nodes[k].i[1] = 0;
		if ((st = rfx_tr_infer(g, k)))
			goto out;
		a = at;
		k++;
	}
	int32_t y = g->nodes[k].out[0];
	if ((st = make_fc(g, k, a, w, bias, n, kk)))
		goto out;
	if (matrix_c >= 0) {
		int32_t fc_out, add_in[2];
		if ((st = rfx_tr_new_value(g, k, "matmul", &fc_out)))
			goto out;
		g->nodes[k].out[0] = fc_out;
		if ((st = rfx_tr_infer(g, k)))
			goto out;
		add_in[0] = fc_out;
		add_in[1] = matrix_c;
		if ((st = rfx_tr_insert_layer(g, k + 1, k, "addC", RFX_OP_BINARY,
				       add_in, 2, y)))
			goto out;
		k++;
		g->nodes[k].i[RFX_BINARY_KIND] = RFX_BINARY_ADD;
	}
	st = rfx_tr_infer(g, k);
	*kp = k;
out:
	free(w);
	free(bias);
	return st;
}

rfx_status rfx_tr_matmul(rfx_ir_graph *g, uint32_t *kp)
{
	static const char *const known[] = {NULL};
	uint32_t k = *kp;
	const rfx_ir_node *nd = &g->nodes[k];
	int32_t a, bv;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, k, known)) ||
	    (st = rfx_tr_input(g, k, 0, -1, &a)))
		return st;
	if (nd->n_in < 2 || nd->in[1] < 0 || !g->values[nd->in[1]].t.data)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"only a constant second operand (a "
					"weight matrix) is supported");
	if ((st = rfx_tr_const_input(g, k, 1, -1, "B (weights)", &bv)))
		return st;
	const rfx_ir_tensor *bt = &g->values[bv].t;
	if (bt->rank != 2)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the constant operand has rank %u; only "
					"a 2-D weight matrix is supported",
					bt->rank);
	if (g->values[a].t.rank < 1 ||
	    g->values[a].t.dims[g->values[a].t.rank - 1] != bt->dims[0])
		return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
					"inner dimensions differ");
	int64_t kk = bt->dims[0], n = bt->dims[1];
	float *w = malloc((size_t)(n * kk) * sizeof(float));
	float *bias = calloc((size_t)n, sizeof(float));
	if (!w || !bias) {
		free(w);
		free(bias);
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	}
	for (int64_t r = 0; r < n; r++)
		for (int64_t q = 0; q < kk; q++)
			w[r * kk + q] = ((const float *)bt->data)[q * n + r];
	st = make_fc(g, k, a, w, bias, n, kk);
	free(w);
	free(bias);
	return st ? st : rfx_tr_infer(g, k);
}

rfx_status rfx_tr_batchnorm(rfx_ir_graph *g, uint32_t *kp)
{
	static const char *const known[] = {"epsilon", "momentum",
					    "training_mode", "spatial",
					    "is_test", NULL};
	static const char *const what[4] = {"scale", "bias", "mean",
					    "variance"};
	uint32_t k = *kp;
	const rfx_ir_node *nd = &g->nodes[k];
	float eps = rfx_ir_attr_float(nd, "epsilon", 1e-5f);
	int32_t x, p[4], in[3];
	rfx_status st;

	if ((st = rfx_tr_attrs(g, k, known)))
		return st;
	if (rfx_ir_attr_int(nd, "training_mode", 0) != 0)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"training_mode=1 is not supported "
					"(inference only)");
	if (g->opset < 7 && rfx_ir_attr_int(nd, "is_test", 0) == 0)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"is_test=0 (training mode) is not "
					"supported");
	if (rfx_ir_attr_int(nd, "spatial", 1) != 1)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"spatial=0 is not supported");
	if ((st = rfx_tr_input(g, k, 0, -1, &x)))
		return st;
	const rfx_ir_tensor xt = g->values[x].t;
	if (xt.rank < 2)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"input rank %u (at least 2: [N, C, ...])",
					xt.rank);
	int64_t c = xt.dims[1];
	for (uint32_t j = 0; j < 4; j++) {
		if ((st = rfx_tr_const_input(g, k, j + 1, 1, what[j], &p[j])))
			return st;
		if (g->values[p[j]].t.dims[0] != c)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"%s has %lld entries for %lld "
						"channels", what[j],
						(long long)g->values[p[j]].t.dims[0],
						(long long)c);
	}
	float *ab = malloc((size_t)c * 2 * sizeof(float));
	if (!ab)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (int64_t ch = 0; ch < c; ch++) {
		double s = ((const float *)g->values[p[0]].t.data)[ch];
		double b = ((const float *)g->values[p[1]].t.data)[ch];
		double mean = ((const float *)g->values[p[2]].t.data)[ch];
		double var = ((const float *)g->values[p[3]].t.data)[ch];
		double scale = s / sqrt(var + (double)eps);
		ab[ch] = (float)scale;
		ab[c + ch] = (float)(b - mean * scale);
	}
	in[0] = x;
	st = rfx_tr_new_const(g, k, "scale", 1, &c, ab, &in[1]);
	if (!st)
		st = rfx_tr_new_const(g, k, "shift", 1, &c, ab + c, &in[2]);
	free(ab);
	if (st || (st = rfx_tr_layer(g, k, RFX_OP_BINARY, in, 3)))
		return st;
	g->nodes[k].kind = RFX_IR_BN;
	rfx_ir_value *y = &g->values[g->nodes[k].out[0]];
	y->t.type = RFX_IR_FLOAT;
	y->t.rank = xt.rank;
	memcpy(y->t.dims, xt.dims, sizeof(y->t.dims));
	y->shape_known = 1;
	return RFX_OK;
}
