/* fuse.c: float scaling fused into the quantizer that reads it.
 *
 * Models often scale their float input before the first quantizer
 * (x * 2 - 1, a normalisation): Mul, Add, Sub or Div by a scalar constant,
 * each result read only by the next. Stored, each such tensor would take
 * workspace the size of the input in float32 (for tfc_2w2a, two tensors of
 * 784 floats, six times the rest of its workspace). Instead, a value of such
 * a chain that ends in a Quantize is FUSED (storage.h): it is never stored,
 * and cg_load of element i computes it from element i of its operand, with
 * the same float operation the element-wise kernel would emit (k_elementwise.c:
 * one fadd/fsub/fmul/fdiv of the operand's float type, no contraction), so
 * results are bit-identical. Only the Quantize kernel reads such values, and
 * it reads them only with cg_load.
 */
#include "fuse.h"

#include "storage.h"

/* Op o qualifies: a float Mul/Add/Sub/Div of a value and a scalar float
 * constant, the result of the value's own shape. */
static bool scalar_arith(const struct ir_module *m, const struct ir_op *op)
{
	if (op->dead || op->nresults != 1 || op->noperands != 2)
		return false;
	if (op->code != IR_OP_Mul && op->code != IR_OP_Add && op->code != IR_OP_Sub &&
	    op->code != IR_OP_Div)
		return false;
	const struct ir_type *r = &m->values[op->results[0]].type;
	if (r->elem != IR_ELEM_F32 && r->elem != IR_ELEM_F64)
		return false;
	for (int k = 0; k < 2; k++) {
		const struct ir_value *c = &m->values[op->operands[k]];
		const struct ir_value *x = &m->values[op->operands[1 - k]];
		if (c->kind == IR_VALUE_CONST && ir_type_numel(&c->type) == 1 &&
		    c->type.elem == r->elem && x->kind != IR_VALUE_CONST &&
		    ir_type_equal(&x->type, r))
			return true;
	}
	return false;
}

int fuse_find(struct ir_module *m, bool *fused)
{
	int count = 0;
	for (int o = m->nops - 1; o >= 0; o--) {
		fused[o] = false;
		if (!scalar_arith(m, &m->ops[o]))
			continue;
		int u = ir_single_reader(m, m->ops[o].results[0]);
		if (u >= 0 && (m->ops[u].code == IR_OP_Quantize || (u > o && fused[u]))) {
			fused[o] = true;
			count++;
		}
	}
	return count;
}

LLVMValueRef fuse_load(struct cg *g, const struct ir_op *op, LLVMValueRef index)
{
	const struct ir_module *m = g->m;
	bool const_first = m->values[op->operands[0]].kind == IR_VALUE_CONST;
	int x = op->operands[const_first ? 1 : 0], c = op->operands[const_first ? 0 : 1];
	LLVMValueRef a = cg_load(g, x, index), b = cg_load(g, c, cg_i64(g, 0));
	if (const_first) {
		LLVMValueRef t = a;
		a = b;
		b = t;
	}
	switch (op->code) {
	case IR_OP_Mul:
		return LLVMBuildFMul(g->b, a, b, "");
	case IR_OP_Add:
		return LLVMBuildFAdd(g->b, a, b, "");
	case IR_OP_Sub:
		return LLVMBuildFSub(g->b, a, b, "");
	default:
		return LLVMBuildFDiv(g->b, a, b, "");
	}
}

int fuse_source(const struct ir_module *m, const struct ir_op *op)
{
	return m->values[op->operands[0]].kind == IR_VALUE_CONST ? op->operands[1]
								 : op->operands[0];
}
