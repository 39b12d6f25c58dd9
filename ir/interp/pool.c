/* pool.c: MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool kernels
 * (ONNX opset 21), 1 or more spatial dims, NCHW or (IR_LAYOUT_NHWC)
 * channels-last.
 *
 * The window (kernel_shape, strides, dilations, pads, auto_pad) comes from
 * window.c; ceil_mode only changes the output size, which the result type
 * already has: window positions past the end padding are simply skipped.
 *
 * MaxPool: the largest element of the window, the first one on ties (as ONNX
 * Runtime); a window with no input element gives the element type's lowest
 * value. The optional Indices result holds the flat index of that element in
 * X: for storage_order 0, (n * C + c) * H * W + h * W + w (row-major), for
 * storage_order 1, (n * C + c) * H * W + w * H + h (column-major spatial
 * dims); for channels-last tensors, the flat index in X as stored.
 *
 * AveragePool: the sum of the window's input elements over their count, or,
 * with count_include_pad, over the count of positions inside the padded input.
 * Sums are accumulated in double and rounded once.
 */
#include "kernels.h"
#include "kernel_util.h"
#include "window.h"

#include <float.h>

/* A pool over the spatial dims of X [N, C, spatial...] (or channels-last). */
struct pool {
	struct window w;
	int64_t batch, channels;
	int64_t x_n, x_c, y_n, y_c, y_sp[IR_MAX_RANK];
};

/* Batch, channels and strides of x and y; y must keep x's batch and channels. */
static int pool_activations(struct ir_module *m, const struct ir_op *op, const struct ir_type *x,
			    const struct ir_type *y, struct pool *p)
{
	int64_t xs[IR_MAX_RANK], ys[IR_MAX_RANK];
	int r = x->rank, ca = window_channel_axis(op, r), fs = window_first_spatial(op);
	if (r < 3 || y->rank != r)
		return ir_op_error(m, op, "X and Y must have the same rank, at least 3");
	if (y->dims[0] != x->dims[0] || y->dims[ca] != x->dims[ca])
		return ir_op_error(m, op, "result batch or channels differ from the input's");
	ir_type_strides(x, xs);
	ir_type_strides(y, ys);
	p->w.n = r - 2;
	p->batch = x->dims[0];
	p->channels = x->dims[ca];
	p->x_n = xs[0];
	p->x_c = xs[ca];
	p->y_n = ys[0];
	p->y_c = ys[ca];
	for (int d = 0; d < p->w.n; d++) {
		p->w.in[d] = x->dims[fs + d];
		p->w.out[d] = y->dims[fs + d];
		p->w.in_stride[d] = xs[fs + d];
		p->y_sp[d] = ys[fs + d];
	}
	return 0;
}

/* Reads the required kernel_shape, then the rest of the window. */
static int pool_window(struct ir_module *m, const struct ir_op *op, struct pool *p)
{
	int n;
	const int64_t *ks = ir_attr_ints(op, "kernel_shape", &n);
	if (!ks || n != p->w.n)
		return ir_op_error(m, op, "kernel_shape must have %d values", p->w.n);
	for (int d = 0; d < n; d++)
		p->w.kernel[d] = ks[d];
	return window_init(m, op, &p->w, false);
}

/* x[i] > x[j] in x's element type. */
static bool greater(const struct ir_tensor *x, int64_t i, int64_t j)
{
	const struct ir_type *t = &x->type;
	if (t->elem == IR_ELEM_F32)
		return ((const float *)x->data)[i] > ((const float *)x->data)[j];
	if (t->elem == IR_ELEM_F64)
		return ((const double *)x->data)[i] > ((const double *)x->data)[j];
	const int64_t *v = x->data;
	if (t->elem == IR_ELEM_INT && !t->is_signed && t->bits >= 64)
		return (uint64_t)v[i] > (uint64_t)v[j];
	return v[i] > v[j];
}

/* The kernel position k (taps[k] >= 0) of the largest element of x at
 * base + taps[k], the first on ties; -1 when no position is inside X. */
static int64_t argmax(const struct ir_tensor *x, int64_t base, const int64_t *taps, int64_t n)
{
	int64_t best = -1;
	for (int64_t k = 0; k < n; k++)
		if (taps[k] >= 0 && (best < 0 || greater(x, base + taps[k], base + taps[best])))
			best = k;
	return best;
}

/* y[i] = the lowest value of y's element type. */
static void store_lowest(struct ir_tensor *y, int64_t i)
{
	const struct ir_type *t = &y->type;
	if (t->elem == IR_ELEM_F32)
		((float *)y->data)[i] = -FLT_MAX;
	else if (t->elem == IR_ELEM_F64)
		((double *)y->data)[i] = -DBL_MAX;
	else if (t->elem == IR_ELEM_INT && t->is_signed)
		((int64_t *)y->data)[i] = ir_int_wrap(t, (uint64_t)1 << (t->bits - 1));
	else
		((int64_t *)y->data)[i] = 0;
}

/* The ONNX index of the element at spatial offset off of plane (n, c). */
static int64_t max_index(const struct pool *p, bool nhwc, bool column_major, int64_t n,
			 int64_t c, int64_t off)
{
	if (nhwc)
		return n * p->x_n + c * p->x_c + off;
	int64_t plane = 1, idx = 0, col = 1;
	for (int d = 0; d < p->w.n; d++)
		plane *= p->w.in[d];
	if (!column_major)
		return (n * p->channels + c) * plane + off;
	for (int d = 0; d < p->w.n; d++) { /* row-major offset -> column-major */
		int64_t coord = (off / p->w.in_stride[d]) % p->w.in[d];
		idx += coord * col;
		col *= p->w.in[d];
	}
	return (n * p->channels + c) * plane + idx;
}

/* MaxPool's operand and result types; ind is the optional Indices result. */
static int maxpool_check(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *x,
			 const struct ir_tensor *y, const struct ir_tensor *ind, int64_t order)
{
	if (!x || x->type.elem == IR_ELEM_BOOL || !ir_type_same_elem(&x->type, &y->type))
		return ir_op_error(m, op, "X and Y must have one numeric element type");
	if (order != 0 && order != 1)
		return ir_op_error(m, op, "storage_order must be 0 or 1");
	if (!ind)
		return 0;
	if (op->layout == IR_LAYOUT_NHWC && order == 1)
		return ir_op_error(m, op, "storage_order 1 with channels-last layout");
	if (ind->type.elem != IR_ELEM_INT || ind->type.rank != y->type.rank)
		return ir_op_error(m, op, "Indices must be an integer tensor of Y's shape");
	for (int d = 0; d < y->type.rank; d++)
		if (ind->type.dims[d] != y->type.dims[d])
			return ir_op_error(m, op, "Indices must be an integer tensor of Y's shape");
	return 0;
}

/* MaxPool: (X) -> (Y, Indices). */
int interp_MaxPool(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		   struct ir_tensor *const *out, struct arena *scratch)
{
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0], *ind = op->nresults > 1 ? out[1] : NULL;
	struct pool p;
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	int64_t order = ir_attr_int(op, "storage_order", 0);
	int64_t opos[IR_MAX_RANK] = {0};
	if (maxpool_check(m, op, x, y, ind, order) < 0 ||
	    pool_activations(m, op, &x->type, &y->type, &p) < 0 || pool_window(m, op, &p) < 0)
		return -1;
	if (ir_tensor_numel(y) == 0)
		return 0;
	int64_t *taps = arena_alloc(scratch, (size_t)p.w.taps * sizeof *taps);
	do {
		int64_t ysp = 0;
		for (int d = 0; d < p.w.n; d++)
			ysp += opos[d] * p.y_sp[d];
		window_taps(&p.w, opos, taps);
		for (int64_t n = 0; n < p.batch; n++) {
			for (int64_t c = 0; c < p.channels; c++) {
				int64_t base = n * p.x_n + c * p.x_c, yi = n * p.y_n + c * p.y_c + ysp;
				int64_t k = argmax(x, base, taps, p.w.taps);
				if (k < 0)
					store_lowest(y, yi);
				else
					ir_tensor_copy_elem(y, yi, x, base + taps[k]);
				if (ind)
					ir_tensor_i64(ind)[yi] = ir_int_wrap(&ind->type, k < 0 ? (uint64_t)-1 :
						(uint64_t)max_index(&p, nhwc, order == 1, n, c, taps[k]));
			}
		}
	} while (window_next(p.w.n, p.w.out, opos));
	return 0;
}

/* AveragePool: (X) -> (Y), float types. */
int interp_AveragePool(struct ir_module *m, const struct ir_op *op,
		       const struct ir_tensor *const *in, struct ir_tensor *const *out,
		       struct arena *scratch)
{
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	struct pool p;
	bool include_pad = ir_attr_int(op, "count_include_pad", 0) != 0;
	int64_t opos[IR_MAX_RANK] = {0};
	if (!x || (x->type.elem != IR_ELEM_F32 && x->type.elem != IR_ELEM_F64) ||
	    !ir_type_same_elem(&x->type, &y->type))
		return ir_op_error(m, op, "X and Y must have one float element type");
	if (pool_activations(m, op, &x->type, &y->type, &p) < 0 || pool_window(m, op, &p) < 0)
		return -1;
	if (ir_tensor_numel(y) == 0)
		return 0;
	int64_t *taps = arena_alloc(scratch, (size_t)p.w.taps * sizeof *taps);
	do {
		int64_t ysp = 0, count = 0;
		for (int d = 0; d < p.w.n; d++)
			ysp += opos[d] * p.y_sp[d];
		window_taps(&p.w, opos, taps);
		for (int64_t k = 0; k < p.w.taps; k++)
			count += taps[k] >= 0 || (include_pad && taps[k] == WINDOW_PAD);
		for (int64_t n = 0; n < p.batch; n++) {
			for (int64_t c = 0; c < p.channels; c++) {
				int64_t base = n * p.x_n + c * p.x_c;
				double sum = 0;
				for (int64_t k = 0; k < p.w.taps; k++)
					if (taps[k] >= 0)
						sum += ir_load_f64(x, base + taps[k]);
				ir_tensor_set(y, n * p.y_n + c * p.y_c + ysp, count ? sum / (double)count : 0.0);
			}
		}
	} while (window_next(p.w.n, p.w.out, opos));
	return 0;
}

/* ---- global pools ------------------------------------------------------ */

/* X [N, C, spatial...] (or channels-last) -> Y with every spatial dim 1:
 * plane (n, c) has *count elements at base + s * *step, s < *count. */
static int global_plane(struct ir_module *m, const struct ir_op *op, const struct ir_type *x,
			const struct ir_type *y, struct pool *p, int64_t *count, int64_t *step)
{
	if (pool_activations(m, op, x, y, p) < 0)
		return -1;
	*count = 1;
	for (int d = 0; d < p->w.n; d++) {
		if (p->w.out[d] != 1)
			return ir_op_error(m, op, "result spatial dims must be 1");
		*count *= p->w.in[d];
	}
	*step = p->w.in_stride[p->w.n - 1]; /* spatial dims are contiguous in both layouts */
	return 0;
}

/* GlobalAveragePool: mean over the spatial dims. */
int interp_GlobalAveragePool(struct ir_module *m, const struct ir_op *op,
			     const struct ir_tensor *const *in, struct ir_tensor *const *out,
			     struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	struct pool p;
	int64_t count, step;
	if (!x || (x->type.elem != IR_ELEM_F32 && x->type.elem != IR_ELEM_F64) ||
	    !ir_type_same_elem(&x->type, &y->type))
		return ir_op_error(m, op, "X and Y must have one float element type");
	if (global_plane(m, op, &x->type, &y->type, &p, &count, &step) < 0)
		return -1;
	for (int64_t n = 0; n < p.batch; n++) {
		for (int64_t c = 0; c < p.channels; c++) {
			int64_t base = n * p.x_n + c * p.x_c;
			double sum = 0;
			for (int64_t s = 0; s < count; s++)
				sum += ir_load_f64(x, base + s * step);
			ir_tensor_set(y, n * p.y_n + c * p.y_c, count ? sum / (double)count : 0.0);
		}
	}
	return 0;
}

/* GlobalMaxPool: maximum over the spatial dims. */
int interp_GlobalMaxPool(struct ir_module *m, const struct ir_op *op,
			 const struct ir_tensor *const *in, struct ir_tensor *const *out,
			 struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	struct pool p;
	int64_t count, step;
	if (!x || x->type.elem == IR_ELEM_BOOL || !ir_type_same_elem(&x->type, &y->type))
		return ir_op_error(m, op, "X and Y must have one numeric element type");
	if (global_plane(m, op, &x->type, &y->type, &p, &count, &step) < 0)
		return -1;
	for (int64_t n = 0; n < p.batch; n++) {
		for (int64_t c = 0; c < p.channels; c++) {
			int64_t base = n * p.x_n + c * p.x_c, yi = n * p.y_n + c * p.y_c, best = base;
			for (int64_t s = 1; s < count; s++)
				if (greater(x, base + s * step, best))
					best = base + s * step;
			if (count == 0)
				store_lowest(y, yi);
			else
				ir_tensor_copy_elem(y, yi, x, best);
		}
	}
	return 0;
}
