/* reshape.c: shapes of the ops that rearrange dims without moving data in a
 * way that depends on values: Flatten, Reshape, Transpose, Squeeze, Unsqueeze.
 * Each result has the input's element type.
 *
 * Reshape's shape and Squeeze/Unsqueeze's axes are operands that must be
 * known at compile time (int64, or int32). ONNX opset 21 semantics:
 *   Flatten   axis in [-r, r]: [prod(d[:axis]), prod(d[axis:])]
 *   Reshape   0 copies the input dim at that position (unless allowzero=1,
 *             which makes it a literal 0 and forbids -1 alongside); one -1 is
 *             inferred from the element count
 *   Squeeze   without axes, drops every dim of size 1; given axes must be 1
 *   Unsqueeze axes index the result (rank r + len(axes))
 * A quantized integer input quantized along an axis keeps its quantization
 * on the result's axis holding the same channels: under Transpose the axis
 * the permutation moves it to; under the others (which keep element order)
 * the result axis of the same size with the same number of elements after
 * it, which must exist.
 */
#include "common.h"
#include "ir/quant.h"

#include <inttypes.h>

/* out's quantization from x's (see the top of the file): perm for a
 * Transpose, NULL for the ops that keep element order. */
static int follow_quant(struct ir_module *m, const struct ir_op *op, const struct ir_type *x,
			const int64_t *perm, struct ir_type *out)
{
	const struct ir_quant *q = x->quant;
	if (!q || q->n == 1 || q->axis < 0)
		return 0;
	int axis = -1;
	int64_t inner_x = 1, inner = 1;
	for (int i = q->axis + 1; i < x->rank; i++)
		inner_x *= x->dims[i];
	for (int j = out->rank - 1; j >= 0 && axis < 0; j--) {
		if (perm ? perm[j] == q->axis : (out->dims[j] == x->dims[q->axis] && inner == inner_x))
			axis = j;
		inner *= out->dims[j];
	}
	if (axis < 0)
		return ir_op_error(m, op, "the input's per-channel quantization (axis %d) has no "
				   "axis in the result", q->axis);
	out->quant = ir_quant_new(&m->arena, axis, q->n, q->scale, q->zero_point);
	return 0;
}

/* Flatten; axis=1 */
int shape_flatten(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int64_t axis, outer, inner;
	if (shape_attr_int(m, op, "axis", 1, &axis) < 0)
		return -1;
	if (axis < -x->rank || axis > x->rank)
		return ir_op_error(m, op, "axis %" PRId64 " is out of range for rank %d", axis,
				   x->rank);
	if (axis < 0)
		axis += x->rank;
	if (shape_numel(m, op, x->dims, 0, (int)axis, &outer) < 0 ||
	    shape_numel(m, op, x->dims, (int)axis, x->rank, &inner) < 0)
		return -1;
	struct ir_type out = ir_type_with_dims(*x, 2, (int64_t[]){outer, inner});
	if (follow_quant(m, op, x, NULL, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* Reshape's target dims with 0 and -1 resolved, given the input's. */
static int reshape_dims(struct ir_module *m, const struct ir_op *op, const struct ir_type *x,
			const int64_t *shape, int n, bool allowzero, int64_t *dims)
{
	int infer = -1;
	bool any_zero = false;
	int64_t known, numel;
	for (int i = 0; i < n; i++) {
		dims[i] = shape[i];
		if (shape[i] == -1) {
			if (infer >= 0)
				return ir_op_error(m, op, "shape has more than one -1");
			infer = i;
			continue;
		}
		if (shape[i] == 0 && !allowzero) {
			if (i >= x->rank)
				return ir_op_error(m, op, "shape[%d] = 0 copies a dimension the input "
						   "does not have", i);
			dims[i] = x->dims[i];
		}
		if (shape_check_dim(m, op, "shape value", dims[i]) < 0)
			return -1;
		any_zero |= shape[i] == 0;
	}
	if (allowzero && any_zero && infer >= 0)
		return ir_op_error(m, op, "shape cannot contain both 0 and -1 with allowzero=1");
	int64_t others[IR_MAX_RANK];
	int nothers = 0;
	for (int i = 0; i < n; i++)
		if (i != infer)
			others[nothers++] = dims[i];
	if (shape_numel(m, op, x->dims, 0, x->rank, &numel) < 0 ||
	    shape_numel(m, op, others, 0, nothers, &known) < 0)
		return -1;
	if (infer >= 0 && known != 0 && numel % known == 0) {
		dims[infer] = numel / known;
		return 0;
	}
	if (infer < 0 && known == numel)
		return 0;
	char in[200], to[200];
	return ir_op_error(m, op, "cannot reshape %s (%" PRId64 " elements) to %s",
			   ir_type_str(x, in, sizeof in), numel, shape_dims_str(shape, n, to, sizeof to));
}

/* Reshape (data, shape); allowzero=0 */
int shape_reshape(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const int64_t *shape;
	int n, allowzero;
	int64_t dims[IR_MAX_RANK];
	if (shape_attr_flag(m, op, "allowzero", 0, &allowzero) < 0 ||
	    shape_known_ints(m, op, 1, "shape", IR_MAX_RANK, &shape, &n) < 0 ||
	    reshape_dims(m, op, x, shape, n, allowzero, dims) < 0)
		return -1;
	struct ir_type out = ir_type_with_dims(*x, n, dims);
	if (follow_quant(m, op, x, NULL, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* Transpose; perm defaults to reversing the dims. */
int shape_transpose(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int n;
	const int64_t *perm;
	if (shape_attr_list(m, op, "perm", &perm, &n) < 0)
		return -1;
	int64_t dims[IR_MAX_RANK], p[IR_MAX_RANK];
	bool seen[IR_MAX_RANK] = {false};
	if (perm && n != x->rank)
		return ir_op_error(m, op, "perm has %d values but the input has rank %d", n, x->rank);
	for (int i = 0; i < x->rank; i++) {
		p[i] = perm ? perm[i] : x->rank - 1 - i;
		if (p[i] < 0 || p[i] >= x->rank || seen[p[i]])
			return ir_op_error(m, op, "perm is not a permutation of 0..%d", x->rank - 1);
		seen[p[i]] = true;
		dims[i] = x->dims[p[i]];
	}
	struct ir_type out = ir_type_with_dims(*x, x->rank, dims);
	if (follow_quant(m, op, x, p, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* Squeeze (data, axes) */
int shape_squeeze(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const int64_t *axes = NULL;
	int naxes = 0, norm[IR_MAX_RANK];
	if (ir_operand_type(m, op, 1) &&
	    (shape_known_ints(m, op, 1, "axes", IR_MAX_RANK, &axes, &naxes) < 0 ||
	     shape_axes(m, op, "axes", axes, naxes, x->rank, norm) < 0))
		return -1;
	bool drop[IR_MAX_RANK] = {false};
	for (int i = 0; i < x->rank; i++)
		drop[i] = naxes == 0 && x->dims[i] == 1;
	for (int i = 0; i < naxes; i++) {
		if (x->dims[norm[i]] != 1)
			return ir_op_error(m, op, "cannot squeeze axis %d of size %" PRId64, norm[i],
					   x->dims[norm[i]]);
		drop[norm[i]] = true;
	}
	int64_t dims[IR_MAX_RANK];
	int rank = 0;
	for (int i = 0; i < x->rank; i++)
		if (!drop[i])
			dims[rank++] = x->dims[i];
	struct ir_type out = ir_type_with_dims(*x, rank, dims);
	if (follow_quant(m, op, x, NULL, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* Unsqueeze (data, axes) */
int shape_unsqueeze(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const int64_t *axes;
	int naxes, norm[IR_MAX_RANK];
	if (shape_known_ints(m, op, 1, "axes", IR_MAX_RANK, &axes, &naxes) < 0)
		return -1;
	int rank = x->rank + naxes;
	if (rank > IR_MAX_RANK)
		return ir_op_error(m, op, "result rank %d is more than %d", rank, IR_MAX_RANK);
	if (shape_axes(m, op, "axes", axes, naxes, rank, norm) < 0)
		return -1;
	bool inserted[IR_MAX_RANK] = {false};
	for (int i = 0; i < naxes; i++)
		inserted[norm[i]] = true;
	int64_t dims[IR_MAX_RANK];
	for (int i = 0, j = 0; i < rank; i++)
		dims[i] = inserted[i] ? 1 : x->dims[j++];
	struct ir_type out = ir_type_with_dims(*x, rank, dims);
	if (follow_quant(m, op, x, NULL, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}
