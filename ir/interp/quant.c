/* quant.c: the QONNX quantizers IntQuant, BipolarQuant and Trunc (v1 and v2),
 * exactly as the formulas of QONNX.md (and qonnx's quant.py / trunc.py).
 *
 * Every step is rounded to the tensor's float type the way the expanded
 * ONNX graph would be (x / scale, then + zeropt, ...): each step is evaluated
 * in double and rounded to float, which for one +, -, *, / of float operands
 * gives exactly the float32 result. Clamping happens before rounding, against
 * bounds computed in double from the bit width. scale, zeropt and the bit
 * widths are broadcast element-wise against x (per-channel quantization).
 */
#include "ir/quant.h"
#include "kernels.h"
#include "tensor_util.h"

#include <math.h>
#include <string.h>

/* v rounded to float when the tensor is f32: one float operation's result. */
static double fl(double v, bool f32)
{
	return f32 ? (double)(float)v : v;
}

static int check_bits(struct ir_module *m, const struct ir_op *op, double bits)
{
	if (!(bits >= 1 && bits <= 64 && bits == floor(bits)))
		return ir_op_error(m, op, "bit width %g is not an integer in 1..64", bits);
	return 0;
}

/* Integer grid of a bit width: signed [-2^(b-1) (+1 if narrow), 2^(b-1) - 1],
 * unsigned [0, 2^b - 1 (-1 if narrow)], computed in double and then, like the
 * float32 Clip bounds of the expanded graph, rounded to the tensor's type. */
static int int_range(struct ir_module *m, const struct ir_op *op, double bits, bool is_signed,
		     bool narrow, bool f32, double *lo, double *hi)
{
	if (check_bits(m, op, bits) < 0)
		return -1;
	if (is_signed) {
		*lo = -ldexp(1, (int)bits - 1) + narrow;
		*hi = ldexp(1, (int)bits - 1) - 1;
	} else {
		*lo = 0;
		*hi = ldexp(1, (int)bits) - 1 - narrow;
	}
	*lo = fl(*lo, f32);
	*hi = fl(*hi, f32);
	return 0;
}

static double clamp(double q, double lo, double hi)
{
	if (q > hi)
		q = hi;
	if (q < lo)
		q = lo; /* NaN passes through both */
	return q;
}

static int check_float_result(struct ir_module *m, const struct ir_op *op,
			      const struct ir_tensor *out)
{
	if (out->type.elem != IR_ELEM_F32 && out->type.elem != IR_ELEM_F64)
		return ir_op_error(m, op, "result must be a float tensor");
	return 0;
}

static void store(struct ir_tensor *out, int64_t i, double v)
{
	ir_tensor_set(out, i, v); /* exact: v is already of out's precision */
}

/* IntQuant (x, scale, zeropt, bitwidth):
 *   q = clamp(x / scale + zeropt, lo, hi); q = round(q); y = (q - zeropt) * scale
 * with a signed 1-bit quantizer being bipolar: q = (x / scale + zeropt >= 0) ? 1 : -1. */
int interp_IntQuant(struct ir_module *m, const struct ir_op *op,
		    const struct ir_tensor *const *in, struct ir_tensor *const *out,
		    struct arena *scratch)
{
	(void)scratch;
	enum ir_rounding mode;
	bool is_signed = ir_attr_int(op, "signed", 1) != 0;
	bool narrow = ir_attr_int(op, "narrow", 0) != 0;
	if (check_float_result(m, op, out[0]) < 0 || ir_rounding_mode(m, op, "ROUND", &mode) < 0)
		return -1;
	bool f32 = out[0]->type.elem == IR_ELEM_F32;
	const struct ir_type *types[4] = {&in[0]->type, &in[1]->type, &in[2]->type, &in[3]->type};
	struct ir_bcast it;
	ir_bcast_init(&it, &out[0]->type, 4, types);
	int64_t n = ir_tensor_numel(out[0]);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		double x = ir_load_f64(in[0], it.pos[0]), s = ir_load_f64(in[1], it.pos[1]);
		double z = ir_load_f64(in[2], it.pos[2]), bits = ir_load_f64(in[3], it.pos[3]);
		double lo, hi;
		if (int_range(m, op, bits, is_signed, narrow, f32, &lo, &hi) < 0)
			return -1;
		double q = fl(fl(x / s, f32) + z, f32);
		if (is_signed && bits == 1)
			q = q >= 0 ? 1 : -1;
		else
			q = ir_round(clamp(q, lo, hi), mode);
		store(out[0], i, fl(fl(q - z, f32) * s, f32));
	}
	return 0;
}

/* BipolarQuant (x, scale): y = (x >= 0 ? 1 : -1) * scale */
int interp_BipolarQuant(struct ir_module *m, const struct ir_op *op,
			const struct ir_tensor *const *in, struct ir_tensor *const *out,
			struct arena *scratch)
{
	(void)scratch;
	if (check_float_result(m, op, out[0]) < 0)
		return -1;
	bool f32 = out[0]->type.elem == IR_ELEM_F32;
	const struct ir_type *types[2] = {&in[0]->type, &in[1]->type};
	struct ir_bcast it;
	ir_bcast_init(&it, &out[0]->type, 2, types);
	int64_t n = ir_tensor_numel(out[0]);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		double x = ir_load_f64(in[0], it.pos[0]), s = ir_load_f64(in[1], it.pos[1]);
		store(out[0], i, fl((x >= 0 ? 1 : -1) * s, f32));
	}
	return 0;
}

/* 2^k as a divisor of the grid; an error when it is not a finite nonzero
 * float (an absurd bit width or scale ratio). */
static int power_of_two(struct ir_module *m, const struct ir_op *op, double k, bool f32,
			double *t)
{
	int limit = f32 ? 126 : 1022;
	if (!(k >= -limit && k <= limit))
		return ir_op_error(m, op, "truncation scale 2^%g is out of range", k);
	*t = ldexp(1, (int)k);
	return 0;
}

/* Trunc v1 (x, scale, zeropt, in_bitwidth, out_bitwidth):
 *   q = round_half_even(x / scale + zeropt); q = round(q / 2^(in_bw - out_bw));
 *   y = (q - zeropt) * scale */
static int trunc_v1(struct ir_module *m, const struct ir_op *op,
		    const struct ir_tensor *const *in, struct ir_tensor *out, enum ir_rounding mode)
{
	bool f32 = out->type.elem == IR_ELEM_F32;
	const struct ir_type *types[5];
	for (int k = 0; k < 5; k++)
		types[k] = &in[k]->type;
	struct ir_bcast it;
	ir_bcast_init(&it, &out->type, 5, types);
	int64_t n = ir_tensor_numel(out);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		double x = ir_load_f64(in[0], it.pos[0]), s = ir_load_f64(in[1], it.pos[1]);
		double z = ir_load_f64(in[2], it.pos[2]);
		double in_bits = ir_load_f64(in[3], it.pos[3]);
		double out_bits = ir_load_f64(in[4], it.pos[4]);
		double t = 1;
		if (check_bits(m, op, in_bits) < 0 || check_bits(m, op, out_bits) < 0 ||
		    power_of_two(m, op, in_bits - out_bits, f32, &t) < 0)
			return -1;
		double q = ir_round(fl(fl(x / s, f32) + z, f32), IR_ROUND_HALF_EVEN);
		q = ir_round(fl(q / t, f32), mode);
		store(out, i, fl(fl(q - z, f32) * s, f32));
	}
	return 0;
}

/* Trunc v2 (x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth):
 *   q = round_half_even(x / scale + zeropt); t = 2^round(log2(out_scale / scale));
 *   q = round(clamp(q / t, lo(out_bw), hi(out_bw))); y = (q - zeropt / t) * out_scale */
static int trunc_v2(struct ir_module *m, const struct ir_op *op,
		    const struct ir_tensor *const *in, struct ir_tensor *out, enum ir_rounding mode)
{
	bool f32 = out->type.elem == IR_ELEM_F32;
	bool is_signed = ir_attr_int(op, "signed", 1) != 0;
	bool narrow = ir_attr_int(op, "narrow", 0) != 0;
	const struct ir_type *types[6];
	for (int k = 0; k < 6; k++)
		types[k] = &in[k]->type;
	struct ir_bcast it;
	ir_bcast_init(&it, &out->type, 6, types);
	int64_t n = ir_tensor_numel(out);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		double x = ir_load_f64(in[0], it.pos[0]), s = ir_load_f64(in[1], it.pos[1]);
		double z = ir_load_f64(in[2], it.pos[2]);
		double out_scale = ir_load_f64(in[4], it.pos[4]);
		double out_bits = ir_load_f64(in[5], it.pos[5]);
		double lo, hi, t = 1;
		double ratio = fl(out_scale / s, f32);
		if (!(ratio > 0 && isfinite(ratio)))
			return ir_op_error(m, op, "out_scale / scale = %g is not a positive number",
					   ratio);
		if (int_range(m, op, out_bits, is_signed, narrow, f32, &lo, &hi) < 0 ||
		    power_of_two(m, op, ir_round(log2(ratio), IR_ROUND_HALF_EVEN), f32, &t) < 0)
			return -1;
		double q = ir_round(fl(fl(x / s, f32) + z, f32), IR_ROUND_HALF_EVEN);
		q = ir_round(clamp(fl(q / t, f32), lo, hi), mode);
		store(out, i, fl(fl(q - fl(z / t, f32), f32) * out_scale, f32));
	}
	return 0;
}

int interp_Trunc(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		 struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	enum ir_rounding mode;
	if (check_float_result(m, op, out[0]) < 0 || ir_rounding_mode(m, op, "FLOOR", &mode) < 0)
		return -1;
	for (int k = 0; k < op->noperands; k++)
		if (!in[k])
			return ir_op_error(m, op, "input %d is missing", k);
	return op->noperands == 6 ? trunc_v2(m, op, in, out[0], mode)
				  : trunc_v1(m, op, in, out[0], mode);
}
