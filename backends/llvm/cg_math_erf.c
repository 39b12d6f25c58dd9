/* cg_math_erf.c: erf of the inline math library (cg_math.h), in double
 * (a float argument is widened and the result rounded once, as in
 * cg_math_exp.c).
 *
 * |x| < 1.5: the Maclaurin series
 *     erf(x) = 2/sqrt(pi) sum_k (-1)^k x^(2k+1) / (k! (2k+1)),
 * by Horner's rule in x^2 (30 terms for a double result, truncation below
 * 2^-60; 22 for a float result, below 2^-49); the alternating terms cost a
 * few ulp of cancellation near 1.5.
 * |x| >= 1.5: erf(x) = 1 - erfc(x) with Laplace's continued fraction
 *     erfc(x) = exp(-x^2) / sqrt(pi) / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...))))
 * evaluated from the back over n levels (100 for double, 60 for float; at
 * x = 1.5 these reach 1 ulp and 2^-47 relative), x capped at 6 where erf
 * is 1 in double. The branch is a real one, so only one method runs.
 */
#include "cg_math_impl.h"

#include <math.h>

#define TWO_OVER_SQRT_PI 0x1.20dd750429b6dp0
#define ONE_OVER_SQRT_PI 0x1.20dd750429b6dp-1
#define SERIES_SPLIT 1.5

static LLVMValueRef erf_series(struct cg *g, LLVMValueRef d, int terms)
{
	double c[32];
	double fact = 1;
	for (int k = 0; k < terms; k++) {
		if (k > 0)
			fact *= k;
		c[k] = TWO_OVER_SQRT_PI * (k % 2 ? -1 : 1) / (fact * (2 * k + 1));
	}
	return cm_mul(g, d, cm_poly(g, cm_mul(g, d, d), c, terms));
}

/* 1 - erfc(|x|) with x's sign; a loop over the continued fraction's levels. */
static LLVMValueRef erf_fraction(struct cg *g, LLVMValueRef d, int levels)
{
	LLVMValueRef a = cm_clamp(g, cg_fabs(g, d), 0, 6, 0);
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "erfc_cf");
	LLVMBasicBlockRef done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "erfc_done");
	LLVMBuildBr(g->b, body);
	LLVMPositionBuilderAtEnd(g->b, body);
	LLVMValueRef t = LLVMBuildPhi(g->b, g->t_f64, "t");
	LLVMValueRef c = LLVMBuildPhi(g->b, g->t_f64, "c"); /* level k's numerator k/2 */
	LLVMValueRef t_next = cm_add(g, a, cm_div(g, c, t));
	LLVMValueRef c_next = cm_sub(g, c, cm_d(g, 0.5));
	LLVMValueRef start_c = cm_d(g, levels * 0.5);
	LLVMAddIncoming(t, &a, &pre, 1);
	LLVMAddIncoming(t, &t_next, &body, 1);
	LLVMAddIncoming(c, &start_c, &pre, 1);
	LLVMAddIncoming(c, &c_next, &body, 1);
	LLVMBuildCondBr(g->b, cm_cmp(g, LLVMRealOGT, c_next, cm_d(g, 0.25)), body, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef ex = cm_exp(g, LLVMBuildFNeg(g->b, cm_mul(g, a, a), ""));
	LLVMValueRef erfc = cm_div(g, cm_mul(g, ex, cm_d(g, ONE_OVER_SQRT_PI)), t_next);
	return cm_copysign(g, cm_sub(g, cm_d(g, 1), erfc), d);
}

LLVMValueRef cg_erf(struct cg *g, LLVMValueRef x)
{
	bool f64 = cm_is_f64(x);
	LLVMValueRef d = cm_to_double(g, x);
	/* NaN takes the series, which keeps it */
	LLVMValueRef far = cm_cmp(g, LLVMRealOGE, cg_fabs(g, d), cm_d(g, SERIES_SPLIT));
	LLVMBasicBlockRef near_bb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "erf_series");
	LLVMBasicBlockRef far_bb = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "erf_fraction");
	LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "erf_join");
	LLVMBuildCondBr(g->b, far, far_bb, near_bb);
	LLVMPositionBuilderAtEnd(g->b, near_bb);
	LLVMValueRef near_r = erf_series(g, d, f64 ? 30 : 22);
	LLVMBasicBlockRef near_end = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, join);
	LLVMPositionBuilderAtEnd(g->b, far_bb);
	LLVMValueRef far_r = erf_fraction(g, d, f64 ? 100 : 60);
	LLVMBasicBlockRef far_end = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, join);
	LLVMPositionBuilderAtEnd(g->b, join);
	LLVMValueRef r = LLVMBuildPhi(g->b, g->t_f64, "erf");
	LLVMAddIncoming(r, &near_r, &near_end, 1);
	LLVMAddIncoming(r, &far_r, &far_end, 1);
	return cm_round_to(g, r, x);
}
