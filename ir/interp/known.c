/* known.c: ir_known_data, the compile-time value of a tensor (see ir.h).
 *
 * A constant's value is its data. An op result is known when every operand of
 * its defining op is (Shape needs only its operand's type); it is then
 * computed with the interpreter's kernel, stored in the module's arena and
 * cached in value->folded for every result of the op. Graph inputs and
 * results of dead ops are never known.
 *
 * The walk over the operands is iterative with an explicit stack, so a long
 * chain of ops cannot overflow the C stack; a value depending on itself (a
 * cycle, only possible before ir_toposort has checked the graph) stops it
 * once the stack is deeper than the number of values. Requires the result
 * types of the ops evaluated to be inferred already.
 */
#include "interp.h"

#include <stdlib.h>

enum { OPERANDS_KNOWN = -1, NEVER_KNOWN = -2 };

static bool is_known(const struct ir_value *val)
{
	return (val->kind == IR_VALUE_CONST && val->data) ||
	       (val->kind == IR_VALUE_RESULT && val->folded);
}

/* The first operand of op still to be computed, OPERANDS_KNOWN when there is
 * none, or NEVER_KNOWN when one can never be (a graph input, a dead op). */
static int pending_operand(struct ir_module *m, const struct ir_op *op)
{
	if (op->code == IR_OP_Shape)
		return OPERANDS_KNOWN;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || is_known(&m->values[v]))
			continue;
		const struct ir_value *val = &m->values[v];
		if (val->kind != IR_VALUE_RESULT || val->def == IR_NONE || m->ops[val->def].dead)
			return NEVER_KNOWN;
		return v;
	}
	return OPERANDS_KNOWN;
}

/* Runs op on its known operands and caches its results; 0 or -1. */
static int fold_op(struct ir_module *m, const struct ir_op *op)
{
	int r = -1;
	struct ir_tensor *in = calloc((size_t)op->noperands + 1, sizeof *in);
	const struct ir_tensor **inp = calloc((size_t)op->noperands + 1, sizeof *inp);
	struct ir_tensor *out = calloc((size_t)op->nresults + 1, sizeof *out);
	if (!in || !inp || !out) {
		ir_op_error(m, op, "out of memory");
		goto fail;
	}
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE)
			continue;
		const struct ir_value *val = &m->values[v];
		in[k].type = val->type;
		in[k].data = val->kind == IR_VALUE_CONST ? val->data : val->folded; /* NULL for Shape's */
		inp[k] = &in[k];
	}
	if (interp_eval_op(m, op, inp, out, &m->arena) < 0)
		goto fail;
	for (int k = 0; k < op->nresults; k++)
		m->values[op->results[k]].folded = out[k].data;
	r = 0;
fail:
	free(in);
	free(inp);
	free(out);
	return r;
}

const void *ir_known_data(struct ir_module *m, int v)
{
	if (v < 0 || v >= m->nvalues)
		return NULL;
	struct ir_value *val = &m->values[v];
	if (val->kind == IR_VALUE_CONST)
		return val->data;
	if (val->kind != IR_VALUE_RESULT || val->folded)
		return val->folded;
	if (val->def == IR_NONE || m->ops[val->def].dead)
		return NULL;

	int *stack = malloc(((size_t)m->nvalues + 1) * sizeof *stack), depth = 0;
	const void *result = NULL;
	if (!stack)
		return NULL;
	stack[depth++] = v;
	while (depth > 0) {
		const struct ir_value *top = &m->values[stack[depth - 1]];
		if (is_known(top)) {
			depth--;
			continue;
		}
		const struct ir_op *op = &m->ops[top->def];
		int next = pending_operand(m, op);
		if (next == NEVER_KNOWN || depth >= m->nvalues)
			goto done;
		if (next != OPERANDS_KNOWN) {
			stack[depth++] = next;
			continue;
		}
		if (fold_op(m, op) < 0)
			goto done;
		depth--;
	}
	result = val->folded;
done:
	free(stack);
	return result;
}
