/* lower_mas.c: the multiply-add-shift form of a requantization, found from
 * its exact thresholds and proven identical to them (used by
 * lower_thresholds.c).
 *
 * A channel's requantization is level(a) = base + #{k : a >= t_k} for the
 * thresholds t_1 <= ... <= t_K of the integer a (on a decreasing channel,
 * #{k : a <= t_k}, which is the same for -a and -t_k). We look for integers
 * M > 0, B and s with
 *   clamp(floor((a * M + B) / 2^s), base, base + K) == level(a)  for every a.
 * Since f(a) = floor((a * M + B) / 2^s) is non-decreasing, that holds exactly
 * when, for each k, f(t_k) >= base + k and f(t_k - 1) < base + k, i.e.
 *   L_k = (base + k) * 2^s - t_k * M  <=  B  <  (base + k) * 2^s - (t_k - 1) * M = U_k.
 * A B exists iff max L_k < min U_j, which for each pair (k, j) bounds M:
 * k > j gives M > (k - j) 2^s / (t_k - t_j + 1), and k < j with
 * t_j - t_k > 1 gives M < (j - k) 2^s / (t_j - t_k - 1). The pairs with the
 * largest and smallest of these ratios decide the bounds for every s, so
 * they are found once (O(K^2)); then for s = 0, 1, ... the smallest M above
 * every lower bound is tried against the upper ones;
 * then B = max L_k, and every inequality is checked once more in exact
 * integers. The thresholds come from the real-valued chain (any rounding
 * mode, ties included), so the form found is exact by construction, not by
 * approximation of the scale.
 *
 * Bounds keep the arithmetic in 64 bits: |a| and |t_k| below 2^31 (the
 * caller passes the accumulator's range), s at most 30, so |a * M + B| stays
 * below 2^62 where M <= 2^30 and |B| <= 2^62 - 2^61.
 */
#include "lower_integer.h"

#include <stdlib.h>

enum { MAX_SHIFT = 30 };

static const int64_t LIMIT = (int64_t)1 << 31;

/* floor(p / q) for q > 0. */
static int64_t floor_div(int64_t p, int64_t q)
{
	int64_t d = p / q;
	return d - (p % q != 0 && p < 0);
}

/* A positive fraction num / den, or none. */
struct frac {
	int64_t num, den;
	bool any;
};

/* Whether a / b > c / d, for positive denominators. */
static bool frac_above(int64_t a, int64_t b, int64_t c, int64_t d)
{
	__extension__ typedef __int128 wide;
	return (wide)a * d > (wide)c * b;
}

/* The pairs that decide the bounds on M for every s at once: M's lower
 * bounds are floor(r * 2^s) + 1 and its upper ones ceil(r * 2^s) - 1 over
 * the ratios r of the top comment, both monotone in r, so the largest
 * lower-bound ratio and the smallest upper-bound ratio decide them all. */
static void deciding_ratios(const int64_t *t, int64_t n, struct frac *lo, struct frac *hi)
{
	*lo = *hi = (struct frac){0, 1, false};
	for (int64_t k = 0; k < n; k++)
		for (int64_t j = 0; j < n; j++) {
			if (k > j) { /* M > (k - j) unit / (t_k - t_j + 1) */
				int64_t num = k - j, den = t[k] - t[j] + 1;
				if (!lo->any || frac_above(num, den, lo->num, lo->den))
					*lo = (struct frac){num, den, true};
			} else if (k < j && t[j] - t[k] > 1) { /* M < (j - k) unit / (t_j - t_k - 1) */
				int64_t num = j - k, den = t[j] - t[k] - 1;
				if (!hi->any || frac_above(hi->num, hi->den, num, den))
					*hi = (struct frac){num, den, true};
			}
		}
}

/* The smallest M allowed by every lower bound and whether it meets every
 * upper bound, for shift s. */
static bool multiplier(const struct frac *lo_r, const struct frac *hi_r, int s, int64_t *mul)
{
	int64_t lo = 1, hi = INT64_MAX, unit = (int64_t)1 << s;
	if (lo_r->any) {
		int64_t m = floor_div(lo_r->num * unit, lo_r->den) + 1;
		lo = m > lo ? m : lo;
	}
	if (hi_r->any)
		hi = floor_div(hi_r->num * unit + hi_r->den - 1, hi_r->den) - 1;
	*mul = lo;
	return lo <= hi && lo <= ((int64_t)1 << MAX_SHIFT);
}

/* B = max L_k, and every L_k <= B < U_k checked. */
static bool offset(const int64_t *t, int64_t n, int64_t base, int s, int64_t mul, int64_t *add)
{
	int64_t unit = (int64_t)1 << s, b = INT64_MIN;
	for (int64_t k = 0; k < n; k++) {
		int64_t l = (base + k + 1) * unit - t[k] * mul;
		b = l > b ? l : b;
	}
	for (int64_t k = 0; k < n; k++)
		if (!(b < (base + k + 1) * unit - (t[k] - 1) * mul))
			return false;
	*add = b;
	return llabs(b) <= ((int64_t)1 << 61);
}

bool li_multiply_shift(const int64_t *row, int64_t k_count, int64_t base, bool down,
		       int64_t amin, int64_t amax, int64_t *mul, int64_t *add, int64_t *shift)
{
	if (k_count < 1 || amin <= -LIMIT || amax >= LIMIT || base <= -LIMIT || base >= LIMIT)
		return false;
	int64_t *t = malloc((size_t)k_count * sizeof *t);
	if (!t)
		return false;
	bool ok = true;
	for (int64_t k = 0; k < k_count && ok; k++) {
		t[k] = down ? -row[k] : row[k];
		ok = t[k] > -LIMIT - 2 && t[k] < LIMIT + 2 && (k == 0 || t[k] >= t[k - 1]);
	}
	bool found = false;
	struct frac lo, hi;
	if (ok)
		deciding_ratios(t, k_count, &lo, &hi);
	for (int s = 0; ok && !found && s <= MAX_SHIFT; s++) {
		if (multiplier(&lo, &hi, s, mul) && offset(t, k_count, base, s, *mul, add)) {
			*shift = s;
			found = true;
		}
	}
	free(t);
	if (found && down)
		*mul = -*mul;
	return found;
}
