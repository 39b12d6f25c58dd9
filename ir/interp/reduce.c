/* reduce.c: ReduceSum, ReduceMean, ReduceMax, ReduceMin (ONNX opset 18+ form:
 * axes as the optional second operand; attributes keepdims=1,
 * noop_with_empty_axes=0).
 *
 * No axes (absent or empty) reduces over all dimensions, or with
 * noop_with_empty_axes copies the input. Each input element is accumulated
 * in input order into the result element it maps to, in the tensor's type:
 * float sums in float for f32 (ONNX Runtime accumulates in float too),
 * integer sums wrap to the width. The reduction of an empty set is its
 * identity: 0 for Sum, the type's lowest value for Max (-inf for floats),
 * its highest for Min; Mean of nothing is 0/0 (NaN, or 0 for integers).
 */
#include "kernels.h"
#include "tensor_util.h"

#include <math.h>

/* Marks the reduced axes in reduced[0..rank-1]; *all when there are none
 * given. Axes come from operand 1 (or, tolerated, an "axes" attribute). */
static int reduced_axes(struct ir_module *m, const struct ir_op *op,
			const struct ir_tensor *axes, int rank, bool *reduced, bool *none)
{
	int n = 0;
	const int64_t *attr = ir_attr_ints(op, "axes", &n);
	if (axes)
		n = (int)ir_tensor_numel(axes);
	*none = n == 0;
	for (int k = 0; k < rank; k++)
		reduced[k] = *none;
	for (int i = 0; i < n; i++) {
		int64_t a = axes ? ir_load_i64(axes, i) : attr[i];
		if (a < -rank || a >= rank)
			return ir_op_error(m, op, "axis %lld is out of range for rank %d",
					   (long long)a, rank);
		if (a < 0)
			a += rank;
		if (reduced[a])
			return ir_op_error(m, op, "axis %lld is given twice", (long long)a);
		reduced[a] = true;
	}
	return 0;
}

/* Smallest / largest value of an integer type, in storage form. */
static int64_t int_lowest(const struct ir_type *t)
{
	if (t->elem == IR_ELEM_BOOL || !t->is_signed)
		return 0;
	return ir_int_wrap(t, (uint64_t)1 << (t->bits - 1));
}

static int64_t int_highest(const struct ir_type *t)
{
	if (t->elem == IR_ELEM_BOOL)
		return 1;
	uint64_t all = t->bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << t->bits) - 1;
	return ir_int_wrap(t, t->is_signed ? all >> 1 : all);
}

static void init_identity(const struct ir_op *op, struct ir_tensor *y)
{
	bool is_max = op->code == IR_OP_ReduceMax, is_min = op->code == IR_OP_ReduceMin;
	int64_t n = ir_tensor_numel(y);
	for (int64_t i = 0; i < n; i++) {
		if (y->type.elem == IR_ELEM_F32)
			ir_tensor_f32(y)[i] = is_max ? -INFINITY : is_min ? INFINITY : 0;
		else if (y->type.elem == IR_ELEM_F64)
			ir_tensor_f64(y)[i] = is_max ? -INFINITY : is_min ? INFINITY : 0;
		else
			ir_tensor_i64(y)[i] = is_max   ? int_lowest(&y->type)
					      : is_min ? int_highest(&y->type)
						       : 0;
	}
}

static bool unsigned64(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT && !t->is_signed && t->bits >= 64;
}

/* y[j] = y[j] (op) x[i] in y's type. */
static void accumulate(const struct ir_op *op, struct ir_tensor *y, int64_t j,
		       const struct ir_tensor *x, int64_t i)
{
	bool is_max = op->code == IR_OP_ReduceMax, is_min = op->code == IR_OP_ReduceMin;
	if (y->type.elem == IR_ELEM_F32) {
		float *acc = &ir_tensor_f32(y)[j], v = ir_tensor_f32(x)[i];
		*acc = is_max ? (v > *acc ? v : *acc) : is_min ? (v < *acc ? v : *acc) : *acc + v;
	} else if (y->type.elem == IR_ELEM_F64) {
		double *acc = &ir_tensor_f64(y)[j], v = ir_tensor_f64(x)[i];
		*acc = is_max ? (v > *acc ? v : *acc) : is_min ? (v < *acc ? v : *acc) : *acc + v;
	} else {
		int64_t *acc = &ir_tensor_i64(y)[j], v = ir_tensor_i64(x)[i];
		bool u = unsigned64(&y->type);
		bool less = u ? (uint64_t)v < (uint64_t)*acc : v < *acc;
		if (is_max)
			*acc = less ? *acc : v;
		else if (is_min)
			*acc = less ? v : *acc;
		else /* wrapped to the width by finish() */
			*acc = (int64_t)((uint64_t)*acc + (uint64_t)v);
	}
}

/* ReduceMean divides each sum by the number of elements reduced into it;
 * integer sums, accumulated in 64 bits, are then wrapped to the width (so an
 * integer mean is exact unless the 64-bit sum itself overflows). */
static void finish(const struct ir_op *op, struct ir_tensor *y, int64_t count)
{
	bool mean = op->code == IR_OP_ReduceMean;
	int64_t n = ir_tensor_numel(y);
	for (int64_t j = 0; j < n; j++) {
		if (y->type.elem == IR_ELEM_F32) {
			if (mean)
				ir_tensor_f32(y)[j] /= (float)count;
		} else if (y->type.elem == IR_ELEM_F64) {
			if (mean)
				ir_tensor_f64(y)[j] /= (double)count;
		} else {
			int64_t *acc = &ir_tensor_i64(y)[j];
			if (mean && count > 0 && unsigned64(&y->type))
				*acc = (int64_t)((uint64_t)*acc / (uint64_t)count);
			else if (mean && count > 0)
				*acc /= count;
			*acc = ir_int_wrap(&y->type, (uint64_t)*acc);
		}
	}
}

static int reduce(struct ir_module *m, const struct ir_op *op,
		  const struct ir_tensor *const *in, struct ir_tensor *y)
{
	const struct ir_tensor *x = in[0];
	const struct ir_tensor *axes = op->noperands > 1 ? in[1] : NULL;
	bool reduced[IR_MAX_RANK], none;
	int rank = x->type.rank;
	if (!ir_type_same_elem(&x->type, &y->type))
		return ir_op_error(m, op, "result type differs from the input's");
	if (reduced_axes(m, op, axes, rank, reduced, &none) < 0)
		return -1;
	int64_t n = ir_tensor_numel(x);
	if (none && ir_attr_int(op, "noop_with_empty_axes", 0)) {
		for (int64_t i = 0; i < n; i++)
			ir_tensor_copy_elem(y, i, x, i);
		return 0;
	}
	/* strides of y over x's dimensions (keepdims shape), 0 on reduced ones */
	struct ir_type kept = x->type;
	int64_t ystrides[IR_MAX_RANK], idx[IR_MAX_RANK] = {0}, count = 1;
	for (int k = 0; k < rank; k++)
		if (reduced[k]) {
			count *= kept.dims[k];
			kept.dims[k] = 1;
		}
	if (ir_type_numel(&kept) != ir_tensor_numel(y))
		return ir_op_error(m, op, "result shape does not match the reduction");
	ir_broadcast_strides(&kept, rank, ystrides);
	init_identity(op, y);
	for (int64_t i = 0; i < n; i++, ir_index_next(&x->type, idx)) {
		int64_t j = 0;
		for (int k = 0; k < rank; k++)
			j += idx[k] * ystrides[k];
		accumulate(op, y, j, x, i);
	}
	finish(op, y, count);
	return 0;
}

#define REDUCE_KERNEL(id)                                                              \
	int interp_##id(struct ir_module *m, const struct ir_op *op,                     \
			const struct ir_tensor *const *in, struct ir_tensor *const *out, \
			struct arena *scratch)                                           \
	{                                                                                \
		(void)scratch;                                                           \
		return reduce(m, op, in, out[0]);                                        \
	}
REDUCE_KERNEL(ReduceSum)
REDUCE_KERNEL(ReduceMean)
REDUCE_KERNEL(ReduceMax)
REDUCE_KERNEL(ReduceMin)
