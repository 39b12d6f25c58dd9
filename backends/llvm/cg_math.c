/* cg_math.c: the exact functions of the inline math library (cg_math.h):
 * floor, ceil, trunc, the two roundings, fabs, fmin, fmax and sqrt.
 *
 * Generated code must not call libm, and LLVM lowers llvm.floor and its
 * relatives to calls on targets without a rounding instruction, so rounding
 * is built from plain arithmetic: for 0 <= a < 2^p (p = 52 for double, 23
 * for float) the sum a + 2^p has no fraction bits left, so (a + 2^p) - 2^p
 * is a rounded to the nearest integer, ties to even, in the default rounding
 * mode (which generated code assumes, as C does). Magnitudes from 2^p up,
 * infinities and NaN are already integral and pass through; the sign is put
 * back with copysign so -0.3 rounds to -0.0 as in C.
 *
 * sqrt: Newton's iteration in double from a bit-level first guess, five
 * steps from a relative error below 6% to the rounding level. For a double
 * result, one more step with the exact residual x - y*y (Dekker's product,
 * no fused multiply-add needed) and an exact check of the rounding against
 * the neighbours make it correctly rounded. A float result is computed in
 * double and rounded once, which is correctly rounded (a float's square
 * root is never within 2^-50 of a float midpoint).
 */
#include "cg_math_impl.h"

#include <math.h>

/* 2^p: from here on every value of x's type is an integer. */
static double integral_limit(LLVMValueRef x)
{
	return cm_is_f64(x) ? 0x1p52 : 0x1p23;
}

/* Round half to even of a, for 0 <= a < integral_limit. */
static LLVMValueRef rne_small(struct cg *g, LLVMValueRef a)
{
	LLVMValueRef big = cm_k(a, integral_limit(a));
	return cm_sub(g, cm_add(g, a, big), big);
}

/* trunc of a >= 0 below integral_limit. */
static LLVMValueRef trunc_small(struct cg *g, LLVMValueRef a)
{
	LLVMValueRef r = rne_small(g, a);
	LLVMValueRef over = cm_cmp(g, LLVMRealOGT, r, a);
	return cm_sel(g, over, cm_sub(g, r, cm_k(a, 1)), r);
}

/* f applied to |x| when |x| < integral_limit, with x's sign; else x. */
static LLVMValueRef by_magnitude(struct cg *g, LLVMValueRef x,
				 LLVMValueRef (*f)(struct cg *g, LLVMValueRef a))
{
	LLVMValueRef a = cg_fabs(g, x);
	LLVMValueRef small = cm_cmp(g, LLVMRealOLT, a, cm_k(x, integral_limit(x)));
	LLVMValueRef r = cm_copysign(g, f(g, a), x);
	return cm_sel(g, small, r, x);
}

LLVMValueRef cg_fabs(struct cg *g, LLVMValueRef x)
{
	return cm_copysign(g, x, cm_k(x, 0));
}

LLVMValueRef cg_round_even(struct cg *g, LLVMValueRef x)
{
	return by_magnitude(g, x, rne_small);
}

LLVMValueRef cg_trunc(struct cg *g, LLVMValueRef x)
{
	return by_magnitude(g, x, trunc_small);
}

/* Ties away from zero: trunc(a) + 1 when the fraction a - trunc(a) (exact)
 * is at least one half. */
static LLVMValueRef round_away_small(struct cg *g, LLVMValueRef a)
{
	LLVMValueRef t = trunc_small(g, a);
	LLVMValueRef up = cm_cmp(g, LLVMRealOGE, cm_sub(g, a, t), cm_k(a, 0.5));
	return cm_sel(g, up, cm_add(g, t, cm_k(a, 1)), t);
}

LLVMValueRef cg_round_away(struct cg *g, LLVMValueRef x)
{
	return by_magnitude(g, x, round_away_small);
}

/* floor(x) = trunc(x) - 1 where trunc went up (x < 0 with a fraction);
 * ceil likewise. NaN compares false and stays. */
LLVMValueRef cg_floor(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef t = cg_trunc(g, x);
	return cm_sel(g, cm_cmp(g, LLVMRealOGT, t, x), cm_sub(g, t, cm_k(x, 1)), t);
}

LLVMValueRef cg_ceil(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef t = cg_trunc(g, x);
	return cm_sel(g, cm_cmp(g, LLVMRealOLT, t, x), cm_add(g, t, cm_k(x, 1)), t);
}

/* The interpreter's Min and Max: NaN if either is NaN, else a < b ? a : b
 * (so min(-0, +0) is the second operand). */
LLVMValueRef cg_fmin(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef r = cm_sel(g, cm_cmp(g, LLVMRealOLT, a, b), a, b);
	return cm_sel(g, cm_cmp(g, LLVMRealUNO, a, b), cm_k(a, NAN), r);
}

LLVMValueRef cg_fmax(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef r = cm_sel(g, cm_cmp(g, LLVMRealOGT, a, b), a, b);
	return cm_sel(g, cm_cmp(g, LLVMRealUNO, a, b), cm_k(a, NAN), r);
}

/* y within 1 ulp of sqrt(x) (x a positive double) -> the correctly
 * rounded root. With r = x - y^2 (exact in double-double, rounded once to a
 * double, which keeps its order against multiples of ulp(y)^2) and u the
 * gap to y's upper neighbour: sqrt(x) > y + u/2 iff r > y u, because r and
 * y u are multiples of u^2 and a square root is never a midpoint; likewise
 * downward with the gap d to the lower neighbour. Needs x in [2^-600, 2^600]
 * so that nothing underflows. */
static LLVMValueRef sqrt_fix_rounding(struct cg *g, LLVMValueRef x, LLVMValueRef y)
{
	LLVMValueRef p, e;
	cm_exact_mul(g, y, y, &p, &e);
	LLVMValueRef r = cm_sub(g, cm_sub(g, x, p), e);
	LLVMValueRef bits = cm_bits(g, y);
	LLVMValueRef up = cm_from_bits(g, LLVMBuildAdd(g->b, bits, cg_i64(g, 1), ""), g->t_f64);
	LLVMValueRef down = cm_from_bits(g, LLVMBuildSub(g->b, bits, cg_i64(g, 1), ""), g->t_f64);
	LLVMValueRef above = cm_mul(g, y, cm_sub(g, up, y));
	LLVMValueRef below = cm_mul(g, y, cm_sub(g, y, down));
	LLVMValueRef go_up = cm_cmp(g, LLVMRealOGT, r, above);
	LLVMValueRef go_down = cm_cmp(g, LLVMRealOLE, r, LLVMBuildFNeg(g->b, below, ""));
	return cm_sel(g, go_up, up, cm_sel(g, go_down, down, y));
}

LLVMValueRef cg_sqrt(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef d = cm_to_double(g, x);
	LLVMValueRef pos = cm_cmp(g, LLVMRealOGT, d, cm_d(g, 0));
	LLVMValueRef finite = cm_cmp(g, LLVMRealOLT, d, cm_d(g, INFINITY));
	LLVMValueRef good = LLVMBuildAnd(g->b, pos, finite, "");
	LLVMValueRef xs = cm_sel(g, good, d, cm_d(g, 1));
	/* far from 1 (subnormals, and where the rounding check below would
	 * underflow or overflow): scale by an even power of two */
	LLVMValueRef tiny = cm_cmp(g, LLVMRealOLT, xs, cm_d(g, 0x1p-600));
	LLVMValueRef huge = cm_cmp(g, LLVMRealOGT, xs, cm_d(g, 0x1p600));
	xs = cm_sel(g, tiny, cm_mul(g, xs, cm_d(g, 0x1p600)), xs);
	xs = cm_sel(g, huge, cm_mul(g, xs, cm_d(g, 0x1p-600)), xs);
	/* halving the exponent field: within 6% of sqrt(xs) */
	LLVMValueRef half_bits = LLVMBuildLShr(g->b, cm_bits(g, xs), cg_i64(g, 1), "");
	LLVMValueRef y = cm_from_bits(
		g, LLVMBuildAdd(g->b, half_bits, cg_i64(g, 0x1ff8000000000000LL), ""), g->t_f64);
	for (int k = 0; k < 5; k++)
		y = cm_mul(g, cm_d(g, 0.5), cm_add(g, y, cm_div(g, xs, y)));
	if (cm_is_f64(x)) {
		LLVMValueRef p, e;
		cm_exact_mul(g, y, y, &p, &e);
		LLVMValueRef r = cm_sub(g, cm_sub(g, xs, p), e);
		y = cm_add(g, y, cm_div(g, r, cm_add(g, y, y)));
		y = sqrt_fix_rounding(g, xs, y);
	}
	y = cm_sel(g, tiny, cm_mul(g, y, cm_d(g, 0x1p-300)), y);
	y = cm_sel(g, huge, cm_mul(g, y, cm_d(g, 0x1p300)), y);
	/* sqrt(+-0) = +-0, sqrt(inf) = inf, sqrt(NaN) = NaN, else x < 0: NaN */
	LLVMValueRef keep = LLVMBuildOr(g->b, cm_cmp(g, LLVMRealOEQ, d, cm_d(g, 0)),
					cm_cmp(g, LLVMRealOEQ, d, cm_d(g, INFINITY)), "");
	keep = LLVMBuildOr(g->b, keep, cm_is_nan(g, d), "");
	LLVMValueRef special = cm_sel(g, keep, d, cm_d(g, NAN));
	return cm_round_to(g, cm_sel(g, good, y, special), x);
}
