/* window.h: sliding-window geometry shared by the Conv, ConvTranspose and
 * pooling kernels (conv.c, pool.c).
 *
 * A window slides over the n spatial dims of an input. The kernels walk the
 * output positions; for each one, window_taps lists, for every kernel
 * position in row-major order, the offset of the input element it reads
 * (the sum of coordinate * spatial stride of the input's layout), or a
 * negative marker for a position outside the input. All offsets are range
 * checked here, so a kernel that only reads at offsets >= 0 (plus its own
 * batch/channel base) stays in bounds whatever the attributes say.
 */
#ifndef QONNXC_INTERP_WINDOW_H
#define QONNXC_INTERP_WINDOW_H

#include "interp.h"

enum {
	WINDOW_PAD = -1,    /* in the zero padding (counts for count_include_pad) */
	WINDOW_BEYOND = -2, /* past the end padding (ceil_mode's partial windows) */
};

/* Largest number of kernel positions accepted (kernels hold one tap each). */
#define WINDOW_MAX_TAPS ((int64_t)1 << 24)

struct window {
	int n;                           /* spatial dims */
	int64_t in[IR_MAX_RANK];         /* input extent */
	int64_t out[IR_MAX_RANK];        /* output extent */
	int64_t kernel[IR_MAX_RANK];
	int64_t stride[IR_MAX_RANK];
	int64_t dilation[IR_MAX_RANK];
	int64_t pad[IR_MAX_RANK];        /* padding before */
	int64_t pad_end[IR_MAX_RANK];    /* padding after */
	int64_t in_stride[IR_MAX_RANK];  /* element stride of each spatial dim in the input */
	int64_t taps;                    /* product of kernel */
};

/* Where the channel and the spatial dims of a rank-r activation are:
 * [N, C, spatial...] by default, [N, spatial..., C] for IR_LAYOUT_NHWC. */
int window_channel_axis(const struct ir_op *op, int rank);
int window_first_spatial(const struct ir_op *op);

/* Fills w for the op's attributes strides, dilations, pads and auto_pad
 * (NOTSET, SAME_UPPER, SAME_LOWER, VALID). The caller has set w->n, w->in,
 * w->out, w->kernel and w->in_stride. For a transposed convolution
 * (transposed true) SAME_* padding follows ConvTranspose's rule and
 * output_shape / output_padding are taken into account. 0, or -1 after
 * ir_op_error. */
int window_init(struct ir_module *m, const struct ir_op *op, struct window *w, bool transposed);

/* Output position opos (n coordinates) -> taps[w->taps]: for a forward window
 * the input read by each kernel position, for a transposed one the input
 * position whose kernel position contributes to opos (WINDOW_PAD when none). */
void window_taps(const struct window *w, const int64_t *opos, int64_t *taps);
void window_taps_transposed(const struct window *w, const int64_t *opos, int64_t *taps);

/* Advances a position over the n dims of ext in row-major order; false after
 * the last one. */
bool window_next(int n, const int64_t *ext, int64_t *pos);

#endif
