/* emit_onnx.c: the IR as an ONNX model (see emit_onnx.h).
 *
 * Every op becomes one node named after it, every value keeps its name:
 * graph inputs and outputs as ValueInfo with their shapes, constants as
 * initializers (raw little-endian data), op results as value_info so that
 * viewers show shapes. The default domain is written at opset 17 (what
 * Debian's onnx 1.12 checks) when every op has its opset-17 form, which for
 * the canonical opset-21 IR means: ReduceMean/Max/Min take constant axes as
 * an attribute, Split's num_outputs becomes a split input, and attributes
 * added after opset 17 (AveragePool dilations, Cast saturate, Resize
 * antialias/axes/keep_aspect_ratio_policy) have their default values;
 * otherwise at opset 21 (IR version 10).
 *
 * Channels-last ops: Conv, MaxPool and BatchNormalization go to the
 * qonnx.custom_op.channels_last domain; other ops the channels-last pass
 * made NHWC (AveragePool, the global pools, InstanceNormalization,
 * DepthToSpace, SpaceToDepth) are written as the standard NCHW op between
 * two Transposes. Memory comes from one arena freed after packing.
 */
#include "emit_onnx.h"
#include "driver.h"
#include "outfile.h"
#include "onnx.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define DOMAIN_QONNX "qonnx.custom_op.general"
#define DOMAIN_CHANNELS_LAST "qonnx.custom_op.channels_last"

/* ONNX TensorProto data types */
enum {
	T_FLOAT = 1, T_UINT8 = 2, T_INT8 = 3, T_UINT16 = 4, T_INT16 = 5, T_INT32 = 6,
	T_INT64 = 7, T_BOOL = 9, T_DOUBLE = 11, T_UINT32 = 12, T_UINT64 = 13,
};

struct emitter {
	struct ir_module *m;
	struct arena a;
	int opset; /* default domain: 17 or 21 */
	bool trunc_v2;
	/* the growing lists of the graph */
	Onnx__NodeProto **nodes;
	size_t nnodes, cap_nodes;
	Onnx__TensorProto **inits;
	size_t ninits, cap_inits;
	unsigned long serial; /* for generated names */
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	*cap = *cap ? *cap * 2 : 64;
	if (*cap < need)
		*cap = need;
	p = realloc(p, *cap * elem);
	if (!p)
		abort();
	return p;
}

static const char *fresh_name(struct emitter *e, const char *base)
{
	for (;;) {
		const char *n = arena_printf(&e->a, "%s__onnx%lu", base, ++e->serial);
		if (ir_find_value(e->m, n) < 0)
			return n;
	}
}

/* ---- types and tensors ------------------------------------------------------ */

/* ONNX data type of t, or 0 when it has none (integer-lowered types). */
static int onnx_dtype(const struct ir_type *t)
{
	if (t->elem == IR_ELEM_F32)
		return T_FLOAT;
	if (t->elem == IR_ELEM_F64)
		return T_DOUBLE;
	if (t->elem == IR_ELEM_BOOL)
		return T_BOOL;
	if (t->quant)
		return 0;
	switch (t->bits) {
	case 8:
		return t->is_signed ? T_INT8 : T_UINT8;
	case 16:
		return t->is_signed ? T_INT16 : T_UINT16;
	case 32:
		return t->is_signed ? T_INT32 : T_UINT32;
	case 64:
		return t->is_signed ? T_INT64 : T_UINT64;
	}
	return 0;
}

static int bytes_of(int dtype)
{
	switch (dtype) {
	case T_UINT8: case T_INT8: case T_BOOL:
		return 1;
	case T_UINT16: case T_INT16:
		return 2;
	case T_FLOAT: case T_INT32: case T_UINT32:
		return 4;
	default:
		return 8;
	}
}

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An initializer holding value v's data (storage form, see ir.h). */
static Onnx__TensorProto *make_tensor(struct emitter *e, const char *name,
				      const struct ir_type *t, const void *data)
{
	Onnx__TensorProto *tp = arena_alloc(&e->a, sizeof *tp);
	onnx__tensor_proto__init(tp);
	int dtype = onnx_dtype(t), size = bytes_of(dtype);
	int64_t n = ir_type_numel(t);
	tp->name = (char *)name;
	tp->has_data_type = 1;
	tp->data_type = dtype;
	tp->n_dims = t->rank;
	tp->dims = arena_alloc(&e->a, (size_t)t->rank * sizeof *tp->dims + 1);
	for (int i = 0; i < t->rank; i++)
		tp->dims[i] = t->dims[i];
	uint8_t *raw = arena_alloc(&e->a, (size_t)n * (size_t)size + 1);
	for (int64_t i = 0; i < n; i++) {
		uint64_t bits;
		if (t->elem == IR_ELEM_F32) {
			uint32_t u;
			memcpy(&u, (const float *)data + i, 4);
			bits = u;
		} else if (t->elem == IR_ELEM_F64) {
			memcpy(&bits, (const double *)data + i, 8);
		} else {
			bits = (uint64_t)((const int64_t *)data)[i];
		}
		put_le(raw + i * size, bits, size);
	}
	tp->has_raw_data = 1;
	tp->raw_data.data = raw;
	tp->raw_data.len = (size_t)n * (size_t)size;
	return tp;
}

static void add_init(struct emitter *e, Onnx__TensorProto *tp)
{
	e->inits = grow(e->inits, &e->cap_inits, e->ninits + 1, sizeof *e->inits);
	e->inits[e->ninits++] = tp;
}

static Onnx__ValueInfoProto *value_info(struct emitter *e, int v)
{
	const struct ir_value *val = &e->m->values[v];
	Onnx__ValueInfoProto *vi = arena_alloc(&e->a, sizeof *vi);
	Onnx__TypeProto *tp = arena_alloc(&e->a, sizeof *tp);
	Onnx__TypeProto__Tensor *tt = arena_alloc(&e->a, sizeof *tt);
	Onnx__TensorShapeProto *sh = arena_alloc(&e->a, sizeof *sh);
	onnx__value_info_proto__init(vi);
	onnx__type_proto__init(tp);
	onnx__type_proto__tensor__init(tt);
	onnx__tensor_shape_proto__init(sh);
	vi->name = (char *)val->name;
	vi->type = tp;
	tp->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
	tp->tensor_type = tt;
	tt->has_elem_type = 1;
	tt->elem_type = onnx_dtype(&val->type);
	tt->shape = sh;
	sh->n_dim = val->type.rank;
	sh->dim = arena_alloc(&e->a, (size_t)val->type.rank * sizeof *sh->dim + 1);
	for (int i = 0; i < val->type.rank; i++) {
		Onnx__TensorShapeProto__Dimension *d = arena_alloc(&e->a, sizeof *d);
		onnx__tensor_shape_proto__dimension__init(d);
		d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
		d->dim_value = val->type.dims[i];
		sh->dim[i] = d;
	}
	return vi;
}

/* ---- attributes ------------------------------------------------------------------ */

static Onnx__AttributeProto *make_attr(struct emitter *e, const struct ir_attr *a)
{
	Onnx__AttributeProto *ap = arena_alloc(&e->a, sizeof *ap);
	onnx__attribute_proto__init(ap);
	ap->name = (char *)a->name;
	ap->has_type = 1;
	switch (a->kind) {
	case IR_ATTR_INT:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
		ap->has_i = 1;
		ap->i = a->i;
		break;
	case IR_ATTR_FLOAT:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
		ap->has_f = 1;
		ap->f = (float)a->f;
		break;
	case IR_ATTR_STRING:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
		ap->has_s = 1;
		ap->s.data = (uint8_t *)a->s;
		ap->s.len = strlen(a->s);
		break;
	case IR_ATTR_INTS:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
		ap->n_ints = (size_t)a->n;
		ap->ints = a->ints;
		break;
	case IR_ATTR_FLOATS:
		ap->type = ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
		ap->n_floats = (size_t)a->n;
		ap->floats = arena_alloc(&e->a, (size_t)a->n * sizeof *ap->floats + 1);
		for (int i = 0; i < a->n; i++)
			ap->floats[i] = (float)a->floats[i];
		break;
	}
	return ap;
}

/* ---- opset-17 forms ------------------------------------------------------------------ */

static bool all_ones(const struct ir_attr *a)
{
	for (int i = 0; a && i < a->n; i++)
		if (a->ints[i] != 1)
			return false;
	return true;
}

static bool is_reduce_with_axes_input(const struct ir_op *op)
{
	return op->code == IR_OP_ReduceMean || op->code == IR_OP_ReduceMax ||
	       op->code == IR_OP_ReduceMin;
}

/* Whether op needs opset 18 or later (then the whole model is opset 21). */
static bool needs_new_opset(struct ir_module *m, const struct ir_op *op)
{
	switch (op->code) {
	case IR_OP_ReduceMean:
	case IR_OP_ReduceMax:
	case IR_OP_ReduceMin:
		return op->noperands > 1 && op->operands[1] != IR_NONE &&
		       (!ir_known_data(m, op->operands[1]) ||
			ir_attr_int(op, "noop_with_empty_axes", 0) != 0);
	case IR_OP_Pad:
		return op->noperands > 3 && op->operands[3] != IR_NONE;
	case IR_OP_AveragePool:
		return !all_ones(ir_attr_find(op, "dilations"));
	case IR_OP_Resize:
		return ir_attr_int(op, "antialias", 0) != 0 || ir_attr_find(op, "axes") ||
		       strcmp(ir_attr_string(op, "keep_aspect_ratio_policy", "stretch"), "stretch") ||
		       !strcmp(ir_attr_string(op, "coordinate_transformation_mode", ""),
			       "half_pixel_symmetric");
	default:
		return false;
	}
}

/* Attributes that opset 17 does not have and that needs_new_opset found at
 * their defaults. */
static bool drop_for_17(const struct ir_op *op, const char *name)
{
	static const struct { enum ir_opcode code; const char *attr; } dropped[] = {
		{IR_OP_AveragePool, "dilations"}, {IR_OP_Cast, "saturate"},
		{IR_OP_Resize, "antialias"}, {IR_OP_Resize, "keep_aspect_ratio_policy"},
		{IR_OP_Split, "num_outputs"}, {IR_OP_ReduceMean, "noop_with_empty_axes"},
		{IR_OP_ReduceMax, "noop_with_empty_axes"}, {IR_OP_ReduceMin, "noop_with_empty_axes"},
	};
	for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++)
		if (dropped[i].code == op->code && !strcmp(dropped[i].attr, name))
			return true;
	return false;
}

/* ---- nodes ------------------------------------------------------------------------ */

static Onnx__NodeProto *new_node(struct emitter *e, const char *type, const char *name,
				 const char *domain, size_t nin, size_t nout)
{
	Onnx__NodeProto *n = arena_alloc(&e->a, sizeof *n);
	onnx__node_proto__init(n);
	n->op_type = (char *)type;
	n->name = (char *)name;
	n->domain = (char *)(domain ? domain : "");
	n->n_input = nin;
	n->input = arena_alloc(&e->a, nin * sizeof *n->input + 1);
	n->n_output = nout;
	n->output = arena_alloc(&e->a, nout * sizeof *n->output + 1);
	e->nodes = grow(e->nodes, &e->cap_nodes, e->nnodes + 1, sizeof *e->nodes);
	e->nodes[e->nnodes++] = n;
	return n;
}

static void add_attr(struct emitter *e, Onnx__NodeProto *n, Onnx__AttributeProto *a)
{
	Onnx__AttributeProto **at = arena_alloc(&e->a, (n->n_attribute + 1) * sizeof *at);
	if (n->n_attribute)
		memcpy(at, n->attribute, n->n_attribute * sizeof *at);
	at[n->n_attribute++] = a;
	n->attribute = at;
}

/* A Transpose node from tensor `from` to tensor `to` (a new name when NULL)
 * between NHWC and NCHW; returns the name of its result. */
static const char *transpose(struct emitter *e, const char *from, const char *to,
			     const char *base, int rank, bool to_nchw)
{
	int64_t *perm = arena_alloc(&e->a, (size_t)rank * sizeof *perm);
	perm[0] = 0;
	for (int i = 1; i < rank; i++) /* NHWC -> NCHW: [0, r-1, 1, ..]; back: [0, 2, .., 1] */
		perm[i] = to_nchw ? (i == 1 ? rank - 1 : i - 1) : (i == rank - 1 ? 1 : i + 1);
	if (!to)
		to = fresh_name(e, base);
	Onnx__NodeProto *n = new_node(e, "Transpose", fresh_name(e, base), NULL, 1, 1);
	n->input[0] = (char *)from;
	n->output[0] = (char *)to;
	struct ir_attr a = {.name = "perm", .kind = IR_ATTR_INTS, .n = rank, .ints = perm};
	add_attr(e, n, make_attr(e, &a));
	return to;
}

/* The node's type and domain. */
static const char *node_type(const struct ir_op *op, const char **domain)
{
	*domain = NULL;
	if (op->code == IR_OP_IntQuant || op->code == IR_OP_BipolarQuant || op->code == IR_OP_Trunc) {
		*domain = DOMAIN_QONNX;
		return op->code == IR_OP_IntQuant ? "Quant" : ir_opinfo[op->code].name;
	}
	if (op->layout == IR_LAYOUT_NHWC &&
	    (op->code == IR_OP_Conv || op->code == IR_OP_MaxPool ||
	     op->code == IR_OP_BatchNormalization))
		*domain = DOMAIN_CHANNELS_LAST;
	return ir_opinfo[op->code].name;
}

/* An int64 initializer for a list of values (axes, split sizes). */
static const char *int64_const(struct emitter *e, const char *base, int n, const int64_t *v)
{
	int64_t dims[1] = {n};
	struct ir_type t = ir_type_int(64, true, 1, dims);
	const char *name = fresh_name(e, base);
	add_init(e, make_tensor(e, name, &t, v));
	return name;
}

static int emit_op(struct emitter *e, int o)
{
	struct ir_module *m = e->m;
	const struct ir_op *op = &m->ops[o];
	const char *domain;
	const char *type = node_type(op, &domain);
	bool sandwich = op->layout == IR_LAYOUT_NHWC && !domain;
	int nin = op->noperands;
	bool axes_to_attr = e->opset == 17 && is_reduce_with_axes_input(op) && nin > 1;
	if (axes_to_attr)
		nin = 1;
	bool split_sizes = e->opset == 17 && op->code == IR_OP_Split && nin == 1 &&
			   ir_attr_find(op, "num_outputs");
	const char *x_nchw = NULL;
	if (sandwich)
		x_nchw = transpose(e, m->values[op->operands[0]].name, NULL, op->name,
				   m->values[op->operands[0]].type.rank, true);
	Onnx__NodeProto *n = new_node(e, type, op->name, domain, (size_t)nin + split_sizes,
				      (size_t)op->nresults);
	for (int k = 0; k < nin; k++)
		n->input[k] = (char *)(op->operands[k] == IR_NONE ? "" : m->values[op->operands[k]].name);
	for (int k = 0; k < op->nresults; k++)
		n->output[k] = (char *)m->values[op->results[k]].name;
	if (sandwich) {
		n->input[0] = (char *)x_nchw;
		n->output[0] = (char *)fresh_name(e, n->output[0]);
		transpose(e, n->output[0], m->values[op->results[0]].name, op->name,
			  m->values[op->results[0]].type.rank, false);
	}
	for (int i = 0; i < op->nattrs; i++)
		if (e->opset != 17 || !drop_for_17(op, op->attrs[i].name))
			add_attr(e, n, make_attr(e, &op->attrs[i]));
	if (axes_to_attr && op->operands[1] != IR_NONE) {
		const struct ir_type *at = &m->values[op->operands[1]].type;
		const int64_t *axes = ir_known_data(m, op->operands[1]);
		struct ir_attr a = {.name = "axes", .kind = IR_ATTR_INTS,
				    .n = (int)ir_type_numel(at), .ints = (int64_t *)axes};
		if (!axes)
			return ir_op_error(m, op, "axes must be constant");
		add_attr(e, n, make_attr(e, &a));
	}
	if (split_sizes) {
		int axis = (int)ir_attr_int(op, "axis", 0);
		int rank = m->values[op->operands[0]].type.rank;
		if (axis < 0)
			axis += rank;
		int64_t *sizes = arena_alloc(&e->a, (size_t)op->nresults * sizeof *sizes + 1);
		for (int k = 0; k < op->nresults; k++)
			sizes[k] = m->values[op->results[k]].type.dims[axis];
		n->input[nin] = (char *)int64_const(e, op->name, op->nresults, sizes);
	}
	return 0;
}

/* ---- the model -------------------------------------------------------------------- */

static int check_types(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		if (ir_opinfo[op->code].flags & OPF_INTERNAL)
			return ir_op_error(m, op, "the integer op %s of lower-integer has no ONNX form; "
					   "write the model before integer lowering "
					   "(--passes=cleanup,channels-last)", ir_opinfo[op->code].name);
	}
	for (int v = 0; v < m->nvalues; v++) {
		if (!onnx_dtype(&m->values[v].type)) {
			char buf[128];
			return ir_error(m, "tensor '%s' of type %s has no ONNX type (integer-lowered "
					"IR); write the model before integer lowering", m->values[v].name,
					ir_type_str(&m->values[v].type, buf, sizeof buf));
		}
	}
	return 0;
}

static Onnx__OperatorSetIdProto *opset_id(struct emitter *e, const char *domain, int64_t version)
{
	Onnx__OperatorSetIdProto *o = arena_alloc(&e->a, sizeof *o);
	onnx__operator_set_id_proto__init(o);
	o->domain = (char *)domain;
	o->has_version = 1;
	o->version = version;
	return o;
}

static int build(struct emitter *e, Onnx__ModelProto *model, Onnx__GraphProto *g)
{
	struct ir_module *m = e->m;
	e->opset = 17;
	for (int o = 0; o < m->nops; o++) {
		if (m->ops[o].dead)
			continue;
		if (needs_new_opset(m, &m->ops[o]))
			e->opset = 21;
		if (m->ops[o].code == IR_OP_Trunc && m->ops[o].noperands == 6)
			e->trunc_v2 = true;
	}
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && emit_op(e, o) < 0)
			return -1;
	for (int v = 0; v < m->nvalues; v++) {
		const struct ir_value *val = &m->values[v];
		if (val->kind != IR_VALUE_CONST)
			continue;
		add_init(e, make_tensor(e, val->name, &val->type, val->data));
	}
	g->name = "qonnxc";
	g->n_node = e->nnodes;
	g->node = e->nodes;
	g->n_initializer = e->ninits;
	g->initializer = e->inits;
	g->n_input = (size_t)m->ninputs;
	g->input = arena_alloc(&e->a, (size_t)m->ninputs * sizeof *g->input + 1);
	for (int i = 0; i < m->ninputs; i++)
		g->input[i] = value_info(e, m->inputs[i]);
	g->n_output = (size_t)m->noutputs;
	g->output = arena_alloc(&e->a, (size_t)m->noutputs * sizeof *g->output + 1);
	for (int i = 0; i < m->noutputs; i++)
		g->output[i] = value_info(e, m->outputs[i]);
	g->value_info = arena_alloc(&e->a, (size_t)m->nvalues * sizeof *g->value_info + 1);
	for (int v = 0; v < m->nvalues; v++)
		if (m->values[v].kind == IR_VALUE_RESULT && m->values[v].def != IR_NONE &&
		    !m->ops[m->values[v].def].dead)
			g->value_info[g->n_value_info++] = value_info(e, v);
	model->has_ir_version = 1;
	model->ir_version = e->opset == 17 ? 8 : 10;
	model->producer_name = "qonnxc";
	model->producer_version = QONNXC_VERSION;
	model->graph = g;
	model->n_opset_import = 3;
	model->opset_import = arena_alloc(&e->a, 3 * sizeof *model->opset_import);
	model->opset_import[0] = opset_id(e, "", e->opset);
	model->opset_import[1] = opset_id(e, DOMAIN_QONNX, e->trunc_v2 ? 2 : 1);
	model->opset_import[2] = opset_id(e, DOMAIN_CHANNELS_LAST, 1);
	return 0;
}

int emit_onnx_expand_quant(struct ir_module *m); /* emit_onnx_expand.c */

int emit_onnx(struct ir_module *m, bool expand_quant, uint8_t **data, size_t *len)
{
	struct emitter e = {.m = m};
	Onnx__ModelProto model;
	Onnx__GraphProto graph;
	int rc = -1;
	*data = NULL;
	*len = 0;
	onnx__model_proto__init(&model);
	onnx__graph_proto__init(&graph);
	if (check_types(m) < 0 || (expand_quant && emit_onnx_expand_quant(m) < 0))
		goto done;
	if (build(&e, &model, &graph) < 0)
		goto done;
	*len = onnx__model_proto__get_packed_size(&model);
	*data = malloc(*len + 1);
	if (!*data)
		abort();
	onnx__model_proto__pack(&model, *data);
	rc = 0;
done:
	free(e.nodes);
	free(e.inits);
	arena_free(&e.a);
	return rc;
}

int driver_emit_onnx(const struct cli_options *opt)
{
	struct cli_options o = *opt;
	char err[512];
	struct outfile out;
	if (!o.passes)
		o.passes = "cleanup,channels-last"; /* the float-level passes */
	struct ir_module *m = driver_load(&o);
	if (!m)
		return EXIT_BAD_MODEL;
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = EXIT_OK;
	if (emit_onnx(m, opt->expand_quant, &data, &len) < 0) {
		driver_error(opt->model, "%s", m->error);
		rc = EXIT_BAD_MODEL;
	} else if (outfile_open(&out, opt->output, err, sizeof err) < 0) {
		driver_error(NULL, "%s", err);
		rc = EXIT_USAGE;
	} else {
		fwrite(data, 1, len, out.f);
		if (outfile_commit(&out, err, sizeof err) < 0) {
			driver_error(NULL, "%s", err);
			rc = EXIT_USAGE;
		}
	}
	free(data);
	ir_module_free(m);
	return rc;
}
