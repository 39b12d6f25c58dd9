/* lower_pool.c: average pools on integers, as a sum and a scale (a step of
 * lower-integer, see lower_integer.c).
 *
 *   AveragePool(Dequantize(q)) / GlobalAveragePool(Dequantize(q)), q
 *   quantized per tensor with zero point 0:
 *       mean of s*q over a window = (s * sum of q over the window) / count
 *   The window sum is an integer depthwise Conv of q with a kernel of ones
 *   (group = channels, W typed u1 with scale 1, so its accumulator is sized
 *   and scaled s by ir/shape/conv.c), then Dequantize, then a float Div by
 *   the count, which a requantization after it absorbs into its thresholds
 *   (lower_thresholds.c); before a graph output it stays a float tail.
 *   count is the same for every window only when no window reaches into
 *   padding or padding counts (count_include_pad = 1); otherwise, and when
 *   ceil_mode adds windows a Conv would not have, the pool stays in float.
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <string.h>

/* Whether the pool's padding is certainly all zero. */
static bool no_padding(const struct ir_op *op)
{
	int n;
	const int64_t *pads = ir_attr_ints(op, "pads", &n);
	const char *ap = ir_attr_string(op, "auto_pad", "NOTSET");
	if (strcmp(ap, "NOTSET") && strcmp(ap, "VALID"))
		return false;
	for (int i = 0; pads && i < n; i++)
		if (pads[i])
			return false;
	return true;
}

/* The kernel of ones [C, 1, k...] (channels-last [C, k..., 1]). */
static int ones_kernel(struct ir_module *m, int o, int64_t channels, int nk, const int64_t *k)
{
	bool nhwc = m->ops[o].layout == IR_LAYOUT_NHWC;
	int64_t dims[IR_MAX_RANK];
	dims[0] = channels;
	for (int i = 0; i < nk; i++)
		dims[(nhwc ? 1 : 2) + i] = k[i];
	dims[nhwc ? nk + 1 : 1] = 1;
	struct ir_type t = ir_type_int(1, false, nk + 2, dims);
	t.quant = ir_quant_new(&m->arena, -1, 1, (double[]){1}, NULL);
	int v = li_add_const(m, arena_printf(&m->arena, "%s_ones", m->ops[o].name), &t, NULL);
	if (v < 0)
		return v;
	int64_t *d = m->values[v].data;
	for (int64_t i = 0, n = ir_type_numel(&t); i < n; i++)
		d[i] = 1;
	return v;
}

/* The Conv summing what op o averages; its index, LI_REJECTED or -1. */
static int window_sum(struct ir_module *m, int o, int q, int64_t *count)
{
	const struct ir_type *qt = &m->values[q].type;
	bool global = m->ops[o].code == IR_OP_GlobalAveragePool;
	int rank = qt->rank, nk = rank - 2, first = m->ops[o].layout == IR_LAYOUT_NHWC ? 1 : 2;
	int64_t channels = qt->dims[m->ops[o].layout == IR_LAYOUT_NHWC ? rank - 1 : 1];
	int64_t k[IR_MAX_RANK];
	int n = 0;
	const int64_t *ks = global ? NULL : ir_attr_ints(&m->ops[o], "kernel_shape", &n);
	if (rank < 3 || (!global && (!ks || n != nk)))
		return LI_REJECTED;
	*count = 1;
	for (int i = 0; i < nk; i++) {
		k[i] = global ? qt->dims[first + i] : ks[i];
		*count *= k[i];
	}
	int w = ones_kernel(m, o, channels, nk, k);
	if (w < 0)
		return w;
	int c = li_add_op(m, IR_OP_Conv, m->ops[o].name, "sum", 2, (int[]){q, w});
	if (c < 0)
		return -1;
	m->ops[c].layout = m->ops[o].layout;
	m->ops[c].opset = m->ops[o].opset;
	static const char *const copied[] = {"strides", "pads", "dilations"};
	for (int i = 0; !global && i < 3; i++) {
		const struct ir_attr *a = ir_attr_find(&m->ops[o], copied[i]);
		if (a)
			ir_set_attr(m, c, a);
	}
	if (!global && ir_attr_find(&m->ops[o], "auto_pad"))
		ir_set_attr_string(m, c, "auto_pad", ir_attr_string(&m->ops[o], "auto_pad", "NOTSET"));
	ir_set_attr_int(m, c, "group", channels);
	ir_set_attr_ints(m, c, "kernel_shape", nk, k);
	return li_infer(m, c) < 0 ? LI_REJECTED : c;
}

static int lower_one(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	int q = li_quantized_source(m, op->operands[0]), y = op->results[0];
	if (q == IR_NONE || op->nresults != 1)
		return 0;
	const struct ir_quant *qt = m->values[q].type.quant;
	if (qt->n != 1 || qt->zero_point[0] != 0)
		return 0;
	if (op->code == IR_OP_AveragePool &&
	    !no_padding(op) && ir_attr_int(op, "count_include_pad", 0) == 0)
		return 0;
	int64_t count;
	int c = window_sum(m, o, q, &count);
	if (c < 0)
		return c == LI_REJECTED ? 0 : -1;
	const struct ir_type *yt = &m->values[y].type;
	const struct ir_type *st = &m->values[m->ops[c].results[0]].type;
	int d = -1, kv = -1, div = -1;
	if (st->rank == yt->rank && !memcmp(st->dims, yt->dims, sizeof st->dims)) {
		d = li_dequantize(m, m->ops[c].results[0], yt->elem, m->ops[o].name);
		struct ir_type kt = ir_type_with_dims(*yt, 0, NULL);
		kv = d < 0 ? -1 : cl_new_const(m, m->ops[o].name, "count", &kt, (double[]){(double)count});
		div = kv < 0 ? -1 : li_add_op(m, IR_OP_Div, m->ops[o].name, "mean", 2,
					      (int[]){m->ops[d].results[0], kv});
	}
	if (div >= 0 && li_infer(m, div) == 0 && li_replace(m, o, div, y))
		return 1;
	if (m->error[0])
		return -1;
	m->ops[c].dead = true;
	if (d >= 0)
		m->ops[d].dead = true;
	ir_rebuild_uses(m);
	return 0;
}

int lower_pool(struct ir_module *m)
{
	return li_each_op(m, IR_OP_AveragePool, IR_OP_GlobalAveragePool, lower_one);
}
