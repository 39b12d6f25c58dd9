/* lower_conv.c: Conv on integers (a step of lower-integer, see
 * lower_integer.c).
 *
 *   Conv(Dequantize(x), Dequantize(w), B) with x quantized per tensor and w
 *   per tensor or per output channel (w's axis 0, in both layouts), zero
 *   points 0:
 *       sum sx*x * sw[o]*w = sx*sw[o] * sum x*w
 *   so the Conv runs on x and w and its accumulator carries the scale
 *   sx*sw[o] along the result's channel axis (ir/shape/conv.c sizes it from
 *   x's range and the actual weights). The zero padding of x is the integer
 *   0, since x's zero point is 0.
 *   The bias B (a known float, or a Dequantize of a quantized constant):
 *     - when every B[o] is an integer multiple k[o] of sx*sw[o], exactly,
 *       k becomes the integer Conv's own bias (in the accumulator's scale);
 *     - otherwise B is added in float after the Dequantize of the
 *       accumulator, as a per-channel constant; a requantization after it
 *       absorbs it into its thresholds (lower_thresholds.c), else it stays
 *       a float tail.
 *   A bias known only at run time leaves the Conv in float.
 *
 * Nonzero zero points (activations or weights) leave the Conv in float.
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <math.h>

/* Real value of bias element o: from the quantized constant behind a
 * Dequantize when there is one (exact), else the known float. */
static double bias_real(struct ir_module *m, int b, int qb, int64_t o)
{
	if (qb != IR_NONE) {
		const struct ir_quant *q = m->values[qb].type.quant;
		const int64_t *d = m->values[qb].data;
		return ((double)d[o] - (double)ir_quant_zero(q, o)) * ir_quant_scale(q, o);
	}
	return cl_const_elem(m, b, o);
}

/* k[o] = B[o] / s[o] when that is an exact integer for every o; false
 * otherwise. s are the accumulator's scales. */
static bool integer_bias(struct ir_module *m, int b, const struct ir_quant *acc, int64_t outs,
			 int64_t *k)
{
	int qb = li_quantized_source(m, b);
	if (qb != IR_NONE && m->values[qb].kind != IR_VALUE_CONST)
		return false;
	if (qb == IR_NONE && !cl_is_const(m, b))
		return false;
	for (int64_t o = 0; o < outs; o++) {
		double real = bias_real(m, b, qb, o), s = ir_quant_scale(acc, o), q = real / s;
		if (!(fabs(q) < 0x1p52) || q != floor(q) || q * s != real)
			return false;
		k[o] = (int64_t)q;
	}
	return true;
}

/* A constant holding k[0..outs) in the accumulator's scales, quantized along
 * its only axis (or per tensor). */
static int bias_const(struct ir_module *m, const char *base, const struct ir_quant *acc,
		      int64_t outs, const int64_t *k)
{
	int64_t lo = 0, hi = 0;
	for (int64_t o = 0; o < outs; o++) {
		lo = k[o] < lo ? k[o] : lo;
		hi = k[o] > hi ? k[o] : hi;
	}
	struct ir_type t = ir_type_int(ir_signed_bits_for(lo, hi), true, 1, (int64_t[]){outs});
	t.quant = acc->n == 1 ? acc : ir_quant_new(&m->arena, 0, acc->n, acc->scale, NULL);
	return li_add_const(m, arena_printf(&m->arena, "%s_bias_int", base), &t, k);
}

/* B as a float constant broadcasting along the channel axis of a result of
 * rank `rank` for op o's layout: B itself channels-last, [C, 1, ...] else. */
static int channel_bias(struct ir_module *m, int o, int b, int rank)
{
	if (m->ops[o].layout == IR_LAYOUT_NHWC)
		return b;
	const struct ir_type *bt = &m->values[b].type;
	int64_t dims[IR_MAX_RANK];
	for (int i = 0; i < rank - 1; i++)
		dims[i] = i == 0 ? bt->dims[0] : 1;
	struct ir_type t = ir_type_with_dims(*bt, rank - 1, dims);
	const void *data = ir_known_data(m, b);
	if (!data)
		return -1;
	return li_add_const(m, arena_printf(&m->arena, "%s_bias_c", m->ops[o].name), &t, data);
}

/* Conv_int(x, w) then Dequantize + B in float; 1 when done, 0 when it does
 * not fit, -1 after an error. */
static int float_bias(struct ir_module *m, int o, int x, int w, int b)
{
	int y = m->ops[o].results[0];
	if (!ir_known_data(m, b))
		return m->error[0] ? -1 : 0;
	int n = li_clone(m, o, 2, (int[]){x, w});
	if (n < 0)
		return n == LI_REJECTED ? 0 : -1;
	int d = li_dequantize(m, m->ops[n].results[0], m->values[y].type.elem, m->ops[o].name);
	int c = d < 0 ? -1 : channel_bias(m, o, b, m->values[y].type.rank);
	int a = c < 0 ? -1 : li_add_op(m, IR_OP_Add, m->ops[o].name, "bias", 2,
					(int[]){m->ops[d].results[0], c});
	if (a >= 0 && li_infer(m, a) == 0 && li_replace(m, o, a, y))
		return 1;
	if (m->error[0])
		return -1;
	m->ops[n].dead = true;
	if (d >= 0)
		m->ops[d].dead = true;
	ir_rebuild_uses(m);
	return 0;
}

static int lower_one(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	int x = li_quantized_source(m, op->operands[0]), w = li_quantized_source(m, op->operands[1]);
	int b = op->noperands > 2 ? op->operands[2] : IR_NONE;
	if (x == IR_NONE || w == IR_NONE)
		return 0;
	const struct ir_quant *qx = m->values[x].type.quant, *qw = m->values[w].type.quant;
	int64_t outs = m->values[w].type.dims[0];
	if (qx->n != 1 || !ir_quant_zero_free(qx) || !ir_quant_zero_free(qw) ||
	    (qw->n != 1 && (qw->axis != 0 || qw->n != outs)))
		return 0;
	if (b == IR_NONE) {
		int n = li_clone(m, o, 2, (int[]){x, w});
		return n < 0 ? (n == LI_REJECTED ? 0 : -1) : li_finish(m, o, n);
	}
	/* the accumulator's scales, as ir/shape/conv.c derives them */
	double *s = arena_alloc(&m->arena, (size_t)qw->n * sizeof *s);
	for (int64_t c = 0; c < qw->n; c++)
		s[c] = qx->scale[0] * qw->scale[c];
	const struct ir_quant *acc = ir_quant_new(&m->arena, qw->n == 1 ? -1 : 0, qw->n, s, NULL);
	int64_t *k = arena_alloc(&m->arena, (size_t)(outs ? outs : 1) * sizeof *k);
	if (!integer_bias(m, b, acc, outs, k))
		return float_bias(m, o, x, w, b);
	int bi = bias_const(m, m->ops[o].name, acc, outs, k);
	if (bi < 0)
		return bi == LI_REJECTED ? 0 : -1;
	int n = li_clone(m, o, 3, (int[]){x, w, bi});
	return n < 0 ? (n == LI_REJECTED ? 0 : -1) : li_finish(m, o, n);
}

int lower_conv(struct ir_module *m)
{
	return li_each_op(m, IR_OP_Conv, IR_OP_Conv, lower_one);
}
