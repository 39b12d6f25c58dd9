/* qonnx_runtime.c: conversions between float32 and the integers of a
 * compiled model's _run_q entry point (see qonnx_runtime.h). They repeat
 * the arithmetic of the Quantize and Dequantize ops (ir/interp/qdq.c), so
 * the integers are exactly those the model's own quantizer computes:
 * quantization evaluates x / scale + zero_point in double (exact enough
 * that no float32 input lands on the wrong side of a rounding boundary),
 * dequantization rounds (q - zero_point) and its product with the scale to
 * float32. */
#include "qonnx_runtime.h"

#include <math.h>
#include <string.h>

static double fl(double v)
{
	return (double)(float)v;
}

/* QONNX rounding modes (../shared/QONNX.md). */
static double round_by(int mode, double q)
{
	switch (mode) {
	case QONNX_ROUND_CEIL:
		return ceil(q);
	case QONNX_ROUND_FLOOR:
		return floor(q);
	case QONNX_ROUND_UP:
		return q < 0 ? floor(q) : ceil(q);
	case QONNX_ROUND_DOWN:
		return trunc(q);
	case QONNX_ROUND_HALF_UP:
		return round(q);
	case QONNX_ROUND_HALF_DOWN:
		return fabs(q - trunc(q)) == 0.5 ? trunc(q) : round(q);
	default: /* half to even */
		return fabs(q - trunc(q)) == 0.5 ? 2 * round(q / 2) : round(q);
	}
}

/* The integer grid of a QONNX quantizer of b bits (1..63). */
static void grid(int bits, int is_signed, int narrow, int64_t *lo, int64_t *hi)
{
	if (is_signed) {
		*lo = -(INT64_C(1) << (bits - 1)) + (narrow ? 1 : 0);
		*hi = (INT64_C(1) << (bits - 1)) - 1;
	} else {
		*lo = 0;
		*hi = (int64_t)((UINT64_C(1) << bits) - 1) - (narrow ? 1 : 0);
	}
}

int64_t qrt_q_get(const struct qonnx_tensor_info *t, const void *q, int64_t i)
{
	const char *p = (const char *)q + i * t->q_bytes;
	switch (t->q_bytes) {
	case 1: {
		uint8_t u;
		memcpy(&u, p, 1);
		return t->q_signed ? (int64_t)(int8_t)u : (int64_t)u;
	}
	case 2: {
		uint16_t u;
		memcpy(&u, p, 2);
		return t->q_signed ? (int64_t)(int16_t)u : (int64_t)u;
	}
	case 4: {
		uint32_t u;
		memcpy(&u, p, 4);
		return t->q_signed ? (int64_t)(int32_t)u : (int64_t)u;
	}
	default: {
		int64_t v;
		memcpy(&v, p, 8);
		return v;
	}
	}
}

void qrt_q_set(const struct qonnx_tensor_info *t, void *q, int64_t i, int64_t v)
{
	char *p = (char *)q + i * t->q_bytes;
	uint64_t u = (uint64_t)v;
	switch (t->q_bytes) {
	case 1: {
		uint8_t b = (uint8_t)u;
		memcpy(p, &b, 1);
		break;
	}
	case 2: {
		uint16_t h = (uint16_t)u;
		memcpy(p, &h, 2);
		break;
	}
	case 4: {
		uint32_t w = (uint32_t)u;
		memcpy(p, &w, 4);
		break;
	}
	default:
		memcpy(p, &u, 8);
	}
}

int qrt_quantize(const struct qonnx_tensor_info *t, const float *x, void *q)
{
	if (!t->quantized || t->q_bits < 1 || t->q_bits > 63)
		return -1;
	int64_t lo, hi;
	grid(t->q_bits, t->q_signed != 0, t->q_narrow != 0, &lo, &hi);
	double z = (double)t->zero_point;
	for (int64_t i = 0; i < t->size; i++) {
		double v = (double)x[i] / t->scale + z;
		if (isnan(v))
			return -1;
		if (t->q_signed && t->q_bits == 1) {
			qrt_q_set(t, q, i, v >= 0 ? 1 : -1);
			continue;
		}
		if (v > (double)hi)
			v = (double)hi;
		if (v < (double)lo)
			v = (double)lo;
		qrt_q_set(t, q, i, (int64_t)round_by(t->q_rounding, v));
	}
	return 0;
}

int qrt_dequantize(const struct qonnx_tensor_info *t, const void *q, float *y)
{
	if (!t->quantized)
		return -1;
	for (int64_t i = 0; i < t->size; i++)
		y[i] = (float)(fl((double)qrt_q_get(t, q, i) - (double)t->zero_point) * t->scale);
	return 0;
}
