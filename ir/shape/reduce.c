/* reduce.c: shapes of ReduceMean, ReduceSum, ReduceMax and ReduceMin
 * (data, axes); keepdims=1, noop_with_empty_axes=0 (opset 18+ form, axes as
 * an operand known at compile time).
 *
 * Absent or empty axes mean every axis, or no reduction at all (the result is
 * data) with noop_with_empty_axes=1. Reduced dims become 1 with keepdims and
 * disappear without. The result has data's element type.
 */
#include "common.h"

int shape_reduce(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	if (!shape_is_numeric(x))
		return ir_op_error(m, op, "input must be numeric, got bool");
	int keepdims, noop;
	if (shape_attr_flag(m, op, "keepdims", 1, &keepdims) < 0 ||
	    shape_attr_flag(m, op, "noop_with_empty_axes", 0, &noop) < 0)
		return -1;
	const int64_t *axes = NULL;
	int naxes = 0, norm[IR_MAX_RANK];
	if (ir_operand_type(m, op, 1) &&
	    (shape_known_ints(m, op, 1, "axes", IR_MAX_RANK, &axes, &naxes) < 0 ||
	     shape_axes(m, op, "axes", axes, naxes, x->rank, norm) < 0))
		return -1;
	if (naxes == 0 && noop)
		return shape_set(m, op, 0, x);
	bool reduced[IR_MAX_RANK] = {false};
	for (int i = 0; i < x->rank; i++)
		reduced[i] = naxes == 0;
	for (int i = 0; i < naxes; i++)
		reduced[norm[i]] = true;
	int64_t dims[IR_MAX_RANK];
	int rank = 0;
	for (int i = 0; i < x->rank; i++) {
		if (!reduced[i])
			dims[rank++] = x->dims[i];
		else if (keepdims)
			dims[rank++] = 1;
	}
	struct ir_type out = ir_type_with_dims(*x, rank, dims);
	return shape_set(m, op, 0, &out);
}
