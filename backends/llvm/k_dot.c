/* k_dot.c: integer dot products vectorized over output channels (see
 * k_dot.h for the shape, the variants and the packing).
 *
 * Code is written with explicit LLVM vector types (and the vpdpbusd
 * intrinsic where the target has it), so it is vector code at every
 * optimization level, without relying on the loop vectorizer. Assumes a
 * little-endian target (x86-64, AArch64): four activations are read as one
 * i32 whose byte j is activation j.
 */
#include "k_dot_internal.h"

#include "epilogue.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

const char *kd_mode_name(enum kd_mode m)
{
	static const char *const names[] = {[KD_VECTOR] = "vector-i32x8",
					    [KD_VNNI256] = "vnni-vpdpbusd-ymm",
					    [KD_VNNI512] = "vnni-vpdpbusd-zmm"};
	return names[m];
}

/* The variant for g's target, or -1 (no vector unit worth using). */
static int choose_mode(struct cg *g)
{
	/* LLVM turns off every extension of a feature turned off (--mattr=-avx2
	 * disables AVX-512 and AVX-VNNI too); the feature list does not say so */
	bool avx2 = cg_has_feature(g, "avx2");
	if (avx2 && cg_has_feature(g, "avx512vnni") && cg_has_feature(g, "avx512f"))
		return KD_VNNI512;
	if (avx2 && (cg_has_feature(g, "avxvnni") ||
		     (cg_has_feature(g, "avx512vnni") && cg_has_feature(g, "avx512vl"))))
		return KD_VNNI256;
	if (cg_has_feature(g, "avx2") || cg_has_feature(g, "neon"))
		return KD_VECTOR;
	return -1;
}

bool kd_has_vector_unit(struct cg *g)
{
	return choose_mode(g) >= 0;
}

/* A private constant global holding `bytes` bytes of buf. */
static LLVMValueRef const_bytes(struct cg *g, const char *buf, size_t bytes, const char *name)
{
	LLVMValueRef init = LLVMConstStringInContext2(g->ctx, buf, bytes, 1);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), name);
	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(gv, 64);
	return gv;
}

static void put_i32(char *dst, int64_t v)
{
	uint32_t u = (uint32_t)(int32_t)v;
	for (int b = 0; b < 4; b++)
		dst[b] = (char)(unsigned char)(u >> (8 * b));
}

/* Byte offset of weight (t, k, o) in the packed table of mode m. */
static int64_t packed_at(const struct kd *d, int64_t t, int64_t k, int64_t o)
{
	int64_t b = o / d->lanes, lane = o % d->lanes;
	if (d->mode == KD_VECTOR)
		return (t * d->k + k) * d->nb * d->lanes + o;
	if (d->nibbles) /* row groups 2r and 2r + 1 share the bytes of pair r */
		return (((t * d->pairs + k / 8) * d->nb + b) * d->lanes + lane) * 4 + k % 4;
	return (((t * d->kg + k / 4) * d->nb + b) * d->lanes + lane) * 4 + k % 4;
}

/* Stores weight v at (t, k, o): a byte, or with nibbles v + 8 in the low
 * (row group 2r) or high (2r + 1) half of its byte. */
static void put_weight(const struct kd *d, char *tab, int64_t t, int64_t k, int64_t o, int64_t v)
{
	int64_t at = packed_at(d, t, k, o);
	if (!d->nibbles) {
		tab[at] = (char)(signed char)v;
		return;
	}
	int shift = (k / 4) % 2 ? 4 : 0;
	unsigned byte = (unsigned char)tab[at];
	byte = (byte & ~(0xfu << shift)) | (unsigned)(v + 8) << shift;
	tab[at] = (char)(unsigned char)byte;
}

/* The packed weights, the start of the accumulators (bias) and, with an
 * activation offset, the correction per tap; checks that no sum can leave
 * the i32 range. */
static int pack(struct cg *g, struct kd *d, kd_weight_fn *w, const void *ctx, const int64_t *bias,
		int64_t xmax, const char **why)
{
	int64_t width = d->nb * d->lanes;
	int64_t rows = d->mode == KD_VECTOR ? d->k : d->nibbles ? d->pairs * 4 : d->kg * 4;
	size_t bytes = (size_t)(d->taps * rows * width);
	char *tab = calloc(bytes ? bytes : 1, 1);
	if (tab && d->nibbles) /* weight 0 everywhere, padding included */
		memset(tab, 0x88, bytes);
	char *init = calloc((size_t)width * 4 * (size_t)(d->taps + 1), 1);
	int rc = 1;
	if (!tab || !init) {
		rc = ir_error(g->m, "out of memory packing weights");
		goto done;
	}
	for (int64_t o = 0; o < d->n; o++) {
		int64_t bound = bias ? llabs(bias[o]) : 0, start = bias ? bias[o] : 0;
		for (int64_t t = 0; t < d->taps; t++) {
			int64_t colsum = 0;
			for (int64_t k = 0; k < d->k; k++) {
				int64_t v = w(ctx, t, k, o);
				if (v < -128 || v > 127) {
					*why = "weights wider than 8 bits";
					goto done;
				}
				put_weight(d, tab, t, k, o, v);
				colsum += v;
				bound += (d->nibbles ? 15 : llabs(v)) * xmax;
			}
			put_i32(init + ((t + 1) * width + o) * 4, d->xoff * colsum);
			bound += llabs(d->xoff * colsum);
		}
		if (d->nibbles) /* 8 times the activations' sum, taken back off */
			bound += 8 * xmax * d->kg * 4;
		if (bound >= ((int64_t)1 << 31)) {
			*why = "sums may leave the i32 range";
			goto done;
		}
		put_i32(init + o * 4, start);
	}
	d->wtab = const_bytes(g, tab, bytes ? bytes : 1, "packed_weights");
	d->init = const_bytes(g, init, (size_t)width * 4 * (size_t)(d->taps + 1), "acc_start");
	rc = 0;
done:
	free(tab);
	free(init);
	return rc;
}

/* Enough sets of accumulators for about 8 independent vpdpbusd chains,
 * without more sets than reduction steps or spilling registers. */
static int64_t kd_sets(const struct kd *d)
{
	if (d->mode == KD_VECTOR)
		return 1;
	int64_t sets = 8 / d->nb;
	sets = sets < 1 ? 1 : sets > 4 ? 4 : sets;
	return sets < d->kg ? sets : d->kg;
}

/* Whether to store the weights two per byte: they must all lie in [-8, 7],
 * the kernel be vpdpbusd on one tap (a matrix-vector product, where the
 * weights are read once per call and memory bandwidth is the limit) and the
 * table be larger than KD_NIBBLE_MIN bytes (smaller ones stay in the first
 * level cache, where unpacking only costs). */
static bool use_nibbles(const struct kd *d, kd_weight_fn *w, const void *ctx)
{
	if (d->mode == KD_VECTOR || d->taps != 1 || d->k * d->nb * d->lanes < KD_NIBBLE_MIN)
		return false;
	for (int64_t o = 0; o < d->n; o++)
		for (int64_t k = 0; k < d->k; k++) {
			int64_t v = w(ctx, 0, k, o);
			if (v < -8 || v > 7)
				return false;
		}
	return true;
}

int kd_plan(struct cg *g, struct kd *d, const struct ir_type *xt, int64_t taps, int64_t k,
	    int64_t n, kd_weight_fn *w, const void *ctx, const int64_t *bias, const char **why)
{
	memset(d, 0, sizeof *d);
	int mode = choose_mode(g);
	if (mode < 0) {
		*why = "the target has no wide vector unit (AVX2, NEON); weights stay bit-packed";
		return 1;
	}
	if (xt->elem != IR_ELEM_INT || xt->bits > 8) {
		*why = "activations are not integers of at most 8 bits";
		return 1;
	}
	if (taps < 1 || k < 1 || n < 1) {
		*why = "empty";
		return 1;
	}
	d->mode = (enum kd_mode)mode;
	d->lanes = mode == KD_VNNI512 ? 16 : 8;
	d->taps = taps;
	d->k = k;
	d->n = n;
	d->nb = (n + d->lanes - 1) / d->lanes;
	d->kg = (k + 3) / 4;
	d->xt = xt;
	d->sets = kd_sets(d);
	d->nibbles = use_nibbles(d, w, ctx);
	d->pairs = (d->kg + 1) / 2;
	d->vty = LLVMVectorType(g->t_i32, (unsigned)d->lanes);
	int64_t xmax = xt->is_signed ? (int64_t)1 << (xt->bits - 1) : ((int64_t)1 << xt->bits) - 1;
	if (mode != KD_VECTOR && xt->is_signed) {
		d->xoff = (int64_t)1 << (xt->bits - 1);
		xmax = 2 * d->xoff - 1;
	}
	return pack(g, d, w, ctx, bias, xmax, why);
}

/* Pointer to the vector at element `index` (i32 units) of table tab. */
LLVMValueRef kd_vec_at(struct cg *g, LLVMValueRef tab, LLVMValueRef index)
{
	return LLVMBuildInBoundsGEP2(g->b, g->t_i32, tab, &index, 1, "");
}

LLVMValueRef kd_load_vec(struct cg *g, LLVMTypeRef ty, LLVMValueRef ptr, unsigned align)
{
	LLVMValueRef v = LLVMBuildLoad2(g->b, ty, ptr, "");
	LLVMSetAlignment(v, align);
	return v;
}

/* Vector b of accumulator set s. */
LLVMValueRef kd_acc_slot(struct cg *g, const struct kd *d, LLVMValueRef acc, int64_t s,
			  int64_t b)
{
	return kd_vec_at(g, acc, cg_i64(g, (s * d->nb + b) * d->lanes));
}

LLVMValueRef kd_acc_begin(struct cg *g, const struct kd *d)
{
	LLVMValueRef acc =
		cg_alloca(g, LLVMArrayType2(d->vty, (uint64_t)(d->nb * d->sets)), "acc");
	LLVMSetAlignment(acc, 64);
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef v = kd_load_vec(g, d->vty, kd_vec_at(g, d->init, cg_i64(g, b * d->lanes)), 4);
		LLVMBuildStore(g->b, v, kd_acc_slot(g, d, acc, 0, b));
		for (int64_t s = 1; s < d->sets; s++)
			LLVMBuildStore(g->b, LLVMConstNull(d->vty), kd_acc_slot(g, d, acc, s, b));
	}
	return acc;
}

LLVMValueRef kd_dpbusd(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
		       LLVMValueRef w)
{
	const char *name = d->mode == KD_VNNI512 ? "llvm.x86.avx512.vpdpbusd.512"
						 : "llvm.x86.avx512.vpdpbusd.256";
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, NULL, 0);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, NULL, 0);
	LLVMValueRef args[3] = {acc, x, w};
	return LLVMBuildCall2(g->b, fty, fn, args, 3, "");
}

/* Set s of acc += word's four activations times the weight row group wrow. */
static void vnni_step(struct cg *g, const struct kd *d, LLVMValueRef acc, int64_t s,
		      LLVMValueRef word, LLVMValueRef wrow)
{
	LLVMValueRef xs = cg_splat(g, word, d->lanes);
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef slot = kd_acc_slot(g, d, acc, s, b);
		LLVMValueRef wv = kd_load_vec(g, d->vty, kd_vec_at(g, wrow, cg_i64(g, b * d->lanes)),
					   (unsigned)d->lanes * 4);
		LLVMBuildStore(g->b, kd_dpbusd(g, d, kd_load_vec(g, d->vty, slot, 64), xs, wv), slot);
	}
}

/* Four activations from x[4 * gi ...] as one i32 (bytes beyond `valid` are
 * 0), offset by xoff each. */
LLVMValueRef kd_load_word(struct cg *g, const struct kd *d, LLVMValueRef x, LLVMValueRef gi,
			  int valid)
{
	LLVMValueRef at = LLVMBuildNSWMul(g->b, gi, cg_i64(g, 4), "");
	LLVMValueRef word;
	if (valid == 4) {
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_i8, x, &at, 1, "");
		word = kd_load_vec(g, g->t_i32, p, 1);
	} else { /* the tail: byte by byte, never past x[K) */
		word = cg_i32(g, 0);
		for (int j = 0; j < valid; j++) {
			LLVMValueRef idx = kl_iaddc(g, at, j);
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_i8, x, &idx, 1, "");
			LLVMValueRef byte = LLVMBuildZExt(g->b, kd_load_vec(g, g->t_i8, p, 1), g->t_i32, "");
			word = LLVMBuildOr(g->b, word, LLVMBuildShl(g->b, byte, cg_i32(g, 8 * j), ""), "");
		}
	}
	if (!d->xoff)
		return word;
	LLVMTypeRef v4 = LLVMVectorType(g->t_i8, 4);
	LLVMValueRef bytes = LLVMBuildBitCast(g->b, word, v4, "");
	LLVMValueRef off = cg_splat(g, cg_const_int(g->t_i8, d->xoff), 4);
	/* bytes past K become xoff too; their weights are 0 */
	return LLVMBuildBitCast(g->b, LLVMBuildAdd(g->b, bytes, off, ""), g->t_i32, "");
}

/* The packed row group gi of tap `tap` (i32 units). */
static LLVMValueRef vnni_row(struct cg *g, const struct kd *d, LLVMValueRef tap, LLVMValueRef gi)
{
	LLVMValueRef r = kl_iadd(g, kl_imul(g, tap, d->kg), gi);
	return kd_vec_at(g, d->wtab, kl_imul(g, r, d->nb * d->lanes));
}

void kd_xoff_correct(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef tap)
{
	if (!d->xoff) /* else minus xoff times the tap's column sums */
		return;
	LLVMValueRef corr = kl_imul(g, kl_iaddc(g, tap, 1), d->nb * d->lanes);
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef slot = kd_acc_slot(g, d, acc, 0, b);
		LLVMValueRef c = kd_load_vec(g, d->vty,
					     kd_vec_at(g, d->init, kl_iaddc(g, corr, b * d->lanes)), 4);
		LLVMBuildStore(g->b, LLVMBuildSub(g->b, kd_load_vec(g, d->vty, slot, 64), c, ""), slot);
	}
}

static void accumulate_vnni(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
			    LLVMValueRef tap)
{
	int64_t full = d->k / 4, rounds = full / d->sets;
	struct kl_for f;
	if (rounds > 0) { /* group r * sets + s into set s */
		LLVMValueRef r = kl_for_begin(g, &f, rounds, "kg");
		for (int64_t s = 0; s < d->sets; s++) {
			LLVMValueRef gi = kl_iaddc(g, kl_imul(g, r, d->sets), s);
			vnni_step(g, d, acc, s, kd_load_word(g, d, x, gi, 4), vnni_row(g, d, tap, gi));
		}
		kl_for_end(g, &f);
	}
	for (int64_t k = rounds * d->sets; k < full; k++) {
		LLVMValueRef gi = cg_i64(g, k);
		vnni_step(g, d, acc, k % d->sets, kd_load_word(g, d, x, gi, 4), vnni_row(g, d, tap, gi));
	}
	if (d->k % 4) {
		LLVMValueRef gi = cg_i64(g, full);
		vnni_step(g, d, acc, full % d->sets, kd_load_word(g, d, x, gi, (int)(d->k % 4)),
			  vnni_row(g, d, tap, gi));
	}
	kd_xoff_correct(g, d, acc, tap);
}

/* ---- blocks of positions --------------------------------------------- */

int kd_block_size(const struct kd *d)
{
	if (d->mode == KD_VECTOR || d->nibbles)
		return 1;
	int64_t p = KD_BLOCK_ACCS / d->nb;
	return (int)(p < 1 ? 1 : p > KD_BLOCK_MAX ? KD_BLOCK_MAX : p);
}

LLVMValueRef kd_block_begin(struct cg *g, const struct kd *d, int npos)
{
	LLVMValueRef acc = cg_alloca(g, LLVMArrayType2(d->vty, (uint64_t)(d->nb * npos)), "bacc");
	LLVMSetAlignment(acc, 64);
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef v = kd_load_vec(g, d->vty, kd_vec_at(g, d->init, cg_i64(g, b * d->lanes)), 4);
		for (int p = 0; p < npos; p++)
			LLVMBuildStore(g->b, v, kd_acc_slot(g, d, acc, p, b));
	}
	return acc;
}

/* Position p's accumulators += its four activations at row group gi times
 * the weight vectors wv (loaded once for all positions). */
static void block_step(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef const *x,
		       int npos, LLVMValueRef gi, int valid, LLVMValueRef wrow)
{
	LLVMValueRef wv[KD_BLOCK_ACCS];
	for (int64_t b = 0; b < d->nb; b++)
		wv[b] = kd_load_vec(g, d->vty, kd_vec_at(g, wrow, cg_i64(g, b * d->lanes)),
				 (unsigned)d->lanes * 4);
	for (int p = 0; p < npos; p++) {
		LLVMValueRef xs = cg_splat(g, kd_load_word(g, d, x[p], gi, valid), d->lanes);
		for (int64_t b = 0; b < d->nb; b++) {
			LLVMValueRef slot = kd_acc_slot(g, d, acc, p, b);
			LLVMBuildStore(g->b, kd_dpbusd(g, d, kd_load_vec(g, d->vty, slot, 64), xs, wv[b]),
				       slot);
		}
	}
}

void kd_block_accumulate(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef const *x,
			 int npos, LLVMValueRef tap)
{
	assert(d->mode != KD_VECTOR && !d->nibbles && d->nb <= KD_BLOCK_ACCS);
	int64_t full = d->k / 4;
	if (full > 0) {
		struct kl_for f;
		LLVMValueRef gi = kl_for_begin(g, &f, full, "kg");
		block_step(g, d, acc, x, npos, gi, 4, vnni_row(g, d, tap, gi));
		kl_for_end(g, &f);
	}
	if (d->k % 4) {
		LLVMValueRef gi = cg_i64(g, full);
		block_step(g, d, acc, x, npos, gi, (int)(d->k % 4), vnni_row(g, d, tap, gi));
	}
	if (!d->xoff)
		return;
	LLVMValueRef corr = kl_imul(g, kl_iaddc(g, tap, 1), d->nb * d->lanes);
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef c = kd_load_vec(g, d->vty, kd_vec_at(g, d->init, kl_iaddc(g, corr, b * d->lanes)), 4);
		for (int p = 0; p < npos; p++) {
			LLVMValueRef slot = kd_acc_slot(g, d, acc, p, b);
			LLVMBuildStore(g->b, LLVMBuildSub(g->b, kd_load_vec(g, d->vty, slot, 64), c, ""), slot);
		}
	}
}

void kd_block_store(struct cg *g, const struct kd *d, LLVMValueRef acc, int p, int y, LLVMValueRef y0,
		    int64_t stride)
{
	struct kd one = *d;
	one.sets = 1;
	kd_store(g, &one, kd_acc_slot(g, d, acc, p, 0), y, y0, stride);
}

static void accumulate_vector(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
			      LLVMValueRef tap)
{
	struct kl_for f;
	LLVMTypeRef bvec = LLVMVectorType(g->t_i8, (unsigned)d->lanes);
	LLVMValueRef k = kl_for_begin(g, &f, d->k, "k");
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_i8, x, &k, 1, "");
	LLVMValueRef xv = cg_splat(g, cg_widen(g, kd_load_vec(g, g->t_i8, p, 1), d->xt, 32), d->lanes);
	LLVMValueRef row = kl_imul(g, kl_iadd(g, kl_imul(g, tap, d->k), k), d->nb * d->lanes);
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef at = kl_iaddc(g, row, b * d->lanes);
		LLVMValueRef wp = LLVMBuildInBoundsGEP2(g->b, g->t_i8, d->wtab, &at, 1, "");
		LLVMValueRef wv = LLVMBuildSExt(g->b, kd_load_vec(g, bvec, wp, 1), d->vty, "");
		LLVMValueRef slot = kd_acc_slot(g, d, acc, 0, b);
		LLVMValueRef sum = LLVMBuildAdd(g->b, kd_load_vec(g, d->vty, slot, 64),
						LLVMBuildMul(g->b, xv, wv, ""), "");
		LLVMBuildStore(g->b, sum, slot);
	}
	kl_for_end(g, &f);
}

void kd_accumulate(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
		   LLVMValueRef tap)
{
	if (d->nibbles)
		kd_accumulate_nibbles(g, d, acc, x, tap);
	else if (d->mode == KD_VECTOR)
		accumulate_vector(g, d, acc, x, tap);
	else
		accumulate_vnni(g, d, acc, x, tap);
}

LLVMValueRef kd_convert_i32_vec(struct cg *g, LLVMValueRef v, int lanes, const struct ir_type *yt)
{
	LLVMTypeRef mt = cg_mem_type(g, yt);
	unsigned width = LLVMGetIntTypeWidth(mt);
	LLVMTypeRef vt = LLVMVectorType(mt, (unsigned)lanes);
	LLVMValueRef r = width < 32 ? LLVMBuildTrunc(g->b, v, vt, "")
			 : width > 32 ? LLVMBuildSExt(g->b, v, vt, "") : v;
	if ((unsigned)yt->bits >= width || (yt->bits >= 32 && yt->is_signed))
		return r;
	LLVMValueRef sh = cg_splat(g, cg_const_int(mt, (int64_t)(width - (unsigned)yt->bits)), lanes);
	LLVMValueRef up = LLVMBuildShl(g->b, r, sh, "");
	return yt->is_signed ? LLVMBuildAShr(g->b, up, sh, "") : LLVMBuildLShr(g->b, up, sh, "");
}

/* The MultiThreshold of sums vector b, stored at y0 + b * lanes of its
 * result (the valid lanes of a partial vector one by one). */
static void store_epilogue(struct cg *g, const struct kd *d, LLVMValueRef v, int64_t b,
			   LLVMValueRef y0)
{
	const struct cg_epilogue *e = d->epi;
	LLVMValueRef r = epilogue_apply(g, e, v, cg_i64(g, b * d->lanes));
	LLVMTypeRef mt = cg_mem_type(g, &g->m->values[e->y].type);
	unsigned align = LLVMGetIntTypeWidth(mt) / 8;
	LLVMValueRef base = cg_base(g, e->y), at = kl_iaddc(g, y0, b * d->lanes);
	if ((b + 1) * d->lanes <= d->n) {
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, base, &at, 1, "");
		LLVMSetAlignment(LLVMBuildStore(g->b, r, p), align);
		return;
	}
	for (int lane = 0; b * d->lanes + lane < d->n; lane++) {
		LLVMValueRef i = kl_iaddc(g, at, lane);
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, base, &i, 1, "");
		LLVMValueRef x = LLVMBuildExtractElement(g->b, r, cg_i32(g, lane), "");
		LLVMSetAlignment(LLVMBuildStore(g->b, x, p), align);
	}
}

void kd_store(struct cg *g, const struct kd *d, LLVMValueRef acc, int y, LLVMValueRef y0,
	      int64_t stride)
{
	static const struct ir_type i32 = {.elem = IR_ELEM_INT, .bits = 32, .is_signed = true};
	const struct ir_type *yt = &g->m->values[y].type;
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef v = kd_load_vec(g, d->vty, kd_acc_slot(g, d, acc, 0, b), 64);
		for (int64_t s = 1; s < d->sets; s++)
			v = LLVMBuildAdd(g->b, v, kd_load_vec(g, d->vty, kd_acc_slot(g, d, acc, s, b), 64),
					 "");
		if (d->epi) {
			store_epilogue(g, d, v, b, y0);
			continue;
		}
		if (stride == 1 && yt->elem == IR_ELEM_INT && (b + 1) * d->lanes <= d->n) {
			/* a whole vector of consecutive outputs: one store */
			LLVMValueRef base = cg_base(g, y);
			if (!base)
				return;
			LLVMValueRef r = kd_convert_i32_vec(g, v, d->lanes, yt);
			LLVMValueRef at = kl_iaddc(g, y0, b * d->lanes);
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, cg_mem_type(g, yt), base, &at, 1, "");
			LLVMSetAlignment(LLVMBuildStore(g->b, r, p),
					 LLVMGetIntTypeWidth(cg_mem_type(g, yt)) / 8);
			continue;
		}
		for (int lane = 0; lane < d->lanes && b * d->lanes + lane < d->n; lane++) {
			int64_t o = b * d->lanes + lane;
			LLVMValueRef e = LLVMBuildExtractElement(g->b, v, cg_i32(g, lane), "");
			cg_store(g, y, kl_iadd(g, y0, cg_i64(g, o * stride)), cg_convert(g, e, &i32, yt));
		}
	}
}

void kd_note(struct cg *g, const struct ir_op *op, const char *variant, const char *why)
{
	if (g->verbose)
		fprintf(g->verbose, "qonnxc: kernel %s '%s': %s (%s)\n", ir_opinfo[op->code].name,
			op->name, variant, why);
}
