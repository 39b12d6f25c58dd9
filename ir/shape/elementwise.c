/* elementwise.c: shapes of the element-wise ops (OPF_ELEMENTWISE), Clip,
 * Identity and Dropout.
 *
 * The result shape is the multidirectional broadcast of all present operands.
 * The element types follow one of a few rules, chosen per op by the table
 * below (ONNX opset 21 type constraints, restricted to the IR's types):
 *   arith    operands share one numeric type; result has it (Add, Relu, ...)
 *   order    operands share one numeric type; result bool (Greater, Less, ...)
 *   equal    operands share one type, bool allowed; result bool (Equal)
 *   logical  operands bool; result bool (And, Or, Not)
 *   pow      base and exponent numeric, may differ; result is the base's
 *   where    condition bool, x and y share a type; result is x's
 * OPF_FLOAT ops are further restricted to f32/f64 by shape_begin. PRelu is
 * the exception to multidirectional broadcasting: its slope broadcasts to x.
 */
#include "common.h"

#include <inttypes.h>

enum elem_rule { RULE_ARITH, RULE_ORDER, RULE_EQUAL, RULE_LOGICAL, RULE_POW, RULE_WHERE };

static const enum elem_rule elem_rules[IR_OP_COUNT] = {
	[IR_OP_Greater] = RULE_ORDER,
	[IR_OP_GreaterOrEqual] = RULE_ORDER,
	[IR_OP_Less] = RULE_ORDER,
	[IR_OP_LessOrEqual] = RULE_ORDER,
	[IR_OP_Equal] = RULE_EQUAL,
	[IR_OP_And] = RULE_LOGICAL,
	[IR_OP_Or] = RULE_LOGICAL,
	[IR_OP_Not] = RULE_LOGICAL,
	[IR_OP_Pow] = RULE_POW,
	[IR_OP_Where] = RULE_WHERE,
	/* every other element-wise op: RULE_ARITH (0) */
};

static int need_bool(struct ir_module *m, const struct ir_op *op, int k)
{
	const struct ir_type *t = ir_operand_type(m, op, k);
	if (t->elem == IR_ELEM_BOOL)
		return 0;
	char buf[16];
	return ir_op_error(m, op, "input %d must be bool, got %s", k, ir_elem_str(t, buf, sizeof buf));
}

static int need_numeric(struct ir_module *m, const struct ir_op *op, int k)
{
	if (shape_is_numeric(ir_operand_type(m, op, k)))
		return 0;
	return ir_op_error(m, op, "input %d must be numeric, got bool", k);
}

static int all_numeric_same(struct ir_module *m, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++)
		if (need_numeric(m, op, k) < 0 || shape_same_elem(m, op, 0, k) < 0)
			return -1;
	return 0;
}

/* Checks the operand element types for rule; the result's element type in *out. */
static int elem_types(struct ir_module *m, const struct ir_op *op, enum elem_rule rule,
		      struct ir_type *out)
{
	int err = 0;
	switch (rule) {
	case RULE_ARITH:
	case RULE_ORDER:
		err = all_numeric_same(m, op);
		break;
	case RULE_EQUAL:
		for (int k = 1; k < op->noperands && !err; k++)
			err = shape_same_elem(m, op, 0, k);
		break;
	case RULE_LOGICAL:
		for (int k = 0; k < op->noperands && !err; k++)
			err = need_bool(m, op, k);
		break;
	case RULE_POW:
		err = need_numeric(m, op, 0) < 0 || need_numeric(m, op, 1) < 0 ? -1 : 0;
		break;
	case RULE_WHERE:
		err = need_bool(m, op, 0) < 0 || shape_same_elem(m, op, 1, 2) < 0 ? -1 : 0;
		break;
	}
	if (err)
		return -1;
	*out = *ir_operand_type(m, op, rule == RULE_WHERE ? 1 : 0);
	if (rule == RULE_ORDER || rule == RULE_EQUAL || rule == RULE_LOGICAL)
		shape_make_bool(out);
	return 0;
}

/* Broadcast of every operand's shape, into out's dims. */
static int broadcast_all(struct ir_module *m, const struct ir_op *op, struct ir_type *out)
{
	struct ir_type shape = *ir_operand_type(m, op, 0);
	for (int k = 1; k < op->noperands; k++)
		if (shape_broadcast(m, op, &shape, ir_operand_type(m, op, k), &shape) < 0)
			return -1;
	*out = ir_type_with_dims(*out, shape.rank, shape.dims);
	return 0;
}

int shape_elementwise(struct ir_module *m, struct ir_op *op)
{
	struct ir_type out;
	for (int k = 0; k < op->noperands; k++)
		if (op->operands[k] == IR_NONE)
			return ir_op_error(m, op, "input %d is missing", k);
	if (shape_begin(m, op) < 0 || elem_types(m, op, elem_rules[op->code], &out) < 0 ||
	    broadcast_all(m, op, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* PRelu (x, slope): slope broadcasts to x unidirectionally; result is x's. */
int shape_prelu(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || shape_same_elem(m, op, 0, 1) < 0 ||
	    shape_broadcast_to(m, op, 1, "slope", ir_operand_type(m, op, 0)) < 0)
		return -1;
	return shape_set(m, op, 0, ir_operand_type(m, op, 0));
}

/* Clip: (x, min, max) with optional scalar bounds of x's type; result is x's. */
int shape_clip(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || need_numeric(m, op, 0) < 0)
		return -1;
	for (int k = 1; k < op->noperands; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (!t)
			continue;
		if (ir_type_numel(t) != 1 || t->rank > 1)
			return ir_op_error(m, op, "%s must be a scalar", k == 1 ? "min" : "max");
		if (shape_same_elem(m, op, 0, k) < 0)
			return -1;
	}
	return shape_set(m, op, 0, ir_operand_type(m, op, 0));
}

int shape_identity(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	return shape_set(m, op, 0, ir_operand_type(m, op, 0));
}

/* Dropout (data, ratio, training_mode) -> (output, mask). Only inference is
 * supported: output = data, mask all true, so training_mode must be known
 * false when given. */
int shape_dropout(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const struct ir_type *ratio = ir_operand_type(m, op, 1);
	const struct ir_type *training = ir_operand_type(m, op, 2);
	if (ratio && (ir_type_numel(ratio) != 1 || !shape_is_float(ratio)))
		return ir_op_error(m, op, "ratio must be a float scalar");
	if (training) {
		const void *data;
		if (ir_type_numel(training) != 1 || training->elem != IR_ELEM_BOOL)
			return ir_op_error(m, op, "training_mode must be a bool scalar");
		if (shape_known(m, op, 2, "training_mode", &data) < 0)
			return -1;
		if (*(const int64_t *)data)
			return ir_op_error(m, op, "training mode is not supported");
	}
	if (shape_set(m, op, 0, x) < 0)
		return -1;
	if (op->nresults < 2)
		return 0;
	struct ir_type mask = *x;
	shape_make_bool(&mask);
	return shape_set(m, op, 1, &mask);
}
