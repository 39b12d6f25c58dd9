/* lower_zero_point.c: zero points out of the way of MatMul and Conv (a step
 * of lower-integer, see lower_integer.c).
 *
 * An integer q quantized with scale s and zero point z stands for the real
 * values s * (q - z). The integer MatMul and Conv rules (lower_sink.c,
 * lower_conv.c) need z = 0, so an operand Dequantize(q) of a MatMul or Conv
 * with z != 0 is replaced by Dequantize(q - z), the same real values:
 *   q a constant (asymmetric weights): q - z is computed now, per channel
 *   where z is, into a constant of the narrowest signed type holding it;
 *   q computed (an unsigned activation with an offset): q - z is the
 *   integer Add of the constant -z, typed with q's scales and zero point 0,
 *   and q widened by Cast to the narrowest signed width holding the
 *   difference. Integer element-wise ops give their result the type of
 *   their first operand (ir/shape/elementwise.c), the constant here, so the
 *   sum carries the quantization (s, 0).
 * Conv's zero padding then pads with the integer 0, the real 0, as it
 * should. (This is the usual zero-point correction, done on the operand
 * before the product instead of as sums of rows and columns after it: the
 * product then needs one bit more per operand at most.)
 *
 * Requires and guarantees what lower_integer.c says of its steps.
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

/* Index along q's quant axis of flat element i of type t. */
static int64_t channel(const struct ir_type *t, int64_t i)
{
	const struct ir_quant *q = t->quant;
	if (q->n == 1)
		return 0;
	int64_t inner = 1;
	for (int k = q->axis + 1; k < t->rank; k++)
		inner *= t->dims[k];
	return (i / inner) % t->dims[q->axis];
}

/* t's quantization with every zero point 0. */
static const struct ir_quant *zero_free(struct ir_module *m, const struct ir_type *t)
{
	return ir_quant_new(&m->arena, t->quant->axis, t->quant->n, t->quant->scale, NULL);
}

/* Constant q minus its zero points: a new constant's index, LI_REJECTED or -1. */
static int shifted_const(struct ir_module *m, int q)
{
	const struct ir_type *t = &m->values[q].type;
	int64_t n = ir_type_numel(t), lo = 0, hi = 0;
	const int64_t *d = m->values[q].data;
	int64_t *v = arena_alloc(&m->arena, (size_t)(n ? n : 1) * sizeof *v);
	for (int64_t i = 0; i < n; i++) {
		v[i] = d[i] - ir_quant_zero(t->quant, channel(t, i));
		lo = v[i] < lo ? v[i] : lo;
		hi = v[i] > hi ? v[i] : hi;
	}
	struct ir_type nt = ir_type_int(ir_signed_bits_for(lo, hi), true, t->rank, t->dims);
	nt.quant = zero_free(m, t);
	return li_add_const(m, arena_printf(&m->arena, "%s_nozp", m->values[q].name), &nt, v);
}

/* Computed q minus its zero points: the Add's result, LI_REJECTED or -1. */
static int shifted_computed(struct ir_module *m, int q, const char *base)
{
	const struct ir_type *t = &m->values[q].type;
	const struct ir_quant *qq = t->quant;
	int64_t lo, hi, zlo = qq->zero_point[0], zhi = zlo;
	ir_int_range(t, &lo, &hi);
	int64_t *nz = arena_alloc(&m->arena, (size_t)qq->n * sizeof *nz);
	for (int64_t c = 0; c < qq->n; c++) {
		nz[c] = -qq->zero_point[c];
		zlo = qq->zero_point[c] < zlo ? qq->zero_point[c] : zlo;
		zhi = qq->zero_point[c] > zhi ? qq->zero_point[c] : zhi;
	}
	int bits = li_cast_bits((long double)lo - zhi, (long double)hi - zlo);
	if (bits < 0 || bits > 32)
		return LI_REJECTED;
	int wide = li_widened(m, q, bits, base);
	if (wide < 0)
		return wide;
	int64_t dims[IR_MAX_RANK];
	for (int k = 0; k < t->rank; k++)
		dims[k] = qq->n != 1 && k == qq->axis ? qq->n : 1;
	struct ir_type zt = ir_type_int(bits, true, qq->n == 1 ? 0 : t->rank, dims);
	zt.quant = zero_free(m, t);
	int z = li_add_const(m, arena_printf(&m->arena, "%s_negzp", base), &zt, nz);
	if (z < 0)
		return z;
	int a = li_add_op(m, IR_OP_Add, base, "nozp", 2, (int[]){z, wide});
	if (a < 0)
		return -1;
	if (li_infer(m, a) < 0)
		return m->error[0] ? -1 : LI_REJECTED;
	return m->ops[a].results[0];
}

/* Operand k of op o, when it is a Dequantize with nonzero zero points,
 * becomes the Dequantize of the shifted integers: 1, 0 or -1. */
static int shift_operand(struct ir_module *m, int o, int k)
{
	int v = m->ops[o].operands[k];
	int q = li_quantized_source(m, v);
	if (q == IR_NONE || ir_quant_zero_free(m->values[q].type.quant))
		return 0;
	const char *base = m->values[q].name;
	int s = m->values[q].kind == IR_VALUE_CONST ? shifted_const(m, q)
						    : shifted_computed(m, q, base);
	if (s < 0)
		return s == LI_REJECTED ? 0 : -1;
	int d = li_dequantize(m, s, m->values[v].type.elem, base);
	if (d < 0)
		return m->error[0] ? -1 : 0;
	m->ops[o].operands[k] = m->ops[d].results[0];
	ir_rebuild_uses(m);
	return 1;
}

static int lower_one(struct ir_module *m, int o)
{
	int changes = 0;
	for (int k = 0; k < 2 && k < m->ops[o].noperands; k++) {
		int r = shift_operand(m, o, k);
		if (r < 0)
			return -1;
		changes += r;
	}
	return changes > 0;
}

int lower_zero_point(struct ir_module *m)
{
	return li_each_op(m, IR_OP_MatMul, IR_OP_Conv, lower_one);
}
