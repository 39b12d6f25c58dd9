/* cg_math_exp.c: exp, log, log1p, pow, tanh and sigmoid of the inline math
 * library (cg_math.h), built on double-precision cores.
 *
 * A float argument is widened, computed by the double core and rounded once
 * to float: the cores are accurate to about 1 ulp of double, so the float
 * result is the correctly rounded one except when the exact value lies
 * within ~2^-52 (relative) of a float rounding boundary. This keeps results
 * equal to the C library's float functions (which the interpreter calls)
 * wherever those are correctly rounded.
 *
 * exp: x = k ln2 + r with |r| <= ln2/2 (ln2 split in a 33-bit head, exact
 * when multiplied by k, and a tail), exp(r) by its Taylor series to r^13
 * (truncation below 2^-57 relative), and 2^k applied in two halves so that
 * subnormal results are rounded once and overflow gives inf.
 * log: x = 2^e m with m in [sqrt(1/2), sqrt(2)), f = m - 1, s = f / (2 + f);
 * log(1 + f) = f - f^2/2 + s (f^2/2 + R(s^2)) where R is the series of
 * 2 atanh(s) / s - 2 (terms to s^22, truncation below 2^-60).
 * pow(x, y) = exp(y log|x|) with the C99 special cases; for double the
 * product y log|x| is carried in double-double (Dekker's products), so the
 * error stays a few ulp even when y log|x| is large.
 * tanh(x) = t / (t + 2) with t = expm1(2|x|) (1 for |x| >= 22), sign put
 * back; expm1 reuses exp's reduction: 2^k (expm1(r) + 1) - 1.
 * sigmoid mirrors the interpreter: 1 / (1 + exp(-x)), each step rounded to
 * x's type.
 */
#include "cg_math_impl.h"

#include <math.h>

#define LN2_HI 0x1.62e42feep-1           /* 33 significant bits */
#define LN2_LO 0x1.a39ef35793c76p-33     /* ln 2 - LN2_HI */
#define INV_LN2 0x1.71547652b82fep0
#define ROUND_SHIFT 0x1.8p52             /* x + this - this: x to the nearest integer */

/* exp(r) - 1 - r = r^2 (1/2! + r/3! + ... + r^11/13!) */
static const double expm1_taylor[] = {
	1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320,
	1.0 / 362880, 1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0,
};

/* x = k ln2 + r, |r| <= ln2/2 (+ rounding); x finite, |x| < 2^11. r is
 * also given as hi + lo: hi = x - k ln2_hi is exact, lo = -k ln2_lo. */
static void exp_reduce(struct cg *g, LLVMValueRef x, LLVMValueRef *k, LLVMValueRef *r,
		       LLVMValueRef *hi, LLVMValueRef *lo)
{
	LLVMValueRef shift = cm_d(g, ROUND_SHIFT);
	LLVMValueRef kf = cm_sub(g, cm_add(g, cm_mul(g, x, cm_d(g, INV_LN2)), shift), shift);
	*k = LLVMBuildFPToSI(g->b, kf, g->t_i64, "");
	*hi = cm_sub(g, x, cm_mul(g, kf, cm_d(g, LN2_HI)));
	*lo = LLVMBuildFNeg(g->b, cm_mul(g, kf, cm_d(g, LN2_LO)), "");
	*r = cm_add(g, *hi, *lo);
}

/* expm1(r) for |r| <= ln2/2 + rounding, r = hi + lo: the series' tail
 * r^2 P(r) is added to lo before hi, which saves a rounding. */
static LLVMValueRef expm1_small(struct cg *g, LLVMValueRef r, LLVMValueRef hi, LLVMValueRef lo)
{
	int n = (int)(sizeof expm1_taylor / sizeof expm1_taylor[0]);
	LLVMValueRef q = cm_mul(g, cm_mul(g, r, r), cm_poly(g, r, expm1_taylor, n));
	return cm_add(g, hi, cm_add(g, lo, q));
}

LLVMValueRef cm_exp(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef k, r, hi, lo;
	/* below -746 the result rounds to 0, above 710 to inf */
	exp_reduce(g, cm_clamp(g, x, -746, 710, 0), &k, &r, &hi, &lo);
	LLVMValueRef p = cm_add(g, cm_d(g, 1), expm1_small(g, r, hi, lo));
	LLVMValueRef k1 = LLVMBuildAShr(g->b, k, cg_i64(g, 1), "");
	LLVMValueRef k2 = LLVMBuildSub(g->b, k, k1, "");
	LLVMValueRef res = cm_mul(g, cm_mul(g, p, cm_pow2(g, k1)), cm_pow2(g, k2));
	return cm_sel(g, cm_is_nan(g, x), x, res);
}

LLVMValueRef cm_expm1(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef k, r, hi, lo;
	exp_reduce(g, x, &k, &r, &hi, &lo);
	LLVMValueRef s = cm_pow2(g, k);
	/* 2^k - 1 is exact for |k| <= 53; above, its rounding is far below
	 * the result's last bit */
	return cm_add(g, cm_mul(g, s, expm1_small(g, r, hi, lo)), cm_sub(g, s, cm_d(g, 1)));
}

/* x = 2^e (1 + f) with 1 + f in [sqrt(1/2), sqrt(2)); x positive finite.
 * dk = e as a double, s = f / (2 + f), r = R(s^2). */
struct log_parts {
	LLVMValueRef dk, f, s, r;
};

static void log_reduce(struct cg *g, LLVMValueRef x, struct log_parts *lp)
{
	/* 2 atanh(s) / s - 2 = sum 2 s^2j / (2j + 1), j >= 1 */
	static const double atanh_series[] = {
		2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13,
		2.0 / 15, 2.0 / 17, 2.0 / 19, 2.0 / 21, 2.0 / 23,
	};
	LLVMValueRef sub = cm_cmp(g, LLVMRealOLT, x, cm_d(g, 0x1p-1022));
	x = cm_sel(g, sub, cm_mul(g, x, cm_d(g, 0x1p54)), x);
	LLVMValueRef ix = cm_bits(g, x);
	LLVMValueRef e = LLVMBuildSub(g->b, LLVMBuildLShr(g->b, ix, cg_i64(g, 52), ""),
				      cg_i64(g, 1023), "");
	e = LLVMBuildSub(g->b, e, cm_sel(g, sub, cg_i64(g, 54), cg_i64(g, 0)), "");
	LLVMValueRef mbits = LLVMBuildAnd(g->b, ix, cg_i64(g, 0x000fffffffffffffLL), "");
	mbits = LLVMBuildOr(g->b, mbits, cg_i64(g, 0x3ff0000000000000LL), "");
	LLVMValueRef m = cm_from_bits(g, mbits, g->t_f64);
	LLVMValueRef big = cm_cmp(g, LLVMRealOGT, m, cm_d(g, 0x1.6a09e667f3bcdp0) /* sqrt 2 */);
	m = cm_sel(g, big, cm_mul(g, m, cm_d(g, 0.5)), m);
	e = LLVMBuildAdd(g->b, e, LLVMBuildZExt(g->b, big, g->t_i64, ""), "");
	lp->dk = LLVMBuildSIToFP(g->b, e, g->t_f64, "");
	lp->f = cm_sub(g, m, cm_d(g, 1)); /* exact */
	lp->s = cm_div(g, lp->f, cm_add(g, cm_d(g, 2), lp->f));
	LLVMValueRef z = cm_mul(g, lp->s, lp->s);
	int n = (int)(sizeof atanh_series / sizeof atanh_series[0]);
	lp->r = cm_mul(g, z, cm_poly(g, z, atanh_series, n));
}

/* log of 0 (either sign) is -inf, of x < 0 NaN, of +inf +inf; NaN stays. */
static LLVMValueRef log_special(struct cg *g, LLVMValueRef x, LLVMValueRef res)
{
	LLVMValueRef good = LLVMBuildAnd(g->b, cm_cmp(g, LLVMRealOGT, x, cm_d(g, 0)),
					 cm_cmp(g, LLVMRealOLT, x, cm_d(g, INFINITY)), "");
	LLVMValueRef special = cm_sel(g, cm_cmp(g, LLVMRealOLT, x, cm_d(g, 0)), cm_d(g, NAN), x);
	special = cm_sel(g, cm_cmp(g, LLVMRealOEQ, x, cm_d(g, 0)), cm_d(g, -INFINITY), special);
	return cm_sel(g, good, res, special);
}

static LLVMValueRef positive_finite_or_one(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef good = LLVMBuildAnd(g->b, cm_cmp(g, LLVMRealOGT, x, cm_d(g, 0)),
					 cm_cmp(g, LLVMRealOLT, x, cm_d(g, INFINITY)), "");
	return cm_sel(g, good, x, cm_d(g, 1));
}

LLVMValueRef cm_log(struct cg *g, LLVMValueRef x)
{
	struct log_parts lp;
	log_reduce(g, positive_finite_or_one(g, x), &lp);
	LLVMValueRef hfsq = cm_mul(g, cm_d(g, 0.5), cm_mul(g, lp.f, lp.f));
	/* dk ln2_hi - ((hfsq - (s (hfsq + R) + dk ln2_lo)) - f) */
	LLVMValueRef t = cm_add(g, cm_mul(g, lp.s, cm_add(g, hfsq, lp.r)),
				cm_mul(g, lp.dk, cm_d(g, LN2_LO)));
	t = cm_sub(g, cm_sub(g, hfsq, t), lp.f);
	LLVMValueRef res = cm_sub(g, cm_mul(g, lp.dk, cm_d(g, LN2_HI)), t);
	return log_special(g, x, res);
}

/* a + b = *s + *e exactly (Knuth's two-sum). */
static void two_sum(struct cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef *s,
		    LLVMValueRef *e)
{
	*s = cm_add(g, a, b);
	LLVMValueRef bv = cm_sub(g, *s, a);
	LLVMValueRef av = cm_sub(g, *s, bv);
	*e = cm_add(g, cm_sub(g, a, av), cm_sub(g, b, bv));
}

/* y log(x) as hi + lo for x positive finite and |y| <= 2^64: log(x) =
 * dk ln2_hi (exact) + (f - f^2/2) (exact in double-double) + the small rest,
 * each multiplied by y with Dekker's products. */
static void y_log_x(struct cg *g, LLVMValueRef x, LLVMValueRef y, LLVMValueRef *hi,
		    LLVMValueRef *lo)
{
	struct log_parts lp;
	LLVMValueRef sq_hi, sq_lo, b_hi, b_lo, c_hi, c_lo;
	log_reduce(g, x, &lp);
	cm_exact_mul(g, lp.f, lp.f, &sq_hi, &sq_lo);
	LLVMValueRef hfsq = cm_mul(g, cm_d(g, 0.5), sq_hi);
	LLVMValueRef rest = cm_mul(g, lp.s, cm_add(g, hfsq, lp.r));
	rest = cm_sub(g, rest, cm_mul(g, cm_d(g, 0.5), sq_lo));
	rest = cm_add(g, rest, cm_mul(g, lp.dk, cm_d(g, LN2_LO)));
	two_sum(g, lp.f, LLVMBuildFNeg(g->b, hfsq, ""), &b_hi, &b_lo);
	two_sum(g, b_hi, rest, &c_hi, &c_lo);
	b_lo = cm_add(g, b_lo, c_lo); /* log x = dk ln2_hi + c_hi + b_lo */
	LLVMValueRef p1, e1, p2, e2, s, t;
	cm_exact_mul(g, y, cm_mul(g, lp.dk, cm_d(g, LN2_HI)), &p1, &e1);
	cm_exact_mul(g, y, c_hi, &p2, &e2);
	two_sum(g, p1, p2, &s, &t);
	LLVMValueRef small = cm_add(g, cm_add(g, t, e1), cm_add(g, e2, cm_mul(g, y, b_lo)));
	*hi = cm_add(g, s, small);
	*lo = cm_sub(g, small, cm_sub(g, *hi, s));
}

/* C99 pow special cases on top of exp(y log|x|): pow(x, +-0) = pow(1, y) =
 * 1, pow(-1, +-inf) = 1; a negative finite x with a non-integer y gives NaN;
 * a negative x (or -0) with an odd integer y gives the negated result. */
LLVMValueRef cg_pow(struct cg *g, LLVMValueRef x, LLVMValueRef y)
{
	LLVMValueRef dx = cm_to_double(g, x), dy = cm_to_double(g, y);
	LLVMValueRef ax = cg_fabs(g, dx);
	LLVMValueRef e_hi = cm_mul(g, dy, cm_log(g, ax)), e_lo = cm_d(g, 0);
	if (cm_is_f64(x)) {
		LLVMValueRef good = LLVMBuildAnd(g->b, cm_cmp(g, LLVMRealOGT, ax, cm_d(g, 0)),
						 cm_cmp(g, LLVMRealOLT, ax, cm_d(g, INFINITY)), "");
		/* beyond 2^64, |y log x| > 2^11 for every x != 1: saturated */
		LLVMValueRef yc = cm_sel(g, cm_cmp(g, LLVMRealOGT, dy, cm_d(g, 0x1p64)),
					 cm_d(g, 0x1p64), dy);
		yc = cm_sel(g, cm_cmp(g, LLVMRealOLT, yc, cm_d(g, -0x1p64)), cm_d(g, -0x1p64), yc);
		LLVMValueRef hi, lo;
		y_log_x(g, positive_finite_or_one(g, ax), yc, &hi, &lo);
		LLVMValueRef usable = cm_cmp(g, LLVMRealOLT, cg_fabs(g, hi), cm_d(g, 800));
		e_hi = cm_sel(g, good, hi, e_hi);
		e_lo = cm_sel(g, LLVMBuildAnd(g->b, good, usable, ""), lo, e_lo);
	}
	LLVMValueRef r = cm_exp(g, e_hi);
	/* exp(hi + lo) = exp(hi) (1 + lo); an infinite exp(hi) stays */
	LLVMValueRef fixed = cm_add(g, r, cm_mul(g, r, e_lo));
	r = cm_sel(g, cm_is_nan(g, fixed), r, fixed);
	LLVMValueRef y_int = cm_cmp(g, LLVMRealOEQ, cg_trunc(g, dy), dy);
	LLVMValueRef half = cm_mul(g, dy, cm_d(g, 0.5));
	LLVMValueRef y_odd = LLVMBuildAnd(g->b, y_int,
					  cm_cmp(g, LLVMRealONE, cg_trunc(g, half), half), "");
	LLVMValueRef x_neg = LLVMBuildICmp(g->b, LLVMIntSLT, cm_bits(g, dx), cg_i64(g, 0), "");
	r = cm_sel(g, LLVMBuildAnd(g->b, x_neg, y_odd, ""), LLVMBuildFNeg(g->b, r, ""), r);
	LLVMValueRef neg_finite = LLVMBuildAnd(g->b, cm_cmp(g, LLVMRealOLT, dx, cm_d(g, 0)),
					       cm_cmp(g, LLVMRealOGT, dx, cm_d(g, -INFINITY)), "");
	LLVMValueRef y_frac = cm_cmp(g, LLVMRealONE, cg_trunc(g, dy), dy);
	r = cm_sel(g, LLVMBuildAnd(g->b, neg_finite, y_frac, ""), cm_d(g, NAN), r);
	LLVMValueRef one = cm_cmp(g, LLVMRealOEQ, dy, cm_d(g, 0));
	one = LLVMBuildOr(g->b, one, cm_cmp(g, LLVMRealOEQ, dx, cm_d(g, 1)), "");
	LLVMValueRef y_inf = cm_cmp(g, LLVMRealOEQ, cg_fabs(g, dy), cm_d(g, INFINITY));
	one = LLVMBuildOr(g->b, one,
			  LLVMBuildAnd(g->b, y_inf, cm_cmp(g, LLVMRealOEQ, ax, cm_d(g, 1)), ""), "");
	r = cm_sel(g, one, cm_d(g, 1), r);
	return cm_round_to(g, r, x);
}

LLVMValueRef cg_exp(struct cg *g, LLVMValueRef x)
{
	return cm_round_to(g, cm_exp(g, cm_to_double(g, x)), x);
}

LLVMValueRef cg_log(struct cg *g, LLVMValueRef x)
{
	return cm_round_to(g, cm_log(g, cm_to_double(g, x)), x);
}

/* log1p(u) = log(w) u / (w - 1) with w = 1 + u rounded (Goldberg), u when
 * w == 1; +inf for +inf. */
LLVMValueRef cg_log1p(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef u = cm_to_double(g, x);
	LLVMValueRef w = cm_add(g, cm_d(g, 1), u);
	LLVMValueRef dw = cm_sub(g, w, cm_d(g, 1));
	LLVMValueRef r = cm_mul(g, cm_log(g, w), cm_div(g, u, dw));
	r = cm_sel(g, cm_cmp(g, LLVMRealOEQ, dw, cm_d(g, 0)), u, r);
	r = cm_sel(g, cm_cmp(g, LLVMRealOEQ, u, cm_d(g, INFINITY)), u, r);
	return cm_round_to(g, r, x);
}

LLVMValueRef cg_tanh(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef d = cm_to_double(g, x);
	LLVMValueRef a = cm_clamp(g, cg_fabs(g, d), 0, 22, 0);
	LLVMValueRef t = cm_expm1(g, cm_add(g, a, a));
	LLVMValueRef r = cm_copysign(g, cm_div(g, t, cm_add(g, t, cm_d(g, 2))), d);
	return cm_round_to(g, cm_sel(g, cm_is_nan(g, d), d, r), x);
}

LLVMValueRef cg_sigmoid(struct cg *g, LLVMValueRef x)
{
	LLVMValueRef e = cg_exp(g, LLVMBuildFNeg(g->b, x, ""));
	LLVMValueRef one = cm_k(x, 1);
	return cm_div(g, one, cm_add(g, one, e));
}
