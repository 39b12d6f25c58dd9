/* k_window.c: sliding windows for the Conv, ConvTranspose and pool kernels
 * (see k_linalg.h).
 *
 * The geometry (pads after auto_pad, strides, dilations, kernel) is the
 * interpreter's (ir/interp/window.c), computed at compile time. The taps of
 * one output position become one loop per kernel dim, each with a check of
 * that dim's input coordinate, so a tap outside the input is skipped as soon
 * as one of its coordinates is out:
 *   forward:    c = o * stride - pad + k * dilation, inside when 0 <= c < in;
 *   transposed: o = c * stride - pad + k * dilation, so c = (o + pad -
 *               k * dilation) / stride when that divides exactly.
 */
#include "k_linalg.h"

int kl_geom_activations(struct cg *g, const struct ir_op *op, const struct ir_type *x,
			const struct ir_type *y, struct kl_geom *k)
{
	int64_t xs[IR_MAX_RANK], ys[IR_MAX_RANK];
	int r = x->rank;
	if (r < 3 || y->rank != r)
		return ir_op_error(g->m, op, "X and Y must have the same rank, at least 3");
	if (y->dims[0] != x->dims[0])
		return ir_op_error(g->m, op, "result batch size differs from the input's");
	int ca = window_channel_axis(op, r), fs = window_first_spatial(op);
	cg_strides(x, xs);
	cg_strides(y, ys);
	k->w.n = r - 2;
	k->batch = x->dims[0];
	k->cin = x->dims[ca];
	k->cout = y->dims[ca];
	k->x_n = xs[0];
	k->x_c = xs[ca];
	k->y_n = ys[0];
	k->y_c = ys[ca];
	for (int d = 0; d < k->w.n; d++) {
		k->w.in[d] = x->dims[fs + d];
		k->w.out[d] = y->dims[fs + d];
		k->w.in_stride[d] = xs[fs + d];
		k->y_sp[d] = ys[fs + d];
	}
	return 0;
}

/* The input coordinate of dim d for kernel position kd, and whether the
 * tap is inside the bound. */
static LLVMValueRef coordinate(struct cg *g, const struct kl_geom *k, int d, LLVMValueRef o,
			       LLVMValueRef kd, enum kl_bound bound, LLVMValueRef *inside)
{
	const struct window *w = &k->w;
	LLVMValueRef reach = kl_imul(g, kd, w->dilation[d]);
	if (!k->transposed) {
		LLVMValueRef c = kl_iadd(g, kl_iaddc(g, kl_imul(g, o, w->stride[d]), -w->pad[d]), reach);
		*inside = bound == KL_INSIDE
				  ? LLVMBuildICmp(g->b, LLVMIntULT, c, cg_i64(g, w->in[d]), "")
				  : LLVMBuildICmp(g->b, LLVMIntSLT, c, cg_i64(g, w->in[d] + w->pad_end[d]), "");
		return c;
	}
	LLVMValueRef num = LLVMBuildNSWSub(g->b, kl_iaddc(g, o, w->pad[d]), reach, "");
	if (w->stride[d] == 1) {
		*inside = LLVMBuildICmp(g->b, LLVMIntULT, num, cg_i64(g, w->in[d]), "");
		return num;
	}
	LLVMValueRef s = cg_i64(g, w->stride[d]);
	LLVMValueRef c = LLVMBuildSDiv(g->b, num, s, "");
	LLVMValueRef exact = LLVMBuildICmp(g->b, LLVMIntEQ, LLVMBuildSRem(g->b, num, s, ""),
					   cg_i64(g, 0), "");
	LLVMValueRef in = LLVMBuildICmp(g->b, LLVMIntULT, c, cg_i64(g, w->in[d]), "");
	LLVMValueRef nonneg = LLVMBuildICmp(g->b, LLVMIntSGE, num, cg_i64(g, 0), "");
	*inside = LLVMBuildAnd(g->b, LLVMBuildAnd(g->b, exact, in, ""), nonneg, "");
	return c;
}

void kl_taps_begin(struct cg *g, struct kl_taps *t, const struct kl_geom *k,
		   LLVMValueRef const *opos, enum kl_bound bound)
{
	const struct window *w = &k->w;
	t->n = w->n;
	t->k = cg_i64(g, 0);
	t->off = cg_i64(g, 0);
	for (int d = 0; d < w->n; d++) {
		LLVMValueRef kd = cg_loop_begin(g, &t->loop[d], cg_i64(g, w->kernel[d]), "tap");
		LLVMValueRef inside, c = coordinate(g, k, d, opos[d], kd, bound, &inside);
		cg_if_begin(g, &t->inside[d], inside);
		t->coord[d] = c;
		t->k = kl_iadd(g, kl_imul(g, t->k, w->kernel[d]), kd);
		t->off = kl_iadd(g, t->off, kl_imul(g, c, w->in_stride[d]));
	}
}

void kl_taps_end(struct cg *g, struct kl_taps *t)
{
	for (int d = t->n - 1; d >= 0; d--) {
		cg_if_end(g, &t->inside[d]);
		cg_loop_end(g, &t->loop[d]);
	}
}

LLVMValueRef kl_out_offset(struct cg *g, const struct kl_geom *k, LLVMValueRef const *opos)
{
	LLVMValueRef off = cg_i64(g, 0);
	for (int d = 0; d < k->w.n; d++)
		off = kl_iadd(g, off, kl_imul(g, opos[d], k->y_sp[d]));
	return off;
}

bool kl_result_used(struct cg *g, const struct ir_op *op, int k)
{
	struct ir_module *m = g->m;
	if (k >= op->nresults || op->results[k] == IR_NONE)
		return false;
	int v = op->results[k];
	for (int i = 0; i < m->noutputs; i++)
		if (m->outputs[i] == v)
			return true;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *u = &m->ops[o];
		for (int j = 0; !u->dead && j < u->noperands; j++)
			if (u->operands[j] == v)
				return true;
	}
	return false;
}
