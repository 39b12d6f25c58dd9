/* k_conv_vec.c: the channels-last float Conv with one group, vectorized
 * over output channels with explicit LLVM vector types (so it is vector
 * code without the loop vectorizer), bit for bit the interpreter's sums.
 *
 * Two arithmetics, as the op is marked (ir/ir.h, enum ir_sums):
 *  - double (unmarked: a pipeline without f32-sums, or a quantized model
 *    compiled for HLS as well): the interpreter (ir/interp/conv.c) sums, per
 *    output element, the double products of the patch indices
 *    i = icl * taps + k in four lanes (lane i % 4 below per - per % 4, lane
 *    0 for the rest, each lane in increasing i), then adds
 *    B[o] + ((s0 + s1) + (s2 + s3)) and rounds once to float. A product of
 *    two floats is exact in double, so llvm.fmuladd (fused or not) rounds
 *    exactly as the interpreter's multiply-then-add.
 *  - float32 fma (IR_SUMS_F32_FMA): the patch is numbered i = k * I + icl
 *    (the channels-last memory order, so gathering it copies runs of I
 *    contiguous floats) and summed in one float32 chain of fused multiply-
 *    adds (cg_fma) from +0
 *    in increasing i, then B[o] + s in float. Twice the lanes per vector
 *    and a quarter of the accumulators of the double sums.
 * Padding taps contribute 0 * w in both. Each output position first gathers
 * its patch into a stack buffer (0 for taps outside the input), then a loop
 * takes the patch four indices at a time, index 4r + l into lane l (lane 0
 * with one lane), so every lane gets its products in increasing i; the
 * per % 4 last indices go to lane 0 after the loop.
 *
 * The weights W [O, k..., I] become a table W'[i][o] of the sums' type (o
 * padded to whole blocks with 0, the bias as row `per`), so one vector load
 * reads the weights of a block of output channels. When W and the bias are
 * known at compile time the table is a private constant global (up to
 * MAX_CONST_TABLE bytes); otherwise it is filled on the stack at the start
 * of the op (up to MAX_TABLE bytes). Blocks: NV vectors of V elements (with
 * AVX-512 8 doubles or 16 floats, else 4 or 8).
 *
 * Output positions go NP at a time (row-major over the spatial dims, the
 * last pass of a batch element with the remainder): their NP patches are
 * gathered first, then every weight vector loaded feeds NP multiply-adds.
 * NV and NP are chosen so the lanes * NV * NP accumulators fit the vector
 * registers. The patch buffers are zeroed only when some tap of some
 * position falls outside the input. A BatchNormalization/Relu chain after
 * the Conv (float_epilogue.h) is applied to each vector before its store.
 * Applies when the target has a vector unit (AVX2 or NEON) and the patch
 * (MAX_PER elements) and the table are small enough.
 */
#include "k_linalg.h"

#include <llvm-c/DebugInfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "float_epilogue.h"
#include "k_dot.h"

#define MAX_PER 2048
#define MAX_TABLE (96 * 1024)
#define MAX_CONST_TABLE (8 * 1024 * 1024)
#define MAX_NP 8

struct cv {
	const struct kl_conv_desc *c;
	bool fma;                  /* float32 fused multiply-adds (IR_SUMS_F32_FMA), else double */
	LLVMTypeRef et;            /* the sums' element type: double, or float when fma */
	int eb;                    /* its bytes */
	int lanes;                 /* partial sums per output: 4 in double, 1 with fma */
	int v, nv, np;             /* elements per vector, vectors per block, positions per pass */
	int64_t per, blk, nblk, width; /* width = nblk * blk, the table's row */
	bool padded;               /* some tap of some position is outside the input */
	LLVMTypeRef vd, vf;        /* <v x et>, <v x float> */
	LLVMValueRef tab;          /* W'[per + 1][width]: a constant global or tabbuf */
	struct kl_buf tabbuf;      /* the table on the stack (tab_const false) */
	bool tab_const;
	struct kl_buf patch;       /* np patches of per doubles, one per output position */
	LLVMValueRef acc;          /* the accumulators: [lanes][nv][np] vectors vd */
};

/* The patch index of input channel icl at kernel position k (see the top). */
static int64_t patch_index(const struct cv *s, int64_t icl, int64_t k)
{
	return s->fma ? k * s->c->k->cin + icl : icl * s->c->k->w.taps + k;
}

/* Element j of a table of et in host bytes: x as a double or a float. */
static void put(const struct cv *s, char *t, int64_t j, float x)
{
	if (s->fma) {
		memcpy(t + j * 4, &x, 4);
	} else {
		double d = x;
		memcpy(t + j * 8, &d, 8);
	}
}

/* The compile-time table as a constant global: 0, 1 when W or the bias is
 * not known, -1 out of memory. */
static int const_table(struct cg *g, struct cv *s)
{
	const struct kl_conv_desc *c = s->c;
	int64_t taps = c->k->w.taps, cout = c->k->cout, n = (s->per + 1) * s->width;
	const float *w = ir_known_data(g->m, c->w);
	const float *b = c->bias != IR_NONE ? ir_known_data(g->m, c->bias) : NULL;
	if (!w || (c->bias != IR_NONE && !b) || n * s->eb > MAX_CONST_TABLE)
		return 1;
	char *t = calloc((size_t)n, (size_t)s->eb);
	if (!t)
		return ir_error(g->m, "out of memory building a table of %lld bytes",
				(long long)n * s->eb);
	for (int64_t o = 0; o < cout; o++) {
		for (int64_t icl = 0; icl < c->k->cin; icl++)
			for (int64_t k = 0; k < taps; k++)
				put(s, t, patch_index(s, icl, k) * s->width + o,
				    w[o * c->w_o + icl * c->w_i + k * c->w_k]);
		put(s, t, s->per * s->width + o, b ? b[o] : 0.0f);
	}
	LLVMValueRef init = LLVMConstStringInContext2(g->ctx, t, (size_t)(n * s->eb), 1);
	free(t);
	s->tab = LLVMAddGlobal(g->mod, LLVMTypeOf(init), "conv_wtab");
	LLVMSetInitializer(s->tab, init);
	LLVMSetGlobalConstant(s->tab, 1);
	LLVMSetLinkage(s->tab, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(s->tab, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(s->tab, 64);
	s->tab_const = true;
	return 0;
}

/* A float operand in the sums' type: widened to double unless fma. */
static LLVMValueRef widen(struct cg *g, const struct cv *s, LLVMValueRef x)
{
	return s->fma ? x : LLVMBuildFPExt(g->b, x, g->t_f64, "");
}

/* wtab[i][o] = W[o, k, icl] as et (0 for padded o); row per = bias. */
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
	LLVMValueRef wv = widen(g, s, cg_load(g, c->w, at));
	LLVMValueRef i = s->fma ? kl_iadd(g, kl_imul(g, k, c->k->cin), icl)
			       : kl_iadd(g, kl_imul(g, icl, taps), k);
	kl_buf_store(g, &s->tabbuf, kl_iadd(g, kl_imul(g, i, s->width), o), wv);
	kl_for_end(g, &fk);
	kl_for_end(g, &fi);
	LLVMValueRef b = cg_const_real(s->et, 0.0);
	if (c->bias != IR_NONE)
		b = widen(g, s, cg_load(g, c->bias, o));
	kl_buf_store(g, &s->tabbuf, kl_iadd(g, o, cg_i64(g, s->per * s->width)), b);
	kl_for_end(g, &fo);
	if (s->width > cout) {
		struct kl_for fr, fp;
		LLVMValueRef r = kl_for_begin(g, &fr, s->per + 1, "row");
		LLVMValueRef p = kl_for_begin(g, &fp, s->width - cout, "pad");
		LLVMValueRef at2 = kl_iadd(g, kl_imul(g, r, s->width), kl_iaddc(g, p, cout));
		kl_buf_store(g, &s->tabbuf, at2, cg_const_real(s->et, 0.0));
		kl_for_end(g, &fp);
		kl_for_end(g, &fr);
	}
}

/* True when some output position has a tap outside the input: in some
 * dim, o * stride - pad < 0 or o * stride - pad + (kernel - 1) * dilation
 * >= in for o = 0 or o = out - 1. */
static bool padded(const struct window *w)
{
	for (int d = 0; d < w->n; d++) {
		int64_t first = -w->pad[d];
		int64_t last = (w->out[d] - 1) * w->stride[d] - w->pad[d] +
			       (w->kernel[d] - 1) * w->dilation[d];
		if (w->out[d] > 0 && (first < 0 || last >= w->in[d]))
			return true;
	}
	return false;
}

/* Marks the loop ending in latch as not for the loop vectorizer: the
 * gathers below have strided stores and taps checks, which it turns into
 * masked gathers and scatters slower than the scalar loop. */
static void no_vectorize(struct cg *g, LLVMBasicBlockRef latch)
{
	LLVMValueRef br = LLVMGetBasicBlockTerminator(latch);
	if (!br)
		return;
	const char *key = "llvm.loop.vectorize.enable";
	LLVMMetadataRef self = LLVMTemporaryMDNode(g->ctx, NULL, 0);
	LLVMMetadataRef opt[2] = {LLVMMDStringInContext2(g->ctx, key, strlen(key)),
				  LLVMValueAsMetadata(LLVMConstInt(g->t_i1, 0, 0))};
	LLVMMetadataRef ops[2] = {self, LLVMMDNodeInContext2(g->ctx, opt, 2)};
	LLVMMetadataRef id = LLVMMDNodeInContext2(g->ctx, ops, 2);
	LLVMMetadataReplaceAllUsesWith(self, id);
	LLVMSetMetadata(br, LLVMGetMDKindIDInContext(g->ctx, "llvm.loop", 9),
			LLVMMetadataAsValue(g->ctx, id));
}

/* Patch p for the output position pos: index i = the input at patch index
 * i as et, 0 for taps outside the input. */
static void gather_patch(struct cg *g, const struct cv *s, LLVMValueRef n,
			 LLVMValueRef const *pos, int p)
{
	const struct kl_geom *k = s->c->k;
	struct kl_for fc;
	struct kl_taps taps;
	if (s->padded) {
		LLVMValueRef at = kl_iaddc(g, cg_i64(g, 0), p * s->per);
		LLVMValueRef dst = LLVMBuildInBoundsGEP2(g->b, s->et, s->patch.ptr, &at, 1, "");
		LLVMBuildMemSet(g->b, dst, LLVMConstInt(g->t_i8, 0, 0), cg_i64(g, s->per * s->eb),
				(unsigned)s->eb);
	}
	kl_taps_begin(g, &taps, k, pos, KL_INSIDE);
	LLVMValueRef base = kl_iadd(g, kl_imul(g, n, k->x_n), taps.off);
	LLVMValueRef icl = kl_for_begin(g, &fc, k->cin, "icl");
	LLVMValueRef x = cg_load(g, s->c->x, kl_iadd(g, base, icl));
	LLVMValueRef i = s->fma ? kl_iadd(g, kl_imul(g, taps.k, k->cin), icl)
			       : kl_iadd(g, kl_imul(g, icl, k->w.taps), taps.k);
	kl_buf_store(g, &s->patch, kl_iaddc(g, i, p * s->per), widen(g, s, x));
	kl_for_end(g, &fc);
	if (fc.real && !s->fma) /* strided stores; with fma sums a contiguous copy */
		no_vectorize(g, fc.l.latch);
	kl_taps_end(g, &taps);
	for (int d = 0; d < taps.n; d++)
		no_vectorize(g, taps.loop[d].latch);
}

/* The patches of npos positions, each with the taps checks. (Gathering the
 * patches of interior positions by straight-line code saved at most 3% and
 * doubled the compile time of the float models, so it is not done.) */
static void gather(struct cg *g, const struct cv *s, LLVMValueRef n, LLVMValueRef pos[][IR_MAX_RANK],
		   int npos)
{
	for (int p = 0; p < npos; p++)
		gather_patch(g, s, n, pos[p], p);
}

static LLVMValueRef load_aligned(struct cg *g, LLVMTypeRef ty, LLVMValueRef p, unsigned align)
{
	LLVMValueRef v = LLVMBuildLoad2(g->b, ty, p, "");
	LLVMSetAlignment(v, align);
	return v;
}

/* Pointer to element j of the table. */
static LLVMValueRef tab_at(struct cg *g, const struct cv *s, LLVMValueRef j)
{
	return LLVMBuildInBoundsGEP2(g->b, s->et, s->tab, &j, 1, "");
}

/* The lane of patch index i (see the top). */
static int lane_of(const struct cv *s, int64_t i)
{
	return s->lanes == 4 && i < s->per - s->per % 4 ? (int)(i % 4) : 0;
}

/* Pointer to the accumulator of lane l, vector v, position p. */
static LLVMValueRef acc_at(struct cg *g, const struct cv *s, int l, int v, int p)
{
	LLVMValueRef idx[2] = {cg_i64(g, 0), cg_i64(g, ((int64_t)l * s->nv + v) * s->np + p)};
	return LLVMBuildInBoundsGEP2(g->b, LLVMArrayType2(s->vd, (uint64_t)(s->lanes * s->nv * s->np)),
				     s->acc, idx, 2, "");
}

/* acc (lane l, vector v, position p) += patch p [i] * table row i, for
 * the block at o0 and positions below npos. */
static void patch_step(struct cg *g, const struct cv *s, LLVMValueRef i, int l, LLVMValueRef o0,
		       int npos)
{
	LLVMTypeRef vd = s->vd;
	unsigned id = LLVMLookupIntrinsicID("llvm.fmuladd", strlen("llvm.fmuladd"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &vd, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &vd, 1);
	LLVMValueRef row = kl_iadd(g, o0, kl_imul(g, i, s->width));
	LLVMValueRef wv[4];
	for (int v = 0; v < s->nv; v++)
		wv[v] = load_aligned(g, vd, tab_at(g, s, kl_iaddc(g, row, v * s->v)), (unsigned)s->eb);
	for (int p = 0; p < npos; p++) {
		LLVMValueRef xs =
			cg_splat(g, kl_buf_load(g, &s->patch, kl_iaddc(g, i, p * s->per)), s->v);
		for (int v = 0; v < s->nv; v++) {
			LLVMValueRef slot = acc_at(g, s, l, v, p);
			LLVMValueRef args[3] = {xs, wv[v], load_aligned(g, vd, slot, (unsigned)s->eb)};
			LLVMValueRef r = s->fma ? cg_fma(g, xs, wv[v], args[2])
						: LLVMBuildCall2(g->b, fty, fn, args, 3, "");
			LLVMSetAlignment(LLVMBuildStore(g->b, r, slot), (unsigned)s->eb);
		}
	}
}

/* The accumulators over the whole patches for the block starting at output
 * o0: a loop over groups of four patch indices, one per lane (all to lane 0
 * when there is one), then the rest into lane 0. */
static void block_sums(struct cg *g, const struct cv *s, LLVMValueRef o0, int npos)
{
	int64_t rounds = s->per / 4;
	for (int l = 0; l < s->lanes; l++)
		for (int v = 0; v < s->nv; v++)
			for (int p = 0; p < npos; p++)
				LLVMSetAlignment(LLVMBuildStore(g->b, LLVMConstNull(s->vd),
								acc_at(g, s, l, v, p)),
						 (unsigned)s->eb);
	if (rounds > 0) {
		struct kl_for fr;
		LLVMValueRef r = kl_imul(g, kl_for_begin(g, &fr, rounds, "group"), 4);
		for (int l = 0; l < 4; l++)
			patch_step(g, s, kl_iaddc(g, r, l), s->lanes == 4 ? l : 0, o0, npos);
		kl_for_end(g, &fr);
	}
	for (int64_t i = rounds * 4; i < s->per; i++)
		patch_step(g, s, cg_i64(g, i), lane_of(s, i), o0, npos);
}

/* Y[y0[p] + o0 + v * V + j] = bias + ((s0 + s1) + (s2 + s3)) in et (bias
 * + s0 with one lane), rounded to float, for the outputs below cout. */
static void block_store(struct cg *g, const struct cv *s, LLVMValueRef const *y0, LLVMValueRef o0,
			int64_t blk_index, bool last_known, int npos)
{
	const struct kl_conv_desc *c = s->c;
	LLVMValueRef ybase = cg_base(g, c->fe->y);
	for (int p = 0; p < npos; p++) {
		for (int v = 0; v < s->nv; v++) {
			LLVMValueRef a[4];
			for (int l = 0; l < s->lanes; l++)
				a[l] = load_aligned(g, s->vd, acc_at(g, s, l, v, p), (unsigned)s->eb);
			LLVMValueRef ov = kl_iaddc(g, o0, v * s->v);
			LLVMValueRef sum = a[0];
			if (s->lanes == 4)
				sum = LLVMBuildFAdd(g->b, LLVMBuildFAdd(g->b, a[0], a[1], ""),
						    LLVMBuildFAdd(g->b, a[2], a[3], ""), "");
			LLVMValueRef b = load_aligned(
				g, s->vd, tab_at(g, s, kl_iaddc(g, ov, s->per * s->width)), (unsigned)s->eb);
			LLVMValueRef r = LLVMBuildFAdd(g->b, b, sum, "");
			if (!s->fma)
				r = LLVMBuildFPTrunc(g->b, r, s->vf, "");
			if (c->fe->n > 0)
				r = fepi_apply(g, c->fe, r, ov);
			LLVMValueRef yi = kl_iadd(g, y0[p], ov);
			int64_t first = blk_index * s->blk + v * s->v; /* valid when last_known */
			if (!last_known || first + s->v <= c->k->cout) {
				LLVMValueRef ptr = LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yi, 1, "");
				LLVMSetAlignment(LLVMBuildStore(g->b, r, ptr), 4);
				continue;
			}
			for (int j = 0; j < s->v && first + j < c->k->cout; j++) {
				LLVMValueRef e = LLVMBuildExtractElement(g->b, r, cg_i32(g, j), "");
				LLVMValueRef yj = kl_iaddc(g, yi, j);
				LLVMValueRef ptr = LLVMBuildInBoundsGEP2(g->b, g->t_f32, ybase, &yj, 1, "");
				LLVMSetAlignment(LLVMBuildStore(g->b, e, ptr), 4);
			}
		}
	}
}

/* The output positions q0, q0 + 1, ..., q0 + npos - 1 (row-major over the
 * spatial dims) of batch element n: their patches, then full blocks of
 * output channels in a loop and the partial last block unrolled apart. */
static void positions(struct cg *g, const struct cv *s, LLVMValueRef n, LLVMValueRef q0, int npos)
{
	const struct kl_geom *k = s->c->k;
	LLVMValueRef y0[MAX_NP], pos[MAX_NP][IR_MAX_RANK];
	for (int p = 0; p < npos; p++) {
		LLVMValueRef q = kl_iaddc(g, q0, p);
		int64_t inner = 1;
		for (int d = k->w.n - 1; d >= 0; d--) {
			LLVMValueRef t = inner == 1 ? q : LLVMBuildUDiv(g->b, q, cg_i64(g, inner), "");
			pos[p][d] = d == 0 ? t : LLVMBuildURem(g->b, t, cg_i64(g, k->w.out[d]), "");
			inner *= k->w.out[d];
		}
		y0[p] = kl_iadd(g, kl_imul(g, n, k->y_n), kl_out_offset(g, k, pos[p]));
	}
	gather(g, s, n, pos, npos);
	int64_t full = k->cout / s->blk;
	if (full > 0) {
		struct kl_for fb;
		LLVMValueRef o0 = kl_imul(g, kl_for_begin(g, &fb, full, "block"), s->blk);
		block_sums(g, s, o0, npos);
		block_store(g, s, y0, o0, 0, false, npos);
		kl_for_end(g, &fb);
	}
	if (full < s->nblk) {
		LLVMValueRef o0 = cg_i64(g, full * s->blk);
		block_sums(g, s, o0, npos);
		block_store(g, s, y0, o0, full, true, npos);
	}
}

static bool applies(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c,
		    const struct cv *s, const char **why)
{
	const struct ir_type *xt = &g->m->values[c->x].type, *yt = &g->m->values[c->y].type;
	*why = "not a channels-last f32 Conv with one group";
	if (op->code != IR_OP_Conv || op->layout != IR_LAYOUT_NHWC || c->group != 1 ||
	    xt->elem != IR_ELEM_F32 || yt->elem != IR_ELEM_F32 || c->k->x_c != 1 || c->k->y_c != 1 ||
	    c->k->w.n < 1 || g->m->values[c->w].type.elem != IR_ELEM_F32 ||
	    (c->bias != IR_NONE && g->m->values[c->bias].type.elem != IR_ELEM_F32))
		return false;
	*why = "the target has no wide vector unit (AVX2, NEON)";
	if (!cg_has_feature(g, "avx2") && !cg_has_feature(g, "neon"))
		return false;
	*why = "patch too large for the stack";
	return s->per >= 1 && s->per <= MAX_PER;
}

/* V, NV, NP and the table's shape. Accumulator budget: 24 of the 32
 * registers with AVX-512, 12 of the 16 (or 16 pairs with NEON) else; NP
 * positions per pass where the budget leaves room after NV vectors. */
static void plan(struct cg *g, struct cv *s)
{
	const struct kl_conv_desc *c = s->c;
	bool wide = cg_has_feature(g, "avx512f") && cg_has_feature(g, "avx2");
	s->v = (wide ? 8 : 4) * (s->fma ? 2 : 1);
	s->lanes = s->fma ? 1 : 4;
	int budget = wide ? 24 : 12, maxnv = (wide ? 2 : 1) * (s->fma ? 2 : 1);
	s->per = c->k->cin * c->k->w.taps;
	int64_t vecs = (c->k->cout + s->v - 1) / s->v;
	s->nv = (int)(vecs < maxnv ? vecs : maxnv);
	s->np = s->nv ? budget / (s->lanes * s->nv) : 1;
	s->np = s->np < MAX_NP ? s->np : MAX_NP;
	s->blk = (int64_t)s->nv * s->v;
	s->nblk = s->nv ? (c->k->cout + s->blk - 1) / s->blk : 0;
	s->width = s->nblk * s->blk;
	s->padded = padded(&c->k->w);
}

int kl_conv_float_vec(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c)
{
	struct cv s = {.c = c, .fma = op->sums == IR_SUMS_F32_FMA};
	s.et = s.fma ? g->t_f32 : g->t_f64;
	s.eb = s.fma ? 4 : 8;
	plan(g, &s);
	const char *why;
	if (!applies(g, op, c, &s, &why)) {
		kd_note(g, op, "scalar loops", why);
		return 1;
	}
	int rc = const_table(g, &s);
	if (rc < 0)
		return -1;
	if (rc > 0 && (s.per + 1) * s.width * s.eb > MAX_TABLE) {
		kd_note(g, op, "scalar loops",
			"weights not known at compile time and their table too large for the stack");
		return 1;
	}
	if (!cg_base(g, c->x) || !cg_base(g, c->fe->y))
		return -1;
	char note[260];
	snprintf(note, sizeof note,
		 "channels-last f32, one group: output channels in vectors, %d output positions per "
		 "pass, summed in %s; %s%s",
		 s.np, s.fma ? "one float32 fused multiply-add chain" : "double in four lanes",
		 s.tab_const ? "weights in a constant table" : "weights converted on the stack",
		 c->fe->n > 0 ? "; the BatchNormalization or Relu after it applied before the store"
			      : "");
	char variant[32];
	snprintf(variant, sizeof variant, "vector-%sx%d", s.fma ? "f32" : "f64", s.v);
	kd_note(g, op, variant, note);
	s.vd = LLVMVectorType(s.et, (unsigned)s.v);
	s.vf = LLVMVectorType(g->t_f32, (unsigned)s.v);
	if (!s.tab_const) {
		kl_buf_begin(g, &s.tabbuf, s.et, (s.per + 1) * s.width, "wtab");
		s.tab = s.tabbuf.ptr;
	}
	kl_buf_begin(g, &s.patch, s.et, s.per * s.np, "patch");
	s.acc = cg_alloca(g, LLVMArrayType2(s.vd, (uint64_t)(s.lanes * s.nv * s.np)), "acc");
	LLVMSetAlignment(s.acc, 64);
	if (!s.tab_const)
		fill_table(g, &s);
	int64_t npos = 1;
	for (int d = 0; d < c->k->w.n; d++)
		npos *= c->k->w.out[d];
	struct kl_for fn, fq;
	LLVMValueRef n = kl_for_begin(g, &fn, c->k->batch, "n");
	if (npos / s.np > 0) {
		LLVMValueRef q0 = kl_imul(g, kl_for_begin(g, &fq, npos / s.np, "pass"), s.np);
		positions(g, &s, n, q0, s.np);
		kl_for_end(g, &fq);
	}
	if (npos % s.np > 0)
		positions(g, &s, n, cg_i64(g, npos - npos % s.np), (int)(npos % s.np));
	kl_for_end(g, &fn);
	kl_buf_end(g, &s.patch);
	if (!s.tab_const)
		kl_buf_end(g, &s.tabbuf);
	return 0;
}
