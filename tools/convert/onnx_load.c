/*
 * ONNX ModelProto -> IR. protobuf-c does the wire format; this file checks
 * what the protobuf schema cannot: tensor sizes against their dims,
 * supported dtypes, references between nodes, and the opset.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/onnx.h"
#include "graph/half.h"
#include "onnx.pb-c.h"

enum {
	T_FLOAT = 1, T_UINT8 = 2, T_INT8 = 3, T_UINT16 = 4, T_INT16 = 5,
	T_INT32 = 6, T_INT64 = 7, T_STRING = 8, T_BOOL = 9, T_FLOAT16 = 10,
	T_DOUBLE = 11, T_UINT32 = 12, T_UINT64 = 13, T_COMPLEX64 = 14,
	T_COMPLEX128 = 15, T_BFLOAT16 = 16
};

const char *rfx_onnx_type_name(int t)
{
	static const char *names[] = {
		"undefined", "float32", "uint8", "int8", "uint16", "int16",
		"int32", "int64", "string", "bool", "float16", "float64",
		"uint32", "uint64", "complex64", "complex128", "bfloat16",
	};
	if (t >= 0 && t < (int)(sizeof(names) / sizeof(names[0])))
		return names[t];
	return "unknown";
}

/* The IR type of an ONNX dtype, or 0 when the converter does not take it. */
static rfx_ir_type ir_type_of(int t)
{
	switch (t) {
	case T_FLOAT: case T_FLOAT16: case T_DOUBLE: case T_BFLOAT16:
		return RFX_IR_FLOAT;
	case T_UINT8: case T_INT8: case T_UINT16: case T_INT16:
	case T_INT32: case T_INT64: case T_BOOL: case T_UINT32: case T_UINT64:
		return RFX_IR_INT;
	default:
		return 0;
	}
}

/* Bytes per element in raw_data; 0 for types without a fixed size. */
static size_t raw_size(int t)
{
	switch (t) {
	case T_UINT8: case T_INT8: case T_BOOL: return 1;
	case T_UINT16: case T_INT16: case T_FLOAT16: case T_BFLOAT16: return 2;
	case T_FLOAT: case T_INT32: case T_UINT32: return 4;
	case T_INT64: case T_UINT64: case T_DOUBLE: return 8;
	default: return 0;
	}
}

static float bf16_to_f32(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;

	memcpy(&f, &u, sizeof(f));
	return f;
}

/* One element of little-endian raw data, as double or int64. */
static void raw_elem(int t, const uint8_t *p, double *fv, int64_t *iv)
{
	uint64_t u = 0;
	size_t n = raw_size(t);

	for (size_t k = 0; k < n; k++)
		u |= (uint64_t)p[k] << (8 * k);
	switch (t) {
	case T_FLOAT: {
		uint32_t w = (uint32_t)u;
		float f;
		memcpy(&f, &w, sizeof(f));
		*fv = f;
		break;
	}
	case T_DOUBLE: memcpy(fv, &u, sizeof(*fv)); break;
	case T_FLOAT16: *fv = rfx_f16_to_f32((uint16_t)u); break;
	case T_BFLOAT16: *fv = bf16_to_f32((uint16_t)u); break;
	case T_UINT8: *iv = (uint8_t)u; break;
	case T_INT8: *iv = (int8_t)(uint8_t)u; break;
	case T_BOOL: *iv = u != 0; break;
	case T_UINT16: *iv = (uint16_t)u; break;
	case T_INT16: *iv = (int16_t)(uint16_t)u; break;
	case T_INT32: *iv = (int32_t)(uint32_t)u; break;
	case T_UINT32: *iv = (uint32_t)u; break;
	case T_INT64: *iv = (int64_t)u; break;
	case T_UINT64: *iv = (int64_t)u; break;
	}
}

/* Element k of the typed repeated field that holds data of type t. */
static int typed_elem(const Onnx__TensorProto *tp, int t, uint64_t k,
                      double *fv, int64_t *iv)
{
	switch (t) {
	case T_FLOAT:
		if (k >= tp->n_float_data)
			return -1;
		*fv = tp->float_data[k];
		return 0;
	case T_DOUBLE:
		if (k >= tp->n_double_data)
			return -1;
		*fv = tp->double_data[k];
		return 0;
	case T_INT64:
		if (k >= tp->n_int64_data)
			return -1;
		*iv = tp->int64_data[k];
		return 0;
	case T_UINT32: case T_UINT64:
		if (k >= tp->n_uint64_data)
			return -1;
		*iv = (int64_t)tp->uint64_data[k];
		return 0;
	default:
		/* int32_data holds every narrower type, f16 and bf16 bits. */
		if (k >= tp->n_int32_data)
			return -1;
		if (t == T_FLOAT16)
			*fv = rfx_f16_to_f32((uint16_t)tp->int32_data[k]);
		else if (t == T_BFLOAT16)
			*fv = bf16_to_f32((uint16_t)tp->int32_data[k]);
		else if (t == T_BOOL)
			*iv = tp->int32_data[k] != 0;
		else
			*iv = tp->int32_data[k];
		return 0;
	}
}

static size_t typed_count(const Onnx__TensorProto *tp, int t)
{
	switch (t) {
	case T_FLOAT: return tp->n_float_data;
	case T_DOUBLE: return tp->n_double_data;
	case T_INT64: return tp->n_int64_data;
	case T_UINT32: case T_UINT64: return tp->n_uint64_data;
	default: return tp->n_int32_data;
	}
}

/* TensorProto -> IR tensor; "what" names it in messages. */
static rfx_status tensor_from_proto(const Onnx__TensorProto *tp,
                                    const char *what, rfx_ir_tensor *out,
                                    char *err, size_t errlen)
{
	int t = tp->has_data_type ? tp->data_type : 0;
	rfx_ir_type it = ir_type_of(t);
	uint64_t count;

	memset(out, 0, sizeof(*out));
	if ((tp->has_data_location &&
	     tp->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) ||
	    tp->n_external_data) {
		snprintf(err, errlen,
			 "tensor '%s' keeps its data in an external file; "
			 "external data is not supported (save the model "
			 "with all tensors inside the .onnx file)", what);
		return RFX_E_UNSUPPORTED;
	}
	if (!it) {
		snprintf(err, errlen, "tensor '%s' has dtype %s, not supported",
			 what, rfx_onnx_type_name(t));
		return RFX_E_UNSUPPORTED;
	}
	if (tp->segment) {
		snprintf(err, errlen, "tensor '%s' is segmented (not supported)",
			 what);
		return RFX_E_UNSUPPORTED;
	}
	if (tp->n_dims > RFX_IR_MAX_RANK) {
		snprintf(err, errlen, "tensor '%s' has rank %zu (at most %d)",
			 what, tp->n_dims, RFX_IR_MAX_RANK);
		return RFX_E_UNSUPPORTED;
	}
	out->type = it;
	out->rank = (uint32_t)tp->n_dims;
	for (size_t d = 0; d < tp->n_dims; d++)
		out->dims[d] = tp->dims[d];
	if (rfx_ir_tensor_count(out, &count) < 0) {
		snprintf(err, errlen, "tensor '%s': negative dimension or more "
			 "than %llu elements", what,
			 (unsigned long long)RFX_MAX_ELEMENTS);
		return RFX_E_FORMAT;
	}
	if (tp->has_raw_data) {
		size_t es = raw_size(t);
		if (tp->raw_data.len / es != count || tp->raw_data.len % es) {
			snprintf(err, errlen, "tensor '%s': raw_data holds %zu "
				 "bytes, its shape needs %llu", what,
				 tp->raw_data.len,
				 (unsigned long long)(count * es));
			return RFX_E_FORMAT;
		}
	} else if (typed_count(tp, t) != count) {
		snprintf(err, errlen, "tensor '%s': %zu values stored, its shape "
			 "needs %llu", what, typed_count(tp, t),
			 (unsigned long long)count);
		return RFX_E_FORMAT;
	}
	out->data = calloc(count ? (size_t)count : 1, rfx_ir_type_size(it));
	if (!out->data) {
		snprintf(err, errlen, "out of memory");
		return RFX_E_OUT_OF_MEMORY;
	}
	for (uint64_t k = 0; k < count; k++) {
		double fv = 0;
		int64_t iv = 0;
		if (tp->has_raw_data)
			raw_elem(t, tp->raw_data.data + k * raw_size(t), &fv, &iv);
		else
			typed_elem(tp, t, k, &fv, &iv);
		if (it == RFX_IR_FLOAT)
			((float *)out->data)[k] = (float)fv;
		else
			((int64_t *)out->data)[k] = iv;
	}
	return RFX_OK;
}

rfx_status rfx_onnx_tensor_load(const void *data, size_t size,
                                rfx_ir_tensor *out, int *onnx_type,
                                char *name, size_t name_len, char *err,
                                size_t errlen)
{
	Onnx__TensorProto *tp = onnx__tensor_proto__unpack(NULL, size, data);
	rfx_status st;

	if (!tp) {
		snprintf(err, errlen, "not a valid TensorProto");
		return RFX_E_FORMAT;
	}
	st = tensor_from_proto(tp, tp->name ? tp->name : "", out, err, errlen);
	if (st == RFX_OK) {
		if (onnx_type)
			*onnx_type = tp->data_type;
		if (name && name_len)
			snprintf(name, name_len, "%s", tp->name ? tp->name : "");
	}
	onnx__tensor_proto__free_unpacked(tp, NULL);
	return st;
}

static rfx_status load_attr(rfx_ir_graph *g, const Onnx__AttributeProto *ap,
                            rfx_ir_attr *a, const char *node)
{
	a->name = rfx_ir_strdup(ap->name ? ap->name : "");
	if (!a->name)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	a->type = ap->has_type ? (int)ap->type : 0;
	a->i = ap->i;
	a->f = ap->f;
	if (ap->has_s) {
		a->s = malloc(ap->s.len + 1);
		if (!a->s)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		if (ap->s.len)
			memcpy(a->s, ap->s.data, ap->s.len);
		a->s[ap->s.len] = '\0';
	}
	if (ap->n_ints) {
		if (ap->n_ints > UINT32_MAX / sizeof(int64_t))
			return rfx_ir_fail(g, RFX_E_FORMAT, "attribute too long");
		a->ints = malloc(ap->n_ints * sizeof(int64_t));
		if (!a->ints)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		memcpy(a->ints, ap->ints, ap->n_ints * sizeof(int64_t));
		a->n_ints = (uint32_t)ap->n_ints;
	}
	if (ap->n_floats) {
		if (ap->n_floats > UINT32_MAX / sizeof(float))
			return rfx_ir_fail(g, RFX_E_FORMAT, "attribute too long");
		a->floats = malloc(ap->n_floats * sizeof(float));
		if (!a->floats)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		memcpy(a->floats, ap->floats, ap->n_floats * sizeof(float));
		a->n_floats = (uint32_t)ap->n_floats;
	}
	if (ap->t) {
		char what[300];
		rfx_status st;
		a->t = calloc(1, sizeof(*a->t));
		if (!a->t)
			return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
		snprintf(what, sizeof(what), "%.200s.%.60s", node, a->name);
		st = tensor_from_proto(ap->t, what, a->t, g->err, sizeof(g->err));
		if (st != RFX_OK)
			return st;
	}
	return RFX_OK;
}

/* Shape of a graph input from its TypeProto; free dims become -1. */
static rfx_status input_shape(rfx_ir_graph *g, const Onnx__ValueInfoProto *vi,
                              rfx_ir_value *v)
{
	const Onnx__TypeProto *tp = vi->type;
	const Onnx__TypeProto__Tensor *tt;
	int et;

	if (!tp || tp->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE ||
	    !tp->tensor_type)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "graph input '%s' is not a tensor", v->name);
	tt = tp->tensor_type;
	et = tt->has_elem_type ? tt->elem_type : 0;
	v->onnx_type = et;
	if (!ir_type_of(et))
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "graph input '%s' has dtype %s, not supported",
				   v->name, rfx_onnx_type_name(et));
	v->t.type = ir_type_of(et);
	if (!tt->shape)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "graph input '%s' has no shape (its rank "
				   "must be known)", v->name);
	if (tt->shape->n_dim > RFX_IR_MAX_RANK)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "graph input '%s' has rank %zu", v->name,
				   tt->shape->n_dim);
	v->t.rank = (uint32_t)tt->shape->n_dim;
	for (size_t d = 0; d < tt->shape->n_dim; d++) {
		const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
		if (dim->value_case ==
		    ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE) {
			if (dim->dim_value < 0 || dim->dim_value > RFX_MAX_DIM)
				return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
						   "graph input '%s': dimension "
						   "%zu is %lld", v->name, d,
						   (long long)dim->dim_value);
			v->t.dims[d] = dim->dim_value;
		} else {
			v->t.dims[d] = -1;
		}
	}
	v->shape_known = 1;
	return RFX_OK;
}

static int is_default_domain(const char *d)
{
	return !d || !*d || strcmp(d, "ai.onnx") == 0;
}

static rfx_status load_node(rfx_ir_graph *g, const Onnx__NodeProto *np,
                            uint32_t index)
{
	char name[300];
	uint32_t k;
	rfx_status st;

	if (np->name && *np->name)
		snprintf(name, sizeof(name), "%.280s", np->name);
	else
		snprintf(name, sizeof(name), "%.200s_%u",
			 np->op_type ? np->op_type : "node", index);
	if (np->n_input > RFX_MAX_LAYER_INPUTS * 4 || np->n_output > 64)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "node '%s' has %zu inputs and %zu outputs",
				   name, np->n_input, np->n_output);
	st = rfx_ir_node_add(g, name, np->op_type, (uint32_t)np->n_input,
			     (uint32_t)np->n_output, &k);
	if (st != RFX_OK)
		return st;
	if (!is_default_domain(np->domain))
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"operator domain '%s' is not supported",
					np->domain);
	for (size_t j = 0; j < np->n_input; j++) {
		const char *in = np->input[j];
		int32_t v;
		if (!in || !*in)
			continue; /* an absent optional input */
		v = rfx_ir_value_find(g, in);
		if (v < 0)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"input '%s' is neither a graph "
						"input, an initializer nor the "
						"output of an earlier node", in);
		g->nodes[k].in[j] = v;
	}
	for (size_t j = 0; j < np->n_output; j++) {
		const char *out = np->output[j];
		int32_t v;
		if (!out || !*out)
			continue;
		if (rfx_ir_value_find(g, out) >= 0)
			return rfx_ir_node_fail(g, k, RFX_E_FORMAT,
						"output '%s' is already defined",
						out);
		if ((st = rfx_ir_value_add(g, out, &v)) != RFX_OK)
			return st;
		g->values[v].producer = (int32_t)k;
		g->nodes[k].out[j] = v;
	}
	if (np->n_attribute > 256)
		return rfx_ir_node_fail(g, k, RFX_E_UNSUPPORTED,
					"%zu attributes", np->n_attribute);
	g->nodes[k].attrs = calloc(np->n_attribute + 1, sizeof(rfx_ir_attr));
	if (!g->nodes[k].attrs)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (size_t j = 0; j < np->n_attribute; j++) {
		g->nodes[k].n_attrs = (uint32_t)j + 1;
		st = load_attr(g, np->attribute[j], &g->nodes[k].attrs[j], name);
		if (st != RFX_OK) {
			char msg[sizeof(g->err)];
			snprintf(msg, sizeof(msg), "%s", g->err);
			return rfx_ir_node_fail(g, k, st, "%s", msg);
		}
	}
	return RFX_OK;
}

static rfx_status load_graph(rfx_ir_graph *g, const Onnx__ModelProto *m)
{
	const Onnx__GraphProto *gp = m->graph;
	rfx_status st;
	int have_opset = 0;

	for (size_t k = 0; k < m->n_opset_import; k++) {
		const Onnx__OperatorSetIdProto *op = m->opset_import[k];
		if (is_default_domain(op->domain)) {
			g->opset = op->version;
			have_opset = 1;
		}
	}
	if (!have_opset)
		g->opset = 1; /* IR version 1 models carry no opset import */
	if (!gp)
		return rfx_ir_fail(g, RFX_E_FORMAT, "the model has no graph");
	if (gp->n_node > RFX_MAX_LAYERS)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED, "%zu nodes", gp->n_node);
	if (gp->n_sparse_initializer)
		return rfx_ir_fail(g, RFX_E_UNSUPPORTED,
				   "sparse initializers are not supported");

	for (size_t k = 0; k < gp->n_initializer; k++) {
		const Onnx__TensorProto *tp = gp->initializer[k];
		rfx_ir_tensor t;
		int32_t v;
		if (!tp->name || !*tp->name)
			return rfx_ir_fail(g, RFX_E_FORMAT,
					   "initializer %zu has no name", k);
		if (rfx_ir_value_find(g, tp->name) >= 0)
			return rfx_ir_fail(g, RFX_E_FORMAT,
					   "initializer '%s' defined twice",
					   tp->name);
		st = tensor_from_proto(tp, tp->name, &t, g->err, sizeof(g->err));
		if (st != RFX_OK)
			return st;
		if ((st = rfx_ir_const_add(g, tp->name, &t, &v)) != RFX_OK)
			return st;
		g->values[v].onnx_type = tp->data_type;
	}

	g->inputs = calloc(gp->n_input + 1, sizeof(*g->inputs));
	g->outputs = calloc(gp->n_output + 1, sizeof(*g->outputs));
	if (!g->inputs || !g->outputs)
		return rfx_ir_fail(g, RFX_E_OUT_OF_MEMORY, "out of memory");
	for (size_t k = 0; k < gp->n_input; k++) {
		const Onnx__ValueInfoProto *vi = gp->input[k];
		int32_t v;
		if (!vi->name || !*vi->name)
			return rfx_ir_fail(g, RFX_E_FORMAT,
					   "graph input %zu has no name", k);
		v = rfx_ir_value_find(g, vi->name);
		if (v >= 0) {
			/* Old exporters list initializers as inputs too:
			 * the initializer is their default value. */
			if (g->values[v].t.data)
				continue;
			return rfx_ir_fail(g, RFX_E_FORMAT,
					   "graph input '%s' declared twice",
					   vi->name);
		}
		if ((st = rfx_ir_value_add(g, vi->name, &v)) != RFX_OK)
			return st;
		if ((st = input_shape(g, vi, &g->values[v])) != RFX_OK)
			return st;
		g->values[v].is_input = 1;
		g->inputs[g->n_inputs++] = v;
	}

	for (size_t k = 0; k < gp->n_node; k++)
		if ((st = load_node(g, gp->node[k], (uint32_t)k)) != RFX_OK)
			return st;
	g->onnx_nodes = (uint32_t)gp->n_node;

	for (size_t k = 0; k < gp->n_output; k++) {
		const char *name = gp->output[k]->name;
		int32_t v = rfx_ir_value_find(g, name ? name : "");
		if (v < 0)
			return rfx_ir_fail(g, RFX_E_FORMAT,
					   "graph output '%s' is not produced "
					   "by any node", name ? name : "");
		g->values[v].is_output = 1;
		g->outputs[g->n_outputs++] = v;
	}
	if (g->n_outputs == 0)
		return rfx_ir_fail(g, RFX_E_FORMAT, "the graph has no outputs");
	return RFX_OK;
}

rfx_status rfx_onnx_load(const void *data, size_t size, rfx_ir_graph *g)
{
	Onnx__ModelProto *m;
	rfx_status st;

	if (!data || size == 0)
		return rfx_ir_fail(g, RFX_E_FORMAT, "empty ONNX file");
	m = onnx__model_proto__unpack(NULL, size, data);
	if (!m)
		return rfx_ir_fail(g, RFX_E_FORMAT,
				   "not an ONNX model (protobuf ModelProto "
				   "parse failed)");
	st = load_graph(g, m);
	onnx__model_proto__free_unpacked(m, NULL);
	return st;
}
