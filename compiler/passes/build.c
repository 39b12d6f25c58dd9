/* build.c: making the replacement ops and constants of a cleanup rewrite.
 *
 * New ops are appended (program order is restored by the cleanup driver) and
 * typed at once by shape inference, so a rule can compare the type of its
 * replacement with the type of what it replaces before committing. Names are
 * derived from the replaced op and value ("Gemm_0_matmul", "y_matmul"), made
 * unique by the module. A rejected rewrite leaves no trace: its ops are
 * killed, its constants are unused and dropped by ir_prune, and m->error is
 * restored.
 */
#include "cleanup.h"
#include "ir/interp/interp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *derived(struct ir_module *m, const char *base, const char *suffix)
{
	return arena_printf(&m->arena, "%s_%s", base, suffix);
}

void cl_kill(struct ir_module *m, int o)
{
	m->ops[o].dead = true;
	ir_rebuild_uses(m);
}

int cl_new_op(struct ir_module *m, enum ir_opcode code, const char *base, const char *result_base,
	      const char *suffix, int noperands, const int *operands)
{
	const char *result = derived(m, result_base, suffix);
	int o = ir_add_op(m, code, derived(m, base, suffix), noperands, operands, 1, &result);
	bool had_error = m->error[0] != 0;
	if (ir_infer_op(m, &m->ops[o]) < 0) {
		if (!had_error)
			m->error[0] = 0;
		cl_kill(m, o);
		return -1;
	}
	ir_rebuild_uses(m);
	return o;
}

int cl_new_const(struct ir_module *m, const char *base, const char *suffix,
		 const struct ir_type *t, const double *vals)
{
	struct ir_type type = *t; /* t may point into m->values, which ir_add_const grows */
	int v = ir_add_const(m, derived(m, base, suffix), &type, NULL);
	if (v < 0)
		return -1;
	struct ir_tensor tensor = {type, m->values[v].data};
	int64_t n = ir_type_numel(&type);
	for (int64_t i = 0; i < n; i++)
		ir_tensor_set(&tensor, i, vals[i]);
	return v;
}

int cl_replace(struct ir_module *m, int o, int n, const int *helpers, int nhelpers)
{
	int v = m->ops[o].results[0], w = m->ops[n].results[0];
	if (!ir_type_equal(&m->values[v].type, &m->values[w].type)) {
		m->ops[n].dead = true;
		for (int i = 0; i < nhelpers; i++)
			if (helpers[i] != IR_NONE)
				m->ops[helpers[i]].dead = true;
		ir_rebuild_uses(m);
		return -1;
	}
	m->ops[o].dead = true;
	ir_redefine(m, v, n, 0);
	ir_rebuild_uses(m);
	return 0;
}

void cl_copy_attrs(struct ir_module *m, int from, int to)
{
	for (int i = 0; i < m->ops[from].nattrs; i++) {
		struct ir_attr a = m->ops[from].attrs[i];
		ir_set_attr(m, to, &a);
	}
	m->ops[to].layout = m->ops[from].layout;
	m->ops[to].opset = m->ops[from].opset;
}
