/* window.c: sliding-window geometry for Conv, ConvTranspose and the pools
 * (see window.h).
 *
 * Padding follows the ONNX operator definitions (opset 21):
 *   NOTSET: the pads attribute [begin..., end...];
 *   VALID: none;
 *   SAME_UPPER / SAME_LOWER (forward): total = (ceil(in / stride) - 1)
 *     * stride + (kernel - 1) * dilation + 1 - in, the odd element at the end
 *     for SAME_UPPER, at the beginning for SAME_LOWER;
 *   ConvTranspose with output_shape or SAME_*: total = stride * (in - 1) +
 *     output_padding + (kernel - 1) * dilation + 1 - out, begin = total / 2
 *     for SAME_UPPER and total - total / 2 otherwise (the operator's text);
 *     a negative total counts as 0, as in ONNX Runtime.
 * Every attribute is range checked, and the largest coordinate the window
 * can produce is checked to be far from int64 overflow, so that the tap
 * arithmetic below cannot overflow.
 */
#include "window.h"

#include <string.h>

#define ATTR_LIMIT ((int64_t)1 << 40)
#define COORD_LIMIT 1152921504606846976.0 /* 2^60 */

int window_channel_axis(const struct ir_op *op, int rank)
{
	return op->layout == IR_LAYOUT_NHWC ? rank - 1 : 1;
}

int window_first_spatial(const struct ir_op *op)
{
	return op->layout == IR_LAYOUT_NHWC ? 1 : 2;
}

/* Attribute name as exactly n ints within lo..ATTR_LIMIT, def when absent. */
static int read_ints(struct ir_module *m, const struct ir_op *op, const char *name, int n,
		     int64_t def, int64_t lo, int64_t *out)
{
	int count;
	const int64_t *v = ir_attr_ints(op, name, &count);
	if (!v) {
		for (int i = 0; i < n; i++)
			out[i] = def;
		return 0;
	}
	if (count != n)
		return ir_op_error(m, op, "attribute %s has %d values, expected %d", name, count, n);
	for (int i = 0; i < n; i++) {
		if (v[i] < lo || v[i] > ATTR_LIMIT)
			return ir_op_error(m, op, "attribute %s value %lld out of range", name,
					   (long long)v[i]);
		out[i] = v[i];
	}
	return 0;
}

enum auto_pad { NOTSET, SAME_UPPER, SAME_LOWER, VALID };

static int read_auto_pad(struct ir_module *m, const struct ir_op *op, enum auto_pad *ap)
{
	static const char *const names[] = {"NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID"};
	const char *s = ir_attr_string(op, "auto_pad", "NOTSET");
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*ap = (enum auto_pad)i;
			return 0;
		}
	}
	return ir_op_error(m, op, "unknown auto_pad '%.40s'", s);
}

/* Begin padding of a forward window for SAME_*. The total is not clamped at
 * zero: when the stride exceeds the kernel it can be negative, and the
 * windows then start inside the input (as in the operator's formula and in
 * ONNX Runtime, whose rounding of the halves this follows). */
static void same_pads(struct window *w, int i, enum auto_pad ap)
{
	int64_t out = (w->in[i] + w->stride[i] - 1) / w->stride[i];
	int64_t total = (out - 1) * w->stride[i] + (w->kernel[i] - 1) * w->dilation[i] + 1 - w->in[i];
	w->pad[i] = ap == SAME_UPPER ? total / 2 : (total + 1) / 2;
	w->pad_end[i] = total - w->pad[i];
}

/* Begin padding of a transposed window from its output size. */
static int transposed_pads(struct ir_module *m, const struct ir_op *op, struct window *w,
			   enum auto_pad ap)
{
	int64_t opad[IR_MAX_RANK];
	if (read_ints(m, op, "output_padding", w->n, 0, 0, opad) < 0)
		return -1;
	for (int i = 0; i < w->n; i++) {
		int64_t total = w->stride[i] * (w->in[i] - 1) + opad[i] +
				(w->kernel[i] - 1) * w->dilation[i] + 1 - w->out[i];
		if (total < 0) /* an output larger than the full one: zeros after it */
			total = 0;
		w->pad[i] = ap == SAME_UPPER ? total / 2 : total - total / 2;
		w->pad_end[i] = total - w->pad[i];
	}
	return 0;
}

/* The largest magnitude a coordinate can reach must be far from overflow. */
static int check_extent(struct ir_module *m, const struct ir_op *op, const struct window *w)
{
	for (int i = 0; i < w->n; i++) {
		double reach = (double)w->out[i] * (double)w->stride[i] +
			       (double)w->kernel[i] * (double)w->dilation[i] +
			       (double)(w->pad[i] < 0 ? -w->pad[i] : w->pad[i]) + (double)w->in[i];
		if (reach > COORD_LIMIT)
			return ir_op_error(m, op, "window geometry too large");
	}
	return 0;
}

int window_init(struct ir_module *m, const struct ir_op *op, struct window *w, bool transposed)
{
	enum auto_pad ap = NOTSET;
	int64_t pads[2 * IR_MAX_RANK];
	if (w->n < 1 || w->n > IR_MAX_RANK - 2)
		return ir_op_error(m, op, "needs 1 to %d spatial dimensions", IR_MAX_RANK - 2);
	w->taps = 1;
	for (int i = 0; i < w->n; i++) {
		if (w->kernel[i] < 1 || w->kernel[i] > ATTR_LIMIT || w->in[i] < 0 ||
		    w->in[i] > ATTR_LIMIT || w->out[i] < 0 || w->out[i] > ATTR_LIMIT)
			return ir_op_error(m, op, "bad kernel, input or output size");
		w->taps *= w->kernel[i];
		if (w->taps > WINDOW_MAX_TAPS)
			return ir_op_error(m, op, "kernel too large");
	}
	if (read_auto_pad(m, op, &ap) < 0 ||
	    read_ints(m, op, "strides", w->n, 1, 1, w->stride) < 0 ||
	    read_ints(m, op, "dilations", w->n, 1, 1, w->dilation) < 0 ||
	    read_ints(m, op, "pads", 2 * w->n, 0, 0, pads) < 0)
		return -1;
	for (int i = 0; i < w->n; i++) {
		w->pad[i] = ap == NOTSET ? pads[i] : 0;
		w->pad_end[i] = ap == NOTSET ? pads[w->n + i] : 0;
		if (!transposed && (ap == SAME_UPPER || ap == SAME_LOWER))
			same_pads(w, i, ap);
	}
	if (transposed && (ap == SAME_UPPER || ap == SAME_LOWER || ir_attr_find(op, "output_shape")))
		if (transposed_pads(m, op, w, ap) < 0)
			return -1;
	return check_extent(m, op, w);
}

/* Row-major walk over the kernel positions, carrying per-dim coordinates. */
bool window_next(int n, const int64_t *ext, int64_t *pos)
{
	for (int d = n - 1; d >= 0; d--) {
		if (++pos[d] < ext[d])
			return true;
		pos[d] = 0;
	}
	return false;
}

void window_taps(const struct window *w, const int64_t *opos, int64_t *taps)
{
	int64_t k[IR_MAX_RANK] = {0};
	int64_t t = 0;
	do {
		int64_t off = 0;
		int where = 0; /* 0 inside, 1 padding, 2 beyond */
		for (int d = 0; d < w->n; d++) {
			int64_t c = opos[d] * w->stride[d] - w->pad[d] + k[d] * w->dilation[d];
			if (c >= w->in[d] + w->pad_end[d])
				where = 2;
			else if (c < 0 || c >= w->in[d])
				where = where < 1 ? 1 : where;
			else
				off += c * w->in_stride[d];
		}
		taps[t++] = where == 0 ? off : where == 1 ? WINDOW_PAD : WINDOW_BEYOND;
	} while (window_next(w->n, w->kernel, k));
}

/* ConvTranspose: output o receives input i through kernel position k when
 * o = i * stride - pad + k * dilation. */
void window_taps_transposed(const struct window *w, const int64_t *opos, int64_t *taps)
{
	int64_t k[IR_MAX_RANK] = {0};
	int64_t t = 0;
	do {
		int64_t off = 0;
		bool hit = true;
		for (int d = 0; d < w->n && hit; d++) {
			int64_t num = opos[d] + w->pad[d] - k[d] * w->dilation[d];
			int64_t i = num / w->stride[d];
			if (num < 0 || num % w->stride[d] != 0 || i >= w->in[d])
				hit = false;
			else
				off += i * w->in_stride[d];
		}
		taps[t++] = hit ? off : WINDOW_PAD;
	} while (window_next(w->n, w->kernel, k));
}
