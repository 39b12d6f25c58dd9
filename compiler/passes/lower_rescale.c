/* lower_rescale.c: branches of unequal scales brought to one scale on
 * integers (a step of lower-integer, see lower_integer.c).
 *
 * Add, Sub and Concat of Dequantize'd integers need one scale (lower_add.c,
 * lower_sink.c). When the operands are quantized per tensor with zero point
 * 0 and positive scales s_i that differ, every s_i is an integer multiple
 * r_i of one unit u: the scales are float32 constants, binary fractions
 * M_i * 2^E_i with M_i odd, so u = gcd(M_i) * 2^min(E_i) and
 * r_i = s_i / u are exact integers. (Dequantize(r_i * q_i) = u * (r_i * q_i)
 * is the same real product as s_i * q_i, rounded once, when r_i * q_i is
 * exact in float32 or u is a power of two; otherwise u = 2^min(E_i) is used,
 * whose ratios are integers too.) Each operand q_i becomes
 *   Dequantize(Mul(r_i, Cast(q_i))),   s_i * q_i = u * (r_i * q_i),
 * the constant r_i first and typed with the quantization (u, 0): integer
 * element-wise ops give their result the type of their first operand
 * (ir/shape/elementwise.c). For a Concat every operand is widened by Cast
 * to one width, the narrowest holding every r_i * q_i, so that all have one
 * type, and lower_sink moves the Dequantize below it. An Add or Sub is
 * built here on integers (lower_add.c would size the sum from the operand
 * types, too wide after a Cast): both operands in the narrowest width
 * holding every sum, the result typed (u, 0). Refused (left float) when
 * that needs more than 32 bits.
 *
 * Requires and guarantees what lower_integer.c says of its steps.
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <math.h>

enum { MAX_OPERANDS = 64, MAX_BITS = 32 };

/* s = *mant * 2^*exp with *mant odd (s > 0 and finite). */
static void binary_fraction(double s, int64_t *mant, int *exp)
{
	int e;
	double f = frexp(s, &e);
	*mant = (int64_t)ldexp(f, 53);
	*exp = e - 53;
	while (*mant % 2 == 0) {
		*mant /= 2;
		*exp += 1;
	}
}

static int64_t gcd(int64_t a, int64_t b)
{
	while (b) {
		int64_t t = a % b;
		a = b;
		b = t;
	}
	return a;
}

struct plan {
	int n;
	int q[MAX_OPERANDS];      /* the integers behind each operand */
	int64_t ratio[MAX_OPERANDS];
	int bits[MAX_OPERANDS];   /* width of ratio * q */
	double unit;
	bool exact_f32;           /* every ratio * q is exact in float32 */
};

/* The scale of integer q, or 0 when q is not per tensor, zero-point free
 * and of positive scale. */
static double plain_scale(struct ir_module *m, int q)
{
	const struct ir_quant *qq = m->values[q].type.quant;
	if (qq->n != 1 || !ir_quant_zero_free(qq) || !(qq->scale[0] > 0) || !isfinite(qq->scale[0]))
		return 0;
	return qq->scale[0];
}

/* The ratios r_k = s_k / u for u = g * 2^emin, their products' widths in p,
 * and whether every r_k * q_k is exact in float32; false when too wide. */
static bool ratios(struct ir_module *m, struct plan *p, const int64_t *mant, const int *exp,
		   int64_t g, int emin)
{
	p->unit = ldexp((double)g, emin);
	p->exact_f32 = true;
	for (int k = 0; k < p->n; k++) {
		if (exp[k] - emin >= MAX_BITS)
			return false;
		long double r = (long double)(mant[k] / g) * ldexpl(1, exp[k] - emin);
		int64_t lo, hi;
		ir_int_range(&m->values[p->q[k]].type, &lo, &hi);
		p->bits[k] = li_cast_bits(r * lo, r * hi);
		if (p->bits[k] < 0 || p->bits[k] > MAX_BITS || r >= ldexpl(1, MAX_BITS))
			return false;
		p->exact_f32 &= r * (hi > -lo ? hi : -lo) <= 0x1p24L;
		p->ratio[k] = (int64_t)r;
	}
	return true;
}

/* Fills p for op o: false when an operand is not a plain Dequantize'd
 * integer, the scales are all equal, or a product is too wide. */
static bool make_plan(struct ir_module *m, int o, struct plan *p)
{
	const struct ir_op *op = &m->ops[o];
	int64_t mant[MAX_OPERANDS], g = 0;
	int exp[MAX_OPERANDS], emin = INT32_MAX;
	bool differ = false;
	p->n = op->noperands;
	if (p->n > MAX_OPERANDS || (op->code != IR_OP_Concat && p->n != 2))
		return false;
	for (int k = 0; k < p->n; k++) {
		p->q[k] = li_quantized_source(m, op->operands[k]);
		double s = p->q[k] == IR_NONE ? 0 : plain_scale(m, p->q[k]);
		if (s == 0)
			return false;
		differ |= s != plain_scale(m, p->q[0]);
		binary_fraction(s, &mant[k], &exp[k]);
		g = gcd(g, mant[k]);
		emin = exp[k] < emin ? exp[k] : emin;
	}
	if (!differ)
		return false;
	if (ratios(m, p, mant, exp, g, emin) && (g == 1 || p->exact_f32))
		return true;
	return g != 1 && ratios(m, p, mant, exp, 1, emin);
}

/* Mul(ratio, Cast(q)), or the widened q when the ratio is 1: its value,
 * LI_REJECTED or -1. */
static int rescaled(struct ir_module *m, int q, int64_t ratio, int bits, double unit)
{
	const char *base = m->values[q].name;
	int v = li_widened(m, q, bits, base);
	if (v < 0 || ratio == 1)
		return v;
	struct ir_type rt = ir_type_int(bits, true, 0, NULL);
	rt.quant = ir_quant_new(&m->arena, -1, 1, &unit, NULL);
	int64_t *r = arena_alloc(&m->arena, sizeof *r);
	*r = ratio;
	int c = li_add_const(m, arena_printf(&m->arena, "%s_ratio", base), &rt, r);
	if (c < 0)
		return c;
	int mul = li_add_op(m, IR_OP_Mul, base, "rescaled", 2, (int[]){c, v});
	if (mul < 0)
		return -1;
	if (li_infer(m, mul) < 0)
		return m->error[0] ? -1 : LI_REJECTED;
	return m->ops[mul].results[0];
}

/* The width of the Add or Sub of the rescaled operands: the narrowest Cast
 * width holding every sum or difference, or -1. */
static int sum_bits(struct ir_module *m, int o, const struct plan *p)
{
	long double lo = 0, hi = 0;
	for (int k = 0; k < 2; k++) {
		int64_t qlo, qhi;
		ir_int_range(&m->values[p->q[k]].type, &qlo, &qhi);
		long double a = (long double)p->ratio[k] * qlo, b = (long double)p->ratio[k] * qhi;
		bool minus = k == 1 && m->ops[o].code == IR_OP_Sub;
		lo += minus ? -b : a;
		hi += minus ? -a : b;
	}
	int bits = li_cast_bits(lo, hi);
	return bits > MAX_BITS ? -1 : bits;
}

/* Concat: each operand becomes Dequantize(rescaled), all of one width, for
 * lower_sink to move the Dequantize below the Concat. Add/Sub: the integer
 * op itself, in the width its sums need. 1, 0 or -1. */
static int lower_one(struct ir_module *m, int o)
{
	struct plan p;
	if (!make_plan(m, o, &p))
		return 0;
	bool concat = m->ops[o].code == IR_OP_Concat;
	int width = 0, ops[MAX_OPERANDS];
	for (int k = 0; k < p.n; k++)
		width = p.bits[k] > width ? p.bits[k] : width;
	if (!concat && (width = sum_bits(m, o, &p)) < 0)
		return 0;
	for (int k = 0; k < p.n; k++) {
		ops[k] = rescaled(m, p.q[k], p.ratio[k], width, p.unit);
		if (ops[k] >= 0 && concat) {
			int d = li_dequantize(m, ops[k], m->values[m->ops[o].operands[k]].type.elem,
					      m->values[p.q[k]].name);
			ops[k] = d < 0 ? (m->error[0] ? -1 : LI_REJECTED) : m->ops[d].results[0];
		}
		if (ops[k] == -1)
			return -1;
		if (ops[k] < 0)
			return 0; /* what was built dies unused */
	}
	if (!concat) {
		int n = li_clone(m, o, 2, ops);
		if (n < 0)
			return n == LI_REJECTED ? 0 : -1;
		return li_finish(m, o, n);
	}
	for (int k = 0; k < p.n; k++)
		m->ops[o].operands[k] = ops[k];
	ir_rebuild_uses(m);
	return 1;
}

int lower_rescale(struct ir_module *m)
{
	int a = li_each_op(m, IR_OP_Add, IR_OP_Sub, lower_one);
	int c = a < 0 ? -1 : li_each_op(m, IR_OP_Concat, IR_OP_Concat, lower_one);
	return c < 0 ? -1 : a + c;
}
