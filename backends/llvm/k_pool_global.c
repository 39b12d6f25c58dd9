/* k_pool_global.c: GlobalMaxPool and GlobalAveragePool (ONNX opset 21),
 * NCHW or channels-last.
 *
 * As ir/interp/pool.c: over all spatial positions of each (n, c) plane in
 * row-major order; the maximum starts from the first element and takes each
 * strictly greater one (the type's lowest value for an empty plane), the
 * average is the sum in double divided by the count, rounded once (0 for
 * an empty plane).
 */
#include "k_pool.h"

/* Global pools: plane (n, c) has `count` elements at spatial offsets s * step. */
static int global_pool(struct cg *g, const struct ir_op *op, bool is_max)
{
	struct kp_pool p;
	if (kp_init(g, op, &p, !is_max) < 0 || kl_geom_activations(g, op, p.xt, p.yt, &p.k) < 0)
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
	p.ch = (struct kp_chan){.inner = op->layout == IR_LAYOUT_NHWC, .count = p.k.cin};
	kl_buf_begin(g, &p.acc, is_max ? cg_reg_type(g, p.xt) : g->t_f64, p.ch.inner ? p.k.cin : 1, "acc");
	struct kl_for fn, fs;
	p.n = kl_for_begin(g, &fn, p.k.batch, "n");
	kp_chan_outer_begin(g, &p.ch);
	LLVMValueRef slot = kp_chan_inner_begin(g, &p.ch);
	LLVMValueRef init = is_max ? kp_lowest(g, p.yt) : cg_const_real(g->t_f64, 0.0);
	if (is_max && count > 0)
		init = cg_load(g, p.x, kp_x_index(g, &p, cg_i64(g, 0)));
	kl_buf_store(g, &p.acc, slot, init);
	kp_chan_inner_end(g, &p.ch);
	/* the maximum starts from element 0 and takes the greater of the rest */
	int64_t first = is_max ? 1 : 0;
	if (count > first) {
		LLVMValueRef s = kl_iaddc(g, kl_for_begin(g, &fs, count - first, "s"), first);
		slot = kp_chan_inner_begin(g, &p.ch);
		LLVMValueRef x = cg_load(g, p.x, kp_x_index(g, &p, kl_imul(g, s, step)));
		if (is_max) {
			kp_max_step(g, &p, slot, x, cg_const_int(g->t_i1, 1), NULL);
		} else {
			if (p.xt->elem == IR_ELEM_F32)
				x = LLVMBuildFPExt(g->b, x, g->t_f64, "");
			kl_buf_store(g, &p.acc, slot, LLVMBuildFAdd(g->b, kl_buf_load(g, &p.acc, slot), x, ""));
		}
		kp_chan_inner_end(g, &p.ch);
		kl_for_end(g, &fs);
	}
	slot = kp_chan_inner_begin(g, &p.ch);
	LLVMValueRef v = kl_buf_load(g, &p.acc, slot);
	if (!is_max) {
		v = count ? LLVMBuildFDiv(g->b, v, cg_const_real(g->t_f64, (double)count), "")
			  : cg_const_real(g->t_f64, 0.0);
		if (p.yt->elem == IR_ELEM_F32)
			v = LLVMBuildFPTrunc(g->b, v, g->t_f32, "");
	}
	cg_store(g, p.y, kp_y_index(g, &p, zeros), v);
	kp_chan_inner_end(g, &p.ch);
	kp_chan_outer_end(g, &p.ch);
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

void kp_register_global(cg_kernel **table)
{
	table[IR_OP_GlobalMaxPool] = k_global_maxpool;
	table[IR_OP_GlobalAveragePool] = k_global_averagepool;
}
