/* gather.c: Slice and Gather kernels (ONNX opset 21), for every element type.
 *
 * Slice: (data, starts, ends, axes, steps). For each listed axis of size d,
 * negative starts/ends count from the end (+ d); then, for a positive step,
 * start and end are clamped to [0, d], for a negative step start to [0, d-1]
 * and end to [-1, d-1]; the axis keeps ceil((end - start) / step) elements
 * (none when negative). Unlisted axes are kept whole.
 *
 * Gather: (data, indices), axis; Y = data[:axis] + indices.shape +
 * data[axis+1:]; a negative index counts from the end, and an index outside
 * [-d, d) is a run-time error (never an out-of-bounds read).
 */
#include "kernels.h"
#include "kernel_util.h"

#include <string.h>

/* Integer operand t as a list of at most max values (rank 0 or 1). */
static int int_list(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *t,
		    const char *what, int max, const int64_t **v, int *n)
{
	if (t->type.elem != IR_ELEM_INT || t->type.rank > 1 || ir_tensor_numel(t) > max)
		return ir_op_error(m, op, "%s must be a list of at most %d integers", what, max);
	*v = t->data;
	*n = (int)ir_tensor_numel(t);
	return 0;
}

/* One sliced axis: its first element, step and element count. */
struct slice_axis {
	int64_t start, step, count;
};

/* The ONNX clamping rules for one axis of size d. */
static struct slice_axis slice_clamp(int64_t start, int64_t end, int64_t step, int64_t d)
{
	struct slice_axis s = {.step = step};
	if (d == 0)
		return s;
	if (start < 0)
		start += d;
	if (end < 0)
		end += d;
	int64_t lo = 0, hi = step > 0 ? d : d - 1;
	start = start < lo ? lo : start > hi ? hi : start;
	lo = step > 0 ? 0 : -1;
	end = end < lo ? lo : end > hi ? hi : end;
	int64_t diff = step > 0 ? end - start : start - end;
	/* the magnitude of INT64_MIN does not fit: any step above d acts alike */
	int64_t mag = step > 0 ? step : step < -INT64_MAX ? INT64_MAX : -step;
	s.start = start;
	s.count = diff <= 0 ? 0 : 1 + (diff - 1) / mag;
	return s;
}

/* Reads starts, ends, axes and steps into ax[0..rank-1]. */
static int slice_axes(struct ir_module *m, const struct ir_op *op,
		      const struct ir_tensor *const *in, const struct ir_type *t,
		      struct slice_axis *ax)
{
	const int64_t *starts = NULL, *ends = NULL, *axes = NULL, *steps = NULL;
	int n = 0, ne = 0, na = 0, ns = 0;
	const struct ir_tensor *axes_t = interp_operand(op, in, 3), *steps_t = interp_operand(op, in, 4);
	bool seen[IR_MAX_RANK] = {false};
	if (!in[1] || !in[2] || int_list(m, op, in[1], "starts", t->rank, &starts, &n) < 0 ||
	    int_list(m, op, in[2], "ends", t->rank, &ends, &ne) < 0 ||
	    (axes_t && int_list(m, op, axes_t, "axes", t->rank, &axes, &na) < 0) ||
	    (steps_t && int_list(m, op, steps_t, "steps", t->rank, &steps, &ns) < 0))
		return -1;
	if (ne != n || (axes && na != n) || (steps && ns != n))
		return ir_op_error(m, op, "starts, ends, axes and steps differ in length");
	for (int d = 0; d < t->rank; d++)
		ax[d] = (struct slice_axis){0, 1, t->dims[d]};
	for (int i = 0; i < n; i++) {
		int64_t a = axes ? axes[i] : i, step = steps ? steps[i] : 1;
		if (a < -t->rank || a >= t->rank)
			return ir_op_error(m, op, "axis %lld out of range", (long long)a);
		if (a < 0)
			a += t->rank;
		if (seen[a])
			return ir_op_error(m, op, "axis %lld listed twice", (long long)a);
		seen[a] = true;
		if (step == 0)
			return ir_op_error(m, op, "step must not be 0");
		ax[a] = slice_clamp(starts[i], ends[i], step, t->dims[a]);
	}
	return 0;
}

int interp_Slice(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		 struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	struct slice_axis ax[IR_MAX_RANK];
	int64_t xs[IR_MAX_RANK], strides[IR_MAX_RANK], base = 0;
	if (!x || !ir_type_same_elem(&x->type, &y->type) || y->type.rank != x->type.rank)
		return ir_op_error(m, op, "result must have the input's element type and rank");
	if (slice_axes(m, op, in, &x->type, ax) < 0)
		return -1;
	for (int d = 0; d < x->type.rank; d++)
		if (ax[d].count != y->type.dims[d])
			return ir_op_error(m, op, "result dim %d is %lld, the slice has %lld", d,
					   (long long)y->type.dims[d], (long long)ax[d].count);
	if (ir_tensor_numel(y) == 0)
		return 0;
	ir_type_strides(&x->type, xs);
	for (int d = 0; d < x->type.rank; d++) {
		/* clamping keeps the first and last element inside the axis */
		assert(ax[d].start >= 0 && ax[d].start < x->type.dims[d]);
		assert(ax[d].start + (ax[d].count - 1) * ax[d].step >= 0 &&
		       ax[d].start + (ax[d].count - 1) * ax[d].step < x->type.dims[d]);
		base += ax[d].start * xs[d];
		/* a step larger than the axis leaves one element: no stride needed */
		strides[d] = ax[d].count > 1 ? ax[d].step * xs[d] : 0;
	}
	interp_strided_copy(y->data, x->data, ir_storage_size(y->type.elem), y->type.rank,
			    y->type.dims, strides, base);
	return 0;
}

/* Y's type must be data[:axis] + indices.shape + data[axis+1:]. */
static int gather_shape(struct ir_module *m, const struct ir_op *op, const struct ir_type *x,
			const struct ir_type *ind, const struct ir_type *y, int axis)
{
	int r = 0;
	bool ok = ir_type_same_elem(x, y) && y->rank == x->rank - 1 + ind->rank;
	for (int d = 0; ok && d < x->rank; d++) {
		if (d == axis)
			for (int k = 0; ok && k < ind->rank; k++)
				ok = y->dims[r++] == ind->dims[k];
		else
			ok = y->dims[r++] == x->dims[d];
	}
	if (!ok)
		return ir_op_error(m, op, "result type is not data[:axis] + indices.shape + data[axis+1:]");
	return 0;
}

/* Gather: Y[o, j, i] = data[o, indices[j], i] over the flattened
 * outer (before axis), index and inner (after axis) parts. */
int interp_Gather(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		  struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0], *ind = in[1];
	struct ir_tensor *y = out[0];
	if (!x || !ind || ind->type.elem != IR_ELEM_INT)
		return ir_op_error(m, op, "indices must be integers");
	int r = x->type.rank;
	int64_t axis = ir_attr_int(op, "axis", 0);
	if (r < 1 || axis < -r || axis >= r)
		return ir_op_error(m, op, "axis %lld out of range for rank %d", (long long)axis, r);
	if (axis < 0)
		axis += r;
	if (gather_shape(m, op, &x->type, &ind->type, &y->type, (int)axis) < 0)
		return -1;
	int64_t outer = 1, inner = 1, d = x->type.dims[axis], nind = ir_tensor_numel(ind);
	bool u64 = !ind->type.is_signed && ind->type.bits >= 64;
	size_t esz = ir_storage_size(x->type.elem);
	for (int k = 0; k < axis; k++)
		outer *= x->type.dims[k];
	for (int k = (int)axis + 1; k < r; k++)
		inner *= x->type.dims[k];
	const int64_t *iv = ind->data;
	for (int64_t j = 0; j < nind; j++) {
		int64_t i = iv[j];
		if (i < 0 && !u64)
			i += d;
		if (i < 0 || i >= d)
			return ir_op_error(m, op, "index %lld out of range for a dimension of %lld",
					   (long long)iv[j], (long long)d);
	}
	for (int64_t o = 0; o < outer; o++) {
		for (int64_t j = 0; j < nind; j++) {
			int64_t i = iv[j] < 0 ? iv[j] + d : iv[j];
			memcpy((char *)y->data + (size_t)((o * nind + j) * inner) * esz,
			       (const char *)x->data + (size_t)((o * d + i) * inner) * esz,
			       (size_t)inner * esz);
		}
	}
	return 0;
}
