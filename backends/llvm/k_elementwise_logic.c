/* k_elementwise_logic.c: comparisons (Greater GreaterOrEqual Less
 * LessOrEqual Equal), logic (And Or), Where, Clip and Cast, mirroring
 * ir/interp/elementwise.c and ir/interp/misc.c.
 *
 * Comparisons: two integral operands compare as 64-bit integers (unsigned
 * only when both are u64), anything else as doubles (a float pair compares
 * in its own type, which orders the same); NaN makes every comparison
 * false. And, Or and Where's condition read "nonzero" as true. Clip
 * converts x and its scalar bounds to the result type and replaces x by lo
 * when x < lo, then by hi when hi < x (so NaN stays, and lo > hi gives hi).
 * Cast converts as the interpreter does, float to integer by truncation
 * toward zero wrapped to the width (NaN and infinities give 0; values from
 * 2^64 up or below -2^63 saturate to the 64-bit range before wrapping,
 * where the interpreter reduces them modulo 2^64).
 */
#include "k_elementwise.h"

#include <math.h>

#include "cg_math.h"

/* ---- comparisons ----------------------------------------------------------- */

struct relation {
	LLVMRealPredicate real;
	LLVMIntPredicate sint, uint;
};

static const struct relation relations[IR_OP_COUNT] = {
	[IR_OP_Greater] = {LLVMRealOGT, LLVMIntSGT, LLVMIntUGT},
	[IR_OP_GreaterOrEqual] = {LLVMRealOGE, LLVMIntSGE, LLVMIntUGE},
	[IR_OP_Less] = {LLVMRealOLT, LLVMIntSLT, LLVMIntULT},
	[IR_OP_LessOrEqual] = {LLVMRealOLE, LLVMIntSLE, LLVMIntULE},
	[IR_OP_Equal] = {LLVMRealOEQ, LLVMIntEQ, LLVMIntEQ},
};

static bool is_integral(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT || t->elem == IR_ELEM_BOOL;
}

static bool is_u64(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT && !t->is_signed && t->bits >= 64;
}

static LLVMValueRef compare_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	const struct relation *rel = &relations[e->op->code];
	const struct ir_type *ta = e->in[0], *tb = e->in[1];
	if (is_integral(ta) && is_integral(tb)) {
		LLVMValueRef a = cg_widen(g, x[0], ta, 64), b = cg_widen(g, x[1], tb, 64);
		bool u = is_u64(ta) && is_u64(tb);
		return LLVMBuildICmp(g->b, u ? rel->uint : rel->sint, a, b, "");
	}
	if (ew_is_float(ta) && ir_type_same_elem(ta, tb))
		return LLVMBuildFCmp(g->b, rel->real, x[0], x[1], "");
	struct ir_type f64 = {.elem = IR_ELEM_F64, .bits = 64};
	LLVMValueRef a = ew_to(g, x[0], ta, &f64), b = ew_to(g, x[1], tb, &f64);
	return LLVMBuildFCmp(g->b, rel->real, a, b, "");
}

/* ---- logic and Where --------------------------------------------------------- */

static const struct ir_type bool_type = {.elem = IR_ELEM_BOOL, .bits = 1};

static LLVMValueRef logic_element(struct ew *e, LLVMValueRef const *x)
{
	LLVMValueRef a = ew_to(e->g, x[0], e->in[0], &bool_type);
	LLVMValueRef b = ew_to(e->g, x[1], e->in[1], &bool_type);
	return e->op->code == IR_OP_And ? LLVMBuildAnd(e->g->b, a, b, "")
					: LLVMBuildOr(e->g->b, a, b, "");
}

/* Where (condition, x, y): condition ? x : y */
static LLVMValueRef where_element(struct ew *e, LLVMValueRef const *x)
{
	LLVMValueRef c = ew_to(e->g, x[0], e->in[0], &bool_type);
	LLVMValueRef a = ew_to(e->g, x[1], e->in[1], e->out);
	LLVMValueRef b = ew_to(e->g, x[2], e->in[2], e->out);
	return LLVMBuildSelect(e->g->b, c, a, b, "");
}

/* ---- Clip ------------------------------------------------------------------ */

/* a < b in the result type t */
static LLVMValueRef less(struct cg *g, const struct ir_type *t, LLVMValueRef a, LLVMValueRef b)
{
	if (ew_is_float(t))
		return LLVMBuildFCmp(g->b, LLVMRealOLT, a, b, "");
	bool u = t->elem == IR_ELEM_INT && !t->is_signed;
	return LLVMBuildICmp(g->b, u ? LLVMIntULT : LLVMIntSLT, a, b, "");
}

static LLVMValueRef clip_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	LLVMValueRef y = ew_to(g, x[0], e->in[0], e->out);
	if (e->op->noperands > 1 && e->in[1]) {
		LLVMValueRef lo = ew_to(g, x[1], e->in[1], e->out);
		y = LLVMBuildSelect(g->b, less(g, e->out, y, lo), lo, y, "");
	}
	if (e->op->noperands > 2 && e->in[2]) {
		LLVMValueRef hi = ew_to(g, x[2], e->in[2], e->out);
		y = LLVMBuildSelect(g->b, less(g, e->out, hi, y), hi, y, "");
	}
	return y;
}

/* ---- Cast ------------------------------------------------------------------ */

/* Float x to integer type t, the interpreter's way: truncated toward zero,
 * then wrapped to t's width; NaN and infinities give 0. Through a 64-bit
 * integer: signed below 2^63, unsigned from there. */
static LLVMValueRef float_to_int_wrapped(struct cg *g, LLVMValueRef x, const struct ir_type *from,
					 const struct ir_type *t)
{
	struct ir_type i64 = ir_type_int(64, true, 0, NULL), u64 = ir_type_int(64, false, 0, NULL);
	LLVMTypeRef ty = LLVMTypeOf(x);
	LLVMValueRef s = cg_convert(g, x, from, &i64); /* saturating, NaN -> 0 */
	LLVMValueRef u = cg_convert(g, x, from, &u64);
	LLVMValueRef high = LLVMBuildFCmp(g->b, LLVMRealOGE, x, cg_const_real(ty, 0x1p63), "");
	LLVMValueRef v = LLVMBuildSelect(g->b, high, u, s, "");
	LLVMValueRef finite = LLVMBuildFCmp(g->b, LLVMRealONE, cg_fabs(g, x),
					    cg_const_real(ty, (double)INFINITY), "");
	v = LLVMBuildSelect(g->b, finite, v, cg_i64(g, 0), "");
	return cg_convert(g, v, &i64, t);
}

static LLVMValueRef cast_element(struct ew *e, LLVMValueRef const *x)
{
	if (ew_is_float(e->in[0]) && e->out->elem == IR_ELEM_INT)
		return float_to_int_wrapped(e->g, x[0], e->in[0], e->out);
	return ew_to(e->g, x[0], e->in[0], e->out);
}

/* ---- kernels --------------------------------------------------------------- */

static int require_operands(struct cg *g, const struct ir_op *op, const struct ew *e, int n)
{
	for (int k = 0; k < n; k++)
		if (!e->in[k])
			return ir_op_error(g->m, op, "input %d is missing", k);
	return 0;
}

static int compare_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	if (require_operands(g, op, &e, 2) < 0)
		return -1;
	return ew_emit(&e, compare_element);
}

static int logic_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	if (require_operands(g, op, &e, 2) < 0)
		return -1;
	return ew_emit(&e, logic_element);
}

static int where_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	if (require_operands(g, op, &e, 3) < 0)
		return -1;
	return ew_emit(&e, where_element);
}

/* Clip's bounds are optional: absent, or empty (both mean none), or one
 * element. */
static int clip_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	if (require_operands(g, op, &e, 1) < 0)
		return -1;
	for (int k = 1; k < op->noperands; k++) {
		if (!e.in[k])
			continue;
		int64_t n = ir_type_numel(e.in[k]);
		if (n == 0)
			e.in[k] = NULL;
		else if (n != 1)
			return ir_op_error(g->m, op, "min and max must be scalars");
	}
	if (ir_type_numel(e.in[0]) != ir_type_numel(e.out))
		return ir_op_error(g->m, op, "result and input differ in size");
	return ew_emit(&e, clip_element);
}

static int cast_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	if (require_operands(g, op, &e, 1) < 0)
		return -1;
	return ew_emit(&e, cast_element);
}

void ew_register_logic(cg_kernel **table)
{
	for (int code = 0; code < IR_OP_COUNT; code++)
		if (relations[code].real)
			table[code] = compare_kernel;
	table[IR_OP_And] = logic_kernel;
	table[IR_OP_Or] = logic_kernel;
	table[IR_OP_Where] = where_kernel;
	table[IR_OP_Clip] = clip_kernel;
	table[IR_OP_Cast] = cast_kernel;
}
