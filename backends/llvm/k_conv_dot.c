/* k_conv_dot.c: the channels-last integer Conv with one group on the
 * dot-product kernel of k_dot.h: per output position, for each tap inside
 * the input, the tap's input channels (contiguous) times its [cin, cout]
 * weight matrix, all output channels at once in vectors.
 *
 * Output positions along the last spatial dim whose taps all lie inside the
 * input in that dim (the interior, known at compile time) go in blocks of
 * kd_block_size consecutive positions: each weight vector loaded once
 * serves every position of the block, so the loop runs on the multiply-adds
 * and not on the weight loads. The positions before and after the interior
 * (and those a whole block does not fill) go one at a time. Integer sums
 * are exact, so both paths give the interpreter's result.
 *
 * Assumes W and the bias are known (packed at compile time by kd_plan) and
 * X is an activation of at most 8 bits in memory.
 */
#include "k_linalg.h"

#include <stdio.h>

#include "epilogue.h"
#include "k_dot.h"

struct dotconv {
	const struct kl_conv_desc *c;
	struct kd d;
	LLVMValueRef xbase;
};

static int64_t conv_weight(const void *ctx, int64_t t, int64_t k, int64_t o)
{
	const struct kl_conv_desc *c = ((const void *const *)ctx)[0];
	const int64_t *w = ((const void *const *)ctx)[1];
	return w[o * c->w_o + k * c->w_i + t * c->w_k];
}

/* The output positions of the last spatial dim whose taps are all inside
 * the input in that dim: [*lo, *hi). */
static void interior(const struct kl_geom *k, int64_t *lo, int64_t *hi)
{
	const struct window *w = &k->w;
	int last = w->n - 1;
	int64_t s = w->stride[last], pad = w->pad[last];
	int64_t reach = (w->kernel[last] - 1) * w->dilation[last];
	int64_t l = pad <= 0 ? 0 : (pad + s - 1) / s;        /* o * s - pad >= 0 */
	int64_t top = w->in[last] - 1 + pad - reach;           /* o * s <= top */
	int64_t h = top < 0 ? 0 : top / s + 1;
	int64_t out = w->out[last];
	*lo = l < out ? l : out;
	*hi = h < *lo ? *lo : h > out ? out : h;
}

/* One output position, pos[] its coordinates. */
static void one_position(struct cg *g, const struct dotconv *s, LLVMValueRef n,
			 LLVMValueRef const *pos)
{
	const struct kl_geom *k = s->c->k;
	struct kl_taps taps;
	LLVMValueRef acc = kd_acc_begin(g, &s->d);
	kl_taps_begin(g, &taps, k, pos, KL_INSIDE);
	LLVMValueRef xi = kl_iadd(g, kl_imul(g, n, k->x_n), taps.off);
	kd_accumulate(g, &s->d, acc, LLVMBuildInBoundsGEP2(g->b, g->t_i8, s->xbase, &xi, 1, ""),
		      taps.k);
	kl_taps_end(g, &taps);
	LLVMValueRef y0 = kl_iadd(g, kl_imul(g, n, k->y_n), kl_out_offset(g, k, pos));
	kd_store(g, &s->d, acc, s->c->y, y0, 1);
}

/* npos consecutive interior positions starting at pos[] (last dim). */
static void block(struct cg *g, const struct dotconv *s, LLVMValueRef n, LLVMValueRef const *pos,
		  int npos)
{
	const struct kl_geom *k = s->c->k;
	int last = k->w.n - 1;
	struct kl_taps taps;
	LLVMValueRef x[KD_BLOCK_MAX];
	LLVMValueRef acc = kd_block_begin(g, &s->d, npos);
	kl_taps_begin(g, &taps, k, pos, KL_INSIDE);
	LLVMValueRef xi = kl_iadd(g, kl_imul(g, n, k->x_n), taps.off);
	for (int p = 0; p < npos; p++) {
		LLVMValueRef at = kl_iaddc(g, xi, p * k->w.stride[last] * k->w.in_stride[last]);
		x[p] = LLVMBuildInBoundsGEP2(g->b, g->t_i8, s->xbase, &at, 1, "");
	}
	kd_block_accumulate(g, &s->d, acc, x, npos, taps.k);
	kl_taps_end(g, &taps);
	LLVMValueRef y0 = kl_iadd(g, kl_imul(g, n, k->y_n), kl_out_offset(g, k, pos));
	for (int p = 0; p < npos; p++)
		kd_block_store(g, &s->d, acc, p, s->c->y, kl_iaddc(g, y0, p * k->y_sp[last]), 1);
}

/* Positions [from, to) of the last dim, one at a time; pos[last] is set. */
static void singles(struct cg *g, const struct dotconv *s, LLVMValueRef n, LLVMValueRef *pos,
		    int64_t from, int64_t to)
{
	int last = s->c->k->w.n - 1;
	struct kl_for f;
	if (to <= from)
		return;
	pos[last] = kl_iaddc(g, kl_for_begin(g, &f, to - from, "o"), from);
	one_position(g, s, n, pos);
	kl_for_end(g, &f);
}

/* One row: the positions of the last dim for fixed outer coordinates. */
static void row(struct cg *g, const struct dotconv *s, LLVMValueRef n, LLVMValueRef *pos)
{
	const struct kl_geom *k = s->c->k;
	int last = k->w.n - 1, bs = kd_block_size(&s->d);
	int64_t lo, hi, blocks = 0;
	interior(k, &lo, &hi);
	if (bs > 1)
		blocks = (hi - lo) / bs;
	singles(g, s, n, pos, 0, blocks ? lo : k->w.out[last]);
	if (!blocks)
		return;
	struct kl_for f;
	pos[last] = kl_iaddc(g, kl_imul(g, kl_for_begin(g, &f, blocks, "blk"), bs), lo);
	block(g, s, n, pos, bs);
	kl_for_end(g, &f);
	singles(g, s, n, pos, lo + blocks * bs, k->w.out[last]);
}

int kl_conv_int_dot(struct cg *g, const struct ir_op *op, const struct kl_conv_desc *c)
{
	const struct ir_type *xt = &g->m->values[c->x].type;
	const char *why = "not a channels-last integer Conv with one group";
	const int64_t *bias = c->bias == IR_NONE ? NULL : ir_known_data(g->m, c->bias);
	const void *ctx[2] = {c, ir_known_data(g->m, c->w)};
	struct dotconv s = {.c = c};
	if (op->code != IR_OP_Conv || op->layout != IR_LAYOUT_NHWC || c->group != 1 ||
	    c->k->x_c != 1 || c->k->y_c != 1 || c->k->w.n < 1)
		goto no;
	why = "weights, bias or activations not known or not in memory as expected";
	if (!ctx[1] || (c->bias != IR_NONE && !bias) || ir_known_data(g->m, c->x))
		goto no;
	int rc = kd_plan(g, &s.d, xt, c->k->w.taps, c->k->cin, c->k->cout, conv_weight, ctx, bias,
			 &why);
	if (rc != 0)
		return rc < 0 ? -1 : (kd_note(g, op, "scalar loops", why), 1);
	int bs = kd_block_size(&s.d);
	struct cg_epilogue epi;
	if (epilogue_begin(g, c->y, c->k->cout, s.d.lanes, &epi) == 0)
		s.d.epi = &epi;
	char note[200];
	snprintf(note, sizeof note, "channels-last, one group, integer activations of at most 8 bits%s%s",
		 bs > 1 ? "; interior positions in blocks sharing the weight loads" : "",
		 s.d.epi ? "; the MultiThreshold reading it fused before the store" : "");
	kd_note(g, op, kd_mode_name(s.d.mode), note);
	s.xbase = cg_base(g, c->x);
	if (!s.xbase || !cg_base(g, c->y))
		return -1;
	struct kl_for fn;
	struct cg_nest outer;
	LLVMValueRef pos[IR_MAX_RANK];
	LLVMValueRef n = kl_for_begin(g, &fn, c->k->batch, "n");
	cg_nest_begin(g, &outer, c->k->w.n - 1, c->k->w.out);
	for (int d = 0; d < c->k->w.n - 1; d++)
		pos[d] = outer.iv[d];
	row(g, &s, n, pos);
	cg_nest_end(g, &outer);
	kl_for_end(g, &fn);
	return 0;
no:
	kd_note(g, op, "scalar loops", why);
	return 1;
}
