/* epilogue.c: MultiThreshold computed in its producer's kernel (see
 * epilogue.h).
 *
 * q = out_bias + out_step * #{k : x >= T[c][k]} as the MultiThreshold
 * kernels compute it (k_quant_qdq.c), for a vector of consecutive channels:
 * x is first converted from the i32 sum to the producer's result type (what
 * the MultiThreshold would have loaded), then compared with each row of the
 * transposed table T'[k][c] (thresholds clamped to i32, which changes no
 * comparison with an x of at most 31 bits; INT32_MAX for the padding
 * channels, which are never stored).
 */
#include "epilogue.h"

#include <stdlib.h>

#include "k_dot.h"
#include "k_threshold_vec.h"

bool epilogue_candidate(struct ir_module *m, const struct ir_op *op)
{
	if (op->dead || op->code != IR_OP_MultiThreshold || op->noperands < 2 || op->nresults < 1)
		return false;
	int x = op->operands[0];
	const struct ir_value *xv = &m->values[x];
	const struct ir_type *xt = &xv->type, *yt = &m->values[op->results[0]].type;
	const struct ir_type *tt = ir_operand_type(m, op, 1);
	if (xv->kind != IR_VALUE_RESULT || xv->def == IR_NONE || xt->elem != IR_ELEM_INT ||
	    yt->elem != IR_ELEM_INT || xt->bits > 31 || yt->bits > 31 || xt->rank < 1 || !tt ||
	    tt->rank != 2 || tt->dims[1] < 1 || tt->dims[1] > EPILOGUE_MAX_K)
		return false;
	const struct ir_op *p = &m->ops[xv->def];
	int axis = (int)ir_attr_int(op, "axis", 1);
	axis += axis < 0 ? xt->rank : 0;
	int64_t c = xt->dims[xt->rank - 1];
	if ((p->code != IR_OP_MatMul && p->code != IR_OP_Conv) || axis != xt->rank - 1 ||
	    (tt->dims[0] != 1 && tt->dims[0] != c))
		return false;
	int n;
	ir_uses(m, x, &n);
	for (int k = 0; k < m->noutputs; k++)
		if (m->outputs[k] == x)
			return false;
	int64_t bias = ir_attr_int(op, "out_bias", 0), step = ir_attr_int(op, "out_step", 1);
	return n == 1 && llabs(bias) < (1 << 30) && llabs(step) < (1 << 30) &&
	       llabs(bias) + llabs(step) * tt->dims[1] < ((int64_t)1 << 31) &&
	       ir_known_data(m, op->operands[1]) &&
	       kq_rows_ascending(ir_known_data(m, op->operands[1]), tt->dims[0], tt->dims[1]) &&
	       kq_none_descending(m, op, tt->dims[0]);
}

int epilogue_begin(struct cg *g, int v, int64_t channels, int lanes, struct cg_epilogue *e)
{
	int n;
	const struct ir_use *u = ir_uses(g->m, v, &n);
	if (n != 1 || !g->epilogue_ok || !g->epilogue_ok[u[0].op] || u[0].operand != 0)
		return 1;
	const struct ir_op *mt = &g->m->ops[u[0].op];
	const struct ir_type *tt = ir_operand_type(g->m, mt, 1);
	if (g->m->values[v].type.dims[g->m->values[v].type.rank - 1] != channels ||
	    !cg_base(g, mt->results[0]))
		return 1;
	e->mt = mt;
	e->y = mt->results[0];
	e->xt = &g->m->values[v].type;
	e->k = tt->dims[1];
	e->lanes = lanes;
	e->width = (channels + lanes - 1) / lanes * lanes;
	e->bias = ir_attr_int(mt, "out_bias", 0);
	e->step = ir_attr_int(mt, "out_step", 1);
	e->table = kq_threshold_table_t(g, ir_known_data(g->m, mt->operands[1]), tt->dims[0], e->k,
					channels, e->width, "epilogue_thresholds");
	g->epilogue_done[u[0].op] = true;
	return 0;
}

LLVMValueRef epilogue_apply(struct cg *g, const struct cg_epilogue *e, LLVMValueRef sums,
			    LLVMValueRef c0)
{
	LLVMTypeRef vi32 = LLVMVectorType(g->t_i32, (unsigned)e->lanes);
	LLVMValueRef x = kd_convert_i32_vec(g, sums, e->lanes, e->xt);
	unsigned w = LLVMGetIntTypeWidth(cg_mem_type(g, e->xt));
	if (w < 32)
		x = e->xt->is_signed ? LLVMBuildSExt(g->b, x, vi32, "") : LLVMBuildZExt(g->b, x, vi32, "");
	LLVMValueRef count = LLVMConstNull(vi32);
	for (int64_t k = 0; k < e->k; k++) {
		LLVMValueRef at = kl_iaddc(g, c0, k * e->width);
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_i32, e->table, &at, 1, "");
		LLVMValueRef t = LLVMBuildLoad2(g->b, vi32, p, "");
		LLVMSetAlignment(t, 4);
		LLVMValueRef ge = LLVMBuildICmp(g->b, LLVMIntSGE, x, t, "");
		count = LLVMBuildAdd(g->b, count, LLVMBuildZExt(g->b, ge, vi32, ""), "");
	}
	LLVMValueRef q = LLVMBuildAdd(g->b, cg_splat(g, cg_i32(g, e->bias), e->lanes),
				      LLVMBuildMul(g->b, cg_splat(g, cg_i32(g, e->step), e->lanes), count, ""), "");
	return kd_convert_i32_vec(g, q, e->lanes, &g->m->values[e->y].type);
}

bool epilogue_claimed(const struct cg *g, const struct ir_op *mt)
{
	return g->epilogue_done && g->epilogue_done[mt - g->m->ops];
}
