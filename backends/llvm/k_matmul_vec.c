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
 * the loads of A.
 *
 * Applies to f32 A [M, K] and B [K, N] without batch dims, N a multiple of
 * V (8 doubles with AVX-512, else 4), on a target with a vector unit
 * (AVX2 or NEON). B is read where it is: a constant table or a tensor.
 */
#include "k_linalg.h"

#include <string.h>

#include "k_dot.h"

struct mv {
	const struct kl_mm_desc *d;
	int v, nv;               /* doubles per vector, vectors per group */
	LLVMTypeRef vd, vf;      /* <v x double>, <v x float> */
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
	LLVMValueRef xs = cg_splat(g, LLVMBuildFPExt(g->b, x, g->t_f64, ""), s->v);
	LLVMValueRef row = kl_iadd(g, kl_imul(g, k, d->n), j0);
	for (int v = 0; v < s->nv; v++) {
		LLVMValueRef bi = kl_iaddc(g, row, (int64_t)v * s->v);
		LLVMValueRef w = load_al(g, s->vf, LLVMBuildInBoundsGEP2(g->b, g->t_f32, bbase, &bi, 1, ""), 4);
		LLVMValueRef args[3] = {xs, LLVMBuildFPExt(g->b, w, vd, ""), load_al(g, vd, acc_at(g, s, v), 8)};
		store_al(g, LLVMBuildCall2(g->b, fty, fn, args, 3, ""), acc_at(g, s, v), 8);
	}
	kl_for_end(g, &fk);
	LLVMValueRef ybase = cg_base(g, d->y);
	for (int v = 0; v < s->nv; v++) {
		LLVMValueRef yi = kl_iadd(g, kl_imul(g, i, d->n), kl_iaddc(g, j0, (int64_t)v * s->v));
		LLVMValueRef r = LLVMBuildFPTrunc(g->b, load_al(g, vd, acc_at(g, s, v), 8), s->vf, "");
		store_al(g, r, LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yi, 1, ""), 4);
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

int kl_matmul_float_vec(struct cg *g, const struct ir_op *op, const struct kl_mm_desc *d)
{
	struct mv s = {.d = d};
	s.v = cg_has_feature(g, "avx512f") && cg_has_feature(g, "avx2") ? 8 : 4;
	const char *why;
	if (!applies(g, d, s.v, &why))
		return 1;
	int64_t vecs = d->n / s.v;
	s.nv = 8;
	while (vecs % s.nv)
		s.nv--;
	kd_note(g, op, s.v == 8 ? "vector-f64x8" : "vector-f64x4",
		"f32 matrices: output columns in vectors, summed in double in the interpreter's order");
	if (!cg_base(g, d->a) || !cg_base(g, d->b) || !cg_base(g, d->y))
		return -1;
	s.vd = LLVMVectorType(g->t_f64, (unsigned)s.v);
	s.vf = LLVMVectorType(g->t_f32, (unsigned)s.v);
	s.acc = cg_alloca(g, LLVMArrayType2(s.vd, (uint64_t)s.nv), "acc");
	LLVMSetAlignment(s.acc, 64);
	struct kl_for fi, fg;
	LLVMValueRef i = kl_for_begin(g, &fi, d->m, "i");
	LLVMValueRef j0 = kl_imul(g, kl_for_begin(g, &fg, vecs / s.nv, "group"), (int64_t)s.nv * s.v);
	group(g, &s, i, j0);
	kl_for_end(g, &fg);
	kl_for_end(g, &fi);
	return 0;
}
