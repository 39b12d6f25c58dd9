/* lower_add.c: Add and Sub on integers (a step of lower-integer, see
 * lower_integer.c).
 *
 *   Add/Sub(Dequantize(a), Dequantize(b)), two computed tensors (branches
 *   meeting, a residual connection) quantized per tensor with one and the
 *   same scale s, zero points 0: s*a + s*b = s * (a + b).
 *   Add/Sub(Dequantize(a), c), c known (a bias after a MatMul, ...), when
 *   every element of c is an exact integer multiple k of a's scale for its
 *   channel: s*a + c = s * (a + k). (A Conv takes its bias itself,
 *   lower_conv.c.)
 * The sum needs one bit more than its operands; integer Add keeps its
 * operands' type (ir/shape/elementwise.c), so the operands are first widened
 * with Cast to the narrowest of int8/16/32/64 holding every possible sum
 * (Cast keeps the quantization). Unequal scales, nonzero zero points and
 * inexact constants stay in float (a requantization after them absorbs a
 * constant into its thresholds, lower_thresholds.c).
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <math.h>

/* Index along axis `axis` of a result of type t for flat element i of a
 * constant of type ct broadcast to it (0 when ct has no such dim). */
static int64_t channel_of(const struct ir_type *t, const struct ir_type *ct, int axis, int64_t i)
{
	int j = axis - (t->rank - ct->rank);
	if (axis < 0 || j < 0 || ct->dims[j] == 1)
		return 0;
	int64_t inner = 1;
	for (int k = j + 1; k < ct->rank; k++)
		inner *= ct->dims[k];
	return (i / inner) % ct->dims[j];
}

/* Real value of element i of c: a float constant's element, or, for a
 * Dequantize of a quantized integer constant qc, scale * (qc - zero point),
 * exact in double. */
static double real_elem(struct ir_module *m, int c, int qc, int64_t i)
{
	if (qc == IR_NONE)
		return cl_const_elem(m, c, i);
	const struct ir_type *t = &m->values[qc].type;
	int64_t ch = t->quant->n == 1 ? 0 : channel_of(t, t, t->quant->axis, i);
	const int64_t *d = m->values[qc].data;
	return ((double)d[i] - (double)ir_quant_zero(t->quant, ch)) * ir_quant_scale(t->quant, ch);
}

/* A constant k = c / s (per channel of a's quant) of the same dims as c,
 * typed i64 for now; its range in *lo, *hi. LI_REJECTED when c is not known
 * or not exact, -1 after an error. */
static int exact_multiple(struct ir_module *m, int c, const struct ir_type *at, const char *base,
			  int64_t *lo, int64_t *hi)
{
	const struct ir_type *ct = &m->values[c].type;
	const struct ir_quant *q = at->quant;
	int qc = li_quantized_source(m, c);
	if (qc != IR_NONE && m->values[qc].kind != IR_VALUE_CONST)
		return LI_REJECTED;
	if ((qc == IR_NONE && !cl_is_const(m, c)) || ct->elem == IR_ELEM_INT ||
	    ct->elem == IR_ELEM_BOOL || ct->rank > at->rank || !ir_quant_zero_free(q))
		return LI_REJECTED;
	for (int i = 0; i < ct->rank; i++) { /* per channel: c varies along that axis only */
		int j = i + at->rank - ct->rank;
		if (ct->dims[i] != 1 && q->n != 1 && j != q->axis)
			return LI_REJECTED;
	}
	int64_t n = ir_type_numel(ct);
	int64_t *k = arena_alloc(&m->arena, (size_t)(n ? n : 1) * sizeof *k);
	*lo = *hi = 0;
	for (int64_t i = 0; i < n; i++) {
		double real = real_elem(m, c, qc, i);
		double s = ir_quant_scale(q, channel_of(at, ct, q->axis, i));
		double r = real / s;
		if (!(fabs(r) < 0x1p52) || r != floor(r) || r * s != real)
			return LI_REJECTED;
		k[i] = (int64_t)r;
		*lo = k[i] < *lo ? k[i] : *lo;
		*hi = k[i] > *hi ? k[i] : *hi;
	}
	struct ir_type t = ir_type_int(64, true, ct->rank, ct->dims);
	return li_add_const(m, arena_printf(&m->arena, "%s_k", base), &t, k);
}

/* Builds op o on integers a (quantized, first) and b; 1, 0 or -1. */
static int build(struct ir_module *m, int o, int a, int b, int64_t blo, int64_t bhi)
{
	bool sub = m->ops[o].code == IR_OP_Sub;
	int64_t alo, ahi;
	ir_int_range(&m->values[a].type, &alo, &ahi);
	long double lo = sub ? (long double)alo - bhi : (long double)alo + blo;
	long double hi = sub ? (long double)ahi - blo : (long double)ahi + bhi;
	int w = li_cast_bits(lo, hi);
	if (w < 0)
		return 0;
	int wa = li_widened(m, a, w, m->ops[o].name);
	int wb = wa < 0 ? wa : li_widened(m, b, w, m->ops[o].name);
	if (wa == -1 || wb == -1)
		return -1;
	if (wa < 0 || wb < 0)
		return 0;
	int n = li_clone(m, o, 2, (int[]){wa, wb});
	if (n < 0)
		return n == LI_REJECTED ? 0 : -1;
	return li_finish(m, o, n);
}

/* v is a Dequantize of a computed (not constant) integer. */
static bool computed(struct ir_module *m, int v)
{
	int q = li_quantized_source(m, v);
	return q != IR_NONE && m->values[q].kind != IR_VALUE_CONST;
}

static int lower_one(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	int x = op->operands[0], c = op->operands[1];
	if (op->code == IR_OP_Add && !computed(m, x)) { /* c + s*a */
		x = op->operands[1];
		c = op->operands[0];
	}
	if (!computed(m, x))
		return 0;
	int a = li_quantized_source(m, x);
	const struct ir_type *at = &m->values[a].type;
	if (computed(m, c)) { /* two branches */
		int b = li_quantized_source(m, c);
		const struct ir_type *bt = &m->values[b].type;
		if (at->quant->n != 1 || !ir_quant_equal(at->quant, bt->quant) ||
		    !ir_quant_zero_free(at->quant))
			return 0;
		int64_t blo, bhi;
		ir_int_range(bt, &blo, &bhi);
		return build(m, o, a, b, blo, bhi);
	}
	int64_t klo, khi; /* a constant, maybe a Dequantize'd one */
	int k = exact_multiple(m, c, at, op->name, &klo, &khi);
	if (k < 0)
		return k == LI_REJECTED ? 0 : -1;
	return build(m, o, a, k, klo, khi);
}

int lower_add(struct ir_module *m)
{
	return li_each_op(m, IR_OP_Add, IR_OP_Sub, lower_one);
}
