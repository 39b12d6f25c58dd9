/* nodes.c: which ONNX operators qonnxc imports, and how a node becomes ops.
 *
 * The rule table maps (domain, op type) to an IR opcode and a handler. A
 * default-domain operator without a row is looked up by name in ir/ops.def and
 * imported as is (onnx_import_plain). The legacy_below column is the opset at
 * which the operator reached the form ops.def calls canonical; a node of an
 * older opset gets n->legacy and its handler rewrites it (legacy.c). QONNX
 * operators live in three equivalent domains (../shared/QONNX.md); the
 * channels-last domain holds NHWC variants of three standard operators.
 *
 * Nodes are imported in topological order; each op is given its result types
 * (ir_infer_op) before the next node is looked at, so handlers can read
 * operand types. Unsupported operators are all reported at once, before any
 * op is built.
 */
#include "internal.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rule {
	enum onnx_domain domain;
	const char *op_type;
	enum ir_opcode code;   /* IR_OP_COUNT: no op of its own (Constant) */
	int legacy_below;      /* opsets below this one need a rewrite; 0: never */
	onnx_import_fn import;
};

#define STD ONNX_DOMAIN_ONNX
#define QONNX ONNX_DOMAIN_QONNX
#define NHWC ONNX_DOMAIN_CHANNELS_LAST

static const struct rule rules[] = {
	/* numpy-style broadcasting since opset 7; before, broadcast=1 and axis */
	{STD, "Add", IR_OP_Add, 7, onnx_import_binary},
	{STD, "Sub", IR_OP_Sub, 7, onnx_import_binary},
	{STD, "Mul", IR_OP_Mul, 7, onnx_import_binary},
	{STD, "Div", IR_OP_Div, 7, onnx_import_binary},
	{STD, "Pow", IR_OP_Pow, 7, onnx_import_binary},
	{STD, "And", IR_OP_And, 7, onnx_import_binary},
	{STD, "Or", IR_OP_Or, 7, onnx_import_binary},
	{STD, "Equal", IR_OP_Equal, 7, onnx_import_binary},
	{STD, "Greater", IR_OP_Greater, 7, onnx_import_binary},
	{STD, "Less", IR_OP_Less, 7, onnx_import_binary},
	{STD, "PRelu", IR_OP_PRelu, 7, onnx_import_prelu},
	/* attributes that became inputs */
	{STD, "Clip", IR_OP_Clip, 11, onnx_import_clip},
	{STD, "Squeeze", IR_OP_Squeeze, 13, onnx_import_axes_attr},
	{STD, "Unsqueeze", IR_OP_Unsqueeze, 13, onnx_import_axes_attr},
	{STD, "ReduceSum", IR_OP_ReduceSum, 13, onnx_import_axes_attr},
	{STD, "ReduceMean", IR_OP_ReduceMean, 18, onnx_import_axes_attr},
	{STD, "ReduceMax", IR_OP_ReduceMax, 18, onnx_import_axes_attr},
	{STD, "ReduceMin", IR_OP_ReduceMin, 18, onnx_import_axes_attr},
	{STD, "Split", IR_OP_Split, 13, onnx_import_split},
	{STD, "Slice", IR_OP_Slice, 10, onnx_import_slice},
	{STD, "Pad", IR_OP_Pad, 11, onnx_import_pad},
	/* changed semantics or dropped attributes */
	{STD, "Softmax", IR_OP_Softmax, 13, onnx_import_softmax},
	{STD, "LogSoftmax", IR_OP_LogSoftmax, 13, onnx_import_softmax},
	{STD, "Gemm", IR_OP_Gemm, 7, onnx_import_gemm},
	{STD, "BatchNormalization", IR_OP_BatchNormalization, 9, onnx_import_batchnorm},
	{STD, "Dropout", IR_OP_Dropout, 12, onnx_import_dropout},
	{STD, "Upsample", IR_OP_Resize, 0, onnx_import_upsample},
	{STD, "Resize", IR_OP_Resize, 11, onnx_import_resize},
	{STD, "Constant", IR_OP_COUNT, 0, onnx_import_constant},
	/* QONNX */
	{QONNX, "Quant", IR_OP_IntQuant, 0, onnx_import_quant},
	{QONNX, "IntQuant", IR_OP_IntQuant, 0, onnx_import_quant},
	{QONNX, "Trunc", IR_OP_Trunc, 0, onnx_import_quant},
	{QONNX, "BipolarQuant", IR_OP_BipolarQuant, 0, onnx_import_plain},
	{NHWC, "Conv", IR_OP_Conv, 0, onnx_import_channels_last},
	{NHWC, "MaxPool", IR_OP_MaxPool, 0, onnx_import_channels_last},
	{NHWC, "BatchNormalization", IR_OP_BatchNormalization, 0, onnx_import_channels_last},
};

static const char *const qonnx_domains[] = {
	"qonnx.custom_op.general",
	"finn.custom_op.general",
	"onnx.brevitas",
};

enum onnx_domain onnx_domain_of(const char *domain)
{
	domain = onnx_str(domain);
	if (!*domain || !strcmp(domain, "ai.onnx"))
		return ONNX_DOMAIN_ONNX;
	for (size_t i = 0; i < sizeof qonnx_domains / sizeof qonnx_domains[0]; i++)
		if (!strcmp(domain, qonnx_domains[i]))
			return ONNX_DOMAIN_QONNX;
	if (!strcmp(domain, "qonnx.custom_op.channels_last"))
		return ONNX_DOMAIN_CHANNELS_LAST;
	return ONNX_DOMAIN_OTHER;
}

/* The opset a node of this domain belongs to: the default domain's from the
 * model, a custom domain's from opset_import or 1 (exporters often omit it). */
int onnx_domain_opset(struct onnx_ctx *c, const char *domain)
{
	if (onnx_domain_of(domain) == ONNX_DOMAIN_ONNX)
		return c->opset;
	for (size_t i = 0; i < c->model->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = c->model->opset_import[i];
		if (!strcmp(onnx_str(o->domain), onnx_str(domain)) && o->has_version)
			return (int)o->version;
	}
	return 1;
}

/* The rule for a node, or a plain one from ops.def written into *tmp; NULL
 * when unsupported. */
static const struct rule *find_rule(const Onnx__NodeProto *node, struct rule *tmp)
{
	enum onnx_domain d = onnx_domain_of(node->domain);
	const char *type = onnx_str(node->op_type);
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (rules[i].domain == d && !strcmp(rules[i].op_type, type))
			return &rules[i];
	if (d != ONNX_DOMAIN_ONNX)
		return NULL;
	for (int code = 0; code < IR_OP_COUNT; code++) {
		if ((ir_opinfo[code].flags & (OPF_QONNX | OPF_INTERNAL)) || strcmp(ir_opinfo[code].name, type))
			continue;
		*tmp = (struct rule){STD, ir_opinfo[code].name, (enum ir_opcode)code, 0, onnx_import_plain};
		return tmp;
	}
	return NULL;
}

/* The list stays short enough for one line of the module's error buffer. */
enum { MAX_LISTED = 8, MAX_LIST_CHARS = 300 };

int onnx_check_supported(struct onnx_ctx *c)
{
	char list[MAX_LIST_CHARS + 200] = "";
	size_t len = 0;
	int listed = 0, count = 0;
	struct rule tmp;
	for (size_t i = 0; i < c->graph->n_node; i++) {
		const Onnx__NodeProto *node = c->graph->node[i];
		if (find_rule(node, &tmp))
			continue;
		count++;
		if (listed == MAX_LISTED || len > MAX_LIST_CHARS)
			continue;
		const char *domain = onnx_str(node->domain);
		bool std = onnx_domain_of(domain) == ONNX_DOMAIN_ONNX;
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%.40s%s%.40s%s in node '%.60s'",
					len ? ", " : "", onnx_str(node->op_type), std ? "" : " (",
					std ? "" : domain, std ? "" : ")", c->node_names[i]);
		listed++;
	}
	if (count == 0)
		return 0;
	if (count > listed)
		return ir_error(c->m, "unsupported operators: %s and %d more", list, count - listed);
	return ir_error(c->m, "unsupported operators: %s", list);
}

/* ---- building ops --------------------------------------------------------- */

void onnx_skip_attr(struct onnx_node *n, const char *name)
{
	assert(n->nskip < ONNX_MAX_SKIP);
	n->skip[n->nskip++] = name;
}

void onnx_set_operand(struct onnx_node *n, int pos, int v)
{
	assert(pos < n->cap_operands);
	while (n->noperands <= pos)
		n->operands[n->noperands++] = IR_NONE;
	n->operands[pos] = v;
}

/* Node outputs without trailing empty names (absent optional outputs). */
static int output_count(const Onnx__NodeProto *node)
{
	int k = (int)node->n_output;
	while (k > 0 && !*onnx_str(node->output[k - 1]))
		k--;
	return k;
}

static const char **output_names(struct onnx_ctx *c, const Onnx__NodeProto *node, int count)
{
	const char **names = arena_alloc(&c->m->arena, (size_t)count * sizeof *names + 1);
	for (int k = 0; k < count; k++)
		names[k] = *onnx_str(node->output[k]) ? node->output[k] : NULL;
	return names;
}

int onnx_op(struct onnx_ctx *c, struct onnx_node *n, enum ir_opcode code, const char *suffix,
	    int noperands, const int *operands, bool node_outputs)
{
	const Onnx__NodeProto *node = n->proto;
	while (noperands > 0 && operands[noperands - 1] == IR_NONE)
		noperands--;
	int nresults = node_outputs ? output_count(node) : 1;
	const char **names = node_outputs ? output_names(c, node, nresults) : NULL;
	const char *name = suffix ? arena_printf(&c->m->arena, "%s/%s", n->name, suffix) : n->name;
	int o = ir_add_op(c->m, code, name, noperands, operands, nresults, names);
	struct ir_op *op = ir_op_at(c->m, o);
	op->opset = n->opset;
	if (suffix)
		return o; /* made by qonnxc: no ONNX type, no attributes */
	op->onnx_type = arena_strdup(&c->m->arena, onnx_str(node->op_type));
	op->layout = n->layout;
	onnx_skip_attr(n, "consumed_inputs"); /* opset-1 memory hint, meaningless here */
	if (onnx_copy_attrs(c, n, o) < 0)
		return -1;
	return o;
}

int onnx_infer(struct onnx_ctx *c, int o)
{
	return ir_infer_op(c->m, ir_op_at(c->m, o));
}

int onnx_result(struct onnx_ctx *c, int o)
{
	return ir_op_at(c->m, o)->results[0];
}

void onnx_bind(struct onnx_ctx *c, struct onnx_node *n, int o)
{
	const struct ir_op *op = ir_op_at(c->m, o);
	for (int k = 0; k < op->nresults && k < (int)n->proto->n_output; k++)
		onnx_bind_value(c, n->proto->output[k], op->results[k]);
}

void onnx_bind_value(struct onnx_ctx *c, const char *name, int v)
{
	if (name && *name)
		c->syms[onnx_sym_find(c, name)].value = v;
}

int onnx_emit(struct onnx_ctx *c, struct onnx_node *n)
{
	int o = onnx_op(c, n, n->code, NULL, n->noperands, n->operands, true);
	if (o < 0 || onnx_infer(c, o) < 0)
		return -1;
	onnx_bind(c, n, o);
	return 0;
}

int onnx_extra_op(struct onnx_ctx *c, struct onnx_node *n, enum ir_opcode code, const char *suffix,
		int noperands, const int *operands, const char *attr, int64_t value)
{
	int o = onnx_op(c, n, code, suffix, noperands, operands, false);
	if (attr)
		ir_set_attr_int(c->m, o, attr, value);
	return onnx_infer(c, o) < 0 ? -1 : onnx_result(c, o);
}

/* ---- constants made by the importer -------------------------------------- */

static const char *const_name(struct onnx_ctx *c, struct onnx_node *n, const char *suffix)
{
	return arena_printf(&c->m->arena, "%s/%s", n->name, suffix);
}

int onnx_const_i64(struct onnx_ctx *c, struct onnx_node *n, const char *suffix, int count,
		   const int64_t *v)
{
	int64_t dims[1] = {count};
	struct ir_type t = ir_type_int(64, true, 1, dims);
	return ir_add_const(c->m, const_name(c, n, suffix), &t, v);
}

int onnx_const_f32(struct onnx_ctx *c, struct onnx_node *n, const char *suffix, int count,
		   const double *v)
{
	int64_t dims[1] = {count};
	struct ir_type t = ir_type_f32(1, dims);
	int k = ir_add_const(c->m, const_name(c, n, suffix), &t, NULL);
	if (k < 0)
		return -1;
	float *data = ir_val(c->m, k)->data;
	for (int i = 0; i < count; i++)
		data[i] = (float)v[i];
	return k;
}

/* x as an element of integer type t: truncated toward zero and saturated to
 * t's range, NaN giving 0, so that a bound beyond the range (a Clip-6 min of
 * -inf on an integer tensor) means no bound rather than a wrapped one. */
static int64_t saturate_int(const struct ir_type *t, double x)
{
	if (isnan(x))
		return 0;
	x = trunc(x);
	if (!t->is_signed && t->bits == 64) /* storage form: the 64 bits */
		return x <= 0 ? 0 : x >= 18446744073709551616.0 ? -1 : (int64_t)(uint64_t)x;
	double lo = t->is_signed ? -ldexp(1.0, t->bits - 1) : 0.0;
	double hi = ldexp(1.0, t->is_signed ? t->bits - 1 : t->bits) - 1; /* 2^63 when bits is 64 */
	if (x <= lo)
		return (int64_t)lo;
	if (x >= hi)
		return t->bits == 64 ? INT64_MAX : (int64_t)hi;
	return (int64_t)x;
}

int onnx_const_scalar_like(struct onnx_ctx *c, struct onnx_node *n, const char *suffix, int like,
			   double x)
{
	struct ir_type t = ir_type_with_dims(ir_val(c->m, like)->type, 0, NULL);
	int k = ir_add_const(c->m, const_name(c, n, suffix), &t, NULL);
	if (k < 0)
		return -1;
	void *data = ir_val(c->m, k)->data;
	switch (t.elem) {
	case IR_ELEM_F32: *(float *)data = (float)x; break;
	case IR_ELEM_F64: *(double *)data = x; break;
	case IR_ELEM_BOOL: *(int64_t *)data = x != 0; break;
	case IR_ELEM_INT: *(int64_t *)data = saturate_int(&t, x); break;
	}
	return k;
}

/* ---- the node loop ---------------------------------------------------------- */

enum { EXTRA_OPERANDS = 6 }; /* room for attributes that become operands */

static int import_node(struct onnx_ctx *c, int i)
{
	const Onnx__NodeProto *node = c->graph->node[i];
	struct rule tmp;
	const struct rule *rule = find_rule(node, &tmp);
	assert(rule && "onnx_check_supported ran first");
	struct onnx_node n = {
		.proto = node,
		.index = i,
		.name = c->node_names[i],
		.opset = onnx_domain_opset(c, node->domain),
		.code = rule->code,
		.layout = IR_LAYOUT_NONE,
		.cap_operands = (int)node->n_input + EXTRA_OPERANDS,
	};
	n.legacy = n.opset < rule->legacy_below;
	n.operands = arena_alloc(&c->m->arena, (size_t)n.cap_operands * sizeof *n.operands);
	for (size_t k = 0; k < node->n_input; k++) {
		const char *name = onnx_str(node->input[k]);
		int v = IR_NONE;
		if (*name) {
			v = c->syms[onnx_sym_find(c, name)].value;
			assert(v >= 0 && "nodes are imported in topological order");
		}
		n.operands[n.noperands++] = v;
	}
	return rule->import(c, &n);
}

int onnx_import_nodes(struct onnx_ctx *c)
{
	for (size_t k = 0; k < c->graph->n_node; k++)
		if (import_node(c, c->order[k]) < 0)
			return -1;
	return 0;
}
