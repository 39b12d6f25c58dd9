/* gemm_to_matmul.c: Gemm as MatMul and element-wise ops, a cleanup rule (see
 * cleanup.h), so that later passes know one matrix product only.
 *
 *   Gemm: Y = alpha * A' * B' + beta * C   (A' = transA ? A^T : A, likewise B')
 *   becomes
 *   a = Transpose(A) if transA;  b = Transpose(B) if transB
 *   Y = Add(Mul(MatMul(a, b), alpha), Mul(C, beta))
 * leaving out Mul by 1 and the Add when C is absent. Transposes and Muls of
 * constant operands (weights, biases) are folded by constant folding.
 *
 * Rounding: the interpreter's Gemm rounds alpha * sum + beta * C once, the
 * rewritten form rounds the sum, the product and the addition separately, so
 * a float result may differ from the original in its last bit. An integer
 * Gemm is rewritten only when alpha and beta are 1 (the interpreter truncates
 * them to integers, which the rewritten Muls would not).
 */
#include "cleanup.h"

static int transposed(struct ir_module *m, int gemm, int v, const char *suffix)
{
	const struct ir_op *op = &m->ops[gemm];
	int t = cl_new_op(m, IR_OP_Transpose, op->name, m->values[op->results[0]].name, suffix, 1, &v);
	if (t >= 0) {
		static const int64_t perm[2] = {1, 0};
		ir_set_attr_ints(m, t, "perm", 2, perm);
	}
	return t;
}

/* Mul(v, s) with a new scalar constant s of v's element type, named
 * "<gemm>_<what>"; the product is "<v>_times_<what>". */
static int scaled(struct ir_module *m, int gemm, int v, double s, const char *what)
{
	const char *name = m->ops[gemm].name;
	struct ir_type t = ir_type_with_dims(m->values[v].type, 0, NULL);
	int c = cl_new_const(m, name, what, &t, &s);
	if (c < 0)
		return -2;
	int operands[2] = {v, c};
	const char *suffix = arena_printf(&m->arena, "times_%s", what);
	return cl_new_op(m, IR_OP_Mul, name, m->values[v].name, suffix, 2, operands);
}

enum { MAX_NEW = 6 };

/* Rewrites Gemm op o: 1 when done, 0 when abandoned, -1 after an error. */
static int rewrite(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	int a = op->operands[0], b = op->operands[1];
	int c = op->noperands > 2 ? op->operands[2] : IR_NONE;
	double alpha = ir_attr_float(op, "alpha", 1.0), beta = ir_attr_float(op, "beta", 1.0);
	bool trans_a = ir_attr_int(op, "transA", 0), trans_b = ir_attr_int(op, "transB", 0);
	int made[MAX_NEW], nmade = 0, last;
	if (!cl_is_float(&m->values[a].type) && (alpha != 1.0 || (c != IR_NONE && beta != 1.0)))
		return 0;
#define MAKE(expr)                                      \
	do {                                            \
		last = (expr);                          \
		if (last == -2)                         \
			return -1;                      \
		if (last < 0)                           \
			goto abandon;                   \
		made[nmade++] = last;                   \
	} while (0)
	if (trans_a) {
		MAKE(transposed(m, o, a, "transA"));
		a = m->ops[last].results[0];
	}
	if (trans_b) {
		MAKE(transposed(m, o, b, "transB"));
		b = m->ops[last].results[0];
	}
	int ab[2] = {a, b};
	MAKE(cl_new_op(m, IR_OP_MatMul, m->ops[o].name, m->values[m->ops[o].results[0]].name,
		       "matmul", 2, ab));
	if (alpha != 1.0)
		MAKE(scaled(m, o, m->ops[last].results[0], alpha, "alpha"));
	if (c != IR_NONE) {
		int product = m->ops[last].results[0];
		if (beta != 1.0) {
			MAKE(scaled(m, o, c, beta, "beta"));
			c = m->ops[last].results[0];
		}
		int sum[2] = {product, c};
		MAKE(cl_new_op(m, IR_OP_Add, m->ops[o].name, m->values[m->ops[o].results[0]].name,
			       "bias", 2, sum));
	}
#undef MAKE
	return cl_replace(m, o, last, made, nmade - 1) < 0 ? 0 : 1;
abandon:
	for (int i = 0; i < nmade; i++)
		m->ops[made[i]].dead = true;
	ir_rebuild_uses(m);
	return 0;
}

int cleanup_gemm_to_matmul(struct ir_module *m)
{
	int done = 0;
	for (int o = 0; o < m->nops; o++) {
		if (m->ops[o].dead || m->ops[o].code != IR_OP_Gemm)
			continue;
		int r = rewrite(m, o);
		if (r < 0)
			return -1;
		done += r;
	}
	return done;
}
