/* Small ONNX models built with protobuf-c for the converter's tests. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_build.h"

static void *own(ob *b, void *p)
{
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_lt(b->n_owned, sizeof(b->owned) / sizeof(b->owned[0]));
	b->owned[b->n_owned++] = p;
	return p;
}

static char *str(ob *b, const char *s)
{
	return own(b, strdup(s));
}

void ob_init(ob *b, int64_t opset)
{
	memset(b, 0, sizeof(*b));
	onnx__model_proto__init(&b->model);
	onnx__graph_proto__init(&b->graph);
	onnx__operator_set_id_proto__init(&b->opset);
	b->opset.domain = "";
	b->opset.has_version = 1;
	b->opset.version = opset;
	b->opset_p[0] = &b->opset;
	b->model.has_ir_version = 1;
	b->model.ir_version = 8;
	b->model.n_opset_import = 1;
	b->model.opset_import = b->opset_p;
	b->model.graph = &b->graph;
	b->graph.name = "test";
	b->graph.node = b->node_p;
	b->graph.initializer = b->init_p;
	b->graph.input = b->in_p;
	b->graph.output = b->out_p;
}

static Onnx__ValueInfoProto *value_info(ob *b, const char *name)
{
	ck_assert_uint_lt(b->n_vi, 2 * OB_MAX);
	Onnx__ValueInfoProto *v = &b->vi[b->n_vi];
	onnx__value_info_proto__init(v);
	v->name = str(b, name);
	b->n_vi++;
	return v;
}

void ob_input(ob *b, const char *name, int elem_type, uint32_t rank,
              const int64_t *dims)
{
	uint32_t k = b->n_vi;
	Onnx__ValueInfoProto *v = value_info(b, name);

	onnx__type_proto__init(&b->tp[k]);
	onnx__type_proto__tensor__init(&b->tt[k]);
	onnx__tensor_shape_proto__init(&b->sp[k]);
	b->tt[k].has_elem_type = 1;
	b->tt[k].elem_type = elem_type;
	b->tt[k].shape = &b->sp[k];
	b->tp[k].value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	b->tp[k].tensor_type = &b->tt[k];
	b->sp[k].n_dim = rank;
	b->sp[k].dim = &b->dim_p[b->n_dim];
	for (uint32_t d = 0; d < rank; d++) {
		Onnx__TensorShapeProto__Dimension *dm = &b->dim[b->n_dim];
		onnx__tensor_shape_proto__dimension__init(dm);
		if (dims[d] >= 0) {
			dm->value_case =
				ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
			dm->dim_value = dims[d];
		} else {
			dm->value_case =
				ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
			dm->dim_param = "N";
		}
		b->dim_p[b->n_dim++] = dm;
	}
	v->type = &b->tp[k];
	b->in_p[b->graph.n_input++] = v;
}

void ob_output(ob *b, const char *name)
{
	b->out_p[b->graph.n_output++] = value_info(b, name);
}

static Onnx__TensorProto *tensor(ob *b, Onnx__TensorProto *t, const char *name,
                                 int type, uint32_t rank, const int64_t *dims)
{
	onnx__tensor_proto__init(t);
	t->name = str(b, name);
	t->has_data_type = 1;
	t->data_type = type;
	t->n_dims = rank;
	t->dims = own(b, calloc(rank + 1, sizeof(int64_t)));
	memcpy(t->dims, dims, rank * sizeof(int64_t));
	return t;
}

static uint64_t count(uint32_t rank, const int64_t *dims)
{
	uint64_t n = 1;

	for (uint32_t d = 0; d < rank; d++)
		n *= (uint64_t)dims[d];
	return n;
}

static Onnx__TensorProto *next_init(ob *b)
{
	ck_assert_uint_lt(b->n_init, OB_MAX);
	b->init_p[b->n_init] = &b->init[b->n_init];
	b->graph.n_initializer = b->n_init + 1;
	return &b->init[b->n_init++];
}

void ob_init_f(ob *b, const char *name, uint32_t rank, const int64_t *dims,
               const float *data)
{
	Onnx__TensorProto *t = tensor(b, next_init(b), name, 1, rank, dims);
	uint64_t n = count(rank, dims);

	t->n_float_data = n;
	t->float_data = own(b, malloc(n * sizeof(float) + 1));
	memcpy(t->float_data, data, n * sizeof(float));
}

void ob_init_i(ob *b, const char *name, uint32_t rank, const int64_t *dims,
               const int64_t *data)
{
	Onnx__TensorProto *t = tensor(b, next_init(b), name, 7, rank, dims);
	uint64_t n = count(rank, dims);

	t->n_int64_data = n;
	t->int64_data = own(b, malloc(n * sizeof(int64_t) + 1));
	memcpy(t->int64_data, data, n * sizeof(int64_t));
}

void ob_init_raw(ob *b, const char *name, int data_type, uint32_t rank,
                 const int64_t *dims, const void *raw, size_t size)
{
	Onnx__TensorProto *t = tensor(b, next_init(b), name, data_type, rank,
				      dims);

	t->has_raw_data = 1;
	t->raw_data.len = size;
	t->raw_data.data = own(b, malloc(size + 1));
	memcpy(t->raw_data.data, raw, size);
}

/* "a,b,,c" -> {"a","b","","c"}. */
static char **split(ob *b, const char *list, size_t *n)
{
	char **v;
	size_t cnt = 1;

	*n = 0;
	if (!*list)
		return NULL;
	for (const char *p = list; *p; p++)
		cnt += *p == ',';
	v = own(b, calloc(cnt, sizeof(*v)));
	const char *p = list;
	for (size_t k = 0; k < cnt; k++) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);
		v[k] = own(b, strndup(p, len));
		p += len + 1;
	}
	*n = cnt;
	return v;
}

Onnx__NodeProto *ob_node(ob *b, const char *op, const char *inputs,
                         const char *outputs)
{
	ck_assert_uint_lt(b->n_node, OB_MAX);
	Onnx__NodeProto *n = &b->node[b->n_node];
	onnx__node_proto__init(n);
	n->op_type = str(b, op);
	n->input = split(b, inputs, &n->n_input);
	n->output = split(b, outputs, &n->n_output);
	n->attribute = &b->attr_p[b->n_attr];
	b->node_p[b->n_node++] = n;
	b->graph.n_node = b->n_node;
	return n;
}

static Onnx__AttributeProto *attr(ob *b, const char *name, int type)
{
	ck_assert_uint_gt(b->n_node, 0);
	ck_assert_uint_lt(b->n_attr, 4 * OB_MAX);
	Onnx__AttributeProto *a = &b->attr[b->n_attr];
	onnx__attribute_proto__init(a);
	a->name = str(b, name);
	a->has_type = 1;
	a->type = (Onnx__AttributeProto__AttributeType)type;
	b->attr_p[b->n_attr++] = a;
	b->node[b->n_node - 1].n_attribute++;
	return a;
}

void ob_attr_i(ob *b, const char *name, int64_t v)
{
	Onnx__AttributeProto *a = attr(b, name, 2);

	a->has_i = 1;
	a->i = v;
}

void ob_attr_f(ob *b, const char *name, float v)
{
	Onnx__AttributeProto *a = attr(b, name, 1);

	a->has_f = 1;
	a->f = v;
}

void ob_attr_s(ob *b, const char *name, const char *v)
{
	Onnx__AttributeProto *a = attr(b, name, 3);

	a->has_s = 1;
	a->s.data = (uint8_t *)str(b, v);
	a->s.len = strlen(v);
}

void ob_attr_ints(ob *b, const char *name, uint32_t n, const int64_t *v)
{
	Onnx__AttributeProto *a = attr(b, name, 7);

	a->n_ints = n;
	a->ints = own(b, malloc(n * sizeof(int64_t) + 1));
	memcpy(a->ints, v, n * sizeof(int64_t));
}

void ob_attr_tensor_f(ob *b, const char *name, uint32_t rank,
                      const int64_t *dims, const float *data)
{
	Onnx__AttributeProto *a = attr(b, name, 4);
	Onnx__TensorProto *t = own(b, malloc(sizeof(*t)));
	uint64_t n = count(rank, dims);

	tensor(b, t, "", 1, rank, dims);
	t->n_float_data = n;
	t->float_data = own(b, malloc(n * sizeof(float) + 1));
	memcpy(t->float_data, data, n * sizeof(float));
	a->t = t;
}

void *ob_pack(ob *b, size_t *size)
{
	*size = onnx__model_proto__get_packed_size(&b->model);
	uint8_t *buf = malloc(*size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(onnx__model_proto__pack(&b->model, buf), *size);
	return buf;
}

void ob_finish(ob *b)
{
	for (uint32_t k = 0; k < b->n_owned; k++)
		free(b->owned[k]);
	b->n_owned = 0;
}
