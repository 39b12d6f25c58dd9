/* emit_onnx_expand.c: --expand-quant: every QONNX quantizer rewritten into
 * standard ONNX arithmetic, so that any ONNX runtime executes the model with
 * QONNX's semantics (../shared/QONNX.md). Runs on the IR just before it is
 * written (emit_onnx.c).
 *
 * A quantizer whose operands are all constant (a weight quantizer) becomes
 * the constant it computes. Otherwise, step by step as the interpreter
 * (ir/interp/quant.c) evaluates it, each step one float op:
 *   IntQuant:     q = x / scale + zeropt; q = Max(Min(q, hi), lo); q = round(q);
 *                 y = (q - zeropt) * scale   (signed 1-bit: q = q >= 0 ? 1 : -1)
 *   BipolarQuant: y = (x >= 0 ? 1 : -1) * scale
 *   Trunc v1:     q = Round(x / scale + zeropt) / 2^(in_bw - out_bw); q = round(q);
 *                 y = (q - zeropt) * scale
 *   Trunc v2:     q = Round(x / scale + zeropt) / t, t = 2^round(log2(out_scale / scale));
 *                 q = round(Max(Min(q, hi), lo)); y = (q - zeropt / t) * out_scale
 * The rounding modes: ROUND is ONNX Round (half to even), CEIL Ceil, FLOOR
 * Floor, UP sign(q) * ceil(|q|), DOWN sign(q) * floor(|q|); HALF_UP and
 * HALF_DOWN compare the exact fraction r = |q| - floor(|q|) with 0.5 (>= and
 * > respectively) and take floor(|q|) + 1 or floor(|q|), times sign(q).
 * Bit widths (and Trunc v2's scales) must be known constants; a zero point
 * known to be all zeros is left out. The quantizer's result keeps its name,
 * so graph outputs keep theirs.
 */
#include "ir/ir.h"
#include "ir/quant.h"

#include <math.h>
#include <stdlib.h>

int emit_onnx_expand_quant(struct ir_module *m);

struct expand {
	struct ir_module *m;
	int like;          /* a value of the float type the constants take */
	const char *base;  /* name stem of the new values */
};

/* A scalar constant of the quantizer's float type. */
static int konst(struct expand *x, double v)
{
	struct ir_type t = ir_type_with_dims(x->m->values[x->like].type, 0, NULL);
	float f = (float)v;
	const void *data = t.elem == IR_ELEM_F64 ? (const void *)&v : (const void *)&f;
	return ir_add_const(x->m, x->base, &t, data);
}

/* A new op; returns its result value, or -1. */
static int op(struct expand *x, enum ir_opcode code, int n, int a, int b, int c)
{
	int operands[3] = {a, b, c};
	const char *names[1] = {x->base};
	int o = ir_add_op(x->m, code, x->base, n, operands, 1, names); /* names made unique */
	if (o < 0 || ir_infer_op(x->m, &x->m->ops[o]) < 0)
		return -1;
	return x->m->ops[o].results[0];
}

#define OP1(code, a) op(x, IR_OP_##code, 1, a, IR_NONE, IR_NONE)
#define OP2(code, a, b) op(x, IR_OP_##code, 2, a, b, IR_NONE)
#define OP3(code, a, b, c) op(x, IR_OP_##code, 3, a, b, c)
#define TRY(v) do { if ((v) < 0) return -1; } while (0)

static int round_by(struct expand *x, int q, enum ir_rounding mode)
{
	int s, a, f, r, c, f1;
	switch (mode) {
	case IR_ROUND_HALF_EVEN:
		return OP1(Round, q);
	case IR_ROUND_CEIL:
		return OP1(Ceil, q);
	case IR_ROUND_FLOOR:
		return OP1(Floor, q);
	case IR_ROUND_UP:
	case IR_ROUND_DOWN:
		TRY(s = OP1(Sign, q));
		TRY(a = OP1(Abs, q));
		TRY(f = mode == IR_ROUND_UP ? OP1(Ceil, a) : OP1(Floor, a));
		return OP2(Mul, s, f);
	case IR_ROUND_HALF_UP:
	case IR_ROUND_HALF_DOWN:
		TRY(s = OP1(Sign, q));
		TRY(a = OP1(Abs, q));
		TRY(f = OP1(Floor, a));
		TRY(r = OP2(Sub, a, f)); /* exact: f <= a < f + 1 */
		TRY(c = konst(x, 0.5));
		TRY(c = mode == IR_ROUND_HALF_UP ? OP2(GreaterOrEqual, r, c) : OP2(Greater, r, c));
		TRY(f1 = konst(x, 1));
		TRY(f1 = OP2(Add, f, f1));
		TRY(f = OP3(Where, c, f1, f));
		return OP2(Mul, s, f);
	}
	return -1;
}

/* The single value of a constant that must be known (a bit width). */
static int known_scalar(struct ir_module *m, const struct ir_op *qop, int v, const char *what,
			double *out)
{
	const void *data = ir_known_data(m, v);
	const struct ir_type *t = &m->values[v].type;
	if (!data || ir_type_numel(t) < 1)
		return ir_op_error(m, qop, "--expand-quant needs a constant %s", what);
	double first = 0;
	for (int64_t i = 0; i < ir_type_numel(t); i++) {
		double e = t->elem == IR_ELEM_F32   ? ((const float *)data)[i]
			   : t->elem == IR_ELEM_F64 ? ((const double *)data)[i]
						    : (double)((const int64_t *)data)[i];
		if (i == 0)
			first = e;
		else if (e != first)
			return ir_op_error(m, qop, "--expand-quant needs one %s for the whole tensor",
					   what);
	}
	*out = first;
	return 0;
}

static bool known_zero(struct ir_module *m, int v)
{
	const void *data = ir_known_data(m, v);
	const struct ir_type *t = &m->values[v].type;
	if (!data)
		return false;
	for (int64_t i = 0; i < ir_type_numel(t); i++) {
		double e = t->elem == IR_ELEM_F32   ? ((const float *)data)[i]
			   : t->elem == IR_ELEM_F64 ? ((const double *)data)[i]
						    : (double)((const int64_t *)data)[i];
		if (e != 0)
			return false;
	}
	return true;
}

/* q = Max(Min(q, hi), lo) on the grid of bits. */
static int clamp_grid(struct expand *x, int q, double bits, bool is_signed, bool narrow)
{
	int64_t lo, hi;
	int c;
	ir_quant_grid((int)bits, is_signed, narrow, &lo, &hi);
	TRY(c = konst(x, (double)hi));
	TRY(q = OP2(Min, q, c));
	TRY(c = konst(x, (double)lo));
	return OP2(Max, q, c);
}

static int check_bits(struct ir_module *m, const struct ir_op *qop, double bits)
{
	if (!(bits >= 1 && bits <= 63 && bits == floor(bits)))
		return ir_op_error(m, qop, "bit width %g is not an integer in 1..63", bits);
	return 0;
}

/* x / scale + zeropt (the zero point left out when known to be 0). */
static int to_grid(struct expand *x, int v, int scale, int zero)
{
	int q;
	TRY(q = OP2(Div, v, scale));
	return known_zero(x->m, zero) ? q : OP2(Add, q, zero);
}

/* (q - zeropt) * scale */
static int from_grid(struct expand *x, int q, int zero, int scale)
{
	if (!known_zero(x->m, zero))
		TRY(q = OP2(Sub, q, zero));
	return OP2(Mul, q, scale);
}

static int expand_intquant(struct expand *x, const struct ir_op *qop)
{
	struct ir_module *m = x->m;
	int v = qop->operands[0], s = qop->operands[1], z = qop->operands[2], q, c;
	bool is_signed = ir_attr_int(qop, "signed", 1) != 0, narrow = ir_attr_int(qop, "narrow", 0) != 0;
	double bits;
	enum ir_rounding mode;
	if (known_scalar(m, qop, qop->operands[3], "bit width", &bits) < 0 ||
	    check_bits(m, qop, bits) < 0 || ir_rounding_mode(m, qop, "ROUND", &mode) < 0)
		return -1;
	TRY(q = to_grid(x, v, s, z));
	if (is_signed && bits == 1) {
		int one, minus;
		TRY(c = konst(x, 0));
		TRY(c = OP2(GreaterOrEqual, q, c));
		TRY(one = konst(x, 1));
		TRY(minus = konst(x, -1));
		TRY(q = OP3(Where, c, one, minus));
	} else {
		TRY(q = clamp_grid(x, q, bits, is_signed, narrow));
		TRY(q = round_by(x, q, mode));
	}
	return from_grid(x, q, z, s);
}

static int expand_bipolar(struct expand *x, const struct ir_op *qop)
{
	int c, one, minus, q;
	TRY(c = konst(x, 0));
	TRY(c = OP2(GreaterOrEqual, qop->operands[0], c));
	TRY(one = konst(x, 1));
	TRY(minus = konst(x, -1));
	TRY(q = OP3(Where, c, one, minus));
	return OP2(Mul, q, qop->operands[1]);
}

static int expand_trunc(struct expand *x, const struct ir_op *qop)
{
	struct ir_module *m = x->m;
	bool v2 = qop->noperands == 6;
	int v = qop->operands[0], s = qop->operands[1], z = qop->operands[2], q, c;
	double in_bits, out_bits, t;
	enum ir_rounding mode;
	if (known_scalar(m, qop, qop->operands[3], "input bit width", &in_bits) < 0 ||
	    known_scalar(m, qop, qop->operands[v2 ? 5 : 4], "output bit width", &out_bits) < 0 ||
	    check_bits(m, qop, in_bits) < 0 || check_bits(m, qop, out_bits) < 0 ||
	    ir_rounding_mode(m, qop, "FLOOR", &mode) < 0)
		return -1;
	bool f32 = m->values[v].type.elem == IR_ELEM_F32;
	if (v2) {
		double scale, out_scale;
		if (known_scalar(m, qop, s, "scale", &scale) < 0 ||
		    known_scalar(m, qop, qop->operands[4], "output scale", &out_scale) < 0)
			return -1;
		double ratio = f32 ? (double)(float)(out_scale / scale) : out_scale / scale;
		if (!(ratio > 0 && isfinite(ratio)))
			return ir_op_error(m, qop, "out_scale / scale = %g is not a positive number", ratio);
		t = ldexp(1, (int)ir_round(log2(ratio), IR_ROUND_HALF_EVEN));
	} else {
		t = ldexp(1, (int)(in_bits - out_bits));
	}
	TRY(q = to_grid(x, v, s, z));
	TRY(q = OP1(Round, q));
	TRY(c = konst(x, t));
	TRY(q = OP2(Div, q, c));
	if (!v2)
		TRY(q = round_by(x, q, mode));
	if (!v2)
		return from_grid(x, q, z, s);
	bool is_signed = ir_attr_int(qop, "signed", 1) != 0, narrow = ir_attr_int(qop, "narrow", 0) != 0;
	TRY(q = clamp_grid(x, q, out_bits, is_signed, narrow));
	TRY(q = round_by(x, q, mode));
	int zt = z;
	if (!known_zero(m, z))
		TRY(zt = OP2(Div, z, c));
	return from_grid(x, q, zt, qop->operands[4]);
}

static bool is_quantizer(enum ir_opcode code)
{
	return code == IR_OP_IntQuant || code == IR_OP_BipolarQuant || code == IR_OP_Trunc;
}

static int expand_one(struct ir_module *m, int o)
{
	int y = m->ops[o].results[0];
	const void *folded = ir_known_data(m, y);
	if (folded) {
		m->ops[o].dead = true;
		return ir_make_const(m, y, folded);
	}
	if (m->error[0])
		return -1;
	/* the op array grows below: work on a copy of the quantizer */
	struct ir_op qop = m->ops[o];
	struct expand x = {m, y, m->values[y].name};
	int r = qop.code == IR_OP_IntQuant       ? expand_intquant(&x, &qop)
		: qop.code == IR_OP_BipolarQuant ? expand_bipolar(&x, &qop)
						 : expand_trunc(&x, &qop);
	if (r < 0)
		return -1;
	m->ops[o].dead = true;
	const struct ir_value *rv = &m->values[r];
	ir_redefine(m, y, rv->def, rv->def_result);
	return 0;
}

int emit_onnx_expand_quant(struct ir_module *m)
{
	int nops = m->nops;
	for (int o = 0; o < nops; o++)
		if (!m->ops[o].dead && is_quantizer(m->ops[o].code) && expand_one(m, o) < 0)
			return -1;
	if (ir_toposort(m) < 0)
		return -1;
	ir_prune(m);
	ir_rebuild_uses(m);
	return ir_verify(m);
}
