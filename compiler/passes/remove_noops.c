/* remove_noops.c: removing ops that return their operand unchanged, a
 * cleanup rule (see cleanup.h).
 *
 * No-ops (the result has exactly the operand's type, element type included):
 *   Identity; Dropout in inference mode whose mask is unused; Reshape,
 *   Flatten, Squeeze, Unsqueeze, Expand, Tile to the operand's own shape;
 *   Concat of one operand; Transpose by the identity permutation; Clip without
 *   bounds; Cast to the operand's type; Mul by a constant 1 and Div by 1; Add
 *   of a constant 0 and Sub of 0. The arithmetic ones count only when
 *   broadcasting leaves the operand's shape as it is: x + zeros[4] with x of
 *   shape [1] is a broadcast, not a no-op. (x + 0 turns -0.0 into +0.0, which
 *   compares equal; every other case is exact.)
 *
 * Uses of the result then use the operand. When the result is a graph output
 * its name must survive: if the operand is an op result that is not itself a
 * graph output, the operand's defining op takes over the result's name
 * (ir_redefine); otherwise (the operand is a graph input or another graph
 * output) the op stays, and a constant operand is left to constant folding,
 * which turns the result itself into a constant of that name.
 */
#include "cleanup.h"

static bool identity_perm(const struct ir_op *op, int rank)
{
	int n;
	const int64_t *perm = ir_attr_ints(op, "perm", &n);
	if (!perm)
		return rank <= 1; /* the default reverses the dims */
	for (int i = 0; i < n; i++)
		if (perm[i] != i)
			return false;
	return true;
}

/* Dropout is a no-op in inference mode (training_mode absent or a constant
 * false) when its mask result is not needed. */
static bool inference_dropout(struct ir_module *m, const struct ir_op *op)
{
	int training = op->noperands > 2 ? op->operands[2] : IR_NONE;
	if (training != IR_NONE && !cl_const_all(m, training, 0))
		return false;
	if (op->nresults < 2)
		return true;
	int mask = op->results[1];
	return m->values[mask].nuses == 0 && !cl_is_output(m, mask);
}

/* The operand op passes through unchanged, or IR_NONE. */
static int passed_through(struct ir_module *m, const struct ir_op *op)
{
	int x = op->operands[0], y = op->noperands > 1 ? op->operands[1] : IR_NONE;
	switch (op->code) {
	case IR_OP_Identity:
	case IR_OP_Reshape:
	case IR_OP_Flatten:
	case IR_OP_Squeeze:
	case IR_OP_Unsqueeze:
	case IR_OP_Expand:
	case IR_OP_Tile:
	case IR_OP_Cast:
		return x;
	case IR_OP_Concat: return op->noperands == 1 ? x : IR_NONE;
	case IR_OP_Dropout: return inference_dropout(m, op) ? x : IR_NONE;
	case IR_OP_Transpose: return identity_perm(op, m->values[x].type.rank) ? x : IR_NONE;
	case IR_OP_Clip:
		return (op->noperands < 2 || op->operands[1] == IR_NONE) &&
		       (op->noperands < 3 || op->operands[2] == IR_NONE) ? x : IR_NONE;
	case IR_OP_Mul:
		if (cl_const_all(m, y, 1))
			return x;
		return cl_const_all(m, x, 1) ? y : IR_NONE;
	case IR_OP_Add:
		if (cl_const_all(m, y, 0))
			return x;
		return cl_const_all(m, x, 0) ? y : IR_NONE;
	case IR_OP_Div: return cl_const_all(m, y, 1) ? x : IR_NONE;
	case IR_OP_Sub: return cl_const_all(m, y, 0) ? x : IR_NONE;
	default: return IR_NONE;
	}
}

/* Replaces result y of no-op o by its operand x; 1 when done, 0 when the op
 * has to stay for the graph output's name. */
static int bypass(struct ir_module *m, int o, int x, int y)
{
	if (!cl_is_output(m, y)) {
		m->ops[o].dead = true;
		ir_replace_all_uses(m, y, x);
		return 1;
	}
	const struct ir_value *xv = &m->values[x];
	if (xv->kind != IR_VALUE_RESULT || cl_is_output(m, x))
		return 0;
	int def = xv->def, k = xv->def_result;
	m->ops[o].dead = true;
	ir_replace_all_uses(m, x, y);
	ir_redefine(m, y, def, k);
	ir_rebuild_uses(m);
	return 1;
}

int cleanup_remove_noops(struct ir_module *m)
{
	int removed = 0;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		int x = passed_through(m, op), y = op->results[0];
		if (x == IR_NONE || !ir_type_equal(&m->values[x].type, &m->values[y].type))
			continue;
		removed += bypass(m, o, x, y);
	}
	return removed;
}
