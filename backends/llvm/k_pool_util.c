/* k_pool_util.c: the helpers the pool kernels share (see k_pool.h). */
#include "k_pool.h"

#include <float.h>

void kp_chan_outer_begin(struct cg *g, struct kp_chan *ch)
{
	if (!ch->inner)
		ch->c = kl_for_begin(g, &ch->outer, ch->count, "c");
}

void kp_chan_outer_end(struct cg *g, struct kp_chan *ch)
{
	if (!ch->inner)
		kl_for_end(g, &ch->outer);
}

LLVMValueRef kp_chan_inner_begin(struct cg *g, struct kp_chan *ch)
{
	if (!ch->inner)
		return cg_i64(g, 0);
	ch->c = kl_for_begin(g, &ch->in, ch->count, "c");
	return ch->c;
}

void kp_chan_inner_end(struct cg *g, struct kp_chan *ch)
{
	if (ch->inner)
		kl_for_end(g, &ch->in);
}

int kp_init(struct cg *g, const struct ir_op *op, struct kp_pool *p, bool float_only)
{
	*p = (struct kp_pool){.op = op, .x = op->operands[0], .y = op->results[0], .ind = IR_NONE};
	p->xt = &g->m->values[p->x].type;
	p->yt = &g->m->values[p->y].type;
	bool is_float = p->xt->elem == IR_ELEM_F32 || p->xt->elem == IR_ELEM_F64;
	if (p->xt->elem == IR_ELEM_BOOL || (float_only && !is_float) ||
	    !ir_type_same_elem(p->xt, p->yt))
		return ir_op_error(g->m, op, "X and Y must have one %s element type",
				   float_only ? "float" : "numeric");
	return 0;
}

LLVMValueRef kp_x_index(struct cg *g, const struct kp_pool *p, LLVMValueRef off)
{
	return kl_iadd(g, kl_iadd(g, kl_imul(g, p->n, p->k.x_n), off), kl_imul(g, p->ch.c, p->k.x_c));
}

LLVMValueRef kp_y_index(struct cg *g, const struct kp_pool *p, LLVMValueRef const *opos)
{
	LLVMValueRef i = kl_iadd(g, kl_imul(g, p->n, p->k.y_n), kl_out_offset(g, &p->k, opos));
	return kl_iadd(g, i, kl_imul(g, p->ch.c, p->k.y_c));
}

LLVMValueRef kp_lowest(struct cg *g, const struct ir_type *t)
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

/* x > y for register values of type t, by its signedness. */
static LLVMValueRef greater(struct cg *g, const struct ir_type *t, LLVMValueRef x, LLVMValueRef y)
{
	if (t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64)
		return LLVMBuildFCmp(g->b, LLVMRealOGT, x, y, "");
	return LLVMBuildICmp(g->b, t->is_signed ? LLVMIntSGT : LLVMIntUGT, x, y, "");
}

void kp_max_step(struct cg *g, const struct kp_pool *p, LLVMValueRef slot, LLVMValueRef x,
		 LLVMValueRef seen, LLVMValueRef index)
{
	LLVMValueRef cur = kl_buf_load(g, &p->acc, slot);
	LLVMValueRef take = LLVMBuildOr(g->b, LLVMBuildNot(g->b, seen, ""), greater(g, p->xt, x, cur), "");
	kl_buf_store(g, &p->acc, slot, LLVMBuildSelect(g->b, take, x, cur, ""));
	if (p->ind != IR_NONE)
		kl_buf_store(g, &p->arg, slot,
			     LLVMBuildSelect(g->b, take, index, kl_buf_load(g, &p->arg, slot), ""));
}
