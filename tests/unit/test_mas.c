/* test_mas.c: compiler/passes/lower_mas.c, the multiply-add-shift form of a
 * requantization.
 *
 * The contract: when li_multiply_shift finds (M, B, s) for a thresholds row,
 * clamp(floor((a * M + B) / 2^s), base, base + K) equals base + #{k : a >=
 * t_k} (a <= t_k on a decreasing row) for every a of the accumulator range.
 * Checked by brute force over the whole range on rows made the way the
 * lowering makes them: the levels of round(a * r + c) for random real scales
 * r (positive and negative), offsets c and every rounding mode of
 * ir_round, including half-to-even on power-of-two ratios, where ties make
 * an exact form impossible and none may be claimed. The counts of rows with
 * and without a form are checked to be both nonzero, so the test exercises
 * both outcomes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>

#include "compiler/passes/lower_integer.h"
#include "ir/quant.h"

enum { K_MAX = 255 };

struct row {
	int64_t t[K_MAX];
	int64_t k, base, amin, amax;
	bool down;
};

/* The clamped level of a for scale r, offset c, rounding mode, levels
 * base..base+k. */
static int64_t level(double a, double r, double c, enum ir_rounding mode, int64_t base,
		     int64_t k)
{
	double q = ir_round(a * r + c, mode);
	return q < (double)base ? base : q > (double)(base + k) ? base + k : (int64_t)q;
}

/* Thresholds of the staircase as the lowering finds them: for each level,
 * the first a reaching it (last, when decreasing), or one past the range. */
static void make_row(struct row *w, double r, double c, enum ir_rounding mode)
{
	w->down = r < 0;
	for (int64_t k = 1; k <= w->k; k++) {
		int64_t found = w->down ? w->amin - 1 : w->amax + 1;
		for (int64_t i = 0; i <= w->amax - w->amin; i++) {
			int64_t a = w->down ? w->amax - i : w->amin + i;
			if (level((double)a, r, c, mode, w->base, w->k) >= w->base + k) {
				found = a;
				break;
			}
		}
		w->t[k - 1] = found;
	}
}

static int64_t count_level(const struct row *w, int64_t a)
{
	int64_t n = 0;
	for (int64_t k = 0; k < w->k; k++)
		n += w->down ? a <= w->t[k] : a >= w->t[k];
	return w->base + n;
}

/* Whether a form is found; when it is, it must equal the thresholds on
 * every a of the range (asserted). */
static bool check_row(const struct row *w)
{
	int64_t mul, add, shift;
	if (!li_multiply_shift(w->t, w->k, w->base, w->down, w->amin, w->amax, &mul, &add, &shift))
		return false;
	for (int64_t a = w->amin; a <= w->amax; a++) {
		int64_t q = ir_floor_shift(a, mul, add, (int)shift);
		q = q < w->base ? w->base : q > w->base + w->k ? w->base + w->k : q;
		assert_int_equal(q, count_level(w, a));
	}
	return true;
}

static void test_random_rows(void **state)
{
	(void)state;
	static const enum ir_rounding modes[] = {IR_ROUND_HALF_EVEN, IR_ROUND_FLOOR,
						 IR_ROUND_CEIL, IR_ROUND_HALF_UP};
	struct row w;
	int found = 0, none = 0;
	srand(12345);
	for (int i = 0; i < 400; i++) {
		w.k = i % 3 == 0 ? 255 : i % 3 == 1 ? 15 : 63;
		w.base = i % 2 ? 0 : -(w.k + 1) / 2;
		w.amin = -(1 << (8 + i % 5)), w.amax = (1 << (8 + i % 5)) - 1;
		double r = (0.01 + (double)rand() / RAND_MAX) * (i % 4 == 3 ? -1 : 1);
		if (i % 5 == 0)
			r = ldexp(1, -(i % 7)); /* power-of-two ratios: exact ties */
		double c = ((double)rand() / RAND_MAX - 0.5) * 8;
		make_row(&w, r, c, modes[i % 4]);
		if (check_row(&w))
			found++;
		else
			none++;
	}
	print_message("rows with a multiply-add-shift form: %d, without: %d\n", found, none);
	assert_true(found > 100);
	assert_true(none > 0);
}

/* Half-to-even on a ratio of 1/2 alternates step widths (ties at odd and
 * even levels round differently): no single floor form exists, and none
 * may be claimed. */
static void test_half_even_ties_refused(void **state)
{
	(void)state;
	struct row w = {.k = 31, .base = 0, .amin = -256, .amax = 255};
	make_row(&w, 0.5, 0, IR_ROUND_HALF_EVEN);
	int64_t mul, add, shift;
	assert_false(li_multiply_shift(w.t, w.k, w.base, w.down, w.amin, w.amax, &mul, &add,
				       &shift));
}

/* Out-of-bounds ranges are refused rather than risking overflow. */
static void test_wide_range_refused(void **state)
{
	(void)state;
	int64_t t[2] = {0, 1}, mul, add, shift;
	assert_false(li_multiply_shift(t, 2, 0, false, -((int64_t)1 << 40), 5, &mul, &add, &shift));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_rows),
		cmocka_unit_test(test_half_even_ties_refused),
		cmocka_unit_test(test_wide_range_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
