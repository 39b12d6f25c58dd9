/* k_elementwise_unary.c: unary elementwise kernels, mirroring
 * ir/interp/unary.c: Neg Abs Sign Not Sqrt Exp Log Erf Reciprocal Relu
 * LeakyRelu Elu Selu Sigmoid HardSigmoid Tanh Softplus Softsign Round Floor
 * Ceil.
 *
 * The operand is converted to the result's element type first. Floats are
 * computed in the result's type with the interpreter's formula step by step
 * (f32 in float, each library call replaced by the inline function of
 * cg_math.h rounded to float, as the interpreter's float library calls
 * are); attribute values are rounded to that type first. Integers (Neg Abs
 * Sign Relu, and Not) are computed in the result's container, wrapping, then
 * fitted to the type's bits.
 */
#include "k_elementwise.h"

#include "cg_math.h"

/* One unary op: its float form (on a float or double register value) and
 * its integer form (on a value of the integer type t's container), either
 * NULL when the op is not defined there; the attributes it reads into
 * alpha and beta, with their defaults. */
struct unary {
	LLVMValueRef (*flt)(struct ew *e, LLVMValueRef x);
	LLVMValueRef (*integer)(struct ew *e, const struct ir_type *t, LLVMValueRef x);
	const char *alpha_name, *beta_name;
	double alpha_def, beta_def;
};

/* ---- small builders ---------------------------------------------------------- */

static LLVMValueRef fk(LLVMValueRef like, double v)
{
	return cg_const_real(LLVMTypeOf(like), v);
}

static LLVMValueRef fcmp(struct ew *e, LLVMRealPredicate p, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildFCmp(e->g->b, p, a, b, "");
}

static LLVMValueRef sel(struct ew *e, LLVMValueRef c, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildSelect(e->g->b, c, a, b, "");
}

static LLVMValueRef fmul(struct ew *e, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildFMul(e->g->b, a, b, "");
}

/* exp(x) - 1 in x's type, as the interpreter writes it (not expm1). */
static LLVMValueRef exp_minus_one(struct ew *e, LLVMValueRef x)
{
	return LLVMBuildFSub(e->g->b, cg_exp(e->g, x), fk(x, 1), "");
}

/* C's fmax and fmin as the C library on x86-64 computes them: a NaN
 * operand gives the other one; equal operands (+0 and -0) give the second. */
static LLVMValueRef c_fmax(struct ew *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef r = sel(e, fcmp(e, LLVMRealOGT, a, b), a, b);
	r = sel(e, fcmp(e, LLVMRealUNO, a, a), b, r);
	return sel(e, fcmp(e, LLVMRealUNO, b, b), a, r);
}

static LLVMValueRef c_fmin(struct ew *e, LLVMValueRef a, LLVMValueRef b)
{
	LLVMValueRef r = sel(e, fcmp(e, LLVMRealOLT, a, b), a, b);
	r = sel(e, fcmp(e, LLVMRealUNO, a, a), b, r);
	return sel(e, fcmp(e, LLVMRealUNO, b, b), a, r);
}

/* ---- float forms ----------------------------------------------------------- */

static LLVMValueRef neg_f(struct ew *e, LLVMValueRef x)
{
	return LLVMBuildFNeg(e->g->b, x, "");
}

static LLVMValueRef abs_f(struct ew *e, LLVMValueRef x) { return cg_fabs(e->g, x); }

/* x > 0 ? 1 : x < 0 ? -1 : x (0 and NaN stay) */
static LLVMValueRef sign_f(struct ew *e, LLVMValueRef x)
{
	LLVMValueRef r = sel(e, fcmp(e, LLVMRealOLT, x, fk(x, 0)), fk(x, -1), x);
	return sel(e, fcmp(e, LLVMRealOGT, x, fk(x, 0)), fk(x, 1), r);
}

static LLVMValueRef sqrt_f(struct ew *e, LLVMValueRef x) { return cg_sqrt(e->g, x); }
static LLVMValueRef exp_f(struct ew *e, LLVMValueRef x) { return cg_exp(e->g, x); }
static LLVMValueRef log_f(struct ew *e, LLVMValueRef x) { return cg_log(e->g, x); }
static LLVMValueRef erf_f(struct ew *e, LLVMValueRef x) { return cg_erf(e->g, x); }
static LLVMValueRef tanh_f(struct ew *e, LLVMValueRef x) { return cg_tanh(e->g, x); }
static LLVMValueRef sigmoid_f(struct ew *e, LLVMValueRef x) { return cg_sigmoid(e->g, x); }
static LLVMValueRef round_f(struct ew *e, LLVMValueRef x) { return cg_round_even(e->g, x); }
static LLVMValueRef floor_f(struct ew *e, LLVMValueRef x) { return cg_floor(e->g, x); }
static LLVMValueRef ceil_f(struct ew *e, LLVMValueRef x) { return cg_ceil(e->g, x); }

static LLVMValueRef reciprocal_f(struct ew *e, LLVMValueRef x)
{
	return LLVMBuildFDiv(e->g->b, fk(x, 1), x, "");
}

/* x < 0 ? 0 : x (NaN and -0 stay) */
static LLVMValueRef relu_f(struct ew *e, LLVMValueRef x)
{
	return sel(e, fcmp(e, LLVMRealOLT, x, fk(x, 0)), fk(x, 0), x);
}

/* LeakyRelu: x >= 0 ? x : alpha x */
static LLVMValueRef leaky_relu_f(struct ew *e, LLVMValueRef x)
{
	return sel(e, fcmp(e, LLVMRealOGE, x, fk(x, 0)), x, fmul(e, fk(x, e->alpha), x));
}

/* Elu: x >= 0 ? x : alpha (exp(x) - 1) */
static LLVMValueRef elu_f(struct ew *e, LLVMValueRef x)
{
	LLVMValueRef neg = fmul(e, fk(x, e->alpha), exp_minus_one(e, x));
	return sel(e, fcmp(e, LLVMRealOGE, x, fk(x, 0)), x, neg);
}

/* Selu: gamma (x > 0 ? x : alpha (exp(x) - 1)), gamma in beta */
static LLVMValueRef selu_f(struct ew *e, LLVMValueRef x)
{
	LLVMValueRef neg = fmul(e, fk(x, e->alpha), exp_minus_one(e, x));
	return fmul(e, fk(x, e->beta), sel(e, fcmp(e, LLVMRealOGT, x, fk(x, 0)), x, neg));
}

/* HardSigmoid: fmax(0, fmin(1, alpha x + beta)) */
static LLVMValueRef hard_sigmoid_f(struct ew *e, LLVMValueRef x)
{
	LLVMValueRef v = LLVMBuildFAdd(e->g->b, fmul(e, fk(x, e->alpha), x), fk(x, e->beta), "");
	return c_fmax(e, fk(x, 0), c_fmin(e, fk(x, 1), v));
}

/* Softplus: x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)) */
static LLVMValueRef softplus_f(struct ew *e, LLVMValueRef x)
{
	struct cg *g = e->g;
	LLVMValueRef pos = fcmp(e, LLVMRealOGT, x, fk(x, 0));
	/* one exp serves both branches: exp(-|x|) for x > 0, exp(x) otherwise */
	LLVMValueRef arg = sel(e, pos, LLVMBuildFNeg(g->b, x, ""), x);
	LLVMValueRef l = cg_log1p(g, cg_exp(g, arg));
	return sel(e, pos, LLVMBuildFAdd(g->b, x, l, ""), l);
}

/* Softsign: x / (1 + |x|) */
static LLVMValueRef softsign_f(struct ew *e, LLVMValueRef x)
{
	LLVMValueRef d = LLVMBuildFAdd(e->g->b, fk(x, 1), cg_fabs(e->g, x), "");
	return LLVMBuildFDiv(e->g->b, x, d, "");
}

/* ---- integer forms ----------------------------------------------------------- */

static LLVMValueRef ik(LLVMValueRef like, int64_t v)
{
	return cg_const_int(LLVMTypeOf(like), v);
}

static LLVMValueRef negative(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	if (!t->is_signed)
		return LLVMConstInt(e->g->t_i1, 0, false);
	return LLVMBuildICmp(e->g->b, LLVMIntSLT, x, ik(x, 0), "");
}

static LLVMValueRef neg_i(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	(void)t;
	return LLVMBuildSub(e->g->b, ik(x, 0), x, "");
}

static LLVMValueRef abs_i(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	return sel(e, negative(e, t, x), LLVMBuildSub(e->g->b, ik(x, 0), x, ""), x);
}

static LLVMValueRef sign_i(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	LLVMValueRef zero = LLVMBuildICmp(e->g->b, LLVMIntEQ, x, ik(x, 0), "");
	LLVMValueRef r = sel(e, negative(e, t, x), ik(x, -1), ik(x, 1));
	return sel(e, zero, ik(x, 0), r);
}

static LLVMValueRef relu_i(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	return sel(e, negative(e, t, x), ik(x, 0), x);
}

/* Not: x == 0, as a 0/1 value of the domain */
static LLVMValueRef not_i(struct ew *e, const struct ir_type *t, LLVMValueRef x)
{
	(void)t;
	LLVMValueRef z = LLVMBuildICmp(e->g->b, LLVMIntEQ, x, ik(x, 0), "");
	return LLVMBuildZExt(e->g->b, z, LLVMTypeOf(x), "");
}

/* ---- the table and the kernel ------------------------------------------------ */

static const struct unary unary_table[IR_OP_COUNT] = {
	[IR_OP_Neg] = {neg_f, neg_i, NULL, NULL, 0, 0},
	[IR_OP_Abs] = {abs_f, abs_i, NULL, NULL, 0, 0},
	[IR_OP_Sign] = {sign_f, sign_i, NULL, NULL, 0, 0},
	[IR_OP_Not] = {NULL, not_i, NULL, NULL, 0, 0},
	[IR_OP_Sqrt] = {sqrt_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Exp] = {exp_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Log] = {log_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Erf] = {erf_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Reciprocal] = {reciprocal_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Relu] = {relu_f, relu_i, NULL, NULL, 0, 0},
	[IR_OP_LeakyRelu] = {leaky_relu_f, NULL, "alpha", NULL, 0.01, 0},
	[IR_OP_Elu] = {elu_f, NULL, "alpha", NULL, 1.0, 0},
	[IR_OP_Selu] = {selu_f, NULL, "alpha", "gamma", 1.67326319217681884765625,
			1.05070102214813232421875},
	[IR_OP_Sigmoid] = {sigmoid_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_HardSigmoid] = {hard_sigmoid_f, NULL, "alpha", "beta", 0.2, 0.5},
	[IR_OP_Tanh] = {tanh_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Softplus] = {softplus_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Softsign] = {softsign_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Round] = {round_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Floor] = {floor_f, NULL, NULL, NULL, 0, 0},
	[IR_OP_Ceil] = {ceil_f, NULL, NULL, NULL, 0, 0},
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
	e.alpha = u->alpha_name ? ir_attr_float(op, u->alpha_name, u->alpha_def) : 0;
	e.beta = u->beta_name ? ir_attr_float(op, u->beta_name, u->beta_def) : 0;
	if (e.out->elem == IR_ELEM_F32) { /* the interpreter's (T)p->alpha */
		e.alpha = (float)e.alpha;
		e.beta = (float)e.beta;
	}
	return ew_emit(&e, unary_element);
}

void ew_register_unary(cg_kernel **table)
{
	for (int code = 0; code < IR_OP_COUNT; code++)
		if (unary_table[code].flt || unary_table[code].integer)
			table[code] = unary_kernel;
}
