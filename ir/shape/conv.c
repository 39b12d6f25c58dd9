/* conv.c: shapes of Conv and ConvTranspose, with 1 to 3 spatial dims.
 *
 * Conv:          X [N, C, d...], W [M, C/group, k...], B [M] -> [N, M, out...]
 *   channels-last (op->layout == IR_LAYOUT_NHWC, QONNX's channels_last
 *   domain): X [N, d..., C], W [M, k..., C/group] -> [N, out..., M].
 *   out per spatial dim as in window.c.
 * ConvTranspose: X [N, C, d...], W [C, M/group, k...], B [M] -> [N, M, out...]
 *   out = stride * (in - 1) + output_padding + ek - pad_begin - pad_end, or
 *   in * stride for SAME_*, or output_shape when given (pads then derived,
 *   and they must not be negative). Channels-first only.
 * X, W and B share one numeric element type, which the result takes.
 *
 * Integer Conv (X and W integer, widths may differ; B, when present, integer
 * too) gives a signed accumulator just wide enough never to overflow: with
 * X's values in [xlo, xhi] (its type's range; the zero padding lies inside
 * it) and W's elements known, output channel o's sums lie in
 * [B[o] + sum min(w*xlo, w*xhi), B[o] + sum max(w*xlo, w*xhi)] over o's
 * weights; with W or B unknown, the bound uses their types' largest
 * magnitudes. When X is quantized per tensor and W per tensor or per output
 * channel (W's axis 0 in both layouts), zero points 0, the accumulator is
 * quantized with scale sX * sW[o] along the result's channel axis, provided
 * B is absent or quantized with exactly those scales (ir/quant.h).
 */
#include "common.h"
#include "ir/quant.h"

#include <inttypes.h>
#include <math.h>

/* Checks X and W's ranks, the element types and group; returns the number
 * of spatial dims in *n and group in *group. */
static int check_operands(struct ir_module *m, const struct ir_op *op, int *n, int64_t *group)
{
	const struct ir_type *x = ir_operand_type(m, op, 0), *w = ir_operand_type(m, op, 1);
	if (x->rank < 3 || x->rank > 5)
		return ir_op_error(m, op, "input must have rank 3 to 5, got %d", x->rank);
	if (w->rank != x->rank)
		return ir_op_error(m, op, "weight has rank %d but input has rank %d", w->rank,
				   x->rank);
	bool all_int = x->elem == IR_ELEM_INT && w->elem == IR_ELEM_INT &&
		       op->code == IR_OP_Conv;
	for (int k = 0; k < op->noperands; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (t && !shape_is_numeric(t))
			return ir_op_error(m, op, "input %d must be numeric, got bool", k);
		if (t && all_int && t->elem != IR_ELEM_INT)
			return ir_op_error(m, op, "input %d must be an integer like X and W", k);
		if (t && !all_int && shape_same_elem(m, op, 0, k) < 0)
			return -1;
	}
	*n = x->rank - 2;
	if (shape_attr_int(m, op, "group", 1, group) < 0)
		return -1;
	if (*group < 1 || *group > SHAPE_MAX_DIM)
		return ir_op_error(m, op, "group %" PRId64 " is out of range", *group);
	return 0;
}

static int check_bias(struct ir_module *m, const struct ir_op *op, int64_t out_channels)
{
	const struct ir_type *b = ir_operand_type(m, op, 2);
	if (b && (b->rank != 1 || b->dims[0] != out_channels))
		return ir_op_error(m, op, "bias must have shape [%" PRId64 "]", out_channels);
	return 0;
}

/* kernel_shape, when given, must repeat the weight's spatial dims. */
static int read_kernel(struct ir_module *m, const struct ir_op *op, const struct ir_type *w,
		       int first, int n, struct shape_window *win)
{
	int count;
	const int64_t *ks;
	if (shape_attr_list(m, op, "kernel_shape", &ks, &count) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		win->kernel[i] = w->dims[first + i];
	if (ks && count != n)
		return ir_op_error(m, op, "kernel_shape has %d values, expected %d", count, n);
	for (int i = 0; ks && i < n; i++)
		if (ks[i] != win->kernel[i])
			return ir_op_error(m, op, "kernel_shape %" PRId64 " does not match the weight's "
					   "spatial dimension %" PRId64, ks[i], win->kernel[i]);
	return shape_window_read(m, op, n, win);
}

static long double absmax(const struct ir_type *t)
{
	int64_t lo, hi;
	ir_int_range(t, &lo, &hi);
	return fmaxl(fabsl((long double)lo), fabsl((long double)hi));
}

/* [lo, hi] of every integer Conv sum (see the header comment). */
static void conv_bounds(struct ir_module *m, const struct ir_op *op, long double *lo,
			long double *hi)
{
	const struct ir_type *x = ir_operand_type(m, op, 0), *w = ir_operand_type(m, op, 1);
	const struct ir_type *b = ir_operand_type(m, op, 2);
	const int64_t *wd = ir_known_data(m, op->operands[1]);
	const int64_t *bd = b ? ir_known_data(m, op->operands[2]) : NULL;
	int64_t xlo, xhi, outs = w->dims[0], per = outs ? ir_type_numel(w) / outs : 0;
	ir_int_range(x, &xlo, &xhi);
	*lo = *hi = 0;
	for (int64_t o = 0; o < outs; o++) {
		long double l = 0, h = 0;
		if (wd) {
			for (int64_t i = o * per; i < (o + 1) * per; i++) {
				long double p = (long double)wd[i] * xlo, q = (long double)wd[i] * xhi;
				l += fminl(p, q);
				h += fmaxl(p, q);
			}
		} else {
			h = (long double)per * absmax(x) * absmax(w);
			l = -h;
		}
		if (bd) {
			l += (long double)bd[o];
			h += (long double)bd[o];
		} else if (b) {
			l -= absmax(b);
			h += absmax(b);
		}
		*lo = fminl(*lo, l);
		*hi = fmaxl(*hi, h);
	}
}

/* The accumulator's quantization, or NULL (see the header comment). */
static const struct ir_quant *conv_quant(struct ir_module *m, const struct ir_op *op, int axis)
{
	const struct ir_type *x = ir_operand_type(m, op, 0), *w = ir_operand_type(m, op, 1);
	const struct ir_type *b = ir_operand_type(m, op, 2);
	const struct ir_quant *qx = x->quant, *qw = w->quant;
	if (!qx || !qw || qx->n != 1 || !ir_quant_zero_free(qx) || !ir_quant_zero_free(qw))
		return NULL;
	if (qw->n != 1 && (qw->axis != 0 || qw->n != w->dims[0]))
		return NULL;
	double *s = arena_alloc(&m->arena, (size_t)qw->n * sizeof *s);
	for (int64_t c = 0; c < qw->n; c++)
		s[c] = qx->scale[0] * qw->scale[c];
	const struct ir_quant *q = ir_quant_new(&m->arena, qw->n == 1 ? -1 : axis, qw->n, s, NULL);
	if (!b)
		return q;
	const struct ir_quant *qb = b->quant;
	if (!qb || !ir_quant_zero_free(qb) || (qb->n != 1 && qb->n != w->dims[0]))
		return NULL;
	for (int64_t c = 0; c < w->dims[0]; c++)
		if (ir_quant_scale(qb, c) != ir_quant_scale(q, c))
			return NULL;
	return q;
}

/* The integer Conv's accumulator type for result dims out. */
static void int_accumulator(struct ir_module *m, const struct ir_op *op, struct ir_type *out)
{
	long double lo, hi;
	conv_bounds(m, op, &lo, &hi);
	const long double limit = 9.2e18L;
	int bits = lo < -limit || hi > limit ? 64 : ir_signed_bits_for((int64_t)lo, (int64_t)hi);
	struct ir_type t = ir_type_int(bits, true, out->rank, out->dims);
	t.quant = conv_quant(m, op, shape_channel_axis(op, out->rank));
	*out = t;
}

int shape_conv(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0), *w = ir_operand_type(m, op, 1);
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	int n;
	int64_t group;
	if (check_operands(m, op, &n, &group) < 0)
		return -1;
	int64_t out_channels = w->dims[0];
	int first = shape_first_spatial(op);
	int64_t channels = x->dims[shape_channel_axis(op, x->rank)];
	int64_t per_group = w->dims[nhwc ? w->rank - 1 : 1], expected;
	if (shape_mul(m, op, per_group, group, &expected) < 0)
		return -1;
	if (channels != expected)
		return ir_op_error(m, op, "input has %" PRId64 " channels but the weight expects %"
				   PRId64 " (%" PRId64 " per group x %" PRId64 " groups)",
				   channels, expected, per_group, group);
	if (out_channels % group)
		return ir_op_error(m, op, "%" PRId64 " output channels are not divisible by group %"
				   PRId64, out_channels, group);
	if (check_bias(m, op, out_channels) < 0)
		return -1;
	struct shape_window win = {0};
	if (read_kernel(m, op, w, first, n, &win) < 0)
		return -1;
	struct ir_type out = *x;
	for (int i = 0; i < n; i++)
		if (shape_window_out(m, op, &win, i, x->dims[first + i], &out.dims[first + i]) < 0)
			return -1;
	out.dims[shape_channel_axis(op, x->rank)] = out_channels;
	if (x->elem == IR_ELEM_INT && w->elem == IR_ELEM_INT)
		int_accumulator(m, op, &out);
	return shape_set(m, op, 0, &out);
}

/* ConvTranspose output size along spatial dim i. */
static int transpose_out(struct ir_module *m, const struct ir_op *op,
			 const struct shape_window *w, int i, int64_t in, int64_t out_pad,
			 const int64_t *out_shape, int64_t *out)
{
	int64_t stride = w->strides[i], span, stretched;
	if (in < 1)
		return ir_op_error(m, op, "spatial input dimension %d is empty", i);
	if (out_pad >= stride && out_pad >= w->dilations[i])
		return ir_op_error(m, op, "output_padding %" PRId64 " must be smaller than the "
				   "stride or the dilation", out_pad);
	if (shape_mul(m, op, w->dilations[i], w->kernel[i] - 1, &span) < 0 ||
	    shape_mul(m, op, stride, in - 1, &stretched) < 0)
		return -1;
	int64_t full = stretched + out_pad + span + 1; /* output before removing pads */
	if (out_shape) {
		if (out_shape[i] > full)
			return ir_op_error(m, op, "output_shape %" PRId64 " is larger than the full "
					   "output %" PRId64, out_shape[i], full);
		*out = out_shape[i];
	} else if (w->auto_pad == SHAPE_SAME_UPPER || w->auto_pad == SHAPE_SAME_LOWER) {
		if (shape_mul(m, op, in, stride, out) < 0)
			return -1;
		if (*out > full)
			return ir_op_error(m, op, "SAME padding would be negative");
	} else {
		*out = full - w->pads[i] - w->pads[w->n + i];
		if (*out < 0)
			return ir_op_error(m, op, "pads (%" PRId64 ", %" PRId64 ") remove more than the "
					   "output size %" PRId64, w->pads[i], w->pads[w->n + i], full);
	}
	return 0;
}

int shape_conv_transpose(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	if (op->layout == IR_LAYOUT_NHWC)
		return ir_op_error(m, op, "channels-last layout is not supported");
	const struct ir_type *x = ir_operand_type(m, op, 0), *w = ir_operand_type(m, op, 1);
	int n;
	int64_t group, out_channels;
	if (check_operands(m, op, &n, &group) < 0 ||
	    shape_mul(m, op, w->dims[1], group, &out_channels) < 0 ||
	    check_bias(m, op, out_channels) < 0)
		return -1;
	if (x->dims[1] != w->dims[0])
		return ir_op_error(m, op, "input has %" PRId64 " channels but the weight has %" PRId64,
				   x->dims[1], w->dims[0]);
	if (x->dims[1] % group)
		return ir_op_error(m, op, "%" PRId64 " input channels are not divisible by group %"
				   PRId64, x->dims[1], group);
	struct shape_window win = {0};
	int64_t out_pad[IR_MAX_RANK], out_shape[IR_MAX_RANK];
	bool have_shape = ir_attr_find(op, "output_shape") != NULL;
	if (read_kernel(m, op, w, 2, n, &win) < 0 ||
	    shape_attr_ints(m, op, "output_padding", n, 0, 0, SHAPE_MAX_DIM, out_pad) < 0 ||
	    shape_attr_ints(m, op, "output_shape", n, 0, 0, SHAPE_MAX_DIM, out_shape) < 0)
		return -1;
	struct ir_type out = *x;
	out.dims[1] = out_channels;
	for (int i = 0; i < n; i++)
		if (transpose_out(m, op, &win, i, x->dims[2 + i], out_pad[i],
				  have_shape ? out_shape : NULL, &out.dims[2 + i]) < 0)
			return -1;
	return shape_set(m, op, 0, &out);
}
