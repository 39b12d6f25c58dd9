/* attrs.c: node attributes, read with defaults or copied onto IR ops.
 *
 * The IR holds INT, FLOAT (as double), STRING, INTS and FLOATS attributes.
 * Tensor, graph and the other list kinds only appear on operators qonnxc
 * supports in forms it rewrites (Constant's value, see constant.c); anywhere
 * else they are an error. Models older than IR version 2 may omit an
 * attribute's type, which is then told by the field that is set.
 */
#include "internal.h"

#include <string.h>

const Onnx__AttributeProto *onnx_attr(const Onnx__NodeProto *node, const char *name)
{
	for (size_t i = 0; i < node->n_attribute; i++)
		if (!strcmp(onnx_str(node->attribute[i]->name), name))
			return node->attribute[i];
	return NULL;
}

Onnx__AttributeProto__AttributeType onnx_attr_type(const Onnx__AttributeProto *a)
{
	if (a->has_type && a->type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
		return a->type;
	if (a->has_f)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
	if (a->has_i)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
	if (a->has_s)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
	if (a->t)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
	if (a->g)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH;
	if (a->n_floats)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
	if (a->n_ints)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
	if (a->n_strings)
		return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS;
	return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

static const char *type_name(Onnx__AttributeProto__AttributeType t)
{
	static const struct {
		Onnx__AttributeProto__AttributeType type;
		const char *name;
	} names[] = {
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, "FLOAT"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, "INT"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, "STRING"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, "TENSOR"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH, "GRAPH"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSOR, "SPARSE_TENSOR"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTO, "TYPE_PROTO"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, "FLOATS"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, "INTS"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS, "STRINGS"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSORS, "TENSORS"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPHS, "GRAPHS"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__SPARSE_TENSORS, "SPARSE_TENSORS"},
		{ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TYPE_PROTOS, "TYPE_PROTOS"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (names[i].type == t)
			return names[i].name;
	return "UNDEFINED";
}

/* A protobuf string (not NUL-terminated, may hold NULs) as a C string in the
 * module's arena; an embedded NUL ends it. */
static const char *arena_bytes(struct ir_module *m, ProtobufCBinaryData s)
{
	char *p = arena_alloc(&m->arena, s.len + 1);
	if (s.len)
		memcpy(p, s.data, s.len);
	p[s.len] = 0;
	return p;
}

static bool skipped(const struct onnx_node *n, const char *name)
{
	for (int i = 0; i < n->nskip; i++)
		if (!strcmp(n->skip[i], name))
			return true;
	return false;
}

/* Converts a into an IR attribute; -1 after an error for unsupported kinds. */
static int convert(struct onnx_ctx *c, struct onnx_node *n, const Onnx__AttributeProto *a,
		   struct ir_attr *out)
{
	Onnx__AttributeProto__AttributeType type = onnx_attr_type(a);
	memset(out, 0, sizeof *out);
	out->name = onnx_str(a->name);
	switch (type) {
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT:
		out->kind = IR_ATTR_FLOAT;
		out->f = a->f;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT:
		out->kind = IR_ATTR_INT;
		out->i = a->i;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING:
		out->kind = IR_ATTR_STRING;
		out->s = arena_bytes(c->m, a->s);
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS:
		out->kind = IR_ATTR_INTS;
		out->n = (int)a->n_ints;
		out->ints = a->ints;
		return 0;
	case ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS:
		out->kind = IR_ATTR_FLOATS;
		out->n = (int)a->n_floats;
		out->floats = arena_alloc(&c->m->arena, a->n_floats * sizeof(double) + 1);
		for (size_t i = 0; i < a->n_floats; i++)
			out->floats[i] = a->floats[i];
		return 0;
	default:
		return onnx_node_error(c, n->index, "attribute '%s' of type %s is not supported",
				       out->name, type_name(type));
	}
}

int onnx_copy_attrs(struct onnx_ctx *c, struct onnx_node *n, int op)
{
	for (size_t i = 0; i < n->proto->n_attribute; i++) {
		const Onnx__AttributeProto *a = n->proto->attribute[i];
		if (skipped(n, onnx_str(a->name)))
			continue;
		struct ir_attr attr;
		if (convert(c, n, a, &attr) < 0)
			return -1;
		ir_set_attr(c->m, op, &attr);
	}
	return 0;
}

/* The attribute name of n when present with the expected type; NULL when
 * absent; *bad set when present with another type (error recorded). */
static const Onnx__AttributeProto *typed(struct onnx_ctx *c, struct onnx_node *n, const char *name,
					 Onnx__AttributeProto__AttributeType want, bool *bad)
{
	const Onnx__AttributeProto *a = onnx_attr(n->proto, name);
	*bad = false;
	if (a && onnx_attr_type(a) != want) {
		onnx_node_error(c, n->index, "attribute '%s' has type %s, expected %s", name,
				type_name(onnx_attr_type(a)), type_name(want));
		*bad = true;
		return NULL;
	}
	return a;
}

int onnx_attr_int(struct onnx_ctx *c, struct onnx_node *n, const char *name, int64_t def, int64_t *out)
{
	bool bad;
	const Onnx__AttributeProto *a = typed(c, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, &bad);
	*out = a ? a->i : def;
	return bad ? -1 : 0;
}

int onnx_attr_float(struct onnx_ctx *c, struct onnx_node *n, const char *name, double def, double *out)
{
	bool bad;
	const Onnx__AttributeProto *a = typed(c, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT, &bad);
	*out = a ? a->f : def;
	return bad ? -1 : 0;
}

int onnx_attr_string(struct onnx_ctx *c, struct onnx_node *n, const char *name, const char *def,
		     const char **out)
{
	bool bad;
	const Onnx__AttributeProto *a = typed(c, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING, &bad);
	*out = a ? arena_bytes(c->m, a->s) : def;
	return bad ? -1 : 0;
}

int onnx_attr_ints(struct onnx_ctx *c, struct onnx_node *n, const char *name, int *count,
		   const int64_t **out)
{
	bool bad;
	const Onnx__AttributeProto *a = typed(c, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS, &bad);
	*count = a ? (int)a->n_ints : 0;
	*out = a ? a->ints : NULL;
	return bad ? -1 : 0;
}

int onnx_attr_floats(struct onnx_ctx *c, struct onnx_node *n, const char *name, int *count,
		     const float **out)
{
	bool bad;
	const Onnx__AttributeProto *a = typed(c, n, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, &bad);
	*count = a ? (int)a->n_floats : 0;
	*out = a ? a->floats : NULL;
	return bad ? -1 : 0;
}
