/* test_qonnx_runtime.c: runtime/qonnx_runtime.c, the conversions between
 * float32 and the integers of a compiled model's _run_q entry point.
 *
 * Expected integers are worked out by hand from the QONNX quantizer
 * (../shared/QONNX.md): q = round(clamp(x / scale + zero_point, lo, hi)),
 * signed grid [-2^(b-1) (+1 if narrow), 2^(b-1) - 1], unsigned [0, 2^b - 1
 * (-1 if narrow)], bipolar -1/+1; and dequantization (q - zero_point) *
 * scale. Inputs sit on the rounding ties, where the modes differ.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "runtime/qonnx_runtime.h"

static struct qonnx_tensor_info tensor(int64_t size, int bits, int is_signed, int narrow,
				       int rounding, double scale, int64_t zero_point)
{
	struct qonnx_tensor_info t;
	memset(&t, 0, sizeof t);
	t.size = size;
	t.quantized = 1;
	t.q_bits = bits;
	t.q_signed = is_signed;
	t.q_narrow = narrow;
	t.q_rounding = rounding;
	t.q_bytes = bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
	t.scale = scale;
	t.zero_point = zero_point;
	return t;
}

static void expect_q(const struct qonnx_tensor_info *t, const float *x, const int64_t *want,
		     int n)
{
	int8_t q[16] = {0};
	assert_int_equal(qrt_quantize(t, x, q), 0);
	for (int i = 0; i < n; i++) {
		if (qrt_q_get(t, q, i) != want[i])
			fail_msg("element %d (x = %g): got %lld, expected %lld", i, (double)x[i],
				 (long long)qrt_q_get(t, q, i), (long long)want[i]);
	}
}

/* QONNX.md: ROUND = HALF_EVEN, CEIL, FLOOR, UP (away from zero), DOWN
 * (toward zero), HALF_UP (ties away from zero), HALF_DOWN (ties toward
 * zero); 8-bit signed, scale 1, zero point 0, so q is x rounded. */
static void test_rounding_modes(void **state)
{
	(void)state;
	static const float x[8] = {-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 0.0f, 0.75f};
	static const struct {
		int mode;
		int64_t want[8];
	} cases[] = {
		{QONNX_ROUND_HALF_EVEN, {-2, -2, 0, 0, 2, 2, 0, 1}},
		{QONNX_ROUND_HALF_UP, {-3, -2, -1, 1, 2, 3, 0, 1}},
		{QONNX_ROUND_HALF_DOWN, {-2, -1, 0, 0, 1, 2, 0, 1}},
		{QONNX_ROUND_CEIL, {-2, -1, 0, 1, 2, 3, 0, 1}},
		{QONNX_ROUND_FLOOR, {-3, -2, -1, 0, 1, 2, 0, 0}},
		{QONNX_ROUND_UP, {-3, -2, -1, 1, 2, 3, 0, 1}},
		{QONNX_ROUND_DOWN, {-2, -1, 0, 0, 1, 2, 0, 0}},
	};
	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		struct qonnx_tensor_info t = tensor(8, 8, 1, 0, cases[c].mode, 1.0, 0);
		expect_q(&t, x, cases[c].want, 8);
	}
}

static void test_clamp_narrow_unsigned_zero_point(void **state)
{
	(void)state;
	float x[6] = {-100.0f, 100.0f, -3.0f, 3.25f, 0.0f, 1.0f};
	/* 3-bit signed narrow: [-3, 3]; scale 1, zero point 0 */
	struct qonnx_tensor_info t = tensor(6, 3, 1, 1, QONNX_ROUND_HALF_EVEN, 1.0, 0);
	expect_q(&t, x, (const int64_t[]){-3, 3, -3, 3, 0, 1}, 6);
	/* 3-bit signed: [-4, 3] */
	t.q_narrow = 0;
	expect_q(&t, x, (const int64_t[]){-4, 3, -3, 3, 0, 1}, 6);
	/* 4-bit unsigned narrow [0, 14], scale 0.5, zero point 2: x * 2 + 2 */
	t = tensor(6, 4, 0, 1, QONNX_ROUND_HALF_EVEN, 0.5, 2);
	expect_q(&t, x, (const int64_t[]){0, 14, 0, 8, 2, 4}, 6);
}

static void test_bipolar(void **state)
{
	(void)state;
	float x[4] = {-0.5f, 0.0f, 2.0f, -0.0f};
	struct qonnx_tensor_info t = tensor(4, 1, 1, 0, QONNX_ROUND_HALF_EVEN, 1.0, 0);
	expect_q(&t, x, (const int64_t[]){-1, 1, 1, 1}, 4);
}

static void test_wide_containers_and_dequantize(void **state)
{
	(void)state;
	float x[3] = {-1000.0f, 1000.0f, 12.5f};
	int16_t q16[3];
	float y[3];
	struct qonnx_tensor_info t = tensor(3, 12, 1, 0, QONNX_ROUND_HALF_EVEN, 0.25, -3);
	/* x / 0.25 - 3 = -4003, 3997, 47: 12-bit signed is [-2048, 2047] */
	assert_int_equal(qrt_quantize(&t, x, q16), 0);
	assert_int_equal(q16[0], -2048);
	assert_int_equal(q16[1], 2047);
	assert_int_equal(q16[2], 47);
	assert_int_equal(qrt_dequantize(&t, q16, y), 0);
	assert_true(y[0] == (-2048.0f + 3.0f) * 0.25f);
	assert_true(y[1] == (2047.0f + 3.0f) * 0.25f);
	assert_true(y[2] == 12.5f);
}

static void test_refusals(void **state)
{
	(void)state;
	float x[1] = {NAN}, y[1];
	int8_t q[1];
	struct qonnx_tensor_info t = tensor(1, 8, 1, 0, QONNX_ROUND_HALF_EVEN, 1.0, 0);
	assert_int_equal(qrt_quantize(&t, x, q), -1);
	t.quantized = 0;
	x[0] = 1.0f;
	assert_int_equal(qrt_quantize(&t, x, q), -1);
	assert_int_equal(qrt_dequantize(&t, q, y), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rounding_modes),
		cmocka_unit_test(test_clamp_narrow_unsigned_zero_point),
		cmocka_unit_test(test_bipolar),
		cmocka_unit_test(test_wide_containers_and_dequantize),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
