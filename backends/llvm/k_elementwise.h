/* k_elementwise.h: what the elementwise kernel files (k_elementwise*.c,
 * k_quant*.c) share: one driver that walks the result's elements with
 * multidirectional broadcasting of the operands, and small arithmetic
 * helpers on register values.
 *
 * A kernel describes its element function (ew_fn) and calls ew_emit; the
 * driver loads every present operand at the element's broadcast position
 * (in the operand's register type, cg.h) and stores what the function
 * returns (in the result's register type). When every operand has as many
 * elements as the result or one element, the walk is one flat loop.
 */
#ifndef QONNXC_BACKENDS_LLVM_K_ELEMENTWISE_H
#define QONNXC_BACKENDS_LLVM_K_ELEMENTWISE_H

#include "kernels.h"

struct ew;

/* The result element from the loaded operand elements x[k] (NULL for an
 * absent optional operand). */
typedef LLVMValueRef ew_fn(struct ew *e, LLVMValueRef const *x);

struct ew {
	struct cg *g;
	const struct ir_op *op;
	const struct ir_type *out;  /* result type */
	const struct ir_type **in;  /* op->noperands operand types, NULL when absent */
	ew_fn *fn;
	double alpha, beta;         /* attribute values, for the kernels that have them */
	int variant;                /* kernel-specific choice (e.g. rounding mode) */
	const void *data;           /* kernel-specific compile-time data */
};

/* Fills e for op (g, op, out, in) with every other field zero. */
void ew_init(struct ew *e, struct cg *g, const struct ir_op *op);
/* Emits the loop writing result 0 of e->op; 0 or -1 after an error. */
int ew_emit(struct ew *e, ew_fn *fn);

static inline bool ew_is_float(const struct ir_type *t)
{
	return t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64;
}

/* The integer type in which integer arithmetic producing result type t is
 * done: t itself, or i64 when t is bool (its result is then "nonzero"). */
struct ir_type ew_int_domain(const struct ir_type *t);
/* An integer value of t's container (computed modulo 2^container) reduced
 * to a value of t: re-extended from t's bits by t's signedness. */
LLVMValueRef ew_fit(struct cg *g, LLVMValueRef x, const struct ir_type *t);
/* x converted from type `from` to the register type of `to` (cg_convert),
 * skipping the conversion when both types hold the same elements. */
LLVMValueRef ew_to(struct cg *g, LLVMValueRef x, const struct ir_type *from,
		   const struct ir_type *to);

/* Registration of the files of the family (called by cg_register_elementwise). */
void ew_register_unary(cg_kernel **table);   /* k_elementwise_unary.c */
void ew_register_logic(cg_kernel **table);   /* k_elementwise_logic.c */

#endif
