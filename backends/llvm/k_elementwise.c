/* k_elementwise.c: the elementwise driver (k_elementwise.h) and the
 * arithmetic kernels Add Sub Mul Div Pow PRelu Min Max Sum Mean, mirroring
 * ir/interp/elementwise.c.
 *
 * Operands are converted to the result's element type, then the operation
 * is done in its register type: float for f32 (as ONNX Runtime and the
 * interpreter do), double for f64, and for integers the container, wrapping,
 * with the result re-extended from the type's bits (equal to the
 * interpreter's 64-bit wrapping arithmetic reduced to the width). Integer
 * division truncates toward zero; where the interpreter stops with an error
 * (a zero divisor), generated code cannot, so x / 0 gives 0; INT_MIN / -1
 * wraps as in the interpreter. No generated instruction can trap.
 */
#include "k_elementwise.h"

#include "cg_math.h"

/* ---- the driver ------------------------------------------------------------ */

void ew_init(struct ew *e, struct cg *g, const struct ir_op *op)
{
	*e = (struct ew){.g = g, .op = op};
	e->out = &g->m->values[op->results[0]].type;
	e->in = arena_alloc(&g->m->arena, sizeof *e->in * (size_t)(op->noperands + 1));
	for (int k = 0; k < op->noperands; k++)
		e->in[k] = ir_operand_type(g->m, op, k);
}

/* Loads the operands at their positions, applies e->fn, stores at `at`. */
static void emit_element(struct ew *e, LLVMValueRef at, LLVMValueRef const *pos,
			 LLVMValueRef *x)
{
	for (int k = 0; k < e->op->noperands; k++)
		x[k] = e->in[k] ? cg_load(e->g, e->op->operands[k], pos[k]) : NULL;
	cg_store(e->g, e->op->results[0], at, e->fn(e, x));
}

int ew_emit(struct ew *e, ew_fn *fn)
{
	struct cg *g = e->g;
	int n = e->op->noperands;
	int64_t numel = ir_type_numel(e->out);
	bool flat = true;
	e->fn = fn;
	for (int k = 0; k < n; k++) {
		if (e->in[k] && !cg_base(g, e->op->operands[k]))
			return -1;
		if (e->in[k] && ir_type_numel(e->in[k]) != numel && ir_type_numel(e->in[k]) != 1)
			flat = false;
	}
	if (!cg_base(g, e->op->results[0]))
		return -1;
	LLVMValueRef *pos = arena_alloc(&g->m->arena, sizeof *pos * (size_t)(n + 1));
	LLVMValueRef *x = arena_alloc(&g->m->arena, sizeof *x * (size_t)(n + 1));
	if (flat) {
		/* same element count: the broadcast maps index i to i */
		struct cg_loop l;
		LLVMValueRef i = cg_loop_begin(g, &l, cg_i64(g, numel), "i");
		for (int k = 0; k < n; k++)
			pos[k] = e->in[k] && ir_type_numel(e->in[k]) == numel ? i : cg_i64(g, 0);
		emit_element(e, i, pos, x);
		cg_loop_end(g, &l);
		return 0;
	}
	int rank = e->out->rank;
	int64_t strides[IR_MAX_RANK], bs[IR_MAX_RANK];
	struct cg_nest nest;
	cg_strides(e->out, strides);
	cg_nest_begin(g, &nest, rank, e->out->dims);
	for (int k = 0; k < n; k++) {
		pos[k] = NULL;
		if (!e->in[k])
			continue;
		cg_broadcast_strides(e->in[k], e->out, bs);
		pos[k] = cg_linear(g, rank, bs, nest.iv);
	}
	emit_element(e, cg_linear(g, rank, strides, nest.iv), pos, x);
	cg_nest_end(g, &nest);
	return 0;
}

/* ---- integer helpers ------------------------------------------------------- */

struct ir_type ew_int_domain(const struct ir_type *t)
{
	if (t->elem != IR_ELEM_BOOL)
		return *t;
	return ir_type_int(64, true, 0, NULL);
}

LLVMValueRef ew_fit(struct cg *g, LLVMValueRef x, const struct ir_type *t)
{
	struct ir_type wide = *t;
	wide.bits = (uint8_t)cg_container_bits(t->bits);
	if (wide.bits == t->bits)
		return x;
	return cg_convert(g, x, &wide, t);
}

LLVMValueRef ew_to(struct cg *g, LLVMValueRef x, const struct ir_type *from,
		   const struct ir_type *to)
{
	if (ir_type_same_elem(from, to))
		return x;
	return cg_convert(g, x, from, to);
}

/* ---- binary arithmetic ----------------------------------------------------- */

/* The operation on two values of the domain type t (float, double or an
 * integer container); integer results are fitted by the caller. */
typedef LLVMValueRef arith_fn(struct cg *g, const struct ir_type *t, LLVMValueRef a,
			      LLVMValueRef b);

static LLVMValueRef add(struct cg *g, const struct ir_type *t, LLVMValueRef a, LLVMValueRef b)
{
	return ew_is_float(t) ? LLVMBuildFAdd(g->b, a, b, "") : LLVMBuildAdd(g->b, a, b, "");
}

static LLVMValueRef sub(struct cg *g, const struct ir_type *t, LLVMValueRef a, LLVMValueRef b)
{
	return ew_is_float(t) ? LLVMBuildFSub(g->b, a, b, "") : LLVMBuildSub(g->b, a, b, "");
}

static LLVMValueRef mul(struct cg *g, const struct ir_type *t, LLVMValueRef a, LLVMValueRef b)
{
	return ew_is_float(t) ? LLVMBuildFMul(g->b, a, b, "") : LLVMBuildMul(g->b, a, b, "");
}

/* Truncating division that never traps: b == 0 gives 0, b == -1 gives the
 * wrapped negation (the interpreter's INT_MIN / -1). */
static LLVMValueRef divide(struct cg *g, const struct ir_type *t, LLVMValueRef a, LLVMValueRef b)
{
	if (ew_is_float(t))
		return LLVMBuildFDiv(g->b, a, b, "");
	LLVMTypeRef ty = LLVMTypeOf(a);
	LLVMValueRef zero = cg_const_int(ty, 0), one = cg_const_int(ty, 1);
	LLVMValueRef is_zero = LLVMBuildICmp(g->b, LLVMIntEQ, b, zero, "");
	if (!t->is_signed) {
		LLVMValueRef safe = LLVMBuildSelect(g->b, is_zero, one, b, "");
		LLVMValueRef q = LLVMBuildUDiv(g->b, a, safe, "");
		return LLVMBuildSelect(g->b, is_zero, zero, q, "");
	}
	LLVMValueRef is_m1 = LLVMBuildICmp(g->b, LLVMIntEQ, b, cg_const_int(ty, -1), "");
	LLVMValueRef odd = LLVMBuildOr(g->b, is_zero, is_m1, "");
	LLVMValueRef safe = LLVMBuildSelect(g->b, odd, one, b, "");
	LLVMValueRef q = LLVMBuildSDiv(g->b, a, safe, "");
	q = LLVMBuildSelect(g->b, is_m1, LLVMBuildSub(g->b, zero, a, ""), q, "");
	return LLVMBuildSelect(g->b, is_zero, zero, q, "");
}

/* Float Pow: ONNX Runtime squares and cubes f32 by multiplication. */
static LLVMValueRef power_float(struct cg *g, const struct ir_type *t, LLVMValueRef a,
				LLVMValueRef b)
{
	if (t->elem == IR_ELEM_F64)
		return cg_pow(g, a, b);
	LLVMTypeRef ty = LLVMTypeOf(a);
	LLVMValueRef sq = LLVMBuildFMul(g->b, a, a, "");
	LLVMValueRef cube = LLVMBuildFMul(g->b, sq, a, "");
	LLVMValueRef is2 = LLVMBuildFCmp(g->b, LLVMRealOEQ, b, cg_const_real(ty, 2), "");
	LLVMValueRef is3 = LLVMBuildFCmp(g->b, LLVMRealOEQ, b, cg_const_real(ty, 3), "");
	LLVMValueRef r = cg_pow(g, a, b);
	r = LLVMBuildSelect(g->b, is3, cube, r, "");
	return LLVMBuildSelect(g->b, is2, sq, r, "");
}

/* Integer Pow by squaring over the exponent's bits, wrapping. A negative
 * exponent (signed types) gives the truncated real result: 1 for a == 1,
 * +-1 for a == -1, else 0 (the interpreter's error for 0^negative gives 0). */
static LLVMValueRef power_int(struct cg *g, const struct ir_type *t, LLVMValueRef a,
			      LLVMValueRef b)
{
	LLVMTypeRef ty = LLVMTypeOf(a);
	unsigned width = LLVMGetIntTypeWidth(ty);
	LLVMValueRef one = cg_const_int(ty, 1), zero = cg_const_int(ty, 0);
	LLVMValueRef acc = one, base = a;
	for (unsigned bit = 0; bit < width; bit++) {
		LLVMValueRef set = LLVMBuildTrunc(
			g->b, LLVMBuildLShr(g->b, b, cg_const_int(ty, bit), ""), g->t_i1, "");
		acc = LLVMBuildSelect(g->b, set, LLVMBuildMul(g->b, acc, base, ""), acc, "");
		base = LLVMBuildMul(g->b, base, base, "");
	}
	if (!t->is_signed)
		return acc;
	LLVMValueRef odd = LLVMBuildTrunc(g->b, b, g->t_i1, "");
	LLVMValueRef m1 = cg_const_int(ty, -1);
	LLVMValueRef neg = LLVMBuildSelect(g->b, odd, m1, one, "");
	LLVMValueRef is1 = LLVMBuildICmp(g->b, LLVMIntEQ, a, one, "");
	LLVMValueRef ism1 = LLVMBuildICmp(g->b, LLVMIntEQ, a, m1, "");
	LLVMValueRef frac = LLVMBuildSelect(g->b, is1, one,
					    LLVMBuildSelect(g->b, ism1, neg, zero, ""), "");
	LLVMValueRef negative = LLVMBuildICmp(g->b, LLVMIntSLT, b, zero, "");
	return LLVMBuildSelect(g->b, negative, frac, acc, "");
}

static LLVMValueRef power(struct cg *g, const struct ir_type *t, LLVMValueRef a, LLVMValueRef b)
{
	return ew_is_float(t) ? power_float(g, t, a, b) : power_int(g, t, a, b);
}

/* PRelu: y = x < 0 ? slope * x : x */
static LLVMValueRef prelu(struct cg *g, const struct ir_type *t, LLVMValueRef x, LLVMValueRef s)
{
	if (ew_is_float(t)) {
		LLVMValueRef zero = cg_const_real(LLVMTypeOf(x), 0);
		return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOLT, x, zero, ""),
				       LLVMBuildFMul(g->b, s, x, ""), x, "");
	}
	if (!t->is_signed)
		return x;
	LLVMValueRef zero = cg_const_int(LLVMTypeOf(x), 0);
	return LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, x, zero, ""),
			       LLVMBuildMul(g->b, s, x, ""), x, "");
}

/* Min and Max: NaN-propagating for floats (cg_math.h). */
static LLVMValueRef minimum(struct cg *g, const struct ir_type *t, LLVMValueRef a,
			    LLVMValueRef b)
{
	if (ew_is_float(t))
		return cg_fmin(g, a, b);
	LLVMValueRef lt = LLVMBuildICmp(g->b, t->is_signed ? LLVMIntSLT : LLVMIntULT, a, b, "");
	return LLVMBuildSelect(g->b, lt, a, b, "");
}

static LLVMValueRef maximum(struct cg *g, const struct ir_type *t, LLVMValueRef a,
			    LLVMValueRef b)
{
	if (ew_is_float(t))
		return cg_fmax(g, a, b);
	LLVMValueRef lt = LLVMBuildICmp(g->b, t->is_signed ? LLVMIntSLT : LLVMIntULT, b, a, "");
	return LLVMBuildSelect(g->b, lt, a, b, "");
}

struct arith {
	arith_fn *fn;
	bool int_ok;    /* defined on integers */
	bool variadic;  /* folded over all operands (Min Max Sum Mean) */
};

static const struct arith arith_table[IR_OP_COUNT] = {
	[IR_OP_Add] = {add, true, false},
	[IR_OP_Sub] = {sub, true, false},
	[IR_OP_Mul] = {mul, true, false},
	[IR_OP_Div] = {divide, true, false},
	[IR_OP_Pow] = {power, true, false},
	[IR_OP_PRelu] = {prelu, true, false},
	[IR_OP_Min] = {minimum, true, true},
	[IR_OP_Max] = {maximum, true, true},
	[IR_OP_Sum] = {add, true, true},
	[IR_OP_Mean] = {add, false, true},
};

/* Folds the operation left to right over the operands converted to the
 * domain type; Mean divides by the operand count at the end. */
static LLVMValueRef arith_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	const struct arith *a = &arith_table[e->op->code];
	struct ir_type dom = ew_int_domain(e->out);
	if (ew_is_float(e->out))
		dom = *e->out;
	LLVMValueRef acc = ew_to(g, x[0], e->in[0], &dom);
	for (int k = 1; k < e->op->noperands; k++)
		acc = a->fn(g, &dom, acc, ew_to(g, x[k], e->in[k], &dom));
	if (e->op->code == IR_OP_Mean)
		acc = LLVMBuildFDiv(g->b, acc, cg_const_real(LLVMTypeOf(acc), e->op->noperands), "");
	if (ew_is_float(e->out))
		return acc;
	return e->out->elem == IR_ELEM_BOOL ? ew_to(g, acc, &dom, e->out) : ew_fit(g, acc, e->out);
}

static int arith_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	ew_init(&e, g, op);
	const struct arith *a = &arith_table[op->code];
	if (!ew_is_float(e.out) && !a->int_ok)
		return ir_op_error(g->m, op, "not defined for integer tensors");
	for (int k = 0; k < op->noperands; k++)
		if (!e.in[k])
			return ir_op_error(g->m, op, "input %d is missing", k);
	return ew_emit(&e, arith_element);
}

void cg_register_elementwise(cg_kernel **table)
{
	for (int code = 0; code < IR_OP_COUNT; code++)
		if (arith_table[code].fn)
			table[code] = arith_kernel;
	ew_register_unary(table);
	ew_register_logic(table);
}
