/*
 * Slice and Split of activations. graph.h has no slicing op, so a slice
 * along one axis becomes an exact selection with the ops it has:
 *
 *   x [outer, A, inner] --transpose--> [outer, inner, A]
 *     --fc, w[n, A] one-hot rows, b = 0--> [outer, inner, n]
 *     --transpose--> [outer, n, inner] --reshape--> the slice
 *
 * (1 * x + 0 * others, summed in order, is x exactly for finite inputs).
 * A contiguous block of size n starting at a multiple of n, out of A (a
 * multiple of n) -- PyTorch's chunk(), ShuffleNet's channel split -- views
 * x as [outer, A/n, n * inner] instead, so the fc has only A/n inputs. The
 * transposes are skipped when the sliced axis is already last.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/shape.h"
#include "convert/translate.h"

/* Layers go in at `at`, before the ONNX node (at index `onnx`), which is
 * killed when the chain is complete. */
struct chain {
	rfx_ir_graph *g;
	uint32_t at, onnx;
};

static rfx_status emit(struct chain *c, const char *suffix, rfx_op op,
                       const int32_t *in, uint32_t n_in, const int32_t *ia,
                       uint32_t n_ia, const rfx_ir_tensor *shape,
                       int32_t out, int32_t *res)
{
	rfx_ir_graph *g = c->g;
	rfx_status st;

	if (out < 0 && (st = rfx_tr_new_value(g, c->onnx, suffix, &out)))
		return st;
	if ((st = rfx_tr_insert_layer(g, c->at, c->onnx, suffix, op, in, n_in,
				      out)))
		return st;
	c->onnx++;
	if (n_ia)
		memcpy(g->nodes[c->at].i, ia, n_ia * sizeof(ia[0]));
	if (op == RFX_OP_RESHAPE) {
		rfx_ir_value *v = &g->values[out];
		v->t.type = RFX_IR_FLOAT;
		v->t.rank = shape->rank;
		memcpy(v->t.dims, shape->dims, sizeof(v->t.dims));
		v->shape_known = 1;
	}
	if ((st = rfx_tr_infer(g, c->at)))
		return st;
	c->at++;
	*res = out;
	return RFX_OK;
}

static rfx_status reshape3(struct chain *c, int32_t x, int64_t a, int64_t b,
                           int64_t d, int32_t *res)
{
	rfx_ir_tensor s = {0};

	s.rank = d ? 3 : 2;
	s.dims[0] = a;
	s.dims[1] = b;
	s.dims[2] = d;
	return emit(c, "view", RFX_OP_RESHAPE, &x, 1, NULL, 0, &s, -1, res);
}

static rfx_status swap_last(struct chain *c, int32_t x, int32_t *res)
{
	static const int32_t perm[3] = {0, 2, 1};

	return emit(c, "transpose", RFX_OP_TRANSPOSE, &x, 1, perm, 3, NULL, -1,
		    res);
}

/* fc selecting input rows sel[0..n-1] out of K. */
static rfx_status select_fc(struct chain *c, int32_t x, const int64_t *sel,
                            int64_t n, int64_t kk, int32_t *res)
{
	rfx_ir_graph *g = c->g;
	int32_t in[3] = {x, -1, -1};
	int64_t wd[2] = {n, kk};
	float *w;
	rfx_status st;

	/* n, kk <= RFX_MAX_DIM: the product fits. A few-KB file must not ask
	 * for gigabytes (found by tests/fuzz/fuzz_onnx): the matrix is a
	 * constant the converter makes, so it counts against the folding
	 * budget (ir.h) like a folded one. */
	uint64_t budget = g->fold_budget ? g->fold_budget : RFX_FOLD_MIN_BUDGET;
	uint64_t bytes = (uint64_t)n * (uint64_t)kk * sizeof(float);
	if (n <= 0 || kk <= 0 || n * kk > (int64_t)1 << 26 || bytes > budget ||
	    g->fold_bytes > budget - bytes)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "a runtime slice selecting %lld of %lld rows "
				   "(a %llu-byte selection matrix, beyond the "
				   "converter's %llu MiB for constants it makes)",
				   (long long)n, (long long)kk,
				   (unsigned long long)bytes,
				   (unsigned long long)(budget >> 20));
	g->fold_bytes += bytes;
	w = calloc((size_t)(n * kk), sizeof(float));
	if (!w)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (int64_t r = 0; r < n; r++)
		w[r * kk + sel[r]] = 1.0f;
	st = rfx_tr_new_const(g, c->onnx, "select", 2, wd, w, &in[1]);
	free(w);
	if (st || (st = rfx_tr_new_const(g, c->onnx, "zero", 1, &n, NULL,
					 &in[2])))
		return st;
	return emit(c, "select", RFX_OP_FC, in, 3, NULL, 0, NULL, -1, res);
}

/* Elements [b, b + step, ...] (n of them) of axis `axis` of x, written to
 * value `out` (a fresh value when out < 0); the result in *res. */
static rfx_status slice_axis(struct chain *c, int32_t x, uint32_t axis,
                             int64_t b, int64_t step, int64_t n, int32_t out,
                             int32_t *res)
{
	rfx_ir_graph *g = c->g;
	const rfx_ir_tensor xt = g->values[x].t;
	rfx_ir_tensor target = xt;
	int64_t outer = 1, inner = 1, A = xt.dims[axis];
	int64_t sel_one, *sel;
	int32_t v;
	rfx_status st;

	target.data = NULL;
	target.dims[axis] = n;
	for (uint32_t d = 0; d < xt.rank; d++) {
		if (d < axis)
			outer *= xt.dims[d];
		else if (d > axis)
			inner *= xt.dims[d];
	}
	if (n == A && step == 1) {
		if (out < 0) {
			*res = x;
			return RFX_OK;
		}
		return emit(c, "copy", RFX_OP_RESHAPE, &x, 1, NULL, 0, &target,
			    out, res);
	}
	if (step == 1 && b % n == 0 && A % n == 0) {
		/* A block: [outer, A/n, n*inner], pick row b/n. */
		int64_t m = A / n, rows = n * inner;
		sel_one = b / n;
		if ((st = reshape3(c, x, outer, m, rows, &v)) ||
		    (st = swap_last(c, v, &v)) ||
		    (st = select_fc(c, v, &sel_one, 1, m, &v)))
			return st;
		return emit(c, "slice", RFX_OP_RESHAPE, &v, 1, NULL, 0, &target,
			    out, res);
	}
	sel = malloc((size_t)n * sizeof(*sel));
	if (!sel)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (int64_t r = 0; r < n; r++)
		sel[r] = b + r * step;
	if (inner == 1) {
		st = reshape3(c, x, outer, A, 0, &v);
		if (!st)
			st = select_fc(c, v, sel, n, A, &v);
	} else {
		st = reshape3(c, x, outer, A, inner, &v);
		if (!st)
			st = swap_last(c, v, &v);
		if (!st)
			st = select_fc(c, v, sel, n, A, &v);
		if (!st)
			st = swap_last(c, v, &v);
	}
	free(sel);
	if (st)
		return st;
	return emit(c, "slice", RFX_OP_RESHAPE, &v, 1, NULL, 0, &target, out,
		    res);
}

static rfx_status only_first_output(rfx_ir_graph *g, uint32_t k)
{
	const rfx_ir_node *n = &g->nodes[k];

	if (n->n_out < 1 || n->out[0] < 0)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the first output is absent");
	for (uint32_t j = 1; j < n->n_out; j++)
		if (n->out[j] >= 0 && g->values[n->out[j]].uses)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"output %u is used", j);
	return RFX_OK;
}

static void finish_chain(struct chain *c, uint32_t *kp)
{
	rfx_ir_node_kill(&c->g->nodes[c->onnx]);
	*kp = c->onnx;
}

rfx_status rfx_tr_slice(rfx_ir_graph *g, uint32_t *kp)
{
	static const char *const known[] = {"starts", "ends", "axes", NULL};
	struct chain c = {g, *kp, *kp};
	int64_t begin[RFX_IR_MAX_RANK], step[RFX_IR_MAX_RANK];
	rfx_ir_tensor ot = {0};
	int32_t x, cur;
	int last = -1;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *kp, known)) ||
	    (st = rfx_tr_input(g, *kp, 0, -1, &x)) ||
	    (st = only_first_output(g, *kp)))
		return st;
	const rfx_ir_tensor xt = g->values[x].t;
	if (xt.rank > RFX_MAX_RANK)
		return rfx_ir_node_fail(g, *kp, RFX_E_UNSUPPORTED, "rank %u",
					xt.rank);
	if ((st = rfx_shape_slice(g, *kp, &xt, begin, step, &ot)))
		return st;
	for (uint32_t d = 0; d < xt.rank; d++) {
		if (ot.dims[d] < 1)
			return rfx_ir_node_fail(g, *kp, RFX_E_UNSUPPORTED,
						"the slice is empty along axis "
						"%u", d);
		if (ot.dims[d] != xt.dims[d] || step[d] != 1)
			last = (int)d;
	}
	int32_t y = g->nodes[*kp].out[0];
	cur = x;
	if (last < 0) {
		/* Nothing removed: a copy. */
		ot.type = RFX_IR_FLOAT;
		if ((st = emit(&c, "copy", RFX_OP_RESHAPE, &x, 1, NULL, 0, &ot,
			       y, &cur)))
			return st;
	}
	for (uint32_t d = 0; last >= 0 && d <= (uint32_t)last; d++) {
		if (ot.dims[d] == g->values[cur].t.dims[d] && step[d] == 1)
			continue;
		if ((st = slice_axis(&c, cur, d, begin[d], step[d], ot.dims[d],
				     (int)d == last ? y : -1, &cur)))
			return st;
	}
	finish_chain(&c, kp);
	return RFX_OK;
}

rfx_status rfx_tr_split(rfx_ir_graph *g, uint32_t *kp)
{
	static const char *const known[] = {"axis", "split", NULL};
	struct chain c = {g, *kp, *kp};
	const int64_t *split;
	uint32_t n_split, axis, n_out = g->nodes[*kp].n_out;
	int present;
	int32_t x, res;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *kp, known)) ||
	    (st = rfx_tr_input(g, *kp, 0, -1, &x)) ||
	    (st = rfx_shape_axis(g, *kp,
				 rfx_ir_attr_int(&g->nodes[*kp], "axis", 0),
				 g->values[x].t.rank, &axis)) ||
	    (st = rfx_shape_ints(g, *kp, "split", 1, 13, &split, &n_split,
				 &present)))
		return st;
	int64_t A = g->values[x].t.dims[axis], sizes[64], at = 0;
	if (n_out == 0 || n_out > 64)
		return rfx_ir_node_fail(g, *kp, RFX_E_UNSUPPORTED, "%u outputs",
					n_out);
	if (present && n_split != n_out)
		return rfx_ir_node_fail(g, *kp, RFX_E_FORMAT,
					"split has %u sizes for %u outputs",
					n_split, n_out);
	for (uint32_t j = 0; j < n_out; j++) {
		sizes[j] = present ? split[j] : A / n_out;
		if (sizes[j] < 1)
			return rfx_ir_node_fail(g, *kp, RFX_E_UNSUPPORTED,
						"output %u would be empty", j);
		at += sizes[j];
		if (at > A)
			break;
	}
	if (at != A)
		return rfx_ir_node_fail(g, *kp, RFX_E_FORMAT,
					"the parts do not add up to %lld",
					(long long)A);
	at = 0;
	for (uint32_t j = 0; j < n_out; j++) {
		int32_t y = g->nodes[c.onnx].out[j];
		if (y >= 0 && (g->values[y].uses || g->values[y].is_output) &&
		    (st = slice_axis(&c, x, axis, at, 1, sizes[j], y, &res)))
			return st;
		at += sizes[j];
	}
	finish_chain(&c, kp);
	return RFX_OK;
}
