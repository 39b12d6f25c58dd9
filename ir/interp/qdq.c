/* qdq.c: kernels of the integer-lowering ops Quantize, Dequantize and
 * MultiThreshold (ops.def; ir/quant.h).
 *
 * Quantize computes IntQuant's first steps in double whatever the input's
 * float type: x / scale + zero_point of float32 numbers, rounded to the grid,
 * is then the real-valued quantizer's result (the quotient of two 24-bit
 * significands is never closer to a rounding boundary than double precision
 * resolves, for grids up to 2^27), which is what the integer lowering must
 * reproduce; float32 evaluation of IntQuant (interp_IntQuant) can round the
 * quotient across a threshold. Dequantize is the last step,
 * (q - zero_point) * scale, in the result's float type. Scales and zero points come from the quant record
 * of the integer type, per tensor or per channel along its axis.
 */
#include "ir/quant.h"
#include "kernels.h"
#include "tensor_util.h"

#include <math.h>
#include <string.h>

/* Index along axis of flat element i of t (0 when per tensor). */
static int64_t channel_of(const struct ir_type *t, int axis, int64_t i)
{
	if (axis < 0)
		return 0;
	int64_t inner = 1;
	for (int k = axis + 1; k < t->rank; k++)
		inner *= t->dims[k];
	return (i / inner) % t->dims[axis];
}

static double fl(double v, bool f32)
{
	return f32 ? (double)(float)v : v;
}

/* Quantize (x, scale, zeropt): q = round(clamp(x / scale + zeropt, lo, hi)) */
int interp_Quantize(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		    struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	const struct ir_quant *qt = out[0]->type.quant;
	int bits = (int)ir_attr_int(op, "bits", 0);
	bool is_signed = ir_attr_int(op, "signed", 1) != 0;
	bool narrow = ir_attr_int(op, "narrow", 0) != 0;
	enum ir_rounding mode;
	if (!qt || bits < 1 || bits > 63)
		return ir_op_error(m, op, "result is not a quantized integer type");
	if (ir_rounding_mode(m, op, "ROUND", &mode) < 0)
		return -1;
	int64_t lo, hi, n = ir_tensor_numel(out[0]);
	ir_quant_grid(bits, is_signed, narrow, &lo, &hi);
	int64_t *y = ir_tensor_i64(out[0]);
	for (int64_t i = 0; i < n; i++) {
		int64_t c = channel_of(&out[0]->type, qt->axis, i);
		double s = ir_quant_scale(qt, c), z = (double)ir_quant_zero(qt, c);
		double q = ir_load_f64(in[0], i) / s + z;
		if (is_signed && bits == 1) {
			y[i] = q >= 0 ? 1 : -1;
			continue;
		}
		if (q > (double)hi)
			q = (double)hi;
		if (q < (double)lo)
			q = (double)lo;
		if (isnan(q))
			return ir_op_error(m, op, "NaN cannot be quantized");
		y[i] = (int64_t)ir_round(q, mode);
	}
	return 0;
}

/* Dequantize (q): y = (q - zero_point) * scale */
int interp_Dequantize(struct ir_module *m, const struct ir_op *op,
		      const struct ir_tensor *const *in, struct ir_tensor *const *out,
		      struct arena *scratch)
{
	(void)scratch;
	const struct ir_quant *qt = in[0]->type.quant;
	if (!qt || in[0]->type.elem != IR_ELEM_INT)
		return ir_op_error(m, op, "input is not a quantized integer tensor");
	bool f32 = out[0]->type.elem == IR_ELEM_F32;
	const int64_t *q = ir_tensor_i64(in[0]);
	for (int64_t i = 0, n = ir_tensor_numel(out[0]); i < n; i++) {
		int64_t c = channel_of(&in[0]->type, qt->axis, i);
		double d = fl((double)q[i] - (double)ir_quant_zero(qt, c), f32);
		ir_tensor_set(out[0], i, fl(d * ir_quant_scale(qt, c), f32));
	}
	return 0;
}

/* The channel axis attribute of op (default 1, negative from the end) for
 * input type xt, in *axis; -1 with an error when out of range. */
static int channel_axis(struct ir_module *m, const struct ir_op *op, const struct ir_type *xt,
			int *axis)
{
	*axis = (int)ir_attr_int(op, "axis", 1);
	if (*axis < 0)
		*axis += xt->rank;
	if (*axis < 0 || *axis >= xt->rank)
		return ir_op_error(m, op, "axis out of range");
	return 0;
}

/* MultiThreshold (x, T, scale, zeropt, descending):
 * q = out_bias + out_step * #{k : x >= T[c][k]} (x <= T[c][k] when descending) */
int interp_MultiThreshold(struct ir_module *m, const struct ir_op *op,
			  const struct ir_tensor *const *in, struct ir_tensor *const *out,
			  struct arena *scratch)
{
	(void)scratch;
	const struct ir_type *xt = &in[0]->type;
	int axis;
	if (channel_axis(m, op, xt, &axis) < 0)
		return -1;
	int64_t bias = ir_attr_int(op, "out_bias", 0), step = ir_attr_int(op, "out_step", 1);
	const int64_t *x = ir_tensor_i64(in[0]), *t = ir_tensor_i64(in[1]);
	const int64_t *desc = op->noperands > 4 && in[4] ? ir_tensor_i64(in[4]) : NULL;
	int64_t rows = in[1]->type.dims[0], k_count = in[1]->type.dims[1];
	int64_t *y = ir_tensor_i64(out[0]);
	for (int64_t i = 0, n = ir_tensor_numel(out[0]); i < n; i++) {
		int64_t c = rows == 1 ? 0 : channel_of(xt, axis, i), count = 0;
		const int64_t *row = t + c * k_count;
		bool down = desc && desc[c];
		for (int64_t k = 0; k < k_count; k++)
			count += down ? x[i] <= row[k] : x[i] >= row[k];
		y[i] = ir_int_wrap(&out[0]->type, (uint64_t)bias + (uint64_t)step * (uint64_t)count);
	}
	return 0;
}

/* Requantize (x, multiplier, offset, shift, scale, zeropt):
 * q = clamp(floor((x * multiplier[c] + offset[c]) / 2^shift[c]), lo, hi) */
int interp_Requantize(struct ir_module *m, const struct ir_op *op,
		      const struct ir_tensor *const *in, struct ir_tensor *const *out,
		      struct arena *scratch)
{
	(void)scratch;
	const struct ir_type *xt = &in[0]->type;
	int axis;
	if (channel_axis(m, op, xt, &axis) < 0)
		return -1;
	int64_t lo = ir_attr_int(op, "lo", 0), hi = ir_attr_int(op, "hi", 0);
	const int64_t *x = ir_tensor_i64(in[0]), *mul = ir_tensor_i64(in[1]);
	const int64_t *add = ir_tensor_i64(in[2]), *sh = ir_tensor_i64(in[3]);
	int64_t rows = in[1]->type.dims[0];
	int64_t *y = ir_tensor_i64(out[0]);
	for (int64_t i = 0, n = ir_tensor_numel(out[0]); i < n; i++) {
		int64_t c = rows == 1 ? 0 : channel_of(xt, axis, i);
		if (sh[c] < 0 || sh[c] > 62)
			return ir_op_error(m, op, "shift %lld is not in 0..62", (long long)sh[c]);
		int64_t q = ir_floor_shift(x[i], mul[c], add[c], (int)sh[c]);
		y[i] = q < lo ? lo : q > hi ? hi : q;
	}
	return 0;
}
