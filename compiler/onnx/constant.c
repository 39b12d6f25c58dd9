/* constant.c: Constant nodes become IR constants, not ops.
 *
 * The value comes from exactly one attribute (Constant-13): value (a
 * TensorProto), value_float / value_floats (f32 scalar / 1-D), value_int /
 * value_ints (i64 scalar / 1-D). Sparse and string values are not supported.
 * The constant takes the name of the node's output.
 */
#include "internal.h"

#include <string.h>

static int from_tensor(struct onnx_ctx *c, struct onnx_node *n, const Onnx__AttributeProto *a,
		       const char *name)
{
	struct onnx_tensor t;
	char err[400];
	if (!a->t)
		return onnx_node_error(c, n->index, "attribute 'value' holds no tensor");
	if (onnx_tensor_prepare(a->t, name, c->dir, c->max_bytes, &t, err, sizeof err) < 0)
		return onnx_node_error(c, n->index, "%s", err);
	int v = ir_add_const(c->m, name, &t.type, NULL);
	if (v >= 0)
		onnx_tensor_decode(&t, ir_val(c->m, v)->data);
	onnx_tensor_release(&t);
	return v;
}

static int from_list(struct onnx_ctx *c, const char *name, const Onnx__AttributeProto *a,
		     bool is_float, bool scalar)
{
	int64_t count = is_float ? (scalar ? 1 : (int64_t)a->n_floats) : (scalar ? 1 : (int64_t)a->n_ints);
	struct ir_type t = is_float ? ir_type_f32(scalar ? 0 : 1, &count)
				    : ir_type_int(64, true, scalar ? 0 : 1, &count);
	int v = ir_add_const(c->m, name, &t, NULL);
	if (v < 0)
		return -1;
	void *data = ir_val(c->m, v)->data;
	if (count == 0)
		return v;
	if (is_float)
		memcpy(data, scalar ? &a->f : a->floats, (size_t)count * sizeof(float));
	else
		memcpy(data, scalar ? &a->i : a->ints, (size_t)count * sizeof(int64_t));
	return v;
}

struct value_attr {
	const char *name;
	Onnx__AttributeProto__AttributeType type;
	bool is_float, scalar;
};

static const struct value_attr value_attrs[] = {
	{"value", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, false, false},
	{"value_float", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, true, true},
	{"value_floats", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, true, false},
	{"value_int", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, false, true},
	{"value_ints", ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, false, false},
};

int onnx_import_constant(struct onnx_ctx *c, struct onnx_node *n)
{
	const Onnx__NodeProto *node = n->proto;
	if (node->n_input != 0)
		return onnx_node_error(c, n->index, "takes no inputs, got %zu", node->n_input);
	if (node->n_output != 1 || !*onnx_str(node->output[0]))
		return onnx_node_error(c, n->index, "expects one output, got %zu", node->n_output);
	if (node->n_attribute != 1)
		return onnx_node_error(c, n->index, "expects exactly one value attribute, got %zu",
				       node->n_attribute);
	const Onnx__AttributeProto *a = node->attribute[0];
	const char *attr = onnx_str(a->name), *name = node->output[0];
	for (size_t i = 0; i < sizeof value_attrs / sizeof value_attrs[0]; i++) {
		const struct value_attr *va = &value_attrs[i];
		if (strcmp(attr, va->name))
			continue;
		if (onnx_attr_type(a) != va->type)
			return onnx_node_error(c, n->index, "attribute '%s' has the wrong type", attr);
		int v = va->type == ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR
				? from_tensor(c, n, a, name)
				: from_list(c, name, a, va->is_float, va->scalar);
		if (v < 0)
			return -1;
		onnx_bind_value(c, name, v);
		return 0;
	}
	return onnx_node_error(c, n->index, "attribute '%s' is not supported", attr);
}
