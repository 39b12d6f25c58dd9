/* edit.c: local edits for passes that rewrite the graph (see ir.h, section
 * "edits for passes").
 *
 * A rewrite builds replacement ops with ir_add_op (appended at the end of
 * m->ops, so the pass restores program order with ir_toposort), then hands the
 * surviving value to its new definition with ir_redefine or ir_make_const, so
 * that a value keeps its ONNX name and every use. What is left over (dead ops,
 * results nobody defines any more, constants nobody uses) is dropped at once by
 * ir_prune, which renumbers values the way ir_compact renumbers ops.
 */
#include "ir.h"
#include "names.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int ir_make_const(struct ir_module *m, int v, const void *data)
{
	struct ir_value *val = &m->values[v];
	assert(val->kind == IR_VALUE_RESULT);
	size_t bytes = ir_storage_size(val->type.elem);
	for (int d = 0; d < val->type.rank; d++)
		if (val->type.dims[d] < 0 || !size_mul(bytes, (size_t)val->type.dims[d], &bytes) ||
		    bytes > m->max_bytes)
			return ir_error(m, "constant '%s' would exceed the %llu-byte limit", val->name,
					(unsigned long long)m->max_bytes);
	val->data = arena_memdup(&m->arena, data, bytes ? bytes : 1);
	val->kind = IR_VALUE_CONST;
	val->def = IR_NONE;
	val->def_result = 0;
	val->folded = NULL;
	return 0;
}

void ir_redefine(struct ir_module *m, int v, int o, int k)
{
	struct ir_op *op = &m->ops[o];
	assert(k >= 0 && k < op->nresults);
	int old = op->results[k];
	struct ir_value *val = &m->values[v];
	assert(ir_type_equal(&val->type, &m->values[old].type));
	m->values[old].def = IR_NONE;
	m->values[old].folded = NULL;
	val->kind = IR_VALUE_RESULT;
	val->data = NULL;
	val->def = o;
	val->def_result = k;
	val->folded = NULL;
	op->results[k] = v;
}

/* Values to keep: graph inputs, results of live ops, and constants that a
 * live op or a graph output refers to. Requires current use lists. */
static bool value_kept(struct ir_module *m, int v, const bool *is_output)
{
	const struct ir_value *val = &m->values[v];
	switch (val->kind) {
	case IR_VALUE_INPUT: return true;
	case IR_VALUE_CONST: return val->nuses > 0 || is_output[v];
	case IR_VALUE_RESULT:
		return val->def != IR_NONE && !m->ops[val->def].dead &&
		       m->ops[val->def].results[val->def_result] == v;
	}
	return true;
}

static int remap(const int *new_of, int v)
{
	if (v == IR_NONE)
		return IR_NONE;
	assert(new_of[v] != IR_NONE && "a dropped value is still referred to");
	return new_of[v];
}

void ir_prune(struct ir_module *m)
{
	ir_compact(m);
	int n = m->nvalues;
	int *new_of = malloc(((size_t)n + 1) * sizeof *new_of);
	bool *is_output = calloc((size_t)n + 1, sizeof *is_output);
	if (!new_of || !is_output)
		abort();
	for (int i = 0; i < m->noutputs; i++)
		is_output[m->outputs[i]] = true;
	int kept = 0;
	for (int v = 0; v < n; v++) {
		if (!value_kept(m, v, is_output)) {
			new_of[v] = IR_NONE;
			continue;
		}
		new_of[v] = kept;
		m->values[kept++] = m->values[v];
	}
	m->nvalues = kept;
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		for (int k = 0; k < op->noperands; k++)
			op->operands[k] = remap(new_of, op->operands[k]);
		for (int k = 0; k < op->nresults; k++)
			op->results[k] = remap(new_of, op->results[k]);
	}
	for (int i = 0; i < m->ninputs; i++)
		m->inputs[i] = remap(new_of, m->inputs[i]);
	for (int i = 0; i < m->noutputs; i++)
		m->outputs[i] = remap(new_of, m->outputs[i]);
	ir_names_clear(m->value_names);
	for (int v = 0; v < m->nvalues; v++)
		ir_names_add(m->value_names, m->values[v].name, v);
	free(new_of);
	free(is_output);
	ir_rebuild_uses(m);
}

/* ---- restoring program order ------------------------------------------- */

/* The live op defining operand k of op, or IR_NONE. */
static int operand_def(struct ir_module *m, const struct ir_op *op, int k)
{
	int v = op->operands[k];
	if (v == IR_NONE || m->values[v].kind != IR_VALUE_RESULT)
		return IR_NONE;
	return m->values[v].def;
}

/* Depth-first: places op start after everything it needs; -1 on a cycle. */
static int place(struct ir_module *m, int start, char *state, int *cursor, int *stack,
		 int *order, int *norder)
{
	enum { NEW, OPEN, PLACED };
	int depth = 0;
	stack[depth++] = start;
	while (depth > 0) {
		int o = stack[depth - 1];
		if (state[o] == PLACED) {
			depth--;
			continue;
		}
		state[o] = OPEN;
		const struct ir_op *op = &m->ops[o];
		int next = IR_NONE;
		while (cursor[o] < op->noperands && next == IR_NONE) {
			int d = operand_def(m, op, cursor[o]++);
			if (d != IR_NONE && state[d] == OPEN)
				return ir_op_error(m, op, "the graph has a cycle through this node");
			if (d != IR_NONE && state[d] == NEW)
				next = d;
		}
		if (next != IR_NONE) {
			stack[depth++] = next;
			continue;
		}
		state[o] = PLACED;
		order[(*norder)++] = o;
		depth--;
	}
	return 0;
}

int ir_toposort(struct ir_module *m)
{
	ir_compact(m);
	int n = m->nops, norder = 0, rc = -1;
	char *state = calloc((size_t)n + 1, 1);
	int *cursor = calloc((size_t)n + 1, sizeof *cursor);
	int *stack = malloc(((size_t)n + 1) * sizeof *stack);
	int *order = malloc(((size_t)n + 1) * sizeof *order);
	struct ir_op *sorted = malloc(((size_t)n + 1) * sizeof *sorted);
	if (!state || !cursor || !stack || !order || !sorted)
		abort();
	for (int o = 0; o < n; o++)
		if (place(m, o, state, cursor, stack, order, &norder) < 0)
			goto done;
	for (int i = 0; i < n; i++) {
		sorted[i] = m->ops[order[i]];
		cursor[order[i]] = i; /* reused: new index of each old op */
	}
	if (n) /* m->ops is NULL in a module without ops */
		memcpy(m->ops, sorted, (size_t)n * sizeof *sorted);
	ir_renumber_ops(m, cursor);
	rc = 0;
done:
	free(state);
	free(cursor);
	free(stack);
	free(order);
	free(sorted);
	return rc;
}
