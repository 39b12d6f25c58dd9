/* fold_affine.c: chains of float Mul/Add/Sub/Div by constants, a cleanup rule
 * (see cleanup.h). Its aim is one Mul followed by one Add per chain, the form
 * BatchNormalization lowers to and later passes fold into weights or
 * thresholds.
 *
 *   Add(c, x), Mul(c, x)      -> Add(x, c), Mul(x, c)      (constant second)
 *   Sub(x, c)                 -> Add(x, -c)                 (exact)
 *   Div(x, c)                 -> Mul(x, 1/c) when every element of c is a
 *                                power of two, so 1/c is exact and so is the
 *                                product; any other Div stays
 *   Mul(Mul(x, a), b)         -> Mul(x, a*b)
 *   Add(Add(x, a), b)         -> Add(x, a+b)
 *   Mul(Add(x, a), b)         -> Add(Mul(x, b), a*b)
 *
 * The last three need the inner result to have no other use, the combined
 * constant to be no larger than the larger of a and b (a [N,1] times a [1,M]
 * would grow), and every element of a*b (a+b) to be exact in the type: then
 * the merged chain computes the same real-valued function, only rounded at
 * other points, and the integer lowering (which evaluates these chains as
 * real numbers, in double) sees the function the model defines. The combined constants are new ops on constants, folded by
 * constant folding in the next round. Only f32 and f64 ops are touched:
 * integer Div truncates, and integer chains are the integer lowering's job.
 */
#include "cleanup.h"

#include <math.h>
#include <stdlib.h>

static bool float_op(struct ir_module *m, const struct ir_op *op)
{
	return cl_is_float(&m->values[op->results[0]].type);
}

/* Add(c, x) / Mul(c, x) -> constant second; same types, operands swapped. */
static int constant_second(struct ir_module *m, int o)
{
	struct ir_op *op = &m->ops[o];
	if ((op->code != IR_OP_Add && op->code != IR_OP_Mul) || !cl_is_const(m, op->operands[0]) ||
	    cl_is_const(m, op->operands[1]))
		return 0;
	int t = op->operands[0];
	op->operands[0] = op->operands[1];
	op->operands[1] = t;
	ir_rebuild_uses(m);
	return 1;
}

/* 1/e when it is exact in e's float type (e a power of two whose reciprocal
 * is representable), else 0. */
static double exact_reciprocal(double e, bool f32)
{
	int exp;
	if (!isfinite(e) || e == 0 || fabs(frexp(e, &exp)) != 0.5)
		return 0;
	double r = 1.0 / e;
	if (f32)
		r = (float)r;
	return isfinite(r) && r != 0 && r * e == 1.0 ? r : 0;
}

/* Replaces op o: code(x, f(c)) with f applied to each element of constant c.
 * f returns false when it cannot; then nothing changes. */
static int with_new_constant(struct ir_module *m, int o, enum ir_opcode code, const char *suffix,
			     bool (*f)(double in, bool f32, double *out))
{
	const struct ir_op *op = &m->ops[o];
	int x = op->operands[0], c = op->operands[1];
	const struct ir_type *ct = &m->values[c].type;
	int64_t n = ir_type_numel(ct);
	double *vals = malloc(((size_t)n + 1) * sizeof *vals);
	if (!vals)
		abort();
	bool ok = true;
	for (int64_t i = 0; i < n && ok; i++)
		ok = f(cl_const_elem(m, c, i), ct->elem == IR_ELEM_F32, &vals[i]);
	int nc = ok ? cl_new_const(m, m->values[c].name, suffix, ct, vals) : 0;
	free(vals);
	if (!ok)
		return 0;
	if (nc < 0)
		return -1;
	int operands[2] = {x, nc};
	int n_op = cl_new_op(m, code, m->ops[o].name, m->values[m->ops[o].results[0]].name, suffix,
			     2, operands);
	if (n_op < 0)
		return 0;
	return cl_replace(m, o, n_op, NULL, 0) < 0 ? 0 : 1;
}

static bool negate(double in, bool f32, double *out)
{
	(void)f32;
	*out = -in;
	return true;
}

static bool reciprocal(double in, bool f32, double *out)
{
	*out = exact_reciprocal(in, f32);
	return *out != 0;
}

/* Whether a*b (mul) or a+b is exact in the float type (f32: one of
 * float32; f64: no rounding error). */
static bool exact_in(double a, double b, bool mul, bool f32)
{
	double v = mul ? a * b : a + b;
	if (!isfinite(v))
		return false;
	if (f32)
		return (double)(float)v == v && (mul || v - a == b);
	if (mul)
		return fma(a, b, -v) == 0;
	double bb = v - a;
	return (a - (v - bb)) + (b - bb) == 0;
}

/* Index into a constant of type t of flat element i of the broadcast type
 * of rank r and dims d. */
static int64_t broadcast_index(const struct ir_type *t, int r, const int64_t *d, int64_t i)
{
	int64_t idx = 0, stride = 1;
	for (int k = r - 1, j = t->rank - 1; k >= 0; k--, j--) {
		int64_t ik = i % d[k];
		i /= d[k];
		if (j >= 0) {
			if (t->dims[j] != 1)
				idx += ik * stride;
			stride *= t->dims[j];
		}
	}
	return idx;
}

/* Every element of the combination of constants a and b is exact. */
static bool combination_exact(struct ir_module *m, int a, int b, bool mul)
{
	const struct ir_type *at = &m->values[a].type, *bt = &m->values[b].type;
	int r = at->rank > bt->rank ? at->rank : bt->rank;
	int64_t d[IR_MAX_RANK], n = 1;
	for (int k = 0; k < r; k++) {
		int ja = k - (r - at->rank), jb = k - (r - bt->rank);
		int64_t da = ja >= 0 ? at->dims[ja] : 1, db = jb >= 0 ? bt->dims[jb] : 1;
		d[k] = da > db ? da : db;
		n *= d[k];
	}
	bool f32 = at->elem == IR_ELEM_F32;
	for (int64_t i = 0; i < n; i++)
		if (!exact_in(cl_const_elem(m, a, broadcast_index(at, r, d, i)),
			      cl_const_elem(m, b, broadcast_index(bt, r, d, i)), mul, f32))
			return false;
	return true;
}

/* Mul(Mul(x, a), b), Add(Add(x, a), b), Mul(Add(x, a), b) merged. */
static int merge_chain(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	int b = op->operands[1];
	int inner = cl_single_use_def(m, op->operands[0]);
	if (inner == IR_NONE || !cl_is_const(m, b))
		return 0;
	const struct ir_op *in = &m->ops[inner];
	enum ir_opcode outer_code = op->code, inner_code = in->code;
	bool mul_mul = outer_code == IR_OP_Mul && inner_code == IR_OP_Mul;
	bool add_add = outer_code == IR_OP_Add && inner_code == IR_OP_Add;
	bool mul_add = outer_code == IR_OP_Mul && inner_code == IR_OP_Add;
	int x = in->operands[0], a = in->operands[1];
	if (!(mul_mul || add_add || mul_add) || !cl_is_const(m, a) || cl_is_const(m, x))
		return 0;
	const struct ir_type *at = &m->values[a].type, *bt = &m->values[b].type;
	int64_t na = ir_type_numel(at), nb = ir_type_numel(bt), nk = cl_broadcast_numel(at, bt);
	if (nk < 0 || nk > (na > nb ? na : nb) || !combination_exact(m, a, b, !add_add))
		return 0;
	const char *name = op->name, *result = m->values[op->results[0]].name;
	int ab[2] = {a, b};
	int k = cl_new_op(m, add_add ? IR_OP_Add : IR_OP_Mul, name, result, "k", 2, ab);
	if (k < 0)
		return 0;
	int kv = m->ops[k].results[0];
	if (!mul_add) {
		int operands[2] = {x, kv};
		int n = cl_new_op(m, outer_code, name, result, "merged", 2, operands);
		if (n < 0) {
			cl_kill(m, k);
			return 0;
		}
		return cl_replace(m, o, n, &k, 1) < 0 ? 0 : 1;
	}
	int xb[2] = {x, b};
	int scaled = cl_new_op(m, IR_OP_Mul, name, result, "scaled", 2, xb);
	if (scaled < 0) {
		cl_kill(m, k);
		return 0;
	}
	int sum[2] = {m->ops[scaled].results[0], kv};
	int n = cl_new_op(m, IR_OP_Add, name, result, "shifted", 2, sum);
	int helpers[2] = {k, scaled};
	if (n < 0) {
		cl_kill(m, k);
		cl_kill(m, scaled);
		return 0;
	}
	return cl_replace(m, o, n, helpers, 2) < 0 ? 0 : 1;
}

static int rewrite(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	if (op->noperands != 2 || !float_op(m, op))
		return 0;
	switch (op->code) {
	case IR_OP_Add:
	case IR_OP_Mul:
		if (constant_second(m, o))
			return 1;
		return merge_chain(m, o);
	case IR_OP_Sub:
		if (!cl_is_const(m, op->operands[1]) || cl_is_const(m, op->operands[0]))
			return 0;
		return with_new_constant(m, o, IR_OP_Add, "neg", negate);
	case IR_OP_Div:
		if (!cl_is_const(m, op->operands[1]) || cl_is_const(m, op->operands[0]))
			return 0;
		return with_new_constant(m, o, IR_OP_Mul, "recip", reciprocal);
	default: return 0;
	}
}

int cleanup_fold_affine(struct ir_module *m)
{
	int done = 0;
	for (int o = 0; o < m->nops; o++) {
		if (m->ops[o].dead)
			continue;
		int r = rewrite(m, o);
		if (r < 0)
			return -1;
		done += r;
	}
	return done;
}
