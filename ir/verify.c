/* verify.c: the IR verifier.
 *
 * Checks what every pass must preserve: SSA (each result defined by exactly
 * the op that lists it, every operand defined earlier in program order, no
 * live op using a dead op's result), operand and result counts, graph inputs
 * and outputs, use lists consistent with the operands, and every result type
 * equal to what shape inference computes from the operands. A failure is
 * reported with ir_error/ir_op_error and returns -1.
 */
#include "ir.h"

#include <stdlib.h>

static int check_value_defs(struct ir_module *m)
{
	for (int v = 0; v < m->nvalues; v++) {
		const struct ir_value *val = &m->values[v];
		if (val->kind == IR_VALUE_CONST && !val->data)
			return ir_error(m, "verifier: constant '%s' has no data", val->name);
		if (val->kind != IR_VALUE_RESULT)
			continue;
		if (val->def == IR_NONE)
			continue; /* detached by ir_compact; check_operand_order rejects uses */
		if (val->def < 0 || val->def >= m->nops)
			return ir_error(m, "verifier: value '%s' has no defining op", val->name);
		const struct ir_op *op = &m->ops[val->def];
		if (val->def_result < 0 || val->def_result >= op->nresults ||
		    op->results[val->def_result] != v)
			return ir_error(m, "verifier: value '%s' is not a result of its defining op",
					val->name);
	}
	return 0;
}

/* Every operand must be defined by an earlier live op, an input or a constant. */
static int check_operand_order(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		for (int k = 0; k < op->noperands; k++) {
			int v = op->operands[k];
			if (v == IR_NONE)
				continue;
			if (v < 0 || v >= m->nvalues)
				return ir_op_error(m, op, "verifier: operand %d is not a value", k);
			const struct ir_value *val = &m->values[v];
			if (val->kind != IR_VALUE_RESULT)
				continue;
			if (val->def == IR_NONE)
				return ir_op_error(m, op, "verifier: operand '%s' has no defining op",
						   val->name);
			if (val->def >= o)
				return ir_op_error(m, op, "verifier: operand '%s' is used before its definition",
						   val->name);
			if (m->ops[val->def].dead)
				return ir_op_error(m, op, "verifier: operand '%s' is defined by a dead op",
						   val->name);
		}
	}
	return 0;
}

static int check_graph_io(struct ir_module *m)
{
	for (int i = 0; i < m->ninputs; i++)
		if (m->inputs[i] < 0 || m->inputs[i] >= m->nvalues ||
		    m->values[m->inputs[i]].kind != IR_VALUE_INPUT)
			return ir_error(m, "verifier: graph input %d is not an input value", i);
	for (int i = 0; i < m->noutputs; i++) {
		int v = m->outputs[i];
		if (v < 0 || v >= m->nvalues)
			return ir_error(m, "verifier: graph output %d is not a value", i);
		if (m->values[v].kind == IR_VALUE_RESULT &&
		    (m->values[v].def == IR_NONE || m->ops[m->values[v].def].dead))
			return ir_error(m, "verifier: graph output '%s' is defined by a dead op",
					m->values[v].name);
	}
	return 0;
}

static int check_uses(struct ir_module *m)
{
	int total = 0;
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead)
			for (int k = 0; k < m->ops[o].noperands; k++)
				total += m->ops[o].operands[k] != IR_NONE;
	if (total != m->nuses)
		return ir_error(m, "verifier: use lists are stale (%d uses recorded, %d operands)",
				m->nuses, total);
	for (int v = 0; v < m->nvalues; v++) {
		int n;
		const struct ir_use *u = ir_uses(m, v, &n);
		for (int i = 0; i < n; i++)
			if (u[i].op < 0 || u[i].op >= m->nops ||
			    u[i].operand >= m->ops[u[i].op].noperands ||
			    m->ops[u[i].op].operands[u[i].operand] != v)
				return ir_error(m, "verifier: use list of '%s' is stale", m->values[v].name);
	}
	return 0;
}

/* Re-run shape inference on each op and compare with the recorded types. */
static int check_types(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		struct ir_type saved[16];
		int n = op->nresults < 16 ? op->nresults : 16;
		for (int k = 0; k < n; k++)
			saved[k] = m->values[op->results[k]].type;
		if (ir_infer_op(m, op) < 0)
			return -1;
		for (int k = 0; k < n; k++) {
			struct ir_type *t = &m->values[op->results[k]].type;
			if (!ir_type_equal(t, &saved[k])) {
				char want[200], got[200];
				ir_type_str(t, want, sizeof want);
				ir_type_str(&saved[k], got, sizeof got);
				*t = saved[k];
				return ir_op_error(m, op, "verifier: result %d has type %s, inference gives %s",
						   k, got, want);
			}
		}
	}
	return 0;
}

int ir_verify(struct ir_module *m)
{
	if (check_value_defs(m) < 0 || check_operand_order(m) < 0 || check_graph_io(m) < 0 ||
	    check_uses(m) < 0 || check_types(m) < 0)
		return -1;
	return 0;
}
