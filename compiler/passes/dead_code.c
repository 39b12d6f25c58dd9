/* dead_code.c: dead code elimination, a cleanup rule (see cleanup.h).
 *
 * An op is live when one of its results is a graph output or an operand of a
 * live op. One backward sweep over program order (required: ops in
 * topological order) finds every live op, so chains of unused ops die at
 * once; the others are killed. Constants that only dead ops used are left for
 * ir_prune to drop. No op has side effects, so nothing else keeps an op alive.
 */
#include "cleanup.h"

#include <stdlib.h>

int cleanup_dead_code(struct ir_module *m)
{
	bool *needed = calloc((size_t)m->nvalues + 1, sizeof *needed);
	if (!needed)
		abort();
	for (int i = 0; i < m->noutputs; i++)
		needed[m->outputs[i]] = true;
	int killed = 0;
	for (int o = m->nops - 1; o >= 0; o--) {
		struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		bool live = false;
		for (int k = 0; k < op->nresults && !live; k++)
			live = needed[op->results[k]];
		if (!live) {
			op->dead = true;
			killed++;
			continue;
		}
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE)
				needed[op->operands[k]] = true;
	}
	free(needed);
	if (killed)
		ir_rebuild_uses(m);
	return killed;
}
