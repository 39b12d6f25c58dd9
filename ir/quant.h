/* quant.h: quantization parameters of integer tensor types.
 *
 * An IR_ELEM_INT type may carry a struct ir_quant (ir_type.quant, NULL for a
 * plain integer). Its elements q then stand for the real numbers
 *
 *     real = scale * (q - zero_point)
 *
 * with one (scale, zero_point) pair for the whole tensor (axis -1, n 1) or one
 * pair per index along axis (n == dims[axis]). Scales are doubles (float32
 * model constants are exact in them), zero points integers. A bipolar tensor
 * (QONNX BipolarQuant, signed 1-bit IntQuant) holds -1 and +1 and is typed i2.
 *
 * Quant records live in the module's arena and are never changed once made;
 * types compare them by value (ir_quant_equal), so two records with the same
 * numbers are the same quantization.
 */
#ifndef QONNXC_IR_QUANT_H
#define QONNXC_IR_QUANT_H

#include "ir.h"

struct ir_quant {
	int axis;                 /* -1: per tensor; else the channel axis */
	int64_t n;                /* number of (scale, zero_point) pairs */
	const double *scale;      /* n scales, nonzero */
	const int64_t *zero_point; /* n zero points */
};

/* A new record in arena a holding copies of n scales and zero points
 * (zero_point NULL: all 0). */
const struct ir_quant *ir_quant_new(struct arena *a, int axis, int64_t n, const double *scale,
				    const int64_t *zero_point);
bool ir_quant_equal(const struct ir_quant *a, const struct ir_quant *b); /* NULLs equal */
/* Scale and zero point of channel c (any c when per tensor). */
double ir_quant_scale(const struct ir_quant *q, int64_t c);
int64_t ir_quant_zero(const struct ir_quant *q, int64_t c);
bool ir_quant_zero_free(const struct ir_quant *q); /* every zero point is 0 */
/* Writes "<0.25>", "<0.5,zp=1>" or "<per-channel axis=1 n=64>" into buf. */
char *ir_quant_str(const struct ir_quant *q, char *buf, size_t len);
/* The integer grid of a QONNX quantizer: signed [-2^(b-1) (+1 if narrow),
 * 2^(b-1) - 1], unsigned [0, 2^b - 1 (-1 if narrow)]; b in 1..63. */
void ir_quant_grid(int bits, bool is_signed, bool narrow, int64_t *lo, int64_t *hi);
/* Range of values an integer type can hold (bits 1..64; u64 clipped to INT64_MAX). */
void ir_int_range(const struct ir_type *t, int64_t *lo, int64_t *hi);
/* Narrowest signed width (2..64) holding every value in [lo, hi]. */
int ir_signed_bits_for(int64_t lo, int64_t hi);
/* The quantization given by QONNX parameter values scale and zero (zero may be
 * IR_NONE for 0) for a tensor of type x: 0 and *out, or 1 when they are not
 * known constants, a scale is zero or not finite, a zero point not an
 * integer, or they vary along more than one axis of x. */
int ir_quant_from_params(struct ir_module *m, const struct ir_type *x, int scale, int zero,
			 const struct ir_quant **out);

/* QONNX rounding modes; ROUND is numpy.round, i.e. half to even. */
enum ir_rounding {
	IR_ROUND_HALF_EVEN, IR_ROUND_CEIL, IR_ROUND_FLOOR, IR_ROUND_UP, IR_ROUND_DOWN,
	IR_ROUND_HALF_UP, IR_ROUND_HALF_DOWN,
};
/* op's rounding_mode attribute (def when absent), a QONNX name in any
 * case: 0 and *mode, or -1 after an error naming the op. */
int ir_rounding_mode(struct ir_module *m, const struct ir_op *op, const char *def,
		     enum ir_rounding *mode);
/* q rounded to an integer (as a double) by mode. */
double ir_round(double q, enum ir_rounding mode);
/* floor((x * mul + add) / 2^shift) computed exactly (shift in 0..62), then
 * saturated to the int64 range: the requantization of Requantize. */
int64_t ir_floor_shift(int64_t x, int64_t mul, int64_t add, int shift);

#endif
