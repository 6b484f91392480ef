/*
 * ONNX -> rfx layers for data movement: Concat, the reshape family
 * (Reshape, Flatten, Squeeze, Unsqueeze, and copies), Transpose, Pad.
 * Target shapes follow ONNX's rules (shape.c); the engine's rule then
 * checks the element count.
 */
#include <string.h>

#include "convert/shape.h"
#include "convert/translate.h"

rfx_status rfx_tr_concat(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"axis", NULL};
	const rfx_ir_node *n = &g->nodes[*k];
	int32_t in[RFX_MAX_LAYER_INPUTS];
	uint32_t cnt = 0, axis;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)))
		return st;
	/* Before opset 4 the axis was optional, defaulting to 1. */
	if (!rfx_ir_attr_get(n, "axis") && g->opset >= 4)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT, "axis is required");
	if (n->n_in > RFX_MAX_LAYER_INPUTS)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"%u inputs (at most %u)", n->n_in,
					RFX_MAX_LAYER_INPUTS);
	for (uint32_t j = 0; j < n->n_in; j++)
		if ((st = rfx_tr_input(g, *k, j, -1, &in[cnt++])))
			return st;
	if (cnt == 0)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT, "no inputs");
	if ((st = rfx_shape_axis(g, *k, rfx_ir_attr_int(n, "axis", 1),
				 g->values[in[0]].t.rank, &axis)) ||
	    (st = rfx_tr_layer(g, *k, RFX_OP_CONCAT, in, cnt)))
		return st;
	g->nodes[*k].i[RFX_CONCAT_AXIS] = (int32_t)axis;
	return rfx_tr_infer(g, *k);
}

/* Reshape-family ops share this: the output's shape is `s`. */
static rfx_status reshape_to(rfx_ir_graph *g, uint32_t k, int32_t x,
                             const rfx_ir_tensor *s)
{
	rfx_status st;

	if ((st = rfx_tr_layer(g, k, RFX_OP_RESHAPE, &x, 1)))
		return st;
	rfx_ir_value *y = &g->values[g->nodes[k].out[0]];
	y->t.type = RFX_IR_FLOAT;
	y->t.rank = s->rank;
	memcpy(y->t.dims, s->dims, sizeof(y->t.dims));
	y->shape_known = 1;
	return rfx_tr_infer(g, k);
}

rfx_status rfx_tr_reshape(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"allowzero", "shape", NULL};
	const int64_t *shape;
	uint32_t n;
	int present, x;
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)) ||
	    (st = rfx_shape_ints(g, *k, "shape", 1, 5, &shape, &n, &present)))
		return st;
	if (!present)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT, "no shape given");
	if ((st = rfx_shape_reshape(g, *k, &g->values[x].t, shape, n,
				    (int)rfx_ir_attr_int(&g->nodes[*k],
							 "allowzero", 0),
				    &s)))
		return st;
	return reshape_to(g, *k, x, &s);
}

rfx_status rfx_tr_flatten(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"axis", NULL};
	rfx_ir_tensor s = {0};
	int32_t x;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)) ||
	    (st = rfx_shape_flatten(g, *k, &g->values[x].t,
				    rfx_ir_attr_int(&g->nodes[*k], "axis", 1),
				    &s)))
		return st;
	return reshape_to(g, *k, x, &s);
}

rfx_status rfx_tr_squeeze(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"axes", NULL};
	const int64_t *axes;
	uint32_t n;
	int present;
	int32_t x;
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)) ||
	    (st = rfx_shape_ints(g, *k, "axes", 1, 13, &axes, &n, &present)) ||
	    (st = rfx_shape_squeeze(g, *k, &g->values[x].t,
				    present ? axes : NULL, n, &s)))
		return st;
	return reshape_to(g, *k, x, &s);
}

rfx_status rfx_tr_unsqueeze(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"axes", NULL};
	const int64_t *axes;
	uint32_t n;
	int present;
	int32_t x;
	rfx_ir_tensor s = {0};
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)) ||
	    (st = rfx_shape_ints(g, *k, "axes", 1, 13, &axes, &n, &present)))
		return st;
	if (!present)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT, "axes are required");
	if ((st = rfx_shape_unsqueeze(g, *k, &g->values[x].t, axes, n, &s)))
		return st;
	return reshape_to(g, *k, x, &s);
}

/* Identity or inference-mode Dropout kept because its output is a graph
 * output that must not alias an input: a copy. */
rfx_status rfx_tr_copy(rfx_ir_graph *g, uint32_t *k)
{
	int32_t x;
	rfx_status st;

	if ((st = rfx_tr_input(g, *k, 0, -1, &x)))
		return st;
	rfx_ir_tensor s = g->values[x].t;
	return reshape_to(g, *k, x, &s);
}

rfx_status rfx_tr_transpose(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"perm", NULL};
	const rfx_ir_attr *pa = rfx_ir_attr_get(&g->nodes[*k], "perm");
	int32_t x;
	uint32_t r;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)) ||
	    (st = rfx_tr_input(g, *k, 0, -1, &x)))
		return st;
	r = g->values[x].t.rank;
	if (pa && pa->n_ints != r)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT,
					"perm has %u entries for rank %u",
					pa->n_ints, r);
	if (r > RFX_MAX_RANK)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"rank %u (at most %d)", r, RFX_MAX_RANK);
	int64_t perm[RFX_MAX_RANK];
	for (uint32_t d = 0; d < r; d++)
		perm[d] = pa ? pa->ints[d] : (int64_t)(r - 1 - d);
	if ((st = rfx_tr_layer(g, *k, RFX_OP_TRANSPOSE, &x, 1)))
		return st;
	for (uint32_t d = 0; d < r; d++) {
		if (perm[d] < 0 || perm[d] >= (int64_t)r)
			return rfx_ir_node_fail(g, *k, RFX_E_FORMAT,
						"perm[%u] = %lld", d,
						(long long)perm[d]);
		g->nodes[*k].i[d] = (int32_t)perm[d];
	}
	return rfx_tr_infer(g, *k);
}

rfx_status rfx_tr_pad(rfx_ir_graph *g, uint32_t *k)
{
	static const char *const known[] = {"mode", "pads", "value", NULL};
	const char *mode = rfx_ir_attr_str(&g->nodes[*k], "mode", "constant");
	const int64_t *pads;
	uint32_t n, r;
	int present;
	int32_t x;
	float value = 0;
	rfx_status st;

	if ((st = rfx_tr_attrs(g, *k, known)))
		return st;
	if (strcmp(mode, "constant") != 0)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"mode '%s' is not supported (constant "
					"only)", mode);
	if ((st = rfx_tr_input(g, *k, 0, -1, &x)) ||
	    (st = rfx_shape_ints(g, *k, "pads", 1, 11, &pads, &n, &present)))
		return st;
	if (g->opset < 11)
		value = rfx_ir_attr_float(&g->nodes[*k], "value", 0);
	else if (g->nodes[*k].n_in > 3 && g->nodes[*k].in[3] >= 0)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"the axes input is not supported");
	else if ((st = rfx_tr_scalar_input(g, *k, 2, "constant_value", 0, &value)))
		return st;
	r = g->values[x].t.rank;
	if (!present || n != 2 * r)
		return rfx_ir_node_fail(g, *k, RFX_E_FORMAT,
					"pads must have %u entries", 2 * r);
	if (r > RFX_MAX_RANK)
		return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
					"rank %u (at most %d)", r, RFX_MAX_RANK);
	int64_t p[2 * RFX_MAX_RANK];
	memcpy(p, pads, 2 * r * sizeof(p[0]));
	if ((st = rfx_tr_layer(g, *k, RFX_OP_PAD, &x, 1)))
		return st;
	for (uint32_t j = 0; j < 2 * r; j++) {
		if (p[j] < 0 || p[j] > RFX_MAX_DIM)
			return rfx_ir_node_fail(g, *k, RFX_E_UNSUPPORTED,
						"pad %lld is not supported "
						"(0..%u; negative pads crop)",
						(long long)p[j], RFX_MAX_DIM);
		g->nodes[*k].i[j] = (int32_t)p[j];
	}
	g->nodes[*k].f[0] = value;
	return rfx_tr_infer(g, *k);
}
