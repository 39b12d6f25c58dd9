/* k_conv_vec.c: the channels-last float Conv with one group, vectorized
 * over output channels with explicit LLVM vector types (so it is vector
 * code without the loop vectorizer), bit for bit the interpreter's sums.
 *
 * The interpreter (ir/interp/conv.c) sums, per output element, the double
 * products of the patch indices i = icl * taps + k in four lanes (lane
 * i % 4 below per - per % 4, lane 0 for the rest, each lane in increasing
 * i), then adds B[o] + ((s0 + s1) + (s2 + s3)) and rounds once to float.
 * Padding taps contribute 0 * w. Here the same: the patch loop is unrolled
 * at compile time in increasing i, so every lane is a register (a vector of
 * output channels) and gets its products in the interpreter's order; a
 * padding tap reads 0 (a select, not a branch). A product of two floats is
 * exact in double, so llvm.fmuladd (fused or not) rounds exactly as the
 * interpreter's multiply-then-add.
 *
 * The weights W [O, k..., I] are copied at the start of the op, converted
 * to double, into a stack table W'[i][o] (o padded to whole blocks with 0,
 * the bias as row `per`), so one vector load reads the weights of a block
 * of output channels. Blocks: NV vectors of V doubles (V = 8 with
 * AVX-512, else 4), NV chosen so the 4 * NV accumulators fit the vector
 * registers. Applies when the target has a vector unit (AVX2 or NEON) and
 * the patch is small enough to unroll (MAX_PER), the table small enough
 * for the stack (MAX_TABLE bytes).
 */
#include "k_linalg.h"

#include <string.h>

#include "k_dot.h"

#define MAX_PER 320
#define MAX_TABLE (96 * 1024)

struct cv {
	const struct kl_conv_desc *c;
	int v, nv;                 /* doubles per vector, vectors per block */
	int64_t per, blk, nblk, width; /* width = nblk * blk, the table's row */
	LLVMTypeRef vd, vf;        /* <v x double>, <v x float> */
	struct kl_buf tab;         /* W'[per + 1][width] */
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

/* The input offset of every tap of output position pos (clamped to 0
 * outside) and whether it is inside the input. */
static void tap_offsets(struct cg *g, const struct kl_geom *k, LLVMValueRef n,
			LLVMValueRef const *pos, LLVMValueRef *off, LLVMValueRef *inside)
{
	const struct window *w = &k->w;
	for (int64_t t = 0; t < w->taps; t++) {
		int64_t rest = t, kd[IR_MAX_RANK];
		for (int d = w->n - 1; d >= 0; d--) {
			kd[d] = rest % w->kernel[d];
			rest /= w->kernel[d];
		}
		LLVMValueRef o = kl_imul(g, n, k->x_n), in = LLVMConstInt(g->t_i1, 1, 0);
		for (int d = 0; d < w->n; d++) {
			LLVMValueRef cd = kl_iaddc(g, kl_imul(g, pos[d], w->stride[d]),
						   kd[d] * w->dilation[d] - w->pad[d]);
			in = LLVMBuildAnd(g->b, in,
					  LLVMBuildICmp(g->b, LLVMIntULT, cd, cg_i64(g, w->in[d]), ""), "");
			o = kl_iadd(g, o, kl_imul(g, cd, w->in_stride[d]));
		}
		inside[t] = in;
		off[t] = LLVMBuildSelect(g->b, in, o, cg_i64(g, 0), "");
	}
}

static LLVMValueRef splat(struct cg *g, LLVMValueRef x, int n)
{
	LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(x), (unsigned)n);
	LLVMValueRef v = LLVMBuildInsertElement(g->b, LLVMGetUndef(vt), x, cg_i32(g, 0), "");
	LLVMValueRef zero = LLVMConstNull(LLVMVectorType(g->t_i32, (unsigned)n));
	return LLVMBuildShuffleVector(g->b, v, LLVMGetUndef(vt), zero, "");
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

/* acc[lane][v] over the whole patch for the block starting at output o0. */
static void block_sums(struct cg *g, const struct cv *s, LLVMValueRef const *off,
		       LLVMValueRef const *inside, LLVMValueRef o0, LLVMValueRef acc[4][4])
{
	const struct kl_conv_desc *c = s->c;
	int64_t taps = c->k->w.taps;
	unsigned id = LLVMLookupIntrinsicID("llvm.fmuladd", strlen("llvm.fmuladd"));
	LLVMTypeRef vd = s->vd;
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &vd, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &vd, 1);
	LLVMValueRef xbase = cg_base(g, c->x);
	for (int l = 0; l < 4; l++)
		for (int v = 0; v < s->nv; v++)
			acc[l][v] = LLVMConstNull(s->vd);
	for (int64_t icl = 0; icl < c->k->cin; icl++)
		for (int64_t t = 0; t < taps; t++) {
			int64_t i = icl * taps + t;
			int l = lane_of(s->per, i);
			LLVMValueRef xi = kl_iaddc(g, off[t], icl);
			LLVMValueRef xv = load_aligned(
				g, g->t_f32, LLVMBuildInBoundsGEP2(g->b, g->t_f32, xbase, &xi, 1, ""), 4);
			xv = LLVMBuildSelect(g->b, inside[t], xv, cg_const_real(g->t_f32, 0.0), "");
			LLVMValueRef xs = splat(g, LLVMBuildFPExt(g->b, xv, g->t_f64, ""), s->v);
			LLVMValueRef row = kl_iadd(g, o0, cg_i64(g, i * s->width));
			for (int v = 0; v < s->nv; v++) {
				LLVMValueRef wv = load_aligned(g, vd, tab_at(g, s, kl_iaddc(g, row, v * s->v)), 8);
				LLVMValueRef args[3] = {xs, wv, acc[l][v]};
				acc[l][v] = LLVMBuildCall2(g->b, fty, fn, args, 3, "");
			}
		}
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
	LLVMValueRef off[MAX_PER], inside[MAX_PER], acc[4][4];
	tap_offsets(g, k, n, pos, off, inside);
	LLVMValueRef y0 = kl_iadd(g, kl_imul(g, n, k->y_n), kl_out_offset(g, k, pos));
	int64_t full = k->cout / s->blk;
	if (full > 0) {
		struct kl_for fb;
		LLVMValueRef o0 = kl_imul(g, kl_for_begin(g, &fb, full, "block"), s->blk);
		block_sums(g, s, off, inside, o0, acc);
		block_store(g, s, y0, o0, 0, false, acc);
		kl_for_end(g, &fb);
	}
	if (full < s->nblk) {
		LLVMValueRef o0 = cg_i64(g, full * s->blk);
		block_sums(g, s, off, inside, o0, acc);
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
	*why = "patch too large to unroll";
	if (s->per < 1 || s->per > MAX_PER || c->k->w.taps > MAX_PER)
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
		"channels-last f32, one group: output channels in vectors, the patch unrolled");
	if (!cg_base(g, c->x) || !cg_base(g, c->y))
		return -1;
	s.vd = LLVMVectorType(g->t_f64, (unsigned)s.v);
	s.vf = LLVMVectorType(g->t_f32, (unsigned)s.v);
	kl_buf_begin(g, &s.tab, g->t_f64, (s.per + 1) * s.width, "wtab");
	fill_table(g, &s);
	struct kl_for fn;
	struct cg_nest pos;
	LLVMValueRef n = kl_for_begin(g, &fn, c->k->batch, "n");
	cg_nest_begin(g, &pos, c->k->w.n, c->k->w.out);
	position(g, &s, n, pos.iv);
	cg_nest_end(g, &pos);
	kl_for_end(g, &fn);
	kl_buf_end(g, &s.tab);
	return 0;
}
