/* mutate_data.c: mutations of the data a graph carries: tensor elements,
 * lengths, element types, dims and storage (initializers and the tensors of
 * Constant-like attributes), attribute values, kinds and names, and the
 * declared types of graph inputs, outputs and value_info entries. */
#include "mutate.h"

#include <stdlib.h>
#include <string.h>

static const char *const attr_names[] = {
	"axis", "axes", "perm", "kernel_shape", "strides", "pads", "dilations", "group",
	"auto_pad", "mode", "ceil_mode", "count_include_pad", "alpha", "beta", "gamma", "transA",
	"transB", "epsilon", "keepdims", "noop_with_empty_axes", "to", "split", "num_outputs",
	"start", "end", "blocksize", "coordinate_transformation_mode", "nearest_mode",
	"cubic_coeff_a", "exclude_outside", "signed", "narrow", "rounding_mode", "value",
	"value_float", "value_ints", "allowzero", "output_padding", "output_shape", "broadcast",
	"scales", "min", "max", "shape", "storage_order", "spatial", "is_test", "momentum",
};
static const char *const strings[] = {
	"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "nearest", "linear", "cubic", "bilinear",
	"ROUND", "FLOOR", "CEIL", "UP", "DOWN", "HALF_UP", "HALF_DOWN", "HALF_EVEN", "round",
	"half_pixel", "asymmetric", "align_corners", "pytorch_half_pixel", "tf_crop_and_resize",
	"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", "DCR", "CRD", "constant",
	"reflect", "edge", "wrap", "", "x",
};
/* TensorProto.DataType values, the unsupported and unknown ones included. */
static const int32_t data_types[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 21, 22, 99, -1};
enum {
	NATTRS = sizeof attr_names / sizeof *attr_names,
	NSTRINGS = sizeof strings / sizeof *strings,
	NTYPES = sizeof data_types / sizeof *data_types,
};

/* ---- tensors ------------------------------------------------------------------ */

/* Every tensor of the graph: initializers and node attributes' tensors. */
static Onnx__TensorProto *pick_tensor(Onnx__GraphProto *g, struct mut_rng *r)
{
	size_t n = g->n_initializer;
	for (size_t i = 0; i < g->n_node; i++)
		for (size_t k = 0; k < g->node[i]->n_attribute; k++)
			n += g->node[i]->attribute[k]->t != NULL;
	if (!n)
		return NULL;
	size_t want = mut_below(r, n);
	if (want < g->n_initializer)
		return g->initializer[want];
	want -= g->n_initializer;
	for (size_t i = 0; i < g->n_node; i++)
		for (size_t k = 0; k < g->node[i]->n_attribute; k++)
			if (g->node[i]->attribute[k]->t && want-- == 0)
				return g->node[i]->attribute[k]->t;
	return NULL;
}

/* One element of whichever field holds the data. */
static bool tensor_element(Onnx__TensorProto *t, struct mut_rng *r)
{
	if (t->has_raw_data && t->raw_data.len) {
		ProtobufCBinaryData *d = &t->raw_data;
		if (t->data_type == 1 && d->len >= 4) { /* FLOAT */
			float f = (float)mut_float(r, 1.0);
			memcpy(d->data + mut_below(r, d->len / 4) * 4, &f, 4);
		} else if (t->data_type == 7 && d->len >= 8) { /* INT64 */
			int64_t v = mut_int(r, 1);
			memcpy(d->data + mut_below(r, d->len / 8) * 8, &v, 8);
		} else {
			d->data[mut_below(r, d->len)] = (uint8_t)mut_next(r);
		}
		return true;
	}
	if (t->n_float_data)
		t->float_data[mut_below(r, t->n_float_data)] = (float)mut_float(r, t->float_data[0]);
	else if (t->n_int64_data)
		t->int64_data[mut_below(r, t->n_int64_data)] = mut_int(r, t->int64_data[0]);
	else if (t->n_int32_data)
		t->int32_data[mut_below(r, t->n_int32_data)] = (int32_t)mut_int(r, t->int32_data[0]);
	else if (t->n_double_data)
		t->double_data[mut_below(r, t->n_double_data)] = mut_float(r, t->double_data[0]);
	else if (t->n_uint64_data)
		t->uint64_data[mut_below(r, t->n_uint64_data)] = (uint64_t)mut_int(r, 0);
	else
		return false;
	return true;
}

/* Grows or shrinks a typed array field by one element. */
static void resize_field(void **data, size_t *n, size_t size, struct mut_rng *r)
{
	if (*n && mut_chance(r, 2))
		(*n)--;
	else
		*data = mut_append(*data, n, size);
}

static bool tensor_length(Onnx__TensorProto *t, struct mut_rng *r)
{
	if (t->has_raw_data || mut_chance(r, 6)) {
		ProtobufCBinaryData *d = &t->raw_data;
		size_t len = mut_chance(r, 2) && d->len ? mut_below(r, d->len) : d->len + 1 + mut_below(r, 8);
		uint8_t *p = realloc(d->data, len + 1);
		if (!p)
			abort();
		if (len > d->len)
			memset(p + d->len, 0x3f, len - d->len);
		d->data = p;
		d->len = len;
		t->has_raw_data = true;
		return true;
	}
	if (t->n_float_data)
		resize_field((void **)&t->float_data, &t->n_float_data, sizeof *t->float_data, r);
	else if (t->n_int64_data)
		resize_field((void **)&t->int64_data, &t->n_int64_data, sizeof *t->int64_data, r);
	else if (t->n_int32_data)
		resize_field((void **)&t->int32_data, &t->n_int32_data, sizeof *t->int32_data, r);
	else if (t->n_double_data)
		resize_field((void **)&t->double_data, &t->n_double_data, sizeof *t->double_data, r);
	else
		resize_field((void **)&t->float_data, &t->n_float_data, sizeof *t->float_data, r);
	return true;
}

static bool tensor_dims(Onnx__TensorProto *t, struct mut_rng *r)
{
	if (t->n_dims && mut_chance(r, 4)) {
		mut_remove(t->dims, &t->n_dims, sizeof *t->dims, mut_below(r, t->n_dims));
	} else if (!t->n_dims || mut_chance(r, 4)) {
		t->dims = mut_append(t->dims, &t->n_dims, sizeof *t->dims);
		t->dims[t->n_dims - 1] = mut_chance(r, 2) ? 1 : mut_int(r, 1);
	} else {
		size_t k = mut_below(r, t->n_dims);
		t->dims[k] = mut_int(r, t->dims[k]);
	}
	return true;
}

/* External data naming the fuzz target's weights.bin (4096 bytes). */
static bool tensor_external(Onnx__TensorProto *t, struct mut_rng *r)
{
	static const char *const locations[] = {"weights.bin", "missing.bin", "/etc/passwd", "../x", "."};
	static const char *const numbers[] = {"0", "4", "16", "4096", "4097", "-1", "18446744073709551615", "x"};
	static const char *const keys[] = {"location", "offset", "length"};
	Onnx__StringStringEntryProto *e = malloc(sizeof *e);
	if (!e)
		abort();
	onnx__string_string_entry_proto__init(e);
	const char *key = mut_pick(r, keys, 3);
	e->key = mut_strdup(key);
	e->value = mut_strdup(!strcmp(key, "location") ? mut_pick(r, locations, 5) : mut_pick(r, numbers, 8));
	t->external_data = mut_append(t->external_data, &t->n_external_data, sizeof *t->external_data);
	t->external_data[t->n_external_data - 1] = e;
	t->has_data_location = true;
	t->data_location = mut_chance(r, 8) ? ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT
					    : ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL;
	return true;
}

static bool tensor(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__TensorProto *t = pick_tensor(g, r);
	if (!t)
		return false;
	switch (mut_below(r, 8)) {
	case 0:
	case 1:
	case 2: return tensor_element(t, r);
	case 3: return tensor_length(t, r);
	case 4: return tensor_dims(t, r);
	case 5: return tensor_external(t, r);
	default:
		t->has_data_type = !mut_chance(r, 10);
		t->data_type = data_types[mut_below(r, NTYPES)];
		return true;
	}
}

/* ---- attributes ---------------------------------------------------------------- */

static Onnx__AttributeProto *pick_attr(Onnx__GraphProto *g, struct mut_rng *r, Onnx__NodeProto **node)
{
	if (!g->n_node)
		return NULL;
	*node = g->node[mut_below(r, g->n_node)];
	return (*node)->n_attribute ? (*node)->attribute[mut_below(r, (*node)->n_attribute)] : NULL;
}

static void set_string_attr(Onnx__AttributeProto *a, const char *s)
{
	free(a->s.data);
	a->s.len = strlen(s);
	a->s.data = (uint8_t *)mut_strdup(s);
	a->has_s = true;
}

static bool attr_value(Onnx__AttributeProto *a, struct mut_rng *r)
{
	if (a->n_ints) {
		if (mut_chance(r, 5))
			resize_field((void **)&a->ints, &a->n_ints, sizeof *a->ints, r);
		else {
			size_t k = mut_below(r, a->n_ints);
			a->ints[k] = mut_int(r, a->ints[k]);
		}
	} else if (a->n_floats) {
		if (mut_chance(r, 5))
			resize_field((void **)&a->floats, &a->n_floats, sizeof *a->floats, r);
		else {
			size_t k = mut_below(r, a->n_floats);
			a->floats[k] = (float)mut_float(r, a->floats[k]);
		}
	} else if (a->has_s) {
		set_string_attr(a, mut_pick(r, strings, NSTRINGS));
	} else if (a->has_f) {
		a->f = (float)mut_float(r, a->f);
	} else {
		a->has_i = true;
		a->i = mut_int(r, a->i);
	}
	return true;
}

/* Another kind: the type field, or the value moved to another field. */
static bool attr_kind(Onnx__AttributeProto *a, struct mut_rng *r)
{
	static const Onnx__AttributeProto__AttributeType kinds[] = {
		ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT,
		ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING,
		ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__GRAPH,
		ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS,
		ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRINGS,
	};
	if (mut_chance(r, 2)) {
		a->has_type = !mut_chance(r, 4);
		a->type = kinds[mut_below(r, sizeof kinds / sizeof *kinds)];
		return true;
	}
	switch (mut_below(r, 4)) {
	case 0:
		a->has_i = true;
		a->i = mut_int(r, 1);
		a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		break;
	case 1:
		a->has_f = true;
		a->f = (float)mut_float(r, 1.0);
		a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
		break;
	case 2:
		a->ints = mut_append(a->ints, &a->n_ints, sizeof *a->ints);
		a->ints[a->n_ints - 1] = mut_int(r, 1);
		a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
		break;
	default:
		set_string_attr(a, mut_pick(r, strings, NSTRINGS));
		a->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
		break;
	}
	a->has_type = true;
	return true;
}

static bool attr_add(Onnx__NodeProto *n, struct mut_rng *r)
{
	Onnx__AttributeProto *a = malloc(sizeof *a);
	if (!a)
		abort();
	onnx__attribute_proto__init(a);
	a->name = mut_strdup(mut_pick(r, attr_names, NATTRS));
	attr_kind(a, r);
	a->has_type = true;
	n->attribute = mut_append(n->attribute, &n->n_attribute, sizeof *n->attribute);
	n->attribute[n->n_attribute - 1] = a;
	return true;
}

static bool attribute(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = NULL;
	Onnx__AttributeProto *a = pick_attr(g, r, &n);
	if (!n)
		return false;
	if (!a || mut_chance(r, 8))
		return attr_add(n, r);
	switch (mut_below(r, 8)) {
	case 0: return attr_kind(a, r);
	case 1: {
		size_t k = 0;
		while (n->attribute[k] != a)
			k++;
		onnx__attribute_proto__free_unpacked(a, NULL);
		mut_remove(n->attribute, &n->n_attribute, sizeof *n->attribute, k);
		return true;
	}
	case 2: mut_set_string(&a->name, mut_pick(r, attr_names, NATTRS)); return true;
	case 3: { /* the attribute copied onto another node */
		Onnx__NodeProto *to = g->node[mut_below(r, g->n_node)];
		Onnx__AttributeProto *copy = mut_copy_message(&a->base);
		if (!copy)
			return false;
		to->attribute = mut_append(to->attribute, &to->n_attribute, sizeof *to->attribute);
		to->attribute[to->n_attribute - 1] = copy;
		return true;
	}
	default: return attr_value(a, r);
	}
}

/* ---- declared types --------------------------------------------------------------- */

static Onnx__ValueInfoProto *pick_value_info(Onnx__GraphProto *g, struct mut_rng *r)
{
	size_t n = g->n_input + g->n_output + g->n_value_info;
	if (!n)
		return NULL;
	size_t i = mut_below(r, n);
	if (i < g->n_input)
		return g->input[i];
	i -= g->n_input;
	return i < g->n_output ? g->output[i] : g->value_info[i - g->n_output];
}

static bool shape_dim(Onnx__TensorShapeProto *s, struct mut_rng *r)
{
	if (s->n_dim && mut_chance(r, 5)) {
		size_t k = mut_below(r, s->n_dim);
		protobuf_c_message_free_unpacked(&s->dim[k]->base, NULL);
		mut_remove(s->dim, &s->n_dim, sizeof *s->dim, k);
		return true;
	}
	if (!s->n_dim || mut_chance(r, 5)) {
		Onnx__TensorShapeProto__Dimension *d = malloc(sizeof *d);
		if (!d)
			abort();
		onnx__tensor_shape_proto__dimension__init(d);
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = 1;
		s->dim = mut_append(s->dim, &s->n_dim, sizeof *s->dim);
		s->dim[s->n_dim - 1] = d;
		return true;
	}
	Onnx__TensorShapeProto__Dimension *d = s->dim[mut_below(r, s->n_dim)];
	int64_t old = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE ? d->dim_value : 1;
	if (d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM)
		free(d->dim_param);
	switch (mut_below(r, 6)) {
	case 0:
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
		d->dim_param = mut_strdup(mut_chance(r, 2) ? "N" : "batch");
		break;
	case 1: d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE__NOT_SET; break;
	case 2:
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = (int64_t)mut_below(r, 6);
		break;
	default:
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = mut_int(r, old);
		break;
	}
	return true;
}

static bool value_type(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__ValueInfoProto *v = pick_value_info(g, r);
	if (!v || !v->type)
		return false;
	if (v->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE) {
		return false;
	}
	Onnx__TypeProto__Tensor *t = v->type->tensor_type;
	switch (mut_below(r, 8)) {
	case 0:
		t->has_elem_type = !mut_chance(r, 8);
		t->elem_type = data_types[mut_below(r, NTYPES)];
		return true;
	case 1:
		if (!t->shape)
			return false;
		onnx__tensor_shape_proto__free_unpacked(t->shape, NULL);
		t->shape = NULL;
		return true;
	default:
		return t->shape && shape_dim(t->shape, r);
	}
}

typedef bool (*data_mutation)(Onnx__GraphProto *g, struct mut_rng *r);
static const data_mutation data_mutations[] = {tensor, tensor, attribute, attribute, value_type};

bool mut_data(Onnx__ModelProto *model, struct mut_rng *r)
{
	if (!model->graph)
		return false;
	size_t n = sizeof data_mutations / sizeof *data_mutations;
	return data_mutations[mut_below(r, n)](model->graph, r);
}
