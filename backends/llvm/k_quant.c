/* k_quant.c: the QONNX quantizers IntQuant, BipolarQuant and Trunc (v1 and
 * v2) on float tensors, mirroring ir/interp/quant.c step for step so that
 * results are bit-identical (quantized outputs are compared exactly).
 *
 * Operands are broadcast element-wise against x (k_elementwise.h's driver)
 * and read as doubles, as the interpreter's ir_load_f64; every step is
 * rounded to float when the result is f32 (k_quant.h). Bit widths, and
 * Trunc's scale ratio, are checked at compile time when they are known
 * constants, with the interpreter's messages; otherwise generated code
 * clamps them into the valid range instead of failing at run time.
 */
#include "k_quant.h"

#include <math.h>

#include "cg_math.h"
#include "k_elementwise.h"

/* ---- shared with k_quant_qdq.c -------------------------------------------- */

LLVMValueRef q_d(struct cg *g, double v)
{
	return cg_const_real(g->t_f64, v);
}

LLVMValueRef q_fl(struct cg *g, LLVMValueRef v, bool f32)
{
	if (!f32)
		return v;
	return LLVMBuildFPExt(g->b, LLVMBuildFPTrunc(g->b, v, g->t_f32, ""), g->t_f64, "");
}

/* The QONNX rounding modes (QONNX.md) on x's own type. */
static LLVMValueRef round_by(struct cg *g, LLVMValueRef q, enum ir_rounding mode)
{
	LLVMTypeRef ty = LLVMTypeOf(q);
	switch (mode) {
	case IR_ROUND_HALF_EVEN: return cg_round_even(g, q);
	case IR_ROUND_CEIL: return cg_ceil(g, q);
	case IR_ROUND_FLOOR: return cg_floor(g, q);
	case IR_ROUND_UP: /* away from zero */
		return LLVMBuildSelect(g->b,
				       LLVMBuildFCmp(g->b, LLVMRealOLT, q, cg_const_real(ty, 0), ""),
				       cg_floor(g, q), cg_ceil(g, q), "");
	case IR_ROUND_DOWN: return cg_trunc(g, q);
	case IR_ROUND_HALF_UP: return cg_round_away(g, q);
	case IR_ROUND_HALF_DOWN: {
		LLVMValueRef t = cg_trunc(g, q);
		LLVMValueRef frac = cg_fabs(g, LLVMBuildFSub(g->b, q, t, ""));
		LLVMValueRef tie = LLVMBuildFCmp(g->b, LLVMRealOEQ, frac, cg_const_real(ty, 0.5), "");
		return LLVMBuildSelect(g->b, tie, t, cg_round_away(g, q), "");
	}
	}
	return q;
}

LLVMValueRef q_round(struct cg *g, LLVMValueRef q, enum ir_rounding mode, bool f32)
{
	if (!f32)
		return round_by(g, q, mode);
	LLVMValueRef f = LLVMBuildFPTrunc(g->b, q, g->t_f32, ""); /* exact */
	return LLVMBuildFPExt(g->b, round_by(g, f, mode), g->t_f64, "");
}

/* ---- compile-time checks ---------------------------------------------------- */

/* Elements of operand k as doubles when known at compile time, else NULL. */
static const double *known_doubles(struct cg *g, const struct ir_op *op, int k, int64_t *n)
{
	int v = op->operands[k];
	const void *data = v == IR_NONE ? NULL : ir_known_data(g->m, v);
	if (!data)
		return NULL;
	const struct ir_type *t = &g->m->values[v].type;
	*n = ir_type_numel(t);
	double *d = arena_alloc(&g->m->arena, sizeof *d * (size_t)(*n + 1));
	for (int64_t i = 0; i < *n; i++)
		d[i] = t->elem == IR_ELEM_F32 ? ((const float *)data)[i]
		       : t->elem == IR_ELEM_F64 ? ((const double *)data)[i]
		       : (double)((const int64_t *)data)[i];
	return d;
}

static int check_bits(struct ir_module *m, const struct ir_op *op, double bits)
{
	if (!(bits >= 1 && bits <= 64 && bits == floor(bits)))
		return ir_op_error(m, op, "bit width %g is not an integer in 1..64", bits);
	return 0;
}

/* Checks every known element of bit-width operand k. */
static int check_known_bits(struct cg *g, const struct ir_op *op, int k)
{
	int64_t n;
	const double *b = known_doubles(g, op, k, &n);
	for (int64_t i = 0; b && i < n; i++)
		if (check_bits(g->m, op, b[i]) < 0)
			return -1;
	return 0;
}

/* ---- run-time pieces ---------------------------------------------------------- */

struct quant_attrs {
	enum ir_rounding mode;
	bool is_signed, narrow, f32;
};

static LLVMValueRef as_double(struct ew *e, LLVMValueRef const *x, int k)
{
	static const struct ir_type f64 = {.elem = IR_ELEM_F64, .bits = 64};
	return ew_to(e->g, x[k], e->in[k], &f64);
}

/* An integral double b clamped to [lo, hi] as an i64 (NaN gives lo). */
static LLVMValueRef int_in(struct cg *g, LLVMValueRef b, int64_t lo, int64_t hi)
{
	LLVMValueRef okay = LLVMBuildFCmp(g->b, LLVMRealOGE, b, q_d(g, (double)lo), "");
	b = LLVMBuildSelect(g->b, okay, b, q_d(g, (double)lo), "");
	LLVMValueRef big = LLVMBuildFCmp(g->b, LLVMRealOGT, b, q_d(g, (double)hi), "");
	b = LLVMBuildSelect(g->b, big, q_d(g, (double)hi), b, "");
	return LLVMBuildFPToSI(g->b, b, g->t_i64, "");
}

/* 2^k as a double for an i64 k in [-1022, 1023]. */
static LLVMValueRef pow2(struct cg *g, LLVMValueRef k)
{
	LLVMValueRef e = LLVMBuildAdd(g->b, k, cg_i64(g, 1023), "");
	return LLVMBuildBitCast(g->b, LLVMBuildShl(g->b, e, cg_i64(g, 52), ""), g->t_f64, "");
}

/* The integer grid of bit width `bits` (a double): signed [-2^(b-1) (+1 if
 * narrow), 2^(b-1) - 1], unsigned [0, 2^b - 1 (-1 if narrow)], computed in
 * double and rounded to the tensor's type, as the interpreter's int_range. */
static void grid(struct cg *g, LLVMValueRef bits, const struct quant_attrs *a, LLVMValueRef *lo,
		 LLVMValueRef *hi)
{
	LLVMValueRef b = int_in(g, bits, 1, 64);
	if (a->is_signed) {
		LLVMValueRef p = pow2(g, LLVMBuildSub(g->b, b, cg_i64(g, 1), ""));
		*lo = LLVMBuildFAdd(g->b, LLVMBuildFNeg(g->b, p, ""), q_d(g, a->narrow), "");
		*hi = LLVMBuildFSub(g->b, p, q_d(g, 1), "");
	} else {
		*lo = q_d(g, 0);
		*hi = LLVMBuildFSub(g->b, LLVMBuildFSub(g->b, pow2(g, b), q_d(g, 1), ""),
				    q_d(g, a->narrow), "");
	}
	*lo = q_fl(g, *lo, a->f32);
	*hi = q_fl(g, *hi, a->f32);
}

/* q > hi ? hi : q, then q < lo ? lo : q (NaN passes) */
static LLVMValueRef clamp(struct cg *g, LLVMValueRef q, LLVMValueRef lo, LLVMValueRef hi)
{
	q = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, q, hi, ""), hi, q, "");
	return LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOLT, q, lo, ""), lo, q, "");
}

static LLVMValueRef to_result(struct ew *e, LLVMValueRef y)
{
	const struct quant_attrs *a = e->data;
	return a->f32 ? LLVMBuildFPTrunc(e->g->b, y, e->g->t_f32, "") : y;
}

/* fl(fl(x / s) + z) */
static LLVMValueRef scaled(struct cg *g, LLVMValueRef x, LLVMValueRef s, LLVMValueRef z, bool f32)
{
	LLVMValueRef q = q_fl(g, LLVMBuildFDiv(g->b, x, s, ""), f32);
	return q_fl(g, LLVMBuildFAdd(g->b, q, z, ""), f32);
}

/* fl(fl(q - z) * s) */
static LLVMValueRef unscaled(struct cg *g, LLVMValueRef q, LLVMValueRef z, LLVMValueRef s, bool f32)
{
	LLVMValueRef d = q_fl(g, LLVMBuildFSub(g->b, q, z, ""), f32);
	return q_fl(g, LLVMBuildFMul(g->b, d, s, ""), f32);
}

/* ---- IntQuant ------------------------------------------------------------------ */

/* IntQuant (x, scale, zeropt, bitwidth):
 *   q = clamp(x / scale + zeropt, lo, hi); q = round(q); y = (q - zeropt) * scale
 * a signed 1-bit quantizer being bipolar: q = (x / scale + zeropt >= 0) ? 1 : -1. */
static LLVMValueRef intquant_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	const struct quant_attrs *a = e->data;
	LLVMValueRef s = as_double(e, x, 1), z = as_double(e, x, 2), bits = as_double(e, x, 3);
	LLVMValueRef lo, hi;
	grid(g, bits, a, &lo, &hi);
	LLVMValueRef q = scaled(g, as_double(e, x, 0), s, z, a->f32);
	LLVMValueRef r = q_round(g, clamp(g, q, lo, hi), a->mode, a->f32);
	if (a->is_signed) {
		LLVMValueRef pos = LLVMBuildFCmp(g->b, LLVMRealOGE, q, q_d(g, 0), "");
		LLVMValueRef bipolar = LLVMBuildSelect(g->b, pos, q_d(g, 1), q_d(g, -1), "");
		LLVMValueRef one_bit = LLVMBuildFCmp(g->b, LLVMRealOEQ, bits, q_d(g, 1), "");
		r = LLVMBuildSelect(g->b, one_bit, bipolar, r, "");
	}
	return to_result(e, unscaled(g, r, z, s, a->f32));
}

/* BipolarQuant (x, scale): y = (x >= 0 ? 1 : -1) * scale */
static LLVMValueRef bipolar_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	const struct quant_attrs *a = e->data;
	LLVMValueRef pos = LLVMBuildFCmp(g->b, LLVMRealOGE, as_double(e, x, 0), q_d(g, 0), "");
	LLVMValueRef sign = LLVMBuildSelect(g->b, pos, q_d(g, 1), q_d(g, -1), "");
	return to_result(e, q_fl(g, LLVMBuildFMul(g->b, sign, as_double(e, x, 1), ""), a->f32));
}

/* ---- Trunc --------------------------------------------------------------------- */

/* Trunc v1 (x, scale, zeropt, in_bitwidth, out_bitwidth):
 *   q = round_half_even(x / scale + zeropt); q = round(q / 2^(in_bw - out_bw));
 *   y = (q - zeropt) * scale */
static LLVMValueRef trunc1_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	const struct quant_attrs *a = e->data;
	LLVMValueRef s = as_double(e, x, 1), z = as_double(e, x, 2);
	LLVMValueRef in_bits = int_in(g, as_double(e, x, 3), 1, 64);
	LLVMValueRef out_bits = int_in(g, as_double(e, x, 4), 1, 64);
	int limit = a->f32 ? 126 : 1022;
	LLVMValueRef k = LLVMBuildSub(g->b, in_bits, out_bits, ""); /* within +-63 */
	k = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, k, cg_i64(g, limit), ""),
			    cg_i64(g, limit), k, "");
	LLVMValueRef t = pow2(g, k);
	LLVMValueRef q = q_round(g, scaled(g, as_double(e, x, 0), s, z, a->f32), IR_ROUND_HALF_EVEN, a->f32);
	q = q_round(g, q_fl(g, LLVMBuildFDiv(g->b, q, t, ""), a->f32), a->mode, a->f32);
	return to_result(e, unscaled(g, q, z, s, a->f32));
}

/* 2^round_half_even(log2(r)) for r positive and finite: with r = 2^e m,
 * m in [1, 2), log2(r) rounds to e + 1 exactly when m > sqrt(2), i.e. when
 * m reaches the double nearest sqrt(2), which lies above it (a tie would
 * need log2(m) = 1/2 exactly). The exponent is kept within +-limit. */
static LLVMValueRef nearest_pow2(struct cg *g, LLVMValueRef r, int limit)
{
	LLVMValueRef tiny = LLVMBuildFCmp(g->b, LLVMRealOLT, r, q_d(g, 0x1p-1022), "");
	LLVMValueRef rs = LLVMBuildSelect(g->b, tiny, LLVMBuildFMul(g->b, r, q_d(g, 0x1p64), ""), r, "");
	LLVMValueRef bits = LLVMBuildBitCast(g->b, rs, g->t_i64, "");
	LLVMValueRef e = LLVMBuildSub(g->b, LLVMBuildLShr(g->b, bits, cg_i64(g, 52), ""),
				      cg_i64(g, 1023), "");
	e = LLVMBuildSub(g->b, e, LLVMBuildSelect(g->b, tiny, cg_i64(g, 64), cg_i64(g, 0), ""), "");
	LLVMValueRef mbits = LLVMBuildOr(
		g->b, LLVMBuildAnd(g->b, bits, cg_i64(g, 0x000fffffffffffffLL), ""),
		cg_i64(g, 0x3ff0000000000000LL), "");
	LLVMValueRef m = LLVMBuildBitCast(g->b, mbits, g->t_f64, "");
	LLVMValueRef up = LLVMBuildFCmp(g->b, LLVMRealOGE, m, q_d(g, 0x1.6a09e667f3bcdp0), "");
	e = LLVMBuildAdd(g->b, e, LLVMBuildZExt(g->b, up, g->t_i64, ""), "");
	e = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, e, cg_i64(g, limit), ""),
			    cg_i64(g, limit), e, "");
	e = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, e, cg_i64(g, -limit), ""),
			    cg_i64(g, -limit), e, "");
	return pow2(g, e);
}

/* Trunc v2 (x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth):
 *   q = round_half_even(x / scale + zeropt); t = 2^round(log2(out_scale / scale));
 *   q = round(clamp(q / t, lo(out_bw), hi(out_bw))); y = (q - zeropt / t) * out_scale */
static LLVMValueRef trunc2_element(struct ew *e, LLVMValueRef const *x)
{
	struct cg *g = e->g;
	const struct quant_attrs *a = e->data;
	LLVMValueRef s = as_double(e, x, 1), z = as_double(e, x, 2);
	LLVMValueRef out_scale = as_double(e, x, 4);
	LLVMValueRef lo, hi;
	grid(g, as_double(e, x, 5), a, &lo, &hi);
	LLVMValueRef ratio = q_fl(g, LLVMBuildFDiv(g->b, out_scale, s, ""), a->f32);
	LLVMValueRef good = LLVMBuildAnd(
		g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, ratio, q_d(g, 0), ""),
		LLVMBuildFCmp(g->b, LLVMRealOLT, ratio, q_d(g, INFINITY), ""), "");
	ratio = LLVMBuildSelect(g->b, good, ratio, q_d(g, 1), "");
	LLVMValueRef t = nearest_pow2(g, ratio, a->f32 ? 126 : 1022);
	LLVMValueRef q = q_round(g, scaled(g, as_double(e, x, 0), s, z, a->f32), IR_ROUND_HALF_EVEN, a->f32);
	q = clamp(g, q_fl(g, LLVMBuildFDiv(g->b, q, t, ""), a->f32), lo, hi);
	q = q_round(g, q, a->mode, a->f32);
	LLVMValueRef zt = q_fl(g, LLVMBuildFDiv(g->b, z, t, ""), a->f32);
	return to_result(e, unscaled(g, q, zt, out_scale, a->f32));
}

/* Trunc v2's ratio out_scale / scale, when both are known scalars. */
static int check_trunc_ratio(struct cg *g, const struct ir_op *op, bool f32)
{
	int64_t ns, no;
	const double *s = known_doubles(g, op, 1, &ns), *o = known_doubles(g, op, 4, &no);
	if (!s || !o || ns != 1 || no != 1)
		return 0;
	double ratio = f32 ? (double)(float)(o[0] / s[0]) : o[0] / s[0];
	if (!(ratio > 0 && isfinite(ratio)))
		return ir_op_error(g->m, op, "out_scale / scale = %g is not a positive number", ratio);
	return 0;
}

/* ---- kernels ------------------------------------------------------------------ */

static int quant_kernel(struct cg *g, const struct ir_op *op)
{
	struct ew e;
	struct quant_attrs *a = arena_alloc(&g->m->arena, sizeof *a);
	ew_init(&e, g, op);
	for (int k = 0; k < op->noperands; k++)
		if (!e.in[k])
			return ir_op_error(g->m, op, "input %d is missing", k);
	if (!ew_is_float(e.out))
		return ir_op_error(g->m, op, "result must be a float tensor");
	a->f32 = e.out->elem == IR_ELEM_F32;
	a->is_signed = ir_attr_int(op, "signed", 1) != 0;
	a->narrow = ir_attr_int(op, "narrow", 0) != 0;
	e.data = a;
	switch (op->code) {
	case IR_OP_IntQuant:
		if (ir_rounding_mode(g->m, op, "ROUND", &a->mode) < 0 || check_known_bits(g, op, 3) < 0)
			return -1;
		return ew_emit(&e, intquant_element);
	case IR_OP_BipolarQuant:
		return ew_emit(&e, bipolar_element);
	case IR_OP_Trunc:
		if (ir_rounding_mode(g->m, op, "FLOOR", &a->mode) < 0)
			return -1;
		if (op->noperands == 6) {
			if (check_known_bits(g, op, 5) < 0 || check_trunc_ratio(g, op, a->f32) < 0)
				return -1;
			return ew_emit(&e, trunc2_element);
		}
		if (check_known_bits(g, op, 3) < 0 || check_known_bits(g, op, 4) < 0)
			return -1;
		return ew_emit(&e, trunc1_element);
	default:
		break;
	}
	return ir_op_error(g->m, op, "not a quantizer");
}

void cg_register_quant(cg_kernel **table)
{
	table[IR_OP_IntQuant] = quant_kernel;
	table[IR_OP_BipolarQuant] = quant_kernel;
	table[IR_OP_Trunc] = quant_kernel;
	q_register_qdq(table);
}
