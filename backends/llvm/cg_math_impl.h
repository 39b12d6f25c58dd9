/* cg_math_impl.h: small instruction builders shared by the files of the
 * inline math library (cg_math*.c). Everything is static inline and works on
 * float or double register values; no function here emits a call.
 */
#ifndef QONNXC_BACKENDS_LLVM_CG_MATH_IMPL_H
#define QONNXC_BACKENDS_LLVM_CG_MATH_IMPL_H

#include "cg_math.h"

static inline bool cm_is_f64(LLVMValueRef x)
{
	return LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMDoubleTypeKind;
}

/* A constant of x's type. */
static inline LLVMValueRef cm_k(LLVMValueRef x, double v)
{
	return cg_const_real(LLVMTypeOf(x), v);
}

static inline LLVMValueRef cm_d(struct cg *g, double v)
{
	return cg_const_real(g->t_f64, v);
}

static inline LLVMValueRef cm_add(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildFAdd(g->b, a, b, "");
}

static inline LLVMValueRef cm_sub(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildFSub(g->b, a, b, "");
}

static inline LLVMValueRef cm_mul(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildFMul(g->b, a, b, "");
}

static inline LLVMValueRef cm_div(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildFDiv(g->b, a, b, "");
}

static inline LLVMValueRef cm_sel(struct cg *g, LLVMValueRef c, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildSelect(g->b, c, a, b, "");
}

static inline LLVMValueRef cm_cmp(struct cg *g, LLVMRealPredicate p, LLVMValueRef a,
				  LLVMValueRef b)
{
	return LLVMBuildFCmp(g->b, p, a, b, "");
}

static inline LLVMValueRef cm_is_nan(struct cg *g, LLVMValueRef x)
{
	return LLVMBuildFCmp(g->b, LLVMRealUNO, x, x, "");
}

static inline LLVMTypeRef cm_int_type(struct cg *g, LLVMValueRef x)
{
	return cm_is_f64(x) ? g->t_i64 : g->t_i32;
}

static inline LLVMValueRef cm_bits(struct cg *g, LLVMValueRef x)
{
	return LLVMBuildBitCast(g->b, x, cm_int_type(g, x), "");
}

static inline LLVMValueRef cm_from_bits(struct cg *g, LLVMValueRef i, LLVMTypeRef ty)
{
	return LLVMBuildBitCast(g->b, i, ty, "");
}

/* |mag| with the sign bit of sign (both of one type). */
static inline LLVMValueRef cm_copysign(struct cg *g, LLVMValueRef mag, LLVMValueRef sign)
{
	LLVMTypeRef it = cm_int_type(g, mag);
	unsigned w = LLVMGetIntTypeWidth(it);
	uint64_t sign_bit = (uint64_t)1 << (w - 1);
	LLVMValueRef high = LLVMConstInt(it, sign_bit, false);
	LLVMValueRef low = LLVMConstInt(it, sign_bit - 1, false);
	LLVMValueRef m = LLVMBuildAnd(g->b, cm_bits(g, mag), low, "");
	LLVMValueRef s = LLVMBuildAnd(g->b, cm_bits(g, sign), high, "");
	return cm_from_bits(g, LLVMBuildOr(g->b, m, s, ""), LLVMTypeOf(mag));
}

/* c[0] + x * (c[1] + x * (... + x * c[n-1])), in x's type. */
static inline LLVMValueRef cm_poly(struct cg *g, LLVMValueRef x, const double *c, int n)
{
	LLVMValueRef p = cm_k(x, c[n - 1]);
	for (int k = n - 2; k >= 0; k--)
		p = cm_add(g, cm_mul(g, p, x), cm_k(x, c[k]));
	return p;
}

static inline LLVMValueRef cm_to_double(struct cg *g, LLVMValueRef x)
{
	return cm_is_f64(x) ? x : LLVMBuildFPExt(g->b, x, g->t_f64, "");
}

/* A double result rounded to the type of `like`. */
static inline LLVMValueRef cm_round_to(struct cg *g, LLVMValueRef d, LLVMValueRef like)
{
	return cm_is_f64(like) ? d : LLVMBuildFPTrunc(g->b, d, LLVMTypeOf(like), "");
}

/* 2^k as a double, for an i64 k in [-1022, 1023]. */
static inline LLVMValueRef cm_pow2(struct cg *g, LLVMValueRef k)
{
	LLVMValueRef e = LLVMBuildAdd(g->b, k, cg_i64(g, 1023), "");
	return cm_from_bits(g, LLVMBuildShl(g->b, e, cg_i64(g, 52), ""), g->t_f64);
}

/* min(max(x, lo), hi) with NaN replaced by `nan_as`: a finite value that
 * integer conversions of it cannot turn into poison. */
static inline LLVMValueRef cm_clamp(struct cg *g, LLVMValueRef x, double lo, double hi,
				    double nan_as)
{
	x = cm_sel(g, cm_is_nan(g, x), cm_k(x, nan_as), x);
	x = cm_sel(g, cm_cmp(g, LLVMRealOLT, x, cm_k(x, lo)), cm_k(x, lo), x);
	return cm_sel(g, cm_cmp(g, LLVMRealOGT, x, cm_k(x, hi)), cm_k(x, hi), x);
}

/* Dekker's exact product: a * b = *hi + *lo (no overflow for |a|, |b| below
 * 2^995). */
static inline void cm_exact_mul(struct cg *g, LLVMValueRef a, LLVMValueRef b, LLVMValueRef *hi,
		      LLVMValueRef *lo)
{
	LLVMValueRef split = cm_d(g, 134217729.0); /* 2^27 + 1 */
	LLVMValueRef ca = cm_mul(g, a, split), cb = cm_mul(g, b, split);
	LLVMValueRef ah = cm_sub(g, ca, cm_sub(g, ca, a)), al = cm_sub(g, a, ah);
	LLVMValueRef bh = cm_sub(g, cb, cm_sub(g, cb, b)), bl = cm_sub(g, b, bh);
	LLVMValueRef p = cm_mul(g, a, b);
	LLVMValueRef e = cm_sub(g, cm_mul(g, ah, bh), p);
	e = cm_add(g, e, cm_mul(g, ah, bl));
	e = cm_add(g, e, cm_mul(g, al, bh));
	*hi = p;
	*lo = cm_add(g, e, cm_mul(g, al, bl));
}

/* The internal double-precision cores (cg_math_exp.c), on doubles only. */
LLVMValueRef cm_exp(struct cg *g, LLVMValueRef x);   /* any x */
LLVMValueRef cm_expm1(struct cg *g, LLVMValueRef x); /* x in [-40, 44], not NaN */
LLVMValueRef cm_log(struct cg *g, LLVMValueRef x);   /* any x */

#endif
