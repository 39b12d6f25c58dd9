/* k_dot_nibble.c: the vpdpbusd dot product with weights stored two per
 * byte, for matrix-vector products whose weight table would otherwise
 * stream from the second-level cache on every call (the weights are read
 * once per call; half the bytes is nearly half the time there).
 *
 * Every weight lies in [-8, 7] (k_dot.c checks). Row groups 2r and 2r + 1
 * (four reduction steps each, see k_dot.h) share the bytes of pair r: the
 * low half holds w + 8 of group 2r, the high half w + 8 of group 2r + 1,
 * both in 0..15, which vpdpbusd reads as non-negative signed bytes. So the
 * sums are sum x * (w + 8) = sum x * w + 8 * sum x; a second vpdpbusd of
 * each activation word with bytes of 1 gives sum x (the same in every
 * lane), and 8 times it is taken off at the end, then the usual activation
 * offset correction. Padding (bytes past K, the missing group of an odd
 * count) holds weight 0, that is 8, and its activations enter both sums
 * alike, so it cancels. Integer arithmetic, exact: the interpreter's sums.
 */
#include "k_dot_internal.h"

/* The pair r of tap `tap`, vector b (i32 units). */
static LLVMValueRef pair_vec(struct cg *g, const struct kd *d, LLVMValueRef tap, LLVMValueRef r,
			     int64_t b)
{
	LLVMValueRef row = kl_iadd(g, kl_imul(g, tap, d->pairs), r);
	return kd_vec_at(g, d->wtab, kl_iaddc(g, kl_imul(g, row, d->nb * d->lanes), b * d->lanes));
}

/* acc += word0 times the low halves and word1 (NULL: none) times the high
 * halves of pair r; xsum += both words times bytes of 1. */
static void pair_step(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef xsum,
		      LLVMValueRef tap, LLVMValueRef r, LLVMValueRef word0, LLVMValueRef word1)
{
	unsigned bytes = (unsigned)d->lanes * 4;
	LLVMTypeRef vb = LLVMVectorType(g->t_i8, bytes);
	LLVMValueRef low = cg_splat(g, cg_const_int(g->t_i8, 0x0f), (int)bytes);
	LLVMValueRef four = cg_splat(g, cg_const_int(g->t_i8, 4), (int)bytes);
	LLVMValueRef ones = cg_splat(g, cg_i32(g, 0x01010101), d->lanes);
	LLVMValueRef x0 = cg_splat(g, word0, d->lanes), x1 = word1 ? cg_splat(g, word1, d->lanes) : NULL;
	LLVMValueRef s = kd_load_vec(g, d->vty, xsum, 64);
	s = kd_dpbusd(g, d, s, x0, ones);
	if (x1)
		s = kd_dpbusd(g, d, s, x1, ones);
	LLVMBuildStore(g->b, s, xsum);
	int64_t s1 = d->sets > 1 ? 1 : 0;
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef packed = LLVMBuildBitCast(
			g->b, kd_load_vec(g, d->vty, pair_vec(g, d, tap, r, b), bytes), vb, "");
		LLVMValueRef lo = LLVMBuildBitCast(g->b, LLVMBuildAnd(g->b, packed, low, ""), d->vty, "");
		LLVMValueRef slot = kd_acc_slot(g, d, acc, 0, b);
		LLVMBuildStore(g->b, kd_dpbusd(g, d, kd_load_vec(g, d->vty, slot, 64), x0, lo), slot);
		if (!x1)
			continue;
		LLVMValueRef hi = LLVMBuildBitCast(g->b, LLVMBuildLShr(g->b, packed, four, ""), d->vty, "");
		slot = kd_acc_slot(g, d, acc, s1, b);
		LLVMBuildStore(g->b, kd_dpbusd(g, d, kd_load_vec(g, d->vty, slot, 64), x1, hi), slot);
	}
}

/* The number of valid activations in row group gi. */
static int valid_in(const struct kd *d, int64_t gi)
{
	return gi < d->k / 4 ? 4 : (int)(d->k % 4);
}

void kd_accumulate_nibbles(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
			   LLVMValueRef tap)
{
	LLVMValueRef xsum = cg_alloca(g, d->vty, "xsum");
	LLVMSetAlignment(xsum, 64);
	LLVMBuildStore(g->b, LLVMConstNull(d->vty), xsum);
	int64_t whole = d->k / 8; /* pairs of two complete row groups */
	if (whole > 0) {
		struct kl_for f;
		LLVMValueRef r = kl_for_begin(g, &f, whole, "pair");
		LLVMValueRef g0 = kl_imul(g, r, 2);
		pair_step(g, d, acc, xsum, tap, r, kd_load_word(g, d, x, g0, 4),
			  kd_load_word(g, d, x, kl_iaddc(g, g0, 1), 4));
		kl_for_end(g, &f);
	}
	for (int64_t r = whole; r < d->pairs; r++) {
		int64_t g0 = 2 * r, g1 = 2 * r + 1;
		LLVMValueRef w0 = kd_load_word(g, d, x, cg_i64(g, g0), valid_in(d, g0));
		LLVMValueRef w1 = g1 < d->kg ? kd_load_word(g, d, x, cg_i64(g, g1), valid_in(d, g1)) : NULL;
		pair_step(g, d, acc, xsum, tap, cg_i64(g, r), w0, w1);
	}
	LLVMValueRef eight = LLVMBuildShl(g->b, kd_load_vec(g, d->vty, xsum, 64),
					  cg_splat(g, cg_i32(g, 3), d->lanes), "");
	for (int64_t b = 0; b < d->nb; b++) {
		LLVMValueRef slot = kd_acc_slot(g, d, acc, 0, b);
		LLVMBuildStore(g->b, LLVMBuildSub(g->b, kd_load_vec(g, d->vty, slot, 64), eight, ""), slot);
	}
	kd_xoff_correct(g, d, acc, tap);
}
