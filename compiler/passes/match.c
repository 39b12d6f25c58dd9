/* match.c: questions the cleanup rules ask about values: is it a constant,
 * what are its elements, is it used once, how does it broadcast. Constants are
 * read through the interpreter's storage-form conversion (ir_tensor_get), so
 * every element type answers as a double.
 */
#include "cleanup.h"
#include "ir/interp/interp.h"

bool cl_is_const(struct ir_module *m, int v)
{
	return v != IR_NONE && m->values[v].kind == IR_VALUE_CONST && m->values[v].data;
}

bool cl_is_output(struct ir_module *m, int v)
{
	for (int i = 0; i < m->noutputs; i++)
		if (m->outputs[i] == v)
			return true;
	return false;
}

bool cl_is_float(const struct ir_type *t)
{
	return t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64;
}

double cl_const_elem(struct ir_module *m, int v, int64_t i)
{
	const struct ir_value *val = &m->values[v];
	struct ir_tensor t = {val->type, val->data};
	return ir_tensor_get(&t, i);
}

bool cl_const_all(struct ir_module *m, int v, double x)
{
	if (!cl_is_const(m, v))
		return false;
	int64_t n = ir_type_numel(&m->values[v].type);
	for (int64_t i = 0; i < n; i++)
		if (cl_const_elem(m, v, i) != x)
			return false;
	return true;
}

int cl_single_use_def(struct ir_module *m, int v)
{
	if (v == IR_NONE)
		return IR_NONE;
	const struct ir_value *val = &m->values[v];
	if (val->kind != IR_VALUE_RESULT || val->def == IR_NONE || m->ops[val->def].dead ||
	    val->nuses != 1 || cl_is_output(m, v))
		return IR_NONE;
	return val->def;
}

int64_t cl_broadcast_numel(const struct ir_type *a, const struct ir_type *b)
{
	int rank = a->rank > b->rank ? a->rank : b->rank;
	int64_t n = 1;
	for (int i = 0; i < rank; i++) {
		int ia = i - (rank - a->rank), ib = i - (rank - b->rank);
		int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
		if (da != db && da != 1 && db != 1)
			return -1;
		n *= da == 1 ? db : da;
	}
	return n;
}

int cl_per_axis(struct ir_module *m, int c, const struct ir_type *t, int axis, double *per)
{
	const struct ir_type *ct = &m->values[c].type;
	int64_t n = t->dims[axis];
	bool along = false;
	if (ct->rank > t->rank)
		return -1;
	for (int i = 0; i < ct->rank; i++) {
		int j = t->rank - ct->rank + i;
		if (ct->dims[i] == 1)
			continue;
		if (j != axis || ct->dims[i] != n)
			return -1;
		along = true;
	}
	for (int64_t k = 0; k < n; k++)
		per[k] = cl_const_elem(m, c, along ? k : 0);
	return 0;
}
