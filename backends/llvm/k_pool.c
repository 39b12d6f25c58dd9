/* k_pool.c: MaxPool and AveragePool kernels (ONNX opset 21), NCHW or
 * channels-last, 1 or more spatial dims; and the registration of the pool
 * family (global pools in k_pool_global.c; reductions, Softmax and the
 * normalizations in k_reduce.c, k_softmax.c, k_norm.c).
 *
 * Semantics of ir/interp/pool.c: ceil_mode only changes the output size,
 * which the result type has; taps outside the input are skipped.
 *   MaxPool: the first tap's element, replaced by each later element strictly
 *     greater (so ties keep the first and a NaN is kept only when first); a
 *     window without any input element gives the type's lowest value
 *     (-FLT_MAX for f32). Integers compare by their signedness. Indices
 *     holds the flat index of that element in X: for storage_order 0 (and
 *     channels-last tensors) its index as stored, for storage_order 1 with
 *     the spatial dims taken column-major; -1 for an empty window.
 *   AveragePool: the sum in double of the taps inside the input, in tap
 *     order, divided by their count (with count_include_pad, by the count of
 *     taps inside the input or its padding), rounded once; 0 when the count
 *     is 0.
 */
#include "k_pool.h"

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

/* MaxPool's storage_order and Indices (when something reads it). */
static int indices(struct cg *g, const struct ir_op *op, struct kp_pool *p)
{
	int64_t order = ir_attr_int(op, "storage_order", 0);
	if (order != 0 && order != 1)
		return ir_op_error(g->m, op, "storage_order must be 0 or 1");
	if (!kl_result_used(g, op, 1))
		return 0;
	const struct ir_type *t = &g->m->values[op->results[1]].type;
	if (op->layout == IR_LAYOUT_NHWC && order == 1)
		return ir_op_error(g->m, op, "storage_order 1 with channels-last layout");
	if (t->elem != IR_ELEM_INT || ir_type_numel(t) != ir_type_numel(p->yt))
		return ir_op_error(g->m, op, "Indices must be an integer tensor of Y's shape");
	p->ind = op->results[1];
	p->column_major = order == 1;
	return 0;
}

/* The Indices value of the current tap: X's flat index, spatial dims
 * column-major for storage_order 1. */
static LLVMValueRef tap_index(struct cg *g, const struct kp_pool *p, const struct kl_taps *taps)
{
	if (!p->column_major)
		return kp_x_index(g, p, taps->off);
	LLVMValueRef off = cg_i64(g, 0);
	int64_t col = 1;
	for (int d = 0; d < p->k.w.n; d++) {
		off = kl_iadd(g, off, kl_imul(g, taps->coord[d], col));
		col *= p->k.w.in[d];
	}
	return kp_x_index(g, p, off);
}

/* count = the taps of output position opos inside the input (or padding). */
static void count_taps(struct cg *g, struct kp_pool *p, LLVMValueRef const *opos, bool include_pad)
{
	struct kl_taps taps;
	LLVMBuildStore(g->b, cg_i64(g, 0), p->count);
	kl_taps_begin(g, &taps, &p->k, opos, include_pad ? KL_PADDED : KL_INSIDE);
	LLVMValueRef c = LLVMBuildLoad2(g->b, g->t_i64, p->count, "");
	LLVMBuildStore(g->b, kl_iaddc(g, c, 1), p->count);
	kl_taps_end(g, &taps);
	LLVMValueRef slot = kp_chan_inner_begin(g, &p->ch);
	kl_buf_store(g, &p->acc, slot, cg_const_real(g->t_f64, 0.0));
	kp_chan_inner_end(g, &p->ch);
}

/* Y (and Indices) at opos from the accumulators. */
static void finish(struct cg *g, struct kp_pool *p, LLVMValueRef const *opos, bool is_max)
{
	LLVMValueRef fin = is_max ? LLVMBuildLoad2(g->b, g->t_i1, p->seen, "")
				  : LLVMBuildLoad2(g->b, g->t_i64, p->count, "");
	LLVMValueRef slot = kp_chan_inner_begin(g, &p->ch);
	LLVMValueRef v = kl_buf_load(g, &p->acc, slot), yi = kp_y_index(g, p, opos);
	if (is_max) {
		v = LLVMBuildSelect(g->b, fin, v, kp_lowest(g, p->yt), "");
	} else {
		LLVMValueRef q = LLVMBuildFDiv(g->b, v, LLVMBuildSIToFP(g->b, fin, g->t_f64, ""), "");
		LLVMValueRef nonzero = LLVMBuildICmp(g->b, LLVMIntNE, fin, cg_i64(g, 0), "");
		v = LLVMBuildSelect(g->b, nonzero, q, cg_const_real(g->t_f64, 0.0), "");
		if (p->yt->elem == IR_ELEM_F32)
			v = LLVMBuildFPTrunc(g->b, v, g->t_f32, "");
	}
	cg_store(g, p->y, yi, v);
	if (p->ind != IR_NONE) {
		struct ir_type i64 = ir_type_int(64, true, 0, NULL);
		LLVMValueRef a = LLVMBuildSelect(g->b, fin, kl_buf_load(g, &p->arg, slot), cg_i64(g, -1), "");
		cg_store(g, p->ind, yi, cg_convert(g, a, &i64, &g->m->values[p->ind].type));
	}
	kp_chan_inner_end(g, &p->ch);
}

/* One output position of MaxPool (is_max) or AveragePool. */
static void position(struct cg *g, struct kp_pool *p, LLVMValueRef const *opos, bool is_max,
		     bool include_pad)
{
	struct kl_taps taps;
	if (is_max)
		LLVMBuildStore(g->b, cg_const_int(g->t_i1, 0), p->seen);
	else
		count_taps(g, p, opos, include_pad);
	kl_taps_begin(g, &taps, &p->k, opos, KL_INSIDE);
	LLVMValueRef seen = is_max ? LLVMBuildLoad2(g->b, g->t_i1, p->seen, "") : NULL;
	LLVMValueRef slot = kp_chan_inner_begin(g, &p->ch);
	LLVMValueRef x = cg_load(g, p->x, kp_x_index(g, p, taps.off));
	if (is_max) {
		kp_max_step(g, p, slot, x, seen, p->ind != IR_NONE ? tap_index(g, p, &taps) : NULL);
	} else {
		if (p->xt->elem == IR_ELEM_F32)
			x = LLVMBuildFPExt(g->b, x, g->t_f64, "");
		kl_buf_store(g, &p->acc, slot, LLVMBuildFAdd(g->b, kl_buf_load(g, &p->acc, slot), x, ""));
	}
	kp_chan_inner_end(g, &p->ch);
	if (is_max)
		LLVMBuildStore(g->b, cg_const_int(g->t_i1, 1), p->seen);
	kl_taps_end(g, &taps);
	finish(g, p, opos, is_max);
}

static int windowed_pool(struct cg *g, const struct ir_op *op, bool is_max)
{
	struct kp_pool p;
	if (kp_init(g, op, &p, !is_max) < 0 || pool_geom(g, op, &p.k) < 0 ||
	    (is_max && indices(g, op, &p) < 0))
		return -1;
	if (ir_type_numel(p.yt) == 0)
		return 0;
	bool include_pad = ir_attr_int(op, "count_include_pad", 0) != 0;
	int64_t slots = op->layout == IR_LAYOUT_NHWC ? p.k.cin : 1;
	p.ch = (struct kp_chan){.inner = op->layout == IR_LAYOUT_NHWC, .count = p.k.cin};
	kl_buf_begin(g, &p.acc, is_max ? cg_reg_type(g, p.xt) : g->t_f64, slots, "acc");
	if (p.ind != IR_NONE)
		kl_buf_begin(g, &p.arg, g->t_i64, slots, "arg");
	if (is_max)
		p.seen = cg_alloca(g, g->t_i1, "seen");
	else
		p.count = cg_alloca(g, g->t_i64, "count");
	struct kl_for fn;
	struct cg_nest pos;
	p.n = kl_for_begin(g, &fn, p.k.batch, "n");
	kp_chan_outer_begin(g, &p.ch);
	cg_nest_begin(g, &pos, p.k.w.n, p.k.w.out);
	position(g, &p, pos.iv, is_max, include_pad);
	cg_nest_end(g, &pos);
	kp_chan_outer_end(g, &p.ch);
	kl_for_end(g, &fn);
	if (p.ind != IR_NONE)
		kl_buf_end(g, &p.arg);
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

void cg_register_pool(cg_kernel **table)
{
	table[IR_OP_MaxPool] = k_maxpool;
	table[IR_OP_AveragePool] = k_averagepool;
	kp_register_global(table);
	kl_register_reduce(table);
	kl_register_softmax(table);
	kl_register_norm(table);
}
