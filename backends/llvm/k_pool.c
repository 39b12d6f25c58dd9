/* k_pool.c: MaxPool, AveragePool, GlobalMaxPool and GlobalAveragePool
 * kernels (ONNX opset 21), NCHW or channels-last, 1 or more spatial dims;
 * and the registration of the pool family (reductions, Softmax and the
 * normalizations are in k_reduce.c, k_softmax.c, k_norm.c).
 *
 * Semantics of ir/interp/pool.c: ceil_mode only changes the output size,
 * which the result type has; taps outside the input are skipped.
 *   MaxPool: the first tap's element, replaced by each later element strictly
 *     greater (so ties keep the first and a NaN is kept only when first); a
 *     window without any input element gives the type's lowest value
 *     (-FLT_MAX for f32). Integers compare by their signedness. The Indices
 *     result is not supported (an error when something reads it).
 *   AveragePool: the sum in double of the taps inside the input, in tap
 *     order, divided by their count (with count_include_pad, by the count of
 *     taps inside the input or its padding), rounded once; 0 when the count
 *     is 0.
 *   Global pools: the same over all spatial positions in row-major order.
 *
 * Loop order: for channels-last layouts the channel loop is innermost over
 * a row of per-channel accumulators (contiguous in X and Y); for NCHW it is
 * outermost with one accumulator.
 */
#include "k_linalg.h"

#include <float.h>

/* Where the channel loop goes, and the accumulator slot of channel c. */
struct chan {
	bool inner;
	int64_t count;
	struct kl_for outer, in;
	LLVMValueRef c;
};

static void chan_outer_begin(struct cg *g, struct chan *ch)
{
	if (!ch->inner)
		ch->c = kl_for_begin(g, &ch->outer, ch->count, "c");
}

static void chan_outer_end(struct cg *g, struct chan *ch)
{
	if (!ch->inner)
		kl_for_end(g, &ch->outer);
}

/* Returns the slot of the current channel in a row of accumulators. */
static LLVMValueRef chan_inner_begin(struct cg *g, struct chan *ch)
{
	if (!ch->inner)
		return cg_i64(g, 0);
	ch->c = kl_for_begin(g, &ch->in, ch->count, "c");
	return ch->c;
}

static void chan_inner_end(struct cg *g, struct chan *ch)
{
	if (ch->inner)
		kl_for_end(g, &ch->in);
}

/* The lowest value of t's elements, in its register type. */
static LLVMValueRef lowest(struct cg *g, const struct ir_type *t)
{
	LLVMTypeRef ty = cg_reg_type(g, t);
	if (t->elem == IR_ELEM_F32)
		return cg_const_real(ty, -FLT_MAX);
	if (t->elem == IR_ELEM_F64)
		return cg_const_real(ty, -DBL_MAX);
	if (!t->is_signed)
		return cg_const_int(ty, 0);
	return cg_const_int(ty, t->bits >= 64 ? INT64_MIN : -((int64_t)1 << (t->bits - 1)));
}

/* x > y for register values of type t. */
static LLVMValueRef greater(struct cg *g, const struct ir_type *t, LLVMValueRef x, LLVMValueRef y)
{
	if (t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64)
		return LLVMBuildFCmp(g->b, LLVMRealOGT, x, y, "");
	return LLVMBuildICmp(g->b, t->is_signed ? LLVMIntSGT : LLVMIntUGT, x, y, "");
}

static int check_types(struct cg *g, const struct ir_op *op, bool float_only)
{
	const struct ir_type *x = &g->m->values[op->operands[0]].type;
	const struct ir_type *y = &g->m->values[op->results[0]].type;
	bool is_float = x->elem == IR_ELEM_F32 || x->elem == IR_ELEM_F64;
	if (x->elem == IR_ELEM_BOOL || (float_only && !is_float) || !ir_type_same_elem(x, y))
		return ir_op_error(g->m, op, "X and Y must have one %s element type",
				   float_only ? "float" : "numeric");
	return 0;
}

/* The activations, the kernel_shape and the rest of the window. */
static int pool_geom(struct cg *g, const struct ir_op *op, struct kl_geom *k)
{
	const struct ir_type *x = &g->m->values[op->operands[0]].type;
	const struct ir_type *y = &g->m->values[op->results[0]].type;
	if (kl_geom_activations(g, op, x, y, k) < 0)
		return -1;
	if (k->cout != k->cin)
		return ir_op_error(g->m, op, "result channels differ from the input's");
	int n;
	const int64_t *ks = ir_attr_ints(op, "kernel_shape", &n);
	if (!ks || n != k->w.n)
		return ir_op_error(g->m, op, "kernel_shape must have %d values", k->w.n);
	for (int d = 0; d < n; d++)
		k->w.kernel[d] = ks[d];
	return window_init(g->m, op, &k->w, false);
}

/* Emits the loops of a windowed pool: batch, channels (outer for NCHW),
 * output position; the kernel's body for every tap inside the input and its
 * finish per position. */
struct pool {
	const struct ir_op *op;
	struct kl_geom k;
	struct chan ch;
	int x, y;
	const struct ir_type *xt, *yt;
	struct kl_buf acc;
	LLVMValueRef n, count, seen; /* count: i64 slot (AveragePool); seen: i1 slot (MaxPool) */
};

static LLVMValueRef x_index(struct cg *g, const struct pool *p, LLVMValueRef off)
{
	return kl_iadd(g, kl_iadd(g, kl_imul(g, p->n, p->k.x_n), off), kl_imul(g, p->ch.c, p->k.x_c));
}

static LLVMValueRef y_index(struct cg *g, const struct pool *p, LLVMValueRef const *opos)
{
	LLVMValueRef i = kl_iadd(g, kl_imul(g, p->n, p->k.y_n), kl_out_offset(g, &p->k, opos));
	return kl_iadd(g, i, kl_imul(g, p->ch.c, p->k.y_c));
}

/* MaxPool's update of a slot with element x: the first, or a greater one. */
static void max_step(struct cg *g, struct pool *p, LLVMValueRef slot, LLVMValueRef x,
		     LLVMValueRef seen)
{
	LLVMValueRef cur = kl_buf_load(g, &p->acc, slot);
	LLVMValueRef take = LLVMBuildOr(g->b, LLVMBuildNot(g->b, seen, ""), greater(g, p->xt, x, cur), "");
	kl_buf_store(g, &p->acc, slot, LLVMBuildSelect(g->b, take, x, cur, ""));
}

/* One output position of MaxPool (is_max) or AveragePool. */
static void window_position(struct cg *g, struct pool *p, LLVMValueRef const *opos, bool is_max,
			    bool include_pad)
{
	struct kl_taps taps;
	LLVMValueRef slot;
	LLVMTypeRef i1 = g->t_i1;
	if (is_max) {
		LLVMBuildStore(g->b, cg_const_int(i1, 0), p->seen);
	} else {
		LLVMBuildStore(g->b, cg_i64(g, 0), p->count);
		kl_taps_begin(g, &taps, &p->k, opos, include_pad ? KL_PADDED : KL_INSIDE);
		LLVMValueRef c = LLVMBuildLoad2(g->b, g->t_i64, p->count, "");
		LLVMBuildStore(g->b, kl_iaddc(g, c, 1), p->count);
		kl_taps_end(g, &taps);
		slot = chan_inner_begin(g, &p->ch);
		kl_buf_store(g, &p->acc, slot, cg_const_real(g->t_f64, 0.0));
		chan_inner_end(g, &p->ch);
	}
	kl_taps_begin(g, &taps, &p->k, opos, KL_INSIDE);
	LLVMValueRef seen = is_max ? LLVMBuildLoad2(g->b, i1, p->seen, "") : NULL;
	slot = chan_inner_begin(g, &p->ch);
	LLVMValueRef x = cg_load(g, p->x, x_index(g, p, taps.off));
	if (is_max) {
		max_step(g, p, slot, x, seen);
	} else {
		LLVMValueRef sum = LLVMBuildFAdd(g->b, kl_buf_load(g, &p->acc, slot),
						 p->xt->elem == IR_ELEM_F32 ? LLVMBuildFPExt(g->b, x, g->t_f64, "") : x, "");
		kl_buf_store(g, &p->acc, slot, sum);
	}
	chan_inner_end(g, &p->ch);
	if (is_max)
		LLVMBuildStore(g->b, cg_const_int(i1, 1), p->seen);
	kl_taps_end(g, &taps);

	/* finish: the maximum (or lowest), or the sum over the count */
	LLVMValueRef fin = is_max ? LLVMBuildLoad2(g->b, i1, p->seen, "")
				  : LLVMBuildLoad2(g->b, g->t_i64, p->count, "");
	slot = chan_inner_begin(g, &p->ch);
	LLVMValueRef v = kl_buf_load(g, &p->acc, slot);
	if (is_max) {
		v = LLVMBuildSelect(g->b, fin, v, lowest(g, p->yt), "");
	} else {
		LLVMValueRef q = LLVMBuildFDiv(g->b, v, LLVMBuildSIToFP(g->b, fin, g->t_f64, ""), "");
		LLVMValueRef nonzero = LLVMBuildICmp(g->b, LLVMIntNE, fin, cg_i64(g, 0), "");
		v = LLVMBuildSelect(g->b, nonzero, q, cg_const_real(g->t_f64, 0.0), "");
		if (p->yt->elem == IR_ELEM_F32)
			v = LLVMBuildFPTrunc(g->b, v, g->t_f32, "");
	}
	cg_store(g, p->y, y_index(g, p, opos), v);
	chan_inner_end(g, &p->ch);
}

static int windowed_pool(struct cg *g, const struct ir_op *op, bool is_max)
{
	struct pool p = {.op = op, .x = op->operands[0], .y = op->results[0]};
	if (check_types(g, op, !is_max) < 0 || pool_geom(g, op, &p.k) < 0)
		return -1;
	if (is_max && kl_result_used(g, op, 1))
		return ir_op_error(g->m, op, "the Indices result is not supported by the LLVM backend");
	p.xt = &g->m->values[p.x].type;
	p.yt = &g->m->values[p.y].type;
	if (ir_type_numel(p.yt) == 0)
		return 0;
	bool include_pad = ir_attr_int(op, "count_include_pad", 0) != 0;
	p.ch = (struct chan){.inner = op->layout == IR_LAYOUT_NHWC, .count = p.k.cin};
	kl_buf_begin(g, &p.acc, is_max ? cg_reg_type(g, p.xt) : g->t_f64, p.ch.inner ? p.k.cin : 1, "acc");
	if (is_max)
		p.seen = cg_alloca(g, g->t_i1, "seen");
	else
		p.count = cg_alloca(g, g->t_i64, "count");
	struct kl_for fn;
	struct cg_nest pos;
	p.n = kl_for_begin(g, &fn, p.k.batch, "n");
	chan_outer_begin(g, &p.ch);
	cg_nest_begin(g, &pos, p.k.w.n, p.k.w.out);
	window_position(g, &p, pos.iv, is_max, include_pad);
	cg_nest_end(g, &pos);
	chan_outer_end(g, &p.ch);
	kl_for_end(g, &fn);
	kl_buf_end(g, &p.acc);
	return 0;
}

static int k_maxpool(struct cg *g, const struct ir_op *op)
{
	return windowed_pool(g, op, true);
}

static int k_averagepool(struct cg *g, const struct ir_op *op)
{
	return windowed_pool(g, op, false);
}

/* ---- global pools --------------------------------------------------------- */

/* Global pools: plane (n, c) has `count` elements at base + s * step. */
static int global_pool(struct cg *g, const struct ir_op *op, bool is_max)
{
	struct pool p = {.op = op, .x = op->operands[0], .y = op->results[0]};
	if (check_types(g, op, !is_max) < 0)
		return -1;
	p.xt = &g->m->values[p.x].type;
	p.yt = &g->m->values[p.y].type;
	if (kl_geom_activations(g, op, p.xt, p.yt, &p.k) < 0)
		return -1;
	if (p.k.cout != p.k.cin)
		return ir_op_error(g->m, op, "result channels differ from the input's");
	int64_t count = 1, step = p.k.w.in_stride[p.k.w.n - 1];
	for (int d = 0; d < p.k.w.n; d++) {
		if (p.k.w.out[d] != 1)
			return ir_op_error(g->m, op, "result spatial dims must be 1");
		count *= p.k.w.in[d];
	}
	if (ir_type_numel(p.yt) == 0)
		return 0;
	LLVMValueRef zeros[IR_MAX_RANK];
	for (int d = 0; d < p.k.w.n; d++)
		zeros[d] = cg_i64(g, 0);
	p.ch = (struct chan){.inner = op->layout == IR_LAYOUT_NHWC, .count = p.k.cin};
	kl_buf_begin(g, &p.acc, is_max ? cg_reg_type(g, p.xt) : g->t_f64, p.ch.inner ? p.k.cin : 1, "acc");
	struct kl_for fn, fs;
	p.n = kl_for_begin(g, &fn, p.k.batch, "n");
	chan_outer_begin(g, &p.ch);
	LLVMValueRef slot = chan_inner_begin(g, &p.ch);
	LLVMValueRef init = is_max ? lowest(g, p.yt) : cg_const_real(g->t_f64, 0.0);
	if (is_max && count > 0)
		init = cg_load(g, p.x, x_index(g, &p, cg_i64(g, 0)));
	kl_buf_store(g, &p.acc, slot, init);
	chan_inner_end(g, &p.ch);
	/* MaxPool starts from element 0 and takes the greater of the rest */
	int64_t first = is_max ? 1 : 0;
	if (count > first) {
		LLVMValueRef s = kl_iaddc(g, kl_for_begin(g, &fs, count - first, "s"), first);
		slot = chan_inner_begin(g, &p.ch);
		LLVMValueRef x = cg_load(g, p.x, x_index(g, &p, kl_imul(g, s, step)));
		if (is_max) {
			max_step(g, &p, slot, x, cg_const_int(g->t_i1, 1));
		} else {
			if (p.xt->elem == IR_ELEM_F32)
				x = LLVMBuildFPExt(g->b, x, g->t_f64, "");
			kl_buf_store(g, &p.acc, slot, LLVMBuildFAdd(g->b, kl_buf_load(g, &p.acc, slot), x, ""));
		}
		chan_inner_end(g, &p.ch);
		kl_for_end(g, &fs);
	}
	slot = chan_inner_begin(g, &p.ch);
	LLVMValueRef v = kl_buf_load(g, &p.acc, slot);
	if (!is_max) {
		v = count ? LLVMBuildFDiv(g->b, v, cg_const_real(g->t_f64, (double)count), "")
			  : cg_const_real(g->t_f64, 0.0);
		if (p.yt->elem == IR_ELEM_F32)
			v = LLVMBuildFPTrunc(g->b, v, g->t_f32, "");
	}
	cg_store(g, p.y, y_index(g, &p, zeros), v);
	chan_inner_end(g, &p.ch);
	chan_outer_end(g, &p.ch);
	kl_for_end(g, &fn);
	kl_buf_end(g, &p.acc);
	return 0;
}

static int k_global_maxpool(struct cg *g, const struct ir_op *op)
{
	return global_pool(g, op, true);
}

static int k_global_averagepool(struct cg *g, const struct ir_op *op)
{
	return global_pool(g, op, false);
}

void cg_register_pool(cg_kernel **table)
{
	table[IR_OP_MaxPool] = k_maxpool;
	table[IR_OP_AveragePool] = k_averagepool;
	table[IR_OP_GlobalMaxPool] = k_global_maxpool;
	table[IR_OP_GlobalAveragePool] = k_global_averagepool;
	kl_register_reduce(table);
	kl_register_softmax(table);
	kl_register_norm(table);
}
