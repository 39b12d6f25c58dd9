/* k_conv_vec.c: the channels-last float Conv with one group, vectorized
 * over output channels with explicit LLVM vector types (so it is vector
 * code without the loop vectorizer), bit for bit the interpreter's sums.
 *
 * The interpreter (ir/interp/conv.c) sums, per output element, the double
 * products of the patch indices i = icl * taps + k in four lanes (lane
 * i % 4 below per - per % 4, lane 0 for the rest, each lane in increasing
 * i), then adds B[o] + ((s0 + s1) + (s2 + s3)) and rounds once to float.
 * Padding taps contribute 0 * w. Here the same: each output position first
 * gathers its patch as doubles into a stack buffer (0 for taps outside the
 * input), then a loop takes the patch four indices at a time, index 4r + l
 * into lane l, so every lane gets its products in increasing i; the
 * per % 4 last indices go to lane 0 after the loop. A product of two floats
 * is exact in double, so llvm.fmuladd (fused or not) rounds exactly as the
 * interpreter's multiply-then-add.
 *
 * The weights W [O, k..., I] are copied at the start of the op, converted
 * to double, into a stack table W'[i][o] (o padded to whole blocks with 0,
 * the bias as row `per`), so one vector load reads the weights of a block
 * of output channels. Blocks: NV vectors of V doubles (V = 8 with
 * AVX-512, else 4), NV chosen so the 4 * NV accumulators fit the vector
 * registers. Applies when the target has a vector unit (AVX2 or NEON) and
 * the patch buffer (MAX_PER doubles) and the table (MAX_TABLE bytes) are
 * small enough for the stack.
 */
#include "k_linalg.h"

#include <string.h>

#include "k_dot.h"

#define MAX_PER 2048
#define MAX_TABLE (96 * 1024)

struct cv {
	const struct kl_conv_desc *c;
	int v, nv;                 /* doubles per vector, vectors per block */
	int64_t per, blk, nblk, width; /* width = nblk * blk, the table's row */
	LLVMTypeRef vd, vf;        /* <v x double>, <v x float> */
	struct kl_buf tab;         /* W'[per + 1][width] */
	struct kl_buf patch;       /* the patch of one output position, as doubles */
	LLVMValueRef acc;          /* the accumulators: [4 lanes x nv] vectors vd */
};

/* wtab[i][o] = (double)W[o, k, icl] (0 for padded o); row per = bias. */
static void fill_table(struct cg *g, const struct cv *s)
{
	const struct kl_conv_desc *c = s->c;
	int64_t taps = c->k->w.taps, cout = c->k->cout;
	struct kl_for fo, fi, fk;
	LLVMValueRef o = kl_for_begin(g, &fo, cout, "o");
	LLVMValueRef icl = kl_for_begin(g, &fi, c->k->cin, "icl");
	LLVMValueRef k = kl_for_begin(g, &fk, taps, "tap");
	LLVMValueRef at = kl_iadd(g, kl_iadd(g, kl_imul(g, o, c->w_o), kl_imul(g, icl, c->w_i)),
				  kl_imul(g, k, c->w_k));
	LLVMValueRef wv = LLVMBuildFPExt(g->b, cg_load(g, c->w, at), g->t_f64, "");
	LLVMValueRef i = kl_iadd(g, kl_imul(g, icl, taps), k);
	kl_buf_store(g, &s->tab, kl_iadd(g, kl_imul(g, i, s->width), o), wv);
	kl_for_end(g, &fk);
	kl_for_end(g, &fi);
	LLVMValueRef b = cg_const_real(g->t_f64, 0.0);
	if (c->bias != IR_NONE)
		b = LLVMBuildFPExt(g->b, cg_load(g, c->bias, o), g->t_f64, "");
	kl_buf_store(g, &s->tab, kl_iadd(g, o, cg_i64(g, s->per * s->width)), b);
	kl_for_end(g, &fo);
	if (s->width > cout) {
		struct kl_for fr, fp;
		LLVMValueRef r = kl_for_begin(g, &fr, s->per + 1, "row");
		LLVMValueRef p = kl_for_begin(g, &fp, s->width - cout, "pad");
		LLVMValueRef at2 = kl_iadd(g, kl_imul(g, r, s->width), kl_iaddc(g, p, cout));
		kl_buf_store(g, &s->tab, at2, cg_const_real(g->t_f64, 0.0));
		kl_for_end(g, &fp);
		kl_for_end(g, &fr);
	}
}

/* patch[i] for output position pos: the input at patch index i as a
 * double, 0 for taps outside the input. */
static void gather_patch(struct cg *g, const struct cv *s, LLVMValueRef n,
			 LLVMValueRef const *pos)
{
	const struct kl_geom *k = s->c->k;
	struct kl_for fz, fc;
	struct kl_taps taps;
	LLVMValueRef i = kl_for_begin(g, &fz, s->per, "zero");
	kl_buf_store(g, &s->patch, i, cg_const_real(g->t_f64, 0.0));
	kl_for_end(g, &fz);
	kl_taps_begin(g, &taps, k, pos, KL_INSIDE);
	LLVMValueRef base = kl_iadd(g, kl_imul(g, n, k->x_n), taps.off);
	LLVMValueRef icl = kl_for_begin(g, &fc, k->cin, "icl");
	LLVMValueRef x = cg_load(g, s->c->x, kl_iadd(g, base, icl));
	LLVMValueRef at = kl_iadd(g, kl_imul(g, icl, k->w.taps), taps.k);
	kl_buf_store(g, &s->patch, at, LLVMBuildFPExt(g->b, x, g->t_f64, ""));
	kl_for_end(g, &fc);
	kl_taps_end(g, &taps);
}

static LLVMValueRef load_aligned(struct cg *g, LLVMTypeRef ty, LLVMValueRef p, unsigned align)
{
	LLVMValueRef v = LLVMBuildLoad2(g->b, ty, p, "");
	LLVMSetAlignment(v, align);
	return v;
}

/* Pointer to double j of the table. */
static LLVMValueRef tab_at(struct cg *g, const struct cv *s, LLVMValueRef j)
{
	return LLVMBuildInBoundsGEP2(g->b, g->t_f64, s->tab.ptr, &j, 1, "");
}

/* The lane of patch index i (see the top). */
static int lane_of(int64_t per, int64_t i)
{
	return i < per - per % 4 ? (int)(i % 4) : 0;
}

/* Pointer to accumulator j (lane l, vector v at j = l * nv + v). */
static LLVMValueRef acc_at(struct cg *g, const struct cv *s, int64_t j)
{
	LLVMValueRef idx[2] = {cg_i64(g, 0), cg_i64(g, j)};
	return LLVMBuildInBoundsGEP2(g->b, LLVMArrayType2(s->vd, 4 * (uint64_t)s->nv), s->acc, idx,
				     2, "");
}

/* acc (lane l, vector v) += patch[i] * table row i, for the block at o0. */
static void patch_step(struct cg *g, const struct cv *s, LLVMValueRef i, int l, LLVMValueRef o0)
{
	LLVMTypeRef vd = s->vd;
	unsigned id = LLVMLookupIntrinsicID("llvm.fmuladd", strlen("llvm.fmuladd"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &vd, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &vd, 1);
	LLVMValueRef xs = cg_splat(g, kl_buf_load(g, &s->patch, i), s->v);
	LLVMValueRef row = kl_iadd(g, o0, kl_imul(g, i, s->width));
	for (int v = 0; v < s->nv; v++) {
		LLVMValueRef slot = acc_at(g, s, l * s->nv + v);
		LLVMValueRef wv = load_aligned(g, vd, tab_at(g, s, kl_iaddc(g, row, v * s->v)), 8);
		LLVMValueRef args[3] = {xs, wv, load_aligned(g, vd, slot, 8)};
		LLVMSetAlignment(LLVMBuildStore(g->b, LLVMBuildCall2(g->b, fty, fn, args, 3, ""), slot),
				 8);
	}
}

/* acc[lane][v] over the whole patch for the block starting at output o0:
 * a loop over groups of four patch indices, one per lane, then the rest
 * into lane 0. */
static void block_sums(struct cg *g, const struct cv *s, LLVMValueRef o0, LLVMValueRef acc[4][4])
{
	int64_t rounds = s->per / 4;
	for (int64_t j = 0; j < 4 * s->nv; j++)
		LLVMSetAlignment(LLVMBuildStore(g->b, LLVMConstNull(s->vd), acc_at(g, s, j)), 8);
	if (rounds > 0) {
		struct kl_for fr;
		LLVMValueRef r = kl_imul(g, kl_for_begin(g, &fr, rounds, "group"), 4);
		for (int l = 0; l < 4; l++)
			patch_step(g, s, kl_iaddc(g, r, l), l, o0);
		kl_for_end(g, &fr);
	}
	for (int64_t i = rounds * 4; i < s->per; i++)
		patch_step(g, s, cg_i64(g, i), lane_of(s->per, i), o0);
	for (int l = 0; l < 4; l++)
		for (int v = 0; v < s->nv; v++)
			acc[l][v] = load_aligned(g, s->vd, acc_at(g, s, l * s->nv + v), 8);
}

/* Y[y0 + o0 + v * V + j] = bias + ((s0 + s1) + (s2 + s3)), rounded to float,
 * for the outputs below cout. */
static void block_store(struct cg *g, const struct cv *s, LLVMValueRef y0, LLVMValueRef o0,
			int64_t blk_index, bool last_known, LLVMValueRef acc[4][4])
{
	const struct kl_conv_desc *c = s->c;
	LLVMValueRef ybase = cg_base(g, c->y);
	for (int v = 0; v < s->nv; v++) {
		LLVMValueRef ov = kl_iaddc(g, o0, v * s->v);
		LLVMValueRef sum = LLVMBuildFAdd(g->b, LLVMBuildFAdd(g->b, acc[0][v], acc[1][v], ""),
						 LLVMBuildFAdd(g->b, acc[2][v], acc[3][v], ""), "");
		LLVMValueRef b = load_aligned(g, s->vd,
					      tab_at(g, s, kl_iaddc(g, ov, s->per * s->width)), 8);
		LLVMValueRef r = LLVMBuildFPTrunc(g->b, LLVMBuildFAdd(g->b, b, sum, ""), s->vf, "");
		LLVMValueRef yi = kl_iadd(g, y0, ov);
		int64_t first = blk_index * s->blk + v * s->v; /* valid when last_known */
		if (!last_known || first + s->v <= c->k->cout) {
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yi, 1, "");
			LLVMSetAlignment(LLVMBuildStore(g->b, r, p), 4);
			continue;
		}
		for (int j = 0; j < s->v && first + j < c->k->cout; j++) {
			LLVMValueRef e = LLVMBuildExtractElement(g->b, r, cg_i32(g, j), "");
			LLVMValueRef yj = kl_iaddc(g, yi, j);
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yj, 1, "");
			LLVMSetAlignment(LLVMBuildStore(g->b, e, p), 4);
		}
	}
}

/* Full blocks in a loop, then the partial last block unrolled apart. */
static void position(struct cg *g, const struct cv *s, LLVMValueRef n, LLVMValueRef const *pos)
{
	const struct kl_geom *k = s->c->k;
	LLVMValueRef acc[4][4];
	gather_patch(g, s, n, pos);
	LLVMValueRef y0 = kl_iadd(g, kl_imul(g, n, k->y_n), kl_out_offset(g, k, pos));
	int64_t full = k->cout / s->blk;
	if (full > 0) {
		struct kl_for fb;
		LLVMValueRef o0 = kl_imul(g, kl_for_begin(g, &fb, full, "block"), s->blk);
		block_sums(g, s, o0, acc);
		block_store(g, s, y0, o0, 0, false, acc);
		kl_for_end(g, &fb);
	}
	if (full < s->nblk) {
		LLVMValueRef o0 = cg_i64(g, full * s->blk);
		block_sums(g, s, o0, acc);
		block_store(g, s, y0, o0, full, true, acc);
	}
}

static bool applies(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c,
		    const struct cv *s, const char **why)
{
	const struct ir_type *xt = &g->m->values[c->x].type, *yt = &g->m->values[c->y].type;
	*why = "not a channels-last f32 Conv with one group";
	if (op->code != IR_OP_Conv || op->layout != IR_LAYOUT_NHWC || c->group != 1 ||
	    xt->elem != IR_ELEM_F32 || yt->elem != IR_ELEM_F32 || c->k->x_c != 1 || c->k->y_c != 1 ||
	    g->m->values[c->w].type.elem != IR_ELEM_F32 ||
	    (c->bias != IR_NONE && g->m->values[c->bias].type.elem != IR_ELEM_F32))
		return false;
	*why = "the target has no wide vector unit (AVX2, NEON)";
	if (!cg_has_feature(g, "avx2") && !cg_has_feature(g, "neon"))
		return false;
	*why = "patch too large for the stack";
	if (s->per < 1 || s->per > MAX_PER)
		return false;
	*why = "weight table too large for the stack";
	return (s->per + 1) * s->width * 8 <= MAX_TABLE;
}

int kl_conv_float_vec(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c)
{
	struct cv s = {.c = c};
	s.v = cg_has_feature(g, "avx512f") && cg_has_feature(g, "avx2") ? 8 : 4;
	s.per = c->k->cin * c->k->w.taps;
	int64_t vecs = (c->k->cout + s.v - 1) / s.v;
	s.nv = (int)(vecs < (s.v == 8 ? 4 : 2) ? vecs : (s.v == 8 ? 4 : 2));
	s.blk = (int64_t)s.nv * s.v;
	s.nblk = s.nv ? (c->k->cout + s.blk - 1) / s.blk : 0;
	s.width = s.nblk * s.blk;
	const char *why;
	if (!applies(g, op, c, &s, &why)) {
		kd_note(g, op, "scalar loops", why);
		return 1;
	}
	kd_note(g, op, s.v == 8 ? "vector-f64x8" : "vector-f64x4",
		"channels-last f32, one group: output channels in vectors, the patch in groups of four");
	if (!cg_base(g, c->x) || !cg_base(g, c->y))
		return -1;
	s.vd = LLVMVectorType(g->t_f64, (unsigned)s.v);
	s.vf = LLVMVectorType(g->t_f32, (unsigned)s.v);
	kl_buf_begin(g, &s.tab, g->t_f64, (s.per + 1) * s.width, "wtab");
	kl_buf_begin(g, &s.patch, g->t_f64, s.per, "patch");
	s.acc = cg_alloca(g, LLVMArrayType2(s.vd, 4 * (uint64_t)s.nv), "acc");
	LLVMSetAlignment(s.acc, 64);
	fill_table(g, &s);
	struct kl_for fn;
	struct cg_nest pos;
	LLVMValueRef n = kl_for_begin(g, &fn, c->k->batch, "n");
	cg_nest_begin(g, &pos, c->k->w.n, c->k->w.out);
	position(g, &s, n, pos.iv);
	cg_nest_end(g, &pos);
	kl_for_end(g, &fn);
	kl_buf_end(g, &s.patch);
	kl_buf_end(g, &s.tab);
	return 0;
}
