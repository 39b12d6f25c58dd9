/* pool.c: shapes of MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool.
 *
 * X [N, C, d...] (or [N, d..., C] channels-last) -> [N, C, out...], out per
 * spatial dim as in window.c, with kernel_shape required and ceil_mode
 * honoured. MaxPool's optional second result, Indices, is int64 of the same
 * shape. Pads must be smaller than the effective kernel so that every window
 * covers at least one input element (AveragePool without count_include_pad
 * would otherwise divide by zero). Global pools reduce every spatial dim to 1.
 */
#include "common.h"

#include <inttypes.h>

static int check_input(struct ir_module *m, const struct ir_op *op)
{
	const struct ir_type *x = ir_operand_type(m, op, 0);
	if (x->rank < 3)
		return ir_op_error(m, op, "input must have rank 3 or more, got %d", x->rank);
	if (!shape_is_numeric(x))
		return ir_op_error(m, op, "input must be numeric, got bool");
	return 0;
}

static int read_attrs(struct ir_module *m, const struct ir_op *op, int n, struct shape_window *w)
{
	int count, flag;
	const int64_t *kernel;
	if (shape_attr_list(m, op, "kernel_shape", &kernel, &count) < 0)
		return -1;
	if (!kernel)
		return ir_op_error(m, op, "attribute kernel_shape is missing");
	if (count != n)
		return ir_op_error(m, op, "kernel_shape has %d values, expected %d", count, n);
	for (int i = 0; i < n; i++)
		w->kernel[i] = kernel[i];
	if (shape_window_read(m, op, n, w) < 0 || shape_attr_flag(m, op, "ceil_mode", 0, &flag) < 0)
		return -1;
	w->ceil_mode = flag;
	if (shape_attr_flag(m, op, "count_include_pad", 0, &flag) < 0 ||
	    shape_attr_flag(m, op, "storage_order", 0, &flag) < 0)
		return -1;
	for (int i = 0; i < 2 * n; i++) {
		int64_t span;
		if (shape_mul(m, op, w->dilations[i % n], w->kernel[i % n] - 1, &span) < 0)
			return -1;
		if (w->pads[i] > span)
			return ir_op_error(m, op, "pad %" PRId64 " is not smaller than the kernel "
					   "(effective size %" PRId64 ")", w->pads[i], span + 1);
	}
	return 0;
}

int shape_pool(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || check_input(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int n = x->rank - 2, first = shape_first_spatial(op);
	struct shape_window w = {0};
	if (read_attrs(m, op, n, &w) < 0)
		return -1;
	struct ir_type out = *x;
	for (int i = 0; i < n; i++)
		if (shape_window_out(m, op, &w, i, x->dims[first + i], &out.dims[first + i]) < 0)
			return -1;
	if (shape_set(m, op, 0, &out) < 0)
		return -1;
	if (op->nresults < 2)
		return 0;
	struct ir_type indices = ir_type_int(64, true, out.rank, out.dims);
	return shape_set(m, op, 1, &indices);
}

int shape_global_pool(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || check_input(m, op) < 0)
		return -1;
	struct ir_type out = *ir_operand_type(m, op, 0);
	int first = shape_first_spatial(op);
	for (int i = 0; i < out.rank - 2; i++)
		out.dims[first + i] = 1;
	return shape_set(m, op, 0, &out);
}
