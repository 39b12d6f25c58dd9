/* k_matmul_vec.c: the float MatMul vectorized over output columns with
 * explicit LLVM vector types, bit for bit the interpreter's sums.
 *
 * The interpreter (ir/interp/linalg.c) sums each Y[i, j] in one double,
 * 0 plus A[i, k] * B[k, j] for k = 0, 1, ... in order, and rounds it once
 * to float. Here a vector of V outputs Y[i, j..j+V) does the same in V
 * lanes: for each k, B's row k at j (V floats, widened) times A[i, k]
 * splat, added by llvm.fmuladd (a product of two floats is exact in
 * double, so fused or not it rounds as the interpreter's multiply-then-
 * add). A group of NV vectors (up to 8, independent accumulators) shares
 * the loads of A. These chains of K dependent additions, and the widening
 * of every weight, bound its speed.
 *
 * Known weights on an integer grid (B = w * c, see below) add a faster
 * path: rows of A that are small integers times a power of two (checked
 * per row at run time) have sums that are exact in double, so they are
 * computed in i32 by the integer dot-product kernel (k_dot.h) and scaled
 * once; other rows take the double vectors.
 *
 * Applies to f32 A [M, K] and B [K, N] without batch dims, N a multiple of
 * V (8 doubles with AVX-512, else 4), on a target with a vector unit
 * (AVX2 or NEON). B is read where it is: a constant table or a tensor.
 */
#include "k_linalg.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cg_math.h" /* cg_fabs */
#include "k_dot_internal.h"

struct mv {
	const struct kl_mm_desc *d;
	bool fma;                /* float32 fused multiply-adds (IR_SUMS_F32_FMA), else double */
	int v, nv;               /* elements per vector, vectors per group */
	LLVMTypeRef vd, vf;      /* <v x double> (<v x float> when fma), <v x float> */
	LLVMValueRef acc;        /* [nv] x vd on the stack */
};

static LLVMValueRef acc_at(struct cg *g, const struct mv *s, int v)
{
	LLVMValueRef idx[2] = {cg_i64(g, 0), cg_i64(g, v)};
	return LLVMBuildInBoundsGEP2(g->b, LLVMArrayType2(s->vd, (uint64_t)s->nv), s->acc, idx, 2,
				     "");
}

static LLVMValueRef load_al(struct cg *g, LLVMTypeRef ty, LLVMValueRef p, unsigned align)
{
	LLVMValueRef v = LLVMBuildLoad2(g->b, ty, p, "");
	LLVMSetAlignment(v, align);
	return v;
}

static void store_al(struct cg *g, LLVMValueRef x, LLVMValueRef p, unsigned align)
{
	LLVMSetAlignment(LLVMBuildStore(g->b, x, p), align);
}

/* Y[i, j0 .. j0 + nv * v) for row i. */
static void group(struct cg *g, const struct mv *s, LLVMValueRef i, LLVMValueRef j0)
{
	const struct kl_mm_desc *d = s->d;
	LLVMTypeRef vd = s->vd;
	unsigned id = LLVMLookupIntrinsicID("llvm.fmuladd", strlen("llvm.fmuladd"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &vd, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &vd, 1);
	LLVMValueRef abase = cg_base(g, d->a), bbase = cg_base(g, d->b);
	for (int v = 0; v < s->nv; v++)
		store_al(g, LLVMConstNull(vd), acc_at(g, s, v), 8);
	struct kl_for fk;
	LLVMValueRef k = kl_for_begin(g, &fk, d->k, "k");
	LLVMValueRef ai = kl_iadd(g, kl_imul(g, i, d->k), k);
	LLVMValueRef x = load_al(g, g->t_f32, LLVMBuildInBoundsGEP2(g->b, g->t_f32, abase, &ai, 1, ""), 4);
	LLVMValueRef xs = cg_splat(g, s->fma ? x : LLVMBuildFPExt(g->b, x, g->t_f64, ""), s->v);
	LLVMValueRef row = kl_iadd(g, kl_imul(g, k, d->n), j0);
	for (int v = 0; v < s->nv; v++) {
		LLVMValueRef bi = kl_iaddc(g, row, (int64_t)v * s->v);
		LLVMValueRef w = load_al(g, s->vf, LLVMBuildInBoundsGEP2(g->b, g->t_f32, bbase, &bi, 1, ""), 4);
		LLVMValueRef wv = s->fma ? w : LLVMBuildFPExt(g->b, w, vd, "");
		LLVMValueRef args[3] = {xs, wv, load_al(g, vd, acc_at(g, s, v), 8)};
		LLVMValueRef r = s->fma ? cg_fma(g, xs, wv, args[2])
					: LLVMBuildCall2(g->b, fty, fn, args, 3, "");
		store_al(g, r, acc_at(g, s, v), 8);
	}
	kl_for_end(g, &fk);
	LLVMValueRef ybase = cg_base(g, d->y);
	for (int v = 0; v < s->nv; v++) {
		LLVMValueRef yi = kl_iadd(g, kl_imul(g, i, d->n), kl_iaddc(g, j0, (int64_t)v * s->v));
		LLVMValueRef r = load_al(g, vd, acc_at(g, s, v), 8);
		if (!s->fma)
			r = LLVMBuildFPTrunc(g->b, r, s->vf, "");
		store_al(g, r, LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yi, 1, ""), 4);
	}
}

/* ---- weights on an integer grid ------------------------------------------
 *
 * When B is known and every element is exactly w * c for one constant c > 0
 * and integers |w| <= 127, and a row of A holds integers |a| <= 127 times
 * one power of two 2^s (found at run time from the row's largest
 * magnitude), every term A[i, k] * B[k, j] = (a w) * (c 2^s) is an integer
 * multiple of q = 2^(s + e) (c = m 2^e, m odd), and every partial sum of
 * the interpreter is one too, of magnitude below 127 * sum_k |w[k, j]| * m
 * units, checked below 2^53 at compile time: every partial sum is then a
 * double, the interpreter's additions are all exact, and Y[i, j] is
 * (float)(S * c * 2^s) with S = sum_k a[k] w[k, j] summed in i32 by the
 * dot-product kernel (k_dot.h) in any order. An exact sum of zero is +0 in
 * both (the interpreter's sum starts at +0 and no exact addition makes
 * -0 from it), so -0.0 elements of B (w = 0) change nothing. A row with
 * anything else (fractions finer than 2^s, infinities, NaN) takes the
 * double vectors above. */

#define GRID_W_MAX 127
/* Shorter reductions keep the double vectors: the per-row check costs about
 * as much as their sums (measured on jettagging_qkeras, K = 16). */
#define GRID_MIN_K 128

struct grid {
	double c;
	int8_t *w; /* [K][N] */
	int64_t n;
};

/* The odd integer m with c = m * 2^e (c > 0 finite). */
static int64_t odd_significand(double c)
{
	int e;
	int64_t m = (int64_t)ldexp(frexp(c, &e), 53);
	while (!(m & 1))
		m >>= 1;
	return m;
}

/* Whether b[0..cnt) = w * c exactly with integers |w| <= GRID_W_MAX, w
 * stored; c must leave w * c exact in double (m * 127 < 2^53). */
static bool on_grid(const float *b, int64_t cnt, double c, int8_t *w)
{
	if (!(c >= DBL_MIN) || odd_significand(c) > ((int64_t)1 << 46))
		return false;
	for (int64_t i = 0; i < cnt; i++) {
		double q = nearbyint((double)b[i] / c);
		if (!(fabs(q) <= GRID_W_MAX) || q * c != (double)b[i])
			return false;
		w[i] = (int8_t)q;
	}
	return true;
}

/* Finds c by dividing the smallest nonzero |B| by 1, 2, ... 127 (B = w * c
 * with the smallest |w| = d); false when B is not on such a grid. */
static bool find_grid(const float *b, int64_t cnt, struct grid *gr)
{
	double least = 0;
	for (int64_t i = 0; i < cnt; i++) {
		double x = fabs((double)b[i]);
		if (!isfinite(x))
			return false;
		if (x > 0 && (least == 0 || x < least))
			least = x;
	}
	if (least == 0)
		least = 1; /* all zero: any c */
	for (int d = 1; d <= GRID_W_MAX; d++) {
		if (on_grid(b, cnt, least / d, gr->w)) {
			gr->c = least / d;
			return true;
		}
	}
	return false;
}

/* Whether every partial sum stays exact: 127 * max_j sum_k |w| * m < 2^53. */
static bool sums_exact(const struct grid *gr, int64_t k)
{
	int64_t most = 0;
	for (int64_t j = 0; j < gr->n; j++) {
		int64_t s = 0;
		for (int64_t r = 0; r < k; r++)
			s += llabs((long long)gr->w[r * gr->n + j]);
		most = s > most ? s : most;
	}
	return most == 0 || odd_significand(gr->c) <= (((int64_t)1 << 53) - 1) / (most * GRID_W_MAX);
}

static int64_t grid_weight(const void *ctx, int64_t t, int64_t k, int64_t o)
{
	(void)t;
	const struct grid *gr = ctx;
	return gr->w[k * gr->n + o];
}

static LLVMValueRef call1(struct cg *g, const char *name, LLVMValueRef x, LLVMValueRef y)
{
	LLVMTypeRef ty = LLVMTypeOf(x);
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &ty, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &ty, 1);
	LLVMValueRef args[2] = {x, y};
	return LLVMBuildCall2(g->b, fty, fn, args, y ? 2 : 1, "");
}

/* 2^(sign * s) as a double, s an i64 in [-133, 122]. */
static LLVMValueRef pow2(struct cg *g, LLVMValueRef s, int sign)
{
	LLVMValueRef e = sign > 0 ? kl_iaddc(g, s, 1023)
				  : LLVMBuildSub(g->b, cg_i64(g, 1023), s, "");
	return LLVMBuildBitCast(g->b, LLVMBuildShl(g->b, e, cg_i64(g, 52), ""), g->t_f64, "");
}

/* Row i of A as bytes a[k] = A[i, k] * 2^-s in x; returns 2^s (a double)
 * and sets *fits (i1) when every a[k] is an integer with |a| <= 127. The
 * s: the largest |A[i, k]| has exponent field E (a float's bits), so it is
 * below 2^(E - 126) = 128 * 2^s with s = E - 133. */
static LLVMValueRef grid_row(struct cg *g, const struct mv *s, LLVMValueRef i,
			     const struct kl_buf *x, LLVMValueRef *fits)
{
	const struct kl_mm_desc *d = s->d;
	LLVMValueRef abase = cg_base(g, d->a), row0 = kl_imul(g, i, d->k);
	LLVMValueRef most = cg_alloca(g, g->t_i32, "most"), bad = cg_alloca(g, g->t_i1, "bad");
	LLVMBuildStore(g->b, cg_i32(g, 0), most);
	LLVMBuildStore(g->b, LLVMConstNull(g->t_i1), bad);
	struct kl_for f;
	LLVMValueRef k = kl_for_begin(g, &f, d->k, "k");
	LLVMValueRef ai = kl_iadd(g, row0, k);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_f32, abase, &ai, 1, "");
	LLVMValueRef bits = LLVMBuildAnd(g->b, load_al(g, g->t_i32, p, 4), cg_i32(g, 0x7fffffff), "");
	LLVMBuildStore(g->b, call1(g, "llvm.umax", LLVMBuildLoad2(g->b, g->t_i32, most, ""), bits),
		       most);
	kl_for_end(g, &f);
	LLVMValueRef e = LLVMBuildLShr(g->b, LLVMBuildLoad2(g->b, g->t_i32, most, ""), cg_i32(g, 23), "");
	LLVMValueRef sh = kl_iaddc(g, LLVMBuildZExt(g->b, e, g->t_i64, ""), -133);
	LLVMValueRef inv = pow2(g, sh, -1);
	k = kl_for_begin(g, &f, d->k, "k");
	ai = kl_iadd(g, row0, k);
	p = LLVMBuildInBoundsGEP2(g->b, g->t_f32, abase, &ai, 1, "");
	LLVMValueRef a = LLVMBuildFMul(g->b, LLVMBuildFPExt(g->b, load_al(g, g->t_f32, p, 4), g->t_f64, ""),
				       inv, "");
	LLVMValueRef small =
		LLVMBuildFCmp(g->b, LLVMRealOLE, cg_fabs(g, a), cg_const_real(g->t_f64, GRID_W_MAX), "");
	LLVMValueRef q = LLVMBuildFPToSI(
		g->b, LLVMBuildSelect(g->b, small, a, cg_const_real(g->t_f64, 0), ""), g->t_i32, "");
	LLVMValueRef ok = LLVMBuildAnd(
		g->b, small, LLVMBuildFCmp(g->b, LLVMRealOEQ, LLVMBuildSIToFP(g->b, q, g->t_f64, ""), a, ""),
		"");
	kl_buf_store(g, x, k, LLVMBuildTrunc(g->b, q, g->t_i8, ""));
	LLVMBuildStore(g->b, LLVMBuildOr(g->b, LLVMBuildLoad2(g->b, g->t_i1, bad, ""),
					 LLVMBuildNot(g->b, ok, ""), ""),
		       bad);
	kl_for_end(g, &f);
	*fits = LLVMBuildNot(g->b, LLVMBuildLoad2(g->b, g->t_i1, bad, ""), "");
	return pow2(g, sh, 1);
}

/* Y[i, :] = (float)(S * c * 2^s) from the dot kernel's i32 sums S. */
static void grid_store(struct cg *g, const struct mv *s, const struct kd *kd, LLVMValueRef acc,
		       LLVMValueRef i, LLVMValueRef scale)
{
	const struct kl_mm_desc *d = s->d;
	LLVMTypeRef vd = LLVMVectorType(g->t_f64, (unsigned)kd->lanes);
	LLVMTypeRef vf = LLVMVectorType(g->t_f32, (unsigned)kd->lanes);
	LLVMValueRef ybase = cg_base(g, d->y), cs = cg_splat(g, scale, kd->lanes);
	for (int64_t b = 0; b < kd->nb; b++) {
		LLVMValueRef v = kd_load_vec(g, kd->vty, kd_acc_slot(g, kd, acc, 0, b), 64);
		for (int64_t set = 1; set < kd->sets; set++)
			v = LLVMBuildAdd(g->b, v, kd_load_vec(g, kd->vty, kd_acc_slot(g, kd, acc, set, b), 64),
					 "");
		LLVMValueRef r = LLVMBuildFMul(g->b, LLVMBuildSIToFP(g->b, v, vd, ""), cs, "");
		r = LLVMBuildFPTrunc(g->b, r, vf, "");
		LLVMValueRef y0 = kl_iaddc(g, kl_imul(g, i, d->n), b * kd->lanes);
		if ((b + 1) * kd->lanes <= d->n) {
			store_al(g, r, LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &y0, 1, ""), 4);
			continue;
		}
		for (int lane = 0; b * kd->lanes + lane < d->n; lane++) {
			LLVMValueRef yi = kl_iaddc(g, y0, lane);
			store_al(g, LLVMBuildExtractElement(g->b, r, cg_i32(g, lane), ""),
				 LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yi, 1, ""), 4);
		}
	}
}

static bool applies(struct cg *g, const struct kl_mm_desc *d, int v, const char **why)
{
	const struct ir_type *at = &g->m->values[d->a].type, *bt = &g->m->values[d->b].type;
	const struct ir_type *yt = &g->m->values[d->y].type;
	*why = "not an f32 MatMul of a matrix by a matrix without batch dims";
	if (at->elem != IR_ELEM_F32 || bt->elem != IR_ELEM_F32 || yt->elem != IR_ELEM_F32 ||
	    at->rank != 2 || bt->rank != 2 || yt->rank != 2)
		return false;
	*why = "the target has no wide vector unit (AVX2, NEON)";
	if (!kd_has_vector_unit(g))
		return false;
	*why = "the columns are not a whole number of vectors";
	return d->n % v == 0 && d->m > 0 && d->k > 0;
}

/* Row i by the double vectors, group by group. */
static void rows_f64(struct cg *g, const struct mv *s, LLVMValueRef i)
{
	struct kl_for fg;
	int64_t groups = s->d->n / s->v / s->nv;
	LLVMValueRef j0 = kl_imul(g, kl_for_begin(g, &fg, groups, "group"), (int64_t)s->nv * s->v);
	group(g, s, i, j0);
	kl_for_end(g, &fg);
}

/* Plans the grid path: 0 (kd planned, gr->w to free), 1 not applicable
 * (*why), -1 error. */
static int plan_grid(struct cg *g, const struct kl_mm_desc *d, struct grid *gr, struct kd *kd,
		     const char **why)
{
	static const struct ir_type i8 = {.elem = IR_ELEM_INT, .bits = 8, .is_signed = true};
	*why = "the reduction is too short for the row check to pay";
	if (d->k < GRID_MIN_K)
		return 1;
	const float *b = ir_known_data(g->m, d->b);
	*why = "B is not known at compile time";
	if (!b)
		return g->m->error[0] ? -1 : 1;
	gr->n = d->n;
	gr->w = malloc((size_t)(d->k * d->n));
	if (!gr->w)
		return ir_error(g->m, "out of memory");
	*why = "B is not w * c for one c and integers |w| <= 127";
	if (!find_grid(b, d->k * d->n, gr))
		return 1;
	*why = "B's grid may make inexact sums";
	if (!sums_exact(gr, d->k))
		return 1;
	return kd_plan(g, kd, &i8, 1, d->k, d->n, grid_weight, gr, NULL, why);
}

int kl_matmul_float_vec(struct cg *g, const struct ir_op *op, const struct kl_mm_desc *d)
{
	struct mv s = {.d = d, .fma = op->sums == IR_SUMS_F32_FMA};
	s.v = cg_has_feature(g, "avx512f") && cg_has_feature(g, "avx2") ? 8 : 4;
	if (s.fma && d->n % (2 * s.v) == 0)
		s.v *= 2; /* twice the floats per vector */
	const char *why;
	if (!applies(g, d, s.v, &why))
		return 1;
	int64_t vecs = d->n / s.v;
	s.nv = 8;
	while (vecs % s.nv)
		s.nv--;
	struct grid gr = {0};
	struct kd kd;
	const char *gwhy;
	int rc = 1;
	gwhy = "summed in float32 fused multiply-adds";
	if (!s.fma)
		rc = plan_grid(g, d, &gr, &kd, &gwhy);
	if (rc < 0)
		goto done;
	bool grid = rc == 0;
	char vec[32], name[96], note[200];
	snprintf(vec, sizeof vec, "vector-%sx%d", s.fma ? "f32" : "f64", s.v);
	snprintf(name, sizeof name, "grid-exact-%s, else %s", grid ? kd_mode_name(kd.mode) : "", vec);
	snprintf(note, sizeof note, "f32 matrices: output columns in vectors, summed in %s in "
		 "the interpreter's order; no grid: %s",
		 s.fma ? "float32 fused multiply-adds" : "double", gwhy);
	if (grid)
		kd_note(g, op, name,
			"known weights w * c: rows of small integers times a power of two summed "
			"exactly in i32, other rows in double vectors in the interpreter's order");
	else
		kd_note(g, op, vec, note);
	rc = -1;
	if (!cg_base(g, d->a) || !cg_base(g, d->b) || !cg_base(g, d->y))
		goto done;
	s.vd = LLVMVectorType(s.fma ? g->t_f32 : g->t_f64, (unsigned)s.v);
	s.vf = LLVMVectorType(g->t_f32, (unsigned)s.v);
	s.acc = cg_alloca(g, LLVMArrayType2(s.vd, (uint64_t)s.nv), "acc");
	LLVMSetAlignment(s.acc, 64);
	struct kl_buf x;
	if (grid)
		kl_buf_begin(g, &x, g->t_i8, d->k, "grid_a");
	struct kl_for fi;
	LLVMValueRef i = kl_for_begin(g, &fi, d->m, "i");
	if (grid) {
		LLVMValueRef fits, p2 = grid_row(g, &s, i, &x, &fits);
		struct cg_if yes, no;
		cg_if_begin(g, &yes, fits);
		LLVMValueRef acc = kd_acc_begin(g, &kd);
		kd_accumulate(g, &kd, acc, x.ptr, cg_i64(g, 0));
		grid_store(g, &s, &kd, acc, i, LLVMBuildFMul(g->b, p2, cg_const_real(g->t_f64, gr.c), ""));
		cg_if_end(g, &yes);
		cg_if_begin(g, &no, LLVMBuildNot(g->b, fits, ""));
		rows_f64(g, &s, i);
		cg_if_end(g, &no);
	} else {
		rows_f64(g, &s, i);
	}
	kl_for_end(g, &fi);
	if (grid)
		kl_buf_end(g, &x);
	rc = 0;
done:
	free(gr.w);
	return rc;
}
