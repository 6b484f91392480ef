/*
 * Simplification: fewer, fatter layers with the same result. Every pass
 * checks that the value it rewires has exactly one reader and is not a
 * graph output, so no other consumer can observe the change.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/simplify.h"
#include "convert/translate.h"

/* The live node producing value v, or -1. Uses must be counted. */
static int32_t producer(const rfx_ir_graph *g, int32_t v)
{
	int32_t p = v >= 0 ? g->values[v].producer : -1;

	if (p < 0 || g->nodes[p].kind == RFX_IR_DEAD)
		return -1;
	return p;
}

/* v is read by exactly one node and is not a graph output. */
static int single_use(const rfx_ir_graph *g, int32_t v)
{
	return g->values[v].uses == 1 && !g->values[v].is_output;
}

/* Dropout in inference mode: its output equals its input. */
static rfx_status check_dropout(rfx_ir_graph *g, uint32_t k)
{
	static const char *const known[] = {"ratio", "seed", "is_test", NULL};
	const rfx_ir_node *n = &g->nodes[k];
	rfx_status st;

	if ((st = rfx_tr_attrs(g, k, known)))
		return st;
	if (g->opset < 7 && rfx_ir_attr_int(n, "is_test", 0) == 0)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"is_test=0 (training mode) is not "
					"supported");
	if (n->n_out > 1 && n->out[1] >= 0 && g->values[n->out[1]].uses)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"the mask output is used");
	if (n->n_in > 2 && n->in[2] >= 0) {
		const rfx_ir_value *t = &g->values[n->in[2]];
		if (!t->t.data)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"training_mode must be a "
						"constant");
		if (t->t.type == RFX_IR_INT
			    ? ((const int64_t *)t->t.data)[0] != 0
			    : ((const float *)t->t.data)[0] != 0)
			return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
						"training_mode=true is not "
						"supported (inference only)");
	}
	return RFX_OK;
}

rfx_status rfx_simplify_drop_identity(rfx_ir_graph *g, uint32_t *removed)
{
	rfx_status st;

	*removed = 0;
	rfx_ir_count_uses(g);
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *n = &g->nodes[k];
		int is_dropout = strcmp(n->op_type, "Dropout") == 0;
		if (n->kind != RFX_IR_ONNX ||
		    (!is_dropout && strcmp(n->op_type, "Identity") != 0))
			continue;
		if (is_dropout && (st = check_dropout(g, k)))
			return st;
		n = &g->nodes[k];
		if (n->n_in < 1 || n->in[0] < 0 || n->n_out < 1 || n->out[0] < 0)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"needs an input and an output");
		int32_t x = n->in[0], y = n->out[0];
		if (!g->values[y].is_output) {
			rfx_ir_replace_uses(g, y, x);
		} else {
			/* Keep the graph output's name: x's producer writes
			 * y directly, if x is nothing else. */
			int32_t p = producer(g, x);
			if (p < 0 || g->values[x].is_output)
				continue; /* stays, as a copy */
			rfx_ir_node *pn = &g->nodes[p];
			for (uint32_t j = 0; j < pn->n_out; j++)
				if (pn->out[j] == x)
					pn->out[j] = y;
			rfx_ir_replace_uses(g, x, y);
			g->values[y].producer = p;
		}
		rfx_ir_node_kill(&g->nodes[k]);
		rfx_ir_count_uses(g);
		(*removed)++;
	}
	return RFX_OK;
}

/* Scales output channel m of a conv/fc by a[m] and adds c[m] to its bias,
 * into fresh constants (the originals may be shared). */
static rfx_status fold_into(rfx_ir_graph *g, uint32_t p, const float *a,
                            const float *c)
{
	rfx_ir_node *n = &g->nodes[p];
	const rfx_ir_tensor *w = &g->values[n->in[1]].t;
	const rfx_ir_tensor *b = &g->values[n->in[2]].t;
	int64_t m = w->dims[0];
	uint64_t count;
	int32_t nw, nb;
	rfx_status st;

	rfx_ir_tensor_count(w, &count);
	uint64_t per = count / (uint64_t)m;
	float *wd = malloc((size_t)count * sizeof(float));
	float *bd = malloc((size_t)m * sizeof(float));
	if (!wd || !bd) {
		free(wd);
		free(bd);
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	}
	for (int64_t o = 0; o < m; o++) {
		for (uint64_t e = 0; e < per; e++)
			wd[(uint64_t)o * per + e] =
				((const float *)w->data)[(uint64_t)o * per + e] *
				a[o];
		bd[o] = ((const float *)b->data)[o] * a[o] + c[o];
	}
	int64_t wdims[RFX_IR_MAX_RANK];
	uint32_t wrank = w->rank;
	memcpy(wdims, w->dims, sizeof(wdims));
	st = rfx_tr_new_const(g, p, "weight_bn", wrank, wdims, wd, &nw);
	if (!st)
		st = rfx_tr_new_const(g, p, "bias_bn", 1, &m, bd, &nb);
	free(wd);
	free(bd);
	if (st)
		return st;
	g->nodes[p].in[1] = nw;
	g->nodes[p].in[2] = nb;
	return RFX_OK;
}

/* BN k as x * a + c: node k becomes the mul, a new node the add. */
static rfx_status expand_bn(rfx_ir_graph *g, uint32_t k)
{
	rfx_ir_node *n = &g->nodes[k];
	int32_t x = n->in[0], y = n->out[0], a, c, t;
	const rfx_ir_tensor xt = g->values[x].t;
	int64_t dims[RFX_IR_MAX_RANK];
	rfx_status st;

	/* Per-channel constants broadcast along axis 1: [C, 1, ..., 1]. */
	dims[0] = xt.dims[1];
	for (uint32_t d = 1; d + 1 < xt.rank; d++)
		dims[d] = 1;
	if ((st = rfx_tr_new_const(g, k, "bn_scale", xt.rank - 1, dims,
				   g->values[n->in[1]].t.data, &a)))
		return st;
	n = &g->nodes[k];
	if ((st = rfx_tr_new_const(g, k, "bn_shift", xt.rank - 1, dims,
				   g->values[n->in[2]].t.data, &c)) ||
	    (st = rfx_tr_new_value(g, k, "bn_mul", &t)))
		return st;
	char name[400];
	snprintf(name, sizeof(name), "%.300s/add", g->nodes[k].name);
	if ((st = rfx_ir_node_insert(g, k + 1, name, "BatchNormalization", 2,
				     1)))
		return st;
	n = &g->nodes[k];
	n->kind = RFX_IR_LAYER;
	n->op = RFX_OP_BINARY;
	n->n_in = 2;
	n->in[0] = x;
	n->in[1] = a;
	n->out[0] = t;
	n->i[RFX_BINARY_KIND] = RFX_BINARY_MUL;
	if ((st = rfx_tr_infer(g, k)))
		return st;
	rfx_ir_node *add = &g->nodes[k + 1];
	add->kind = RFX_IR_LAYER;
	add->op = RFX_OP_BINARY;
	add->in[0] = t;
	add->in[1] = c;
	add->out[0] = y;
	add->i[RFX_BINARY_KIND] = RFX_BINARY_ADD;
	return rfx_tr_infer(g, k + 1);
}

rfx_status rfx_simplify_fold_bn(rfx_ir_graph *g, uint32_t *folded,
                                uint32_t *expanded)
{
	rfx_status st;

	*folded = *expanded = 0;
	rfx_ir_count_uses(g);
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *n = &g->nodes[k];
		if (n->kind != RFX_IR_BN)
			continue;
		int32_t x = n->in[0];
		int32_t p = producer(g, x);
		const rfx_ir_node *pn = p >= 0 ? &g->nodes[p] : NULL;
		int ok = pn && pn->kind == RFX_IR_LAYER && single_use(g, x);
		if (ok && pn->op == RFX_OP_CONV2D)
			ok = pn->n_in == 3 && pn->i[RFX_CONV_ACT] == RFX_ACT_NONE;
		else if (ok && pn->op == RFX_OP_FC)
			/* BN's channel axis 1 is FC's feature axis only
			 * for a 2-D output. */
			ok = pn->i[RFX_FC_ACT] == RFX_ACT_NONE &&
			     g->values[x].t.rank == 2;
		else
			ok = 0;
		if (!ok) {
			if ((st = expand_bn(g, k)))
				return st;
			(*expanded)++;
			k++;
			rfx_ir_count_uses(g);
			continue;
		}
		if ((st = fold_into(g, (uint32_t)p, g->values[n->in[1]].t.data,
				    g->values[g->nodes[k].in[2]].t.data)))
			return st;
		g->nodes[p].out[0] = g->nodes[k].out[0];
		rfx_ir_node_kill(&g->nodes[k]);
		rfx_ir_count_uses(g);
		(*folded)++;
	}
	return RFX_OK;
}

/* Whether h = gate(x) is the gate of the product x * gate(x) that act
 * computes in one step: a Sigmoid for SWISH, a HardSigmoid(1/6, 1/2) for
 * HARD_SWISH. */
static int gate_of(const rfx_ir_node *h, int32_t x, rfx_act act)
{
	if (h->kind != RFX_IR_LAYER || h->op != RFX_OP_UNARY || h->in[0] != x)
		return 0;
	if (act == RFX_ACT_SWISH)
		return h->i[RFX_UNARY_ACT] == RFX_ACT_SIGMOID;
	return h->i[RFX_UNARY_ACT] == RFX_ACT_HARD_SIGMOID &&
	       fabsf(h->f[0] - 1.0f / 6.0f) <= 1e-6f && h->f[1] == 0.5f;
}

/* Mul(x, gate(x)) -> UNARY act(x): the Mul has no activation, the gate's
 * output no other reader, and the product x's shape (no broadcast). */
static void fuse_gated(rfx_ir_graph *g, rfx_act act, uint32_t *fused)
{
	*fused = 0;
	rfx_ir_count_uses(g);
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *m = &g->nodes[k];
		if (m->kind != RFX_IR_LAYER || m->op != RFX_OP_BINARY ||
		    m->i[RFX_BINARY_KIND] != RFX_BINARY_MUL ||
		    m->i[RFX_BINARY_ACT] != RFX_ACT_NONE)
			continue;
		for (int s = 0; s < 2; s++) {
			int32_t h = m->in[s], x = m->in[1 - s];
			int32_t p = producer(g, h);
			if (p < 0 || !single_use(g, h) ||
			    !gate_of(&g->nodes[p], x, act) ||
			    !rfx_ir_same_shape(&g->values[x].t,
					       &g->values[m->out[0]].t))
				continue;
			m->op = RFX_OP_UNARY;
			m->n_in = 1;
			m->in[0] = x;
			memset(m->i, 0, sizeof(m->i));
			memset(m->f, 0, sizeof(m->f));
			m->i[RFX_UNARY_ACT] = act;
			rfx_ir_node_kill(&g->nodes[p]);
			rfx_ir_count_uses(g);
			(*fused)++;
			break;
		}
	}
}

rfx_status rfx_simplify_fuse_hardswish(rfx_ir_graph *g, uint32_t *fused)
{
	fuse_gated(g, RFX_ACT_HARD_SWISH, fused);
	return RFX_OK;
}

rfx_status rfx_simplify_fuse_swish(rfx_ir_graph *g, uint32_t *fused)
{
	fuse_gated(g, RFX_ACT_SWISH, fused);
	return RFX_OK;
}

rfx_status rfx_simplify_fuse_act(rfx_ir_graph *g, uint32_t *fused)
{
	*fused = 0;
	rfx_ir_count_uses(g);
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *u = &g->nodes[k];
		if (u->kind != RFX_IR_LAYER || u->op != RFX_OP_UNARY)
			continue;
		int32_t x = u->in[0], p = producer(g, x);
		if (p < 0 || !single_use(g, x))
			continue;
		rfx_ir_node *pn = &g->nodes[p];
		int slot = rfx_act_slot(pn->op);
		if (pn->kind != RFX_IR_LAYER || slot < 0 ||
		    pn->i[slot] != RFX_ACT_NONE)
			continue;
		pn->i[slot] = u->i[RFX_UNARY_ACT];
		pn->f[0] = u->f[0];
		pn->f[1] = u->f[1];
		pn->out[0] = u->out[0];
		rfx_ir_node_kill(u);
		rfx_ir_count_uses(g);
		(*fused)++;
	}
	return RFX_OK;
}

rfx_status rfx_simplify_fuse_residual(rfx_ir_graph *g, uint32_t *fused)
{
	rfx_status st;

	*fused = 0;
	rfx_ir_count_uses(g);
	for (uint32_t k = 0; k < g->n_nodes; k++) {
		rfx_ir_node *a = &g->nodes[k];
		if (a->kind != RFX_IR_LAYER || a->op != RFX_OP_BINARY ||
		    a->i[RFX_BINARY_KIND] != RFX_BINARY_ADD || a->n_in != 2)
			continue;
		for (int s = 0; s < 2; s++) {
			int32_t v = a->in[s], r = a->in[1 - s];
			int32_t p = producer(g, v);
			if (p < 0 || v == r || !single_use(g, v) ||
			    g->values[r].t.data)
				continue;
			rfx_ir_node *c = &g->nodes[p];
			if (c->kind != RFX_IR_LAYER || c->op != RFX_OP_CONV2D ||
			    c->n_in != 3 || c->i[RFX_CONV_ACT] != RFX_ACT_NONE ||
			    !rfx_ir_same_shape(&g->values[r].t, &g->values[v].t) ||
			    !rfx_ir_same_shape(&g->values[v].t,
					       &g->values[a->out[0]].t))
				continue;
			if ((st = rfx_ir_node_push_input(g, (uint32_t)p, r)))
				return st;
			c = &g->nodes[p];
			a = &g->nodes[k];
			c->i[RFX_CONV_ACT] = a->i[RFX_BINARY_ACT];
			c->f[0] = a->f[0];
			c->f[1] = a->f[1];
			c->out[0] = a->out[0];
			/* The conv runs where the add ran: r is ready. */
			rfx_ir_node_move(g, (uint32_t)p, k);
			rfx_ir_count_uses(g);
			(*fused)++;
			break;
		}
	}
	return RFX_OK;
}
