/* infer.c: driving shape inference. Checks an op's operand and result counts
 * against ir_opinfo, then runs its shape function from ir/shape/. */
#include "ir.h"
#include "shape/shape.h"

#include <assert.h>

int ir_set_result_type(struct ir_module *m, struct ir_op *op, int k, const struct ir_type *t)
{
	assert(k >= 0 && k < op->nresults);
	if (t->rank > IR_MAX_RANK)
		return ir_op_error(m, op, "result has rank %d, more than %d", t->rank, IR_MAX_RANK);
	size_t bytes = ir_storage_size(t->elem);
	for (int i = 0; i < t->rank; i++) {
		if (t->dims[i] < 0)
			return ir_op_error(m, op, "result dimension %d is negative (%lld)", i,
					   (long long)t->dims[i]);
		if (!size_mul(bytes, (size_t)t->dims[i], &bytes) || bytes > m->max_bytes) {
			char buf[160];
			return ir_op_error(m, op, "result %s needs more than the %llu-byte limit",
					   ir_type_str(t, buf, sizeof buf),
					   (unsigned long long)m->max_bytes);
		}
	}
	m->values[op->results[k]].type = *t;
	return 0;
}

static int check_counts(struct ir_module *m, const struct ir_op *op)
{
	const struct ir_opinfo *info = &ir_opinfo[op->code];
	if (op->noperands < info->min_operands ||
	    (info->max_operands >= 0 && op->noperands > info->max_operands)) {
		if (info->max_operands < 0)
			return ir_op_error(m, op, "expects at least %d inputs, got %d",
					   info->min_operands, op->noperands);
		return ir_op_error(m, op, "expects %d to %d inputs, got %d", info->min_operands,
				   info->max_operands, op->noperands);
	}
	for (int k = 0; k < info->min_operands; k++)
		if (op->operands[k] == IR_NONE)
			return ir_op_error(m, op, "required input %d is missing", k);
	if (op->nresults < info->min_results ||
	    (info->max_results >= 0 && op->nresults > info->max_results))
		return ir_op_error(m, op, "has %d outputs, expected %d to %d", op->nresults,
				   info->min_results, info->max_results);
	return 0;
}

int ir_infer_op(struct ir_module *m, struct ir_op *op)
{
	if (check_counts(m, op) < 0)
		return -1;
	ir_shape_fn fn = ir_shape_fns[op->code];
	assert(fn && "every opcode has a shape function");
	return fn(m, op);
}

int ir_infer_all(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && ir_infer_op(m, &m->ops[o]) < 0)
			return -1;
	return 0;
}
