/*
 * The CPU reference executor. What it computes is the definition every
 * backend is measured against:
 *
 * Precision (rfx_layer.precision):
 *  - F32: inputs, weights and outputs are f32; every sum accumulates in f32
 *    in the order the op's loop states (conv: bias, then input channel,
 *    kernel row, kernel column; fc: bias, then k; pooling, reductions and
 *    softmax sums: in increasing index order), then the residual (conv)
 *    is added, then the fused activation (activation.c) is applied.
 *  - F16: exactly the same arithmetic in f32. F16 constants (weights) and
 *    F16 inputs are widened exactly to f32 where they are read; the bias
 *    of conv/fc is F32 or F16 alike. The final value of each output
 *    element (after residual and activation) is rounded once to fp16,
 *    round-to-nearest-even (graph/half.c), and stored as fp16: an F16
 *    layer's output tensor has dtype F16, and a later layer reads that
 *    rounded value. There is no fp16 rounding inside a layer.
 *  - I8: exact integers, as graph/quant.h defines them per op, with the
 *    parameters of graph/quant_layer.c; int8 tensors have int8 storage
 *    only (no f32 view). QUANTIZE (F32/F16 -> I8) and DEQUANTIZE (I8 ->
 *    F32/F16) are the crossings; a float layer never reads int8.
 * A layer's output is stored in its output tensor's dtype (F32, F16 or
 * I8), which rfx_layer_infer() derives from the precision.
 *
 * Transcendentals are the C library's expf/tanhf: a backend matches them
 * within a tolerance, not bit for bit. Ops without arithmetic (reshape,
 * transpose, concat, pad, max pooling, relu/clip) are exact.
 *
 * Memory: every tensor that is not an F32, I8 or I32 constant gets its own
 * storage at creation, and F16 tensors get an f32 shadow (the widened
 * values) beside their fp16 bits; int8 convolutions share one int32
 * scratch plane. Running allocates nothing.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpu.h"
#include "graph/half.h"

typedef void (*op_fn)(const rfx_cpu_args *a);

static const op_fn ops[RFX_OP_COUNT_] = {
	[RFX_OP_CONV2D] = rfx_cpu_conv2d,
	[RFX_OP_FC] = rfx_cpu_fc,
	[RFX_OP_POOL2D] = rfx_cpu_pool2d,
	[RFX_OP_GLOBAL_POOL] = rfx_cpu_global_pool,
	[RFX_OP_BINARY] = rfx_cpu_binary,
	[RFX_OP_UNARY] = rfx_cpu_unary,
	[RFX_OP_CONCAT] = rfx_cpu_concat,
	[RFX_OP_RESHAPE] = rfx_cpu_reshape,
	[RFX_OP_TRANSPOSE] = rfx_cpu_transpose,
	[RFX_OP_PAD] = rfx_cpu_pad,
	[RFX_OP_SOFTMAX] = rfx_cpu_softmax,
	[RFX_OP_REDUCE_MEAN] = rfx_cpu_reduce_mean,
	[RFX_OP_DEQUANTIZE] = rfx_cpu_dequantize,
};

/* Layers of precision I8 (graph/quant.h). */
static const op_fn ops_i8[RFX_OP_COUNT_] = {
	[RFX_OP_CONV2D] = rfx_cpu_conv2d_i8,
	[RFX_OP_FC] = rfx_cpu_fc_i8,
	[RFX_OP_POOL2D] = rfx_cpu_pool2d_i8,
	[RFX_OP_GLOBAL_POOL] = rfx_cpu_global_pool_i8,
	[RFX_OP_BINARY] = rfx_cpu_binary_i8,
	[RFX_OP_UNARY] = rfx_cpu_unary_i8,
	[RFX_OP_CONCAT] = rfx_cpu_concat_i8,
	[RFX_OP_RESHAPE] = rfx_cpu_reshape_i8,
	[RFX_OP_TRANSPOSE] = rfx_cpu_transpose_i8,
	[RFX_OP_PAD] = rfx_cpu_pad_i8,
	[RFX_OP_QUANTIZE] = rfx_cpu_quantize,
};

static op_fn op_of(const rfx_layer *l)
{
	return l->precision == RFX_DTYPE_I8 ? ops_i8[l->op] : ops[l->op];
}

struct rfx_cpu_session {
	const rfx_graph *g;
	void **data;     /* per tensor: storage in its dtype (NULL if unused) */
	float **f32;     /* per tensor: f32 values (== data for F32) */
	unsigned char *owned; /* per tensor: data (and f32) were allocated */
	rfx_cpu_args *args;   /* per layer */
	rfx_quant_layer *quant; /* per layer: int8 parameters */
	int32_t *acc;         /* int32 scratch (int8 convolutions) */
};

static rfx_status failf(char *err, size_t errlen, rfx_status st,
                        const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static rfx_status failf(char *err, size_t errlen, rfx_status st,
                        const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return st;
}

void rfx_cpu_session_destroy(rfx_cpu_session *s)
{
	if (!s)
		return;
	for (uint32_t t = 0; s->owned && t < s->g->n_tensors; t++) {
		if (!s->owned[t])
			continue;
		if ((void *)s->f32[t] != s->data[t])
			free(s->f32[t]);
		free(s->data[t]);
	}
	free(s->data);
	free(s->f32);
	free(s->owned);
	free(s->args);
	for (uint32_t i = 0; s->quant && i < s->g->n_layers; i++)
		rfx_quant_layer_finish(&s->quant[i]);
	free(s->quant);
	free(s->acc);
	free(s);
}

static int is_float(rfx_dtype dt)
{
	return dt == RFX_DTYPE_F32 || dt == RFX_DTYPE_F16;
}

/* I8 tensors and I32 constants: integer storage only. */
static rfx_status alloc_int(rfx_cpu_session *s, uint32_t t, char *err,
                            size_t errlen)
{
	const rfx_tensor *ten = &s->g->tensors[t];
	uint64_t bytes = rfx_tensor_bytes(ten);

	if (ten->flags & RFX_TENSOR_CONST) {
		if (!ten->data || ten->size != bytes)
			return failf(err, errlen, RFX_E_FORMAT,
				     "constant '%s' has %llu bytes, not %llu",
				     ten->name, (unsigned long long)ten->size,
				     (unsigned long long)bytes);
		s->data[t] = (void *)ten->data;
		return RFX_OK;
	}
	if (bytes > SIZE_MAX)
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY,
			     "tensor '%s' is too large", ten->name);
	s->owned[t] = 1;
	s->f32[t] = NULL;
	s->data[t] = calloc(bytes ? (size_t)bytes : 1, 1);
	if (!s->data[t])
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY,
			     "tensor '%s': out of memory", ten->name);
	return RFX_OK;
}

/* Storage for tensor t: F32, I8 and I32 constants are used in place, the
 * rest is allocated (zeroed); F16 tensors also get an f32 shadow, filled
 * now for constants; I8 tensors have no f32 view. */
static rfx_status alloc_tensor(rfx_cpu_session *s, uint32_t t, char *err,
                               size_t errlen)
{
	const rfx_tensor *ten = &s->g->tensors[t];
	uint64_t n = rfx_tensor_elements(ten);
	size_t es = rfx_dtype_size(ten->dtype);

	if (s->data[t])
		return RFX_OK;
	if (ten->dtype == RFX_DTYPE_I8 ||
	    (ten->dtype == RFX_DTYPE_I32 && (ten->flags & RFX_TENSOR_CONST)))
		return alloc_int(s, t, err, errlen);
	if (!is_float(ten->dtype))
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "tensor '%s': dtype %s is not supported by the CPU executor yet",
			     ten->name, rfx_dtype_name(ten->dtype));
	if (n > SIZE_MAX / sizeof(float))
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY,
			     "tensor '%s' is too large", ten->name);
	if ((ten->flags & RFX_TENSOR_CONST) && ten->dtype == RFX_DTYPE_F32 &&
	    ten->data && ((uintptr_t)ten->data % sizeof(float)) == 0) {
		s->data[t] = (void *)ten->data;
		s->f32[t] = (float *)ten->data;
		return RFX_OK;
	}
	s->owned[t] = 1;
	s->data[t] = calloc(n ? (size_t)n : 1, es);
	if (!s->data[t])
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY,
			     "tensor '%s': out of memory", ten->name);
	if (ten->dtype == RFX_DTYPE_F32) {
		s->f32[t] = s->data[t];
	} else {
		s->f32[t] = calloc(n ? (size_t)n : 1, sizeof(float));
		if (!s->f32[t])
			return failf(err, errlen, RFX_E_OUT_OF_MEMORY,
				     "tensor '%s': out of memory", ten->name);
	}
	if (ten->flags & RFX_TENSOR_CONST) {
		if (!ten->data || ten->size != n * es)
			return failf(err, errlen, RFX_E_FORMAT,
				     "constant '%s' has %llu bytes, not %llu",
				     ten->name, (unsigned long long)ten->size,
				     (unsigned long long)(n * es));
		memcpy(s->data[t], ten->data, (size_t)(n * es));
		if (ten->dtype == RFX_DTYPE_F16)
			rfx_f16_to_f32_n(s->f32[t], s->data[t], (size_t)n);
	}
	return RFX_OK;
}

/* The layer's output must be what its shape rule says, in a float dtype;
 * its inputs must be ready (constants, inputs, earlier outputs). */
static rfx_status check_layer(rfx_cpu_session *s, uint32_t i,
                              unsigned char *ready, char *err, size_t errlen)
{
	const rfx_graph *g = s->g;
	const rfx_layer *l = &g->layers[i];
	rfx_tensor res;
	char msg[200];
	const rfx_tensor *o;
	rfx_status st;

	if (l->precision != RFX_DTYPE_F32 && l->precision != RFX_DTYPE_F16 &&
	    l->precision != RFX_DTYPE_I8)
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "layer '%s': precision %s is not supported",
			     l->name, rfx_dtype_name(l->precision));
	if ((unsigned)l->op >= RFX_OP_COUNT_)
		return failf(err, errlen, RFX_E_FORMAT, "layer '%s': op %d",
			     l->name, (int)l->op);
	if (l->n_inputs == 0 || l->n_inputs > RFX_MAX_LAYER_INPUTS ||
	    l->n_outputs != 1)
		return failf(err, errlen, RFX_E_FORMAT,
			     "layer '%s': %u inputs, %u outputs", l->name,
			     l->n_inputs, l->n_outputs);
	for (uint32_t k = 0; k <= l->n_inputs; k++) {
		uint32_t t = k < l->n_inputs ? l->inputs[k] : l->outputs[0];
		if (t >= g->n_tensors)
			return failf(err, errlen, RFX_E_FORMAT,
				     "layer '%s': tensor %u out of range",
				     l->name, t);
		if (k < l->n_inputs && !ready[t])
			return failf(err, errlen, RFX_E_FORMAT,
				     "layer '%s' reads '%s' before it is written",
				     l->name, g->tensors[t].name);
	}
	o = &g->tensors[l->outputs[0]];
	if (ready[l->outputs[0]])
		return failf(err, errlen, RFX_E_FORMAT,
			     "layer '%s' overwrites '%s'", l->name, o->name);
	memset(&res, 0, sizeof(res));
	msg[0] = '\0';
	if (rfx_layer_infer(g, l, &res, msg, sizeof(msg)) != RFX_OK)
		return failf(err, errlen, RFX_E_FORMAT, "layer '%s' (%s): %s",
			     l->name, rfx_op_name(l->op), msg);
	if (res.dtype != o->dtype || res.rank != o->rank)
		return failf(err, errlen, RFX_E_FORMAT,
			     "layer '%s': output '%s' disagrees with its shape rule",
			     l->name, o->name);
	for (uint32_t d = 0; d < res.rank; d++)
		if (res.dims[d] != o->dims[d])
			return failf(err, errlen, RFX_E_FORMAT,
				     "layer '%s': output '%s' dimension %u is %u, the shape rule gives %u",
				     l->name, o->name, d, o->dims[d],
				     res.dims[d]);
	/* int8 parameters; also refuses float layers that read int8 */
	st = rfx_quant_layer_init(g, l, &s->quant[i], err, errlen);
	if (st != RFX_OK)
		return st;
	if (!op_of(l))
		return failf(err, errlen, RFX_E_UNSUPPORTED,
			     "layer '%s': %s has no %s form", l->name,
			     rfx_op_name(l->op), rfx_dtype_name(l->precision));
	ready[l->outputs[0]] = 1;
	return RFX_OK;
}

rfx_status rfx_cpu_session_create(const rfx_graph *g, rfx_cpu_session **out,
                                  char *err, size_t errlen)
{
	rfx_cpu_session *s;
	unsigned char *ready = NULL;
	rfx_status st = RFX_OK;
	uint64_t acc_n = 0; /* int32 scratch: the largest int8 conv plane */

	if (!g || !out)
		return failf(err, errlen, RFX_E_INVALID_ARGUMENT, "NULL argument");
	s = calloc(1, sizeof(*s));
	if (!s)
		return failf(err, errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
	s->g = g;
	s->data = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*s->data));
	s->f32 = calloc(g->n_tensors ? g->n_tensors : 1, sizeof(*s->f32));
	s->owned = calloc(g->n_tensors ? g->n_tensors : 1, 1);
	s->args = calloc(g->n_layers ? g->n_layers : 1, sizeof(*s->args));
	s->quant = calloc(g->n_layers ? g->n_layers : 1, sizeof(*s->quant));
	ready = calloc(g->n_tensors ? g->n_tensors : 1, 1);
	if (!s->data || !s->f32 || !s->owned || !s->args || !s->quant || !ready) {
		st = failf(err, errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
		goto fail;
	}
	for (uint32_t t = 0; t < g->n_tensors; t++)
		ready[t] = (g->tensors[t].flags &
			    (RFX_TENSOR_CONST | RFX_TENSOR_INPUT)) != 0;
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		if (g->inputs[k] >= g->n_tensors) {
			st = failf(err, errlen, RFX_E_FORMAT, "input %u out of range", k);
			goto fail;
		}
		st = alloc_tensor(s, g->inputs[k], err, errlen);
		if (st != RFX_OK)
			goto fail;
	}
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_layer *l = &g->layers[i];
		rfx_cpu_args *a = &s->args[i];

		st = check_layer(s, i, ready, err, errlen);
		if (st != RFX_OK)
			goto fail;
		a->layer = l;
		a->n_in = l->n_inputs;
		a->q = rfx_quant_layer_is_int8(l) ? &s->quant[i] : NULL;
		for (uint32_t k = 0; k <= l->n_inputs; k++) {
			uint32_t t = k < l->n_inputs ? l->inputs[k] : l->outputs[0];
			st = alloc_tensor(s, t, err, errlen);
			if (st != RFX_OK)
				goto fail;
			if (k < l->n_inputs) {
				a->in_t[k] = &g->tensors[t];
				a->in[k] = s->f32[t];
				a->in_raw[k] = s->data[t];
			} else {
				a->out_t = &g->tensors[t];
				a->out = s->f32[t];
				a->out_raw = s->data[t];
			}
		}
		if (l->op == RFX_OP_CONV2D && l->precision == RFX_DTYPE_I8) {
			const rfx_tensor *o = &g->tensors[l->outputs[0]];
			uint64_t plane = (uint64_t)o->dims[2] * o->dims[3];
			if (plane > acc_n)
				acc_n = plane;
		}
	}
	if (acc_n) {
		if (acc_n > SIZE_MAX / sizeof(int32_t) ||
		    !(s->acc = malloc((size_t)acc_n * sizeof(int32_t)))) {
			st = failf(err, errlen, RFX_E_OUT_OF_MEMORY, "out of memory");
			goto fail;
		}
		for (uint32_t i = 0; i < g->n_layers; i++)
			s->args[i].acc = s->acc;
	}
	for (uint32_t k = 0; k < g->n_outputs; k++) {
		if (g->outputs[k] >= g->n_tensors || !ready[g->outputs[k]]) {
			st = failf(err, errlen, RFX_E_FORMAT,
				   "output %u is never written", k);
			goto fail;
		}
		st = alloc_tensor(s, g->outputs[k], err, errlen);
		if (st != RFX_OK)
			goto fail;
	}
	free(ready);
	*out = s;
	return RFX_OK;
fail:
	free(ready);
	rfx_cpu_session_destroy(s);
	return st;
}

void *rfx_cpu_session_tensor(rfx_cpu_session *s, uint32_t tensor)
{
	if (!s || tensor >= s->g->n_tensors)
		return NULL;
	return s->data[tensor];
}

void rfx_cpu_session_run(rfx_cpu_session *s)
{
	const rfx_graph *g = s->g;

	/* The caller wrote fp16 bits into F16 inputs: widen them. */
	for (uint32_t k = 0; k < g->n_inputs; k++) {
		uint32_t t = g->inputs[k];
		if (g->tensors[t].dtype == RFX_DTYPE_F16)
			rfx_f16_to_f32_n(s->f32[t], s->data[t],
					 (size_t)rfx_tensor_elements(&g->tensors[t]));
	}
	for (uint32_t i = 0; i < g->n_layers; i++) {
		const rfx_cpu_args *a = &s->args[i];
		uint32_t t = a->layer->outputs[0];

		op_of(a->layer)(a);
		if (a->out_t->dtype == RFX_DTYPE_F16) {
			/* Round once; keep the rounded value as the f32 view. */
			uint16_t *h = s->data[t];
			float *y = a->out;
			uint64_t n = rfx_tensor_elements(a->out_t);
			for (uint64_t e = 0; e < n; e++) {
				h[e] = rfx_f32_to_f16(y[e]);
				y[e] = rfx_f16_to_f32(h[e]);
			}
		}
	}
}
