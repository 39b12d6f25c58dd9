/* k_softmax.c: Softmax and LogSoftmax along one axis (opset 13 form).
 *
 *   Softmax:    y = exp(x - max) / sum(exp(x - max))
 *   LogSoftmax: y = (x - max) - log(sum(exp(x - max)))
 *
 * As ir/interp/softmax.c: in the tensor's float type, max from -inf by
 * x > max, the sum in axis order. exp and log are cg_math's inline ones,
 * within a few ulp of the C library's that the interpreter calls, so
 * results agree to a few ulp, not bit for bit.
 *
 * The tensor is seen as [outer, len, inner] around the axis; the loops run
 * outer, then the axis, then inner over rows of max and sum (contiguous
 * when inner > 1; for the last axis they are single values).
 */
#include "k_linalg.h"
#include "cg_math.h"

#include <math.h>

struct axis_view {
	int64_t outer, len, inner;
};

static int axis_view(struct cg *g, const struct ir_op *op, const struct ir_type *t,
		     struct axis_view *v)
{
	int rank = t->rank, r1 = rank ? rank : 1;
	int64_t axis = ir_attr_int(op, "axis", -1);
	if (axis < -r1 || axis >= r1)
		return ir_op_error(g->m, op, "axis %lld is out of range for rank %d", (long long)axis, rank);
	if (axis < 0)
		axis += r1;
	*v = (struct axis_view){1, 1, 1};
	for (int k = 0; k < rank; k++) {
		if (k < axis)
			v->outer *= t->dims[k];
		else if (k == axis)
			v->len = t->dims[k];
		else
			v->inner *= t->dims[k];
	}
	return 0;
}

static int k_softmax(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	struct axis_view v = {1, 1, 1};
	bool is_log = op->code == IR_OP_LogSoftmax;
	if ((xt->elem != IR_ELEM_F32 && xt->elem != IR_ELEM_F64) || !ir_type_same_elem(xt, yt) ||
	    ir_type_numel(xt) != ir_type_numel(yt))
		return ir_op_error(g->m, op, "input and result must be the same float type");
	if (axis_view(g, op, xt, &v) < 0)
		return -1;
	if (ir_type_numel(xt) == 0)
		return 0;
	LLVMTypeRef ty = cg_reg_type(g, xt);
	struct kl_buf max, sum;
	struct kl_for fo, fk, fi;
	kl_buf_begin(g, &max, ty, v.inner, "max");
	kl_buf_begin(g, &sum, ty, v.inner, "sum");
	LLVMValueRef o = kl_for_begin(g, &fo, v.outer, "outer");
	LLVMValueRef base = kl_imul(g, o, v.len * v.inner);
	LLVMValueRef in = kl_for_begin(g, &fi, v.inner, "inner");
	kl_buf_store(g, &max, in, cg_const_real(ty, -INFINITY));
	kl_buf_store(g, &sum, in, cg_const_real(ty, 0.0));
	kl_for_end(g, &fi);

	/* pass 1: max; pass 2: sum of exp(x - max); pass 3: the results */
	for (int pass = 1; pass <= 3; pass++) {
		LLVMValueRef k = kl_for_begin(g, &fk, v.len, "k");
		LLVMValueRef row = kl_iadd(g, base, kl_imul(g, k, v.inner));
		in = kl_for_begin(g, &fi, v.inner, "inner");
		LLVMValueRef idx = kl_iadd(g, row, in);
		LLVMValueRef e = cg_load(g, x, idx), m = kl_buf_load(g, &max, in);
		if (pass == 1) {
			LLVMValueRef gt = LLVMBuildFCmp(g->b, LLVMRealOGT, e, m, "");
			kl_buf_store(g, &max, in, LLVMBuildSelect(g->b, gt, e, m, ""));
		} else {
			LLVMValueRef d = LLVMBuildFSub(g->b, e, m, "");
			LLVMValueRef s = kl_buf_load(g, &sum, in);
			if (pass == 2)
				kl_buf_store(g, &sum, in, LLVMBuildFAdd(g->b, s, cg_exp(g, d), ""));
			else if (is_log)
				cg_store(g, y, idx, LLVMBuildFSub(g->b, d, cg_log(g, s), ""));
			else
				cg_store(g, y, idx, LLVMBuildFDiv(g->b, cg_exp(g, d), s, ""));
		}
		kl_for_end(g, &fi);
		kl_for_end(g, &fk);
	}
	kl_for_end(g, &fo);
	kl_buf_end(g, &sum);
	kl_buf_end(g, &max);
	return 0;
}

void kl_register_softmax(cg_kernel **table)
{
	table[IR_OP_Softmax] = k_softmax;
	table[IR_OP_LogSoftmax] = k_softmax;
}
