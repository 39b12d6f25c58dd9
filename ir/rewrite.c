/* rewrite.c: use lists and whole-graph edits: replacing uses, dropping dead
 * ops, restoring topological order. Use lists are derived data: every edit
 * here leaves them rebuilt; other code that edits operands calls
 * ir_rebuild_uses itself. */
#include "ir.h"
#include "names.h"

#include <stdlib.h>
#include <string.h>

void ir_rebuild_uses(struct ir_module *m)
{
	int total = 0;
	for (int v = 0; v < m->nvalues; v++)
		m->values[v].nuses = 0;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE) {
				m->values[op->operands[k]].nuses++;
				total++;
			}
	}
	if (total > m->cap_uses) {
		free(m->uses);
		m->uses = malloc((size_t)total * sizeof *m->uses);
		if (!m->uses)
			abort();
		m->cap_uses = total;
	}
	int next = 0;
	for (int v = 0; v < m->nvalues; v++) {
		m->values[v].first_use = next;
		next += m->values[v].nuses;
		m->values[v].nuses = 0;
	}
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		for (int k = 0; k < op->noperands; k++) {
			int v = op->operands[k];
			if (v == IR_NONE)
				continue;
			struct ir_value *val = &m->values[v];
			m->uses[val->first_use + val->nuses++] = (struct ir_use){o, k};
		}
	}
	m->nuses = total;
}

const struct ir_use *ir_uses(struct ir_module *m, int v, int *n)
{
	*n = m->values[v].nuses;
	return *n ? m->uses + m->values[v].first_use : NULL; /* m->uses is NULL without uses */
}

int ir_single_reader(struct ir_module *m, int v)
{
	int n;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int k = 0; k < m->noutputs; k++)
		if (m->outputs[k] == v)
			return -1;
	return n == 1 && !m->ops[u[0].op].dead ? u[0].op : -1;
}

void ir_replace_all_uses(struct ir_module *m, int from, int to)
{
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] == from)
				op->operands[k] = to;
	}
	for (int i = 0; i < m->noutputs; i++)
		if (m->outputs[i] == from)
			m->outputs[i] = to;
	ir_rebuild_uses(m);
}

void ir_renumber_ops(struct ir_module *m, const int *new_of)
{
	for (int v = 0; v < m->nvalues; v++)
		if (m->values[v].kind == IR_VALUE_RESULT && m->values[v].def != IR_NONE)
			m->values[v].def = new_of[m->values[v].def];
	ir_names_clear(m->op_names);
	for (int o = 0; o < m->nops; o++)
		ir_names_add(m->op_names, m->ops[o].name, o);
	ir_rebuild_uses(m);
}

void ir_compact(struct ir_module *m)
{
	int *new_of = malloc(((size_t)m->nops + 1) * sizeof *new_of);
	if (!new_of)
		abort();
	int n = 0;
	for (int o = 0; o < m->nops; o++) {
		if (m->ops[o].dead) {
			new_of[o] = IR_NONE;
			continue;
		}
		new_of[o] = n;
		m->ops[n++] = m->ops[o];
	}
	m->nops = n;
	ir_renumber_ops(m, new_of);
	free(new_of);
}
