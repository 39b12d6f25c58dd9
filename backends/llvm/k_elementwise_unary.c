/* k_elementwise_unary.c: unary elementwise kernels, mirroring
 * ir/interp/unary.c: Relu (more to come).
 *
 * The operand is converted to the result's element type first; floats are
 * computed in the result's type (f32 in float, as the interpreter's float
 * library calls), integers in the result's container, wrapping, then fitted
 * to the type's bits.
 */
#include "k_elementwise.h"

/* One unary op: its float form (on a float or double register value) and
 * its integer form (on a value of the integer type t's container), either
 * NULL when the op is not defined there. */
struct unary {
	LLVMValueRef (*flt)(struct ew *e, LLVMValueRef x);
	LLVMValueRef (*integer)(struct ew *e, const struct ir_type *t, LLVMValueRef x);
};

static LLVMValueRef relu_float(struct ew *e, LLVMValueRef x)
{
	LLVMValueRef zero = cg_const_real(LLVMTypeOf(x), 0);
	LLVMValueRef neg = LLVMBuildFCmp(e->g->b, LLVMRealOLT, x, zero, "");
	return LLVMBuildSelect(e->g->b, neg, zero, x, ""); /* NaN and -0 stay */
}

static LLVMValueRef relu_int(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	if (!t->is_signed)
		return x;
	LLVMValueRef zero = cg_const_int(LLVMTypeOf(x), 0);
	LLVMValueRef neg = LLVMBuildICmp(e->g->b, LLVMIntSLT, x, zero, "");
	return LLVMBuildSelect(e->g->b, neg, zero, x, "");
}

static const struct unary unary_table[IR_OP_COUNT] = {
	[IR_OP_Relu] = {relu_float, relu_int},
};

static LLVMValueRef unary_element(struct ew *e, LLVMValueRef const *x)
{
	const struct unary *u = &unary_table[e->op->code];
	if (ew_is_float(e->out))
		return u->flt(e, ew_to(e->g, x[0], e->in[0], e->out));
	struct ir_type dom = ew_int_domain(e->out);
	LLVMValueRef r = u->integer(e, &dom, ew_to(e->g, x[0], e->in[0], &dom));
	return e->out->elem == IR_ELEM_BOOL ? ew_to(e->g, r, &dom, e->out) : ew_fit(e->g, r, e->out);
}

static int unary_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	const struct unary *u = &unary_table[op->code];
	if (!e.in[0])
		return ir_op_error(g->m, op, "input 0 is missing");
	if (ew_is_float(e.out) ? !u->flt : !u->integer) {
		char buf[16];
		return ir_op_error(g->m, op, "not defined for element type %s",
				   ir_elem_str(e.out, buf, sizeof buf));
	}
	return ew_emit(&e, unary_element);
}

void ew_register_unary(cg_kernel **table)
{
	for (int code = 0; code < IR_OP_COUNT; code++)
		if (unary_table[code].flt || unary_table[code].integer)
			table[code] = unary_kernel;
}
