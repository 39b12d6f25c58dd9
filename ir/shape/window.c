/* window.c: the sliding-window arithmetic shared by Conv and the pools, and
 * where their layouts keep channels.
 *
 * ONNX Conv/MaxPool/AveragePool (opset 21): along each spatial dim, with
 * effective kernel ek = dilation * (kernel - 1) + 1,
 *   NOTSET      out = floor((in + pad_begin + pad_end - ek) / stride) + 1
 *               (ceil instead of floor with ceil_mode, dropping a last window
 *               that would start past the input and its leading pad)
 *   VALID       the same with zero pads
 *   SAME_UPPER, SAME_LOWER   out = ceil(in / stride)
 * Explicit pads given together with SAME/VALID are rejected. All attribute
 * values are range-checked (strides, dilations, kernel >= 1, pads >= 0, all
 * <= 2^40) before any arithmetic.
 */
#include "common.h"

#include <inttypes.h>

int shape_channel_axis(const struct ir_op *op, int rank)
{
	return op->layout == IR_LAYOUT_NHWC ? rank - 1 : 1;
}

int shape_first_spatial(const struct ir_op *op)
{
	return op->layout == IR_LAYOUT_NHWC ? 1 : 2;
}

static const char *const auto_pads[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", NULL};

int shape_window_read(struct ir_module *m, const struct ir_op *op, int n, struct shape_window *w)
{
	if (n < 1 || n > IR_MAX_RANK - 2)
		return ir_op_error(m, op, "expects 1 to %d spatial dimensions, got %d",
				   IR_MAX_RANK - 2, n);
	w->n = n;
	for (int i = 0; i < n; i++)
		if (w->kernel[i] < 1 || w->kernel[i] > SHAPE_MAX_DIM)
			return ir_op_error(m, op, "kernel size %" PRId64 " is out of range", w->kernel[i]);
	int auto_pad = shape_attr_choice(m, op, "auto_pad", auto_pads);
	if (auto_pad < 0 ||
	    shape_attr_ints(m, op, "strides", n, 1, 1, SHAPE_MAX_DIM, w->strides) < 0 ||
	    shape_attr_ints(m, op, "dilations", n, 1, 1, SHAPE_MAX_DIM, w->dilations) < 0 ||
	    shape_attr_ints(m, op, "pads", 2 * n, 0, 0, SHAPE_MAX_DIM, w->pads) < 0)
		return -1;
	w->auto_pad = (enum shape_auto_pad)auto_pad;
	if (w->auto_pad == SHAPE_NOTSET)
		return 0;
	for (int i = 0; i < 2 * n; i++) {
		if (w->pads[i])
			return ir_op_error(m, op, "explicit pads cannot be combined with auto_pad %s",
					   auto_pads[auto_pad]);
	}
	return 0;
}

int shape_window_out(struct ir_module *m, const struct ir_op *op, const struct shape_window *w,
		     int i, int64_t in, int64_t *out)
{
	int64_t stride = w->strides[i], span;
	if (shape_mul(m, op, w->dilations[i], w->kernel[i] - 1, &span) < 0)
		return -1;
	int64_t ek = span + 1;
	if (w->auto_pad == SHAPE_SAME_UPPER || w->auto_pad == SHAPE_SAME_LOWER) {
		*out = (in + stride - 1) / stride;
		return 0;
	}
	int64_t begin = w->pads[i], padded = in + begin + w->pads[w->n + i];
	if (padded < ek)
		return ir_op_error(m, op, "kernel of effective size %" PRId64 " is larger than the "
				   "padded input of size %" PRId64 " in spatial dimension %d",
				   ek, padded, i);
	if (!w->ceil_mode) {
		*out = (padded - ek) / stride + 1;
		return 0;
	}
	*out = (padded - ek + stride - 1) / stride + 1;
	if ((*out - 1) * stride >= in + begin)
		--*out;
	return 0;
}
