/* float_epilogue.c: BatchNormalization and Relu computed in the stores of
 * the float Conv they follow (see float_epilogue.h).
 *
 * Each op gives the bytes its own kernel would store, with its own float32
 * operations: a BatchNormalization multiplies by its channel's scale and
 * then adds its shift (two roundings, never a fused multiply-add; the rows
 * are computed by k_norm.c's code); a Relu selects 0 where x < 0, else x
 * (NaN and -0 stay), as k_elementwise_unary.c. Assumes the Conv's result
 * and every op's are float32 tensors of one shape, channels on the last
 * axis.
 */
#include "float_epilogue.h"

#include <string.h>

/* A float32 Relu, or a BatchNormalization over the last axis of a
 * channels-last float32 tensor, with its result of its input's type. */
static bool chain_op(struct ir_module *m, const struct ir_op *op)
{
	if (op->dead || op->nresults != 1 || op->noperands < 1 || op->operands[0] == IR_NONE)
		return false;
	const struct ir_type *xt = &m->values[op->operands[0]].type;
	if (xt->elem != IR_ELEM_F32 || xt->rank < 2 ||
	    !ir_type_equal(xt, &m->values[op->results[0]].type))
		return false;
	if (op->code == IR_OP_Relu)
		return op->noperands == 1;
	if (op->code != IR_OP_BatchNormalization || op->noperands != 5 ||
	    op->layout != IR_LAYOUT_NHWC || window_channel_axis(op, xt->rank) != xt->rank - 1)
		return false;
	for (int k = 1; k < 5; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (!t || (t->elem != IR_ELEM_F32 && t->elem != IR_ELEM_F64) ||
		    ir_type_numel(t) != xt->dims[xt->rank - 1])
			return false;
	}
	return true;
}

int fepi_root(struct ir_module *m, const struct ir_op *op)
{
	for (int depth = 0; depth < FEPI_MAX; depth++) {
		if (!chain_op(m, op))
			return -1;
		int x = op->operands[0];
		const struct ir_value *xv = &m->values[x];
		if (xv->kind != IR_VALUE_RESULT || xv->def == IR_NONE ||
		    ir_single_reader(m, x) != op - m->ops)
			return -1;
		const struct ir_op *p = &m->ops[xv->def];
		if (p->code == IR_OP_Conv)
			return !p->dead && p->layout == IR_LAYOUT_NHWC ? xv->def : -1;
		op = p;
	}
	return -1;
}

/* Row k's BatchNormalization scale and shift (rows of width; the
 * channels past the Conv's are 0). */
static int bn_rows(struct cg *g, struct cg_float_epilogue *e, int k, int64_t width)
{
	kl_buf_begin(g, &e->s[k], g->t_f32, width, "bn_scale");
	kl_buf_begin(g, &e->b[k], g->t_f32, width, "bn_shift");
	LLVMValueRef bytes = cg_i64(g, width * 4);
	LLVMBuildMemSet(g->b, e->s[k].ptr, LLVMConstInt(g->t_i8, 0, 0), bytes, 4);
	LLVMBuildMemSet(g->b, e->b[k].ptr, LLVMConstInt(g->t_i8, 0, 0), bytes, 4);
	return kl_batchnorm_rows(g, e->ops[k], &e->s[k], &e->b[k]);
}

int fepi_begin(struct cg *g, int v, int64_t cout, struct cg_float_epilogue *e)
{
	memset(e, 0, sizeof *e);
	e->y = v;
	while (e->n < FEPI_MAX) {
		int n;
		const struct ir_use *u = ir_uses(g->m, e->y, &n);
		if (n != 1 || !g->chained[u[0].op])
			break;
		e->ops[e->n++] = &g->m->ops[u[0].op];
		e->y = g->m->ops[u[0].op].results[0];
	}
	if (e->n > 0 && !cg_base(g, e->y))
		return -1;
	for (int k = 0; k < e->n; k++)
		if (e->ops[k]->code == IR_OP_BatchNormalization &&
		    bn_rows(g, e, k, cout + FEPI_ROW_SLACK) < 0)
			return -1;
	return 0;
}

/* Row element(s) at channel c0, of r's type (a float or a float vector). */
static LLVMValueRef row_at(struct cg *g, const struct kl_buf *row, LLVMValueRef c0, LLVMTypeRef t)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_f32, row->ptr, &c0, 1, "");
	LLVMValueRef x = LLVMBuildLoad2(g->b, t, p, "");
	LLVMSetAlignment(x, 4);
	return x;
}

LLVMValueRef fepi_apply(struct cg *g, const struct cg_float_epilogue *e, LLVMValueRef r,
			LLVMValueRef c0)
{
	LLVMTypeRef t = LLVMTypeOf(r);
	LLVMValueRef zero = LLVMConstNull(t);
	for (int k = 0; k < e->n; k++) {
		if (e->ops[k]->code == IR_OP_BatchNormalization) {
			r = LLVMBuildFMul(g->b, r, row_at(g, &e->s[k], c0, t), "");
			r = LLVMBuildFAdd(g->b, r, row_at(g, &e->b[k], c0, t), "");
		} else {
			LLVMValueRef neg = LLVMBuildFCmp(g->b, LLVMRealOLT, r, zero, "");
			r = LLVMBuildSelect(g->b, neg, zero, r, "");
		}
	}
	return r;
}

void fepi_end(struct cg *g, struct cg_float_epilogue *e)
{
	for (int k = e->n - 1; k >= 0; k--)
		if (e->ops[k]->code == IR_OP_BatchNormalization) {
			kl_buf_end(g, &e->b[k]);
			kl_buf_end(g, &e->s[k]);
		}
}
