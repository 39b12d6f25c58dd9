/* slice.c: shapes of the ops that select or join parts of tensors along
 * axes: Concat, Split, Slice, Gather. Results have the data's element type.
 *
 * ONNX opset 21 semantics:
 *   Concat  same rank and dims except along axis, which adds up
 *   Split   by the split operand (sizes adding up to the dim), else by
 *           num_outputs (chunks of ceil(dim / n), the last one smaller), else
 *           into equal parts, one per result
 *   Slice   starts/ends/axes/steps known at compile time; negative indices
 *           count from the end, out-of-range ones (including the INT64_MAX
 *           and INT64_MIN sentinels) clamp to the dim
 *   Gather  data[:axis] + indices.shape + data[axis+1:]; constant indices
 *           are range-checked here
 */
#include "common.h"

#include <inttypes.h>

/* Concat; axis (required) */
int shape_concat(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	for (int k = 0; k < op->noperands; k++)
		if (op->operands[k] == IR_NONE)
			return ir_op_error(m, op, "input %d is missing", k);
	const struct ir_type *first = ir_operand_type(m, op, 0);
	if (!ir_attr_find(op, "axis"))
		return ir_op_error(m, op, "attribute axis is missing");
	int axis;
	if (shape_attr_axis(m, op, 0, first->rank, &axis) < 0)
		return -1;
	struct ir_type out = *first;
	for (int k = 1; k < op->noperands; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (shape_same_elem(m, op, 0, k) < 0)
			return -1;
		bool ok = t->rank == first->rank;
		for (int i = 0; ok && i < t->rank; i++)
			ok = i == axis || t->dims[i] == first->dims[i];
		if (!ok) {
			char s0[200], sk[200];
			return ir_op_error(m, op, "input %d %s does not match input 0 %s outside axis %d",
					   k, ir_type_str(t, sk, sizeof sk),
					   ir_type_str(first, s0, sizeof s0), axis);
		}
		out.dims[axis] += t->dims[axis];
		if (shape_check_dim(m, op, "concatenated dimension", out.dims[axis]) < 0)
			return -1;
	}
	return shape_set(m, op, 0, &out);
}

/* How Split divides a dim of size dim into n parts: by the split operand's
 * sizes, or into chunks of chunk elements with the remainder last. */
struct split_plan {
	const int64_t *split;
	int64_t dim, chunk;
	int n;
};

static int64_t split_size(const struct split_plan *p, int k)
{
	if (p->split)
		return p->split[k];
	return k < p->n - 1 ? p->chunk : p->dim - p->chunk * (p->n - 1);
}

static int plan_split(struct ir_module *m, const struct ir_op *op, struct split_plan *p)
{
	int n = p->n;
	if (ir_operand_type(m, op, 1)) {
		int count;
		int64_t total = 0;
		if (shape_known_ints(m, op, 1, "split", n, &p->split, &count) < 0)
			return -1;
		if (count != n)
			return ir_op_error(m, op, "split has %d values for %d outputs", count, n);
		for (int i = 0; i < n; i++) {
			if (shape_check_dim(m, op, "split value", p->split[i]) < 0)
				return -1;
			total += p->split[i];
		}
		if (total != p->dim)
			return ir_op_error(m, op, "split sizes add up to %" PRId64 ", not %" PRId64,
					   total, p->dim);
		return 0;
	}
	const struct ir_attr *num = ir_attr_find(op, "num_outputs");
	if (num) {
		if (num->kind != IR_ATTR_INT || num->i != n)
			return ir_op_error(m, op, "num_outputs does not match the %d outputs", n);
		/* chunk is about dim / n, so chunk * (n - 1) <= dim + n: no overflow */
		p->chunk = (p->dim + n - 1) / n;
		if (p->chunk * (n - 1) > p->dim)
			return ir_op_error(m, op, "cannot split %" PRId64 " into %d chunks of %" PRId64,
					   p->dim, n, p->chunk);
		return 0;
	}
	if (p->dim % n)
		return ir_op_error(m, op, "cannot split %" PRId64 " into %d equal parts", p->dim, n);
	p->chunk = p->dim / n;
	return 0;
}

/* Split (input, split); axis=0, num_outputs */
int shape_split(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int axis;
	if (shape_attr_axis(m, op, 0, x->rank, &axis) < 0)
		return -1;
	struct split_plan plan = {.dim = x->dims[axis], .n = op->nresults};
	if (plan_split(m, op, &plan) < 0)
		return -1;
	for (int k = 0; k < op->nresults; k++) {
		struct ir_type out = *x;
		out.dims[axis] = split_size(&plan, k);
		if (shape_set(m, op, k, &out) < 0)
			return -1;
	}
	return 0;
}

static int64_t clamp(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* Number of elements Slice takes from a dim of size dim. Steps are clamped
 * to 2^41 in magnitude first: any larger step takes the same single element
 * of a dim <= 2^40, and the arithmetic below stays far from overflow. */
static int64_t slice_count(int64_t dim, int64_t start, int64_t end, int64_t step)
{
	step = clamp(step, -((int64_t)1 << 41), (int64_t)1 << 41);
	if (start < 0)
		start += dim;
	if (end < 0)
		end += dim;
	if (step > 0) {
		start = clamp(start, 0, dim);
		end = clamp(end, 0, dim);
		return end > start ? (end - start + step - 1) / step : 0;
	}
	start = clamp(start, 0, dim - 1);
	end = clamp(end, -1, dim - 1);
	return start > end ? (start - end - step - 1) / -step : 0;
}

/* Operand k of Slice, a list of n ints, or NULL when absent. */
static int slice_list(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		      int n, const int64_t **values)
{
	int count;
	*values = NULL;
	if (!ir_operand_type(m, op, k))
		return 0;
	if (shape_known_ints(m, op, k, what, IR_MAX_RANK, values, &count) < 0)
		return -1;
	if (count != n)
		return ir_op_error(m, op, "%s has %d values but starts has %d", what, count, n);
	return 0;
}

/* Slice (data, starts, ends, axes, steps) */
int shape_slice(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const int64_t *starts, *ends, *axes, *steps;
	int n, norm[IR_MAX_RANK];
	if (shape_known_ints(m, op, 1, "starts", IR_MAX_RANK, &starts, &n) < 0 ||
	    slice_list(m, op, 2, "ends", n, &ends) < 0 ||
	    slice_list(m, op, 3, "axes", n, &axes) < 0 ||
	    slice_list(m, op, 4, "steps", n, &steps) < 0)
		return -1;
	if (!axes && n > x->rank)
		return ir_op_error(m, op, "starts has %d values for rank %d", n, x->rank);
	for (int i = 0; i < n; i++)
		norm[i] = i;
	if (axes && shape_axes(m, op, "axes", axes, n, x->rank, norm) < 0)
		return -1;
	struct ir_type out = *x;
	for (int i = 0; i < n; i++) {
		int64_t step = steps ? steps[i] : 1;
		if (step == 0)
			return ir_op_error(m, op, "steps must not be 0");
		out.dims[norm[i]] = slice_count(x->dims[norm[i]], starts[i], ends[i], step);
	}
	return shape_set(m, op, 0, &out);
}

/* Constant Gather indices must lie in [-dim, dim - 1]. */
static int check_indices(struct ir_module *m, const struct ir_op *op, int64_t dim)
{
	const struct ir_value *v = ir_val(m, op->operands[1]);
	if (v->kind != IR_VALUE_CONST)
		return 0;
	const int64_t *idx = v->data;
	for (int64_t i = 0, n = ir_type_numel(&v->type); i < n; i++)
		if (idx[i] < -dim || idx[i] >= dim)
			return ir_op_error(m, op, "index %" PRId64 " is out of range for a dimension "
					   "of size %" PRId64, idx[i], dim);
	return 0;
}

/* Gather (data, indices); axis=0 */
int shape_gather(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0), *ind = ir_operand_type(m, op, 1);
	int axis;
	if (!shape_is_index(ind)) {
		char buf[16];
		return ir_op_error(m, op, "indices must be int64 or int32, got %s",
				   ir_elem_str(ind, buf, sizeof buf));
	}
	if (shape_attr_axis(m, op, 0, x->rank, &axis) < 0 ||
	    check_indices(m, op, x->dims[axis]) < 0)
		return -1;
	int rank = x->rank + ind->rank - 1;
	if (rank > IR_MAX_RANK)
		return ir_op_error(m, op, "result rank %d is more than %d", rank, IR_MAX_RANK);
	int64_t dims[IR_MAX_RANK];
	int r = 0;
	for (int i = 0; i < axis; i++)
		dims[r++] = x->dims[i];
	for (int i = 0; i < ind->rank; i++)
		dims[r++] = ind->dims[i];
	for (int i = axis + 1; i < x->rank; i++)
		dims[r++] = x->dims[i];
	struct ir_type out = ir_type_with_dims(*x, rank, dims);
	return shape_set(m, op, 0, &out);
}
