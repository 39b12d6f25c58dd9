/* quant.c: quantization records of integer types (see quant.h). */
#include "quant.h"

#include <math.h>

#include <stdio.h>
#include <string.h>

const struct ir_quant *ir_quant_new(struct arena *a, int axis, int64_t n, const double *scale,
				    const int64_t *zero_point)
{
	struct ir_quant *q = arena_alloc(a, sizeof *q);
	double *s = arena_alloc(a, (size_t)n * sizeof *s);
	int64_t *z = arena_alloc(a, (size_t)n * sizeof *z);
	memcpy(s, scale, (size_t)n * sizeof *s);
	for (int64_t i = 0; i < n; i++)
		z[i] = zero_point ? zero_point[i] : 0;
	q->axis = axis;
	q->n = n;
	q->scale = s;
	q->zero_point = z;
	return q;
}

bool ir_quant_equal(const struct ir_quant *a, const struct ir_quant *b)
{
	if (!a || !b)
		return a == b;
	if (a->axis != b->axis || a->n != b->n)
		return false;
	for (int64_t i = 0; i < a->n; i++)
		if (a->scale[i] != b->scale[i] || a->zero_point[i] != b->zero_point[i])
			return false;
	return true;
}

double ir_quant_scale(const struct ir_quant *q, int64_t c)
{
	return q->scale[q->n == 1 ? 0 : c];
}

int64_t ir_quant_zero(const struct ir_quant *q, int64_t c)
{
	return q->zero_point[q->n == 1 ? 0 : c];
}

bool ir_quant_zero_free(const struct ir_quant *q)
{
	for (int64_t i = 0; i < q->n; i++)
		if (q->zero_point[i])
			return false;
	return true;
}

char *ir_quant_str(const struct ir_quant *q, char *buf, size_t len)
{
	if (q->axis >= 0 && q->n > 1)
		snprintf(buf, len, "<per-channel axis=%d n=%lld%s>", q->axis, (long long)q->n,
			 ir_quant_zero_free(q) ? "" : " zp");
	else if (q->zero_point[0])
		snprintf(buf, len, "<%.9g,zp=%lld>", q->scale[0], (long long)q->zero_point[0]);
	else
		snprintf(buf, len, "<%.9g>", q->scale[0]);
	return buf;
}

void ir_quant_grid(int bits, bool is_signed, bool narrow, int64_t *lo, int64_t *hi)
{
	if (is_signed) {
		*lo = -((int64_t)1 << (bits - 1)) + narrow;
		*hi = ((int64_t)1 << (bits - 1)) - 1;
	} else {
		*lo = 0;
		*hi = (int64_t)(((uint64_t)1 << bits) - 1) - narrow;
	}
}

void ir_int_range(const struct ir_type *t, int64_t *lo, int64_t *hi)
{
	if (t->bits >= 64) {
		*lo = t->is_signed ? INT64_MIN : 0;
		*hi = INT64_MAX;
		return;
	}
	ir_quant_grid(t->bits, t->is_signed, false, lo, hi);
}

int ir_signed_bits_for(int64_t lo, int64_t hi)
{
	for (int b = 2; b < 64; b++) {
		int64_t l, h;
		ir_quant_grid(b, true, false, &l, &h);
		if (lo >= l && hi <= h)
			return b;
	}
	return 64;
}

/* Element i of a constant in storage form, as a double. */
static double elem_as_double(const struct ir_type *t, const void *data, int64_t i)
{
	switch (t->elem) {
	case IR_ELEM_F32: return ((const float *)data)[i];
	case IR_ELEM_F64: return ((const double *)data)[i];
	default: return (double)((const int64_t *)data)[i];
	}
}

/* The axis of x along which parameter type p varies: -1 when p has no dim
 * above 1, -2 when it has several (not one channel axis). */
static int param_axis(const struct ir_type *x, const struct ir_type *p)
{
	int axis = -1;
	if (p->rank > x->rank)
		return -2;
	for (int i = 0; i < p->rank; i++) {
		if (p->dims[i] == 1)
			continue;
		if (axis != -1)
			return -2;
		axis = i + x->rank - p->rank;
	}
	return axis;
}

int ir_quant_from_params(struct ir_module *m, const struct ir_type *x, int scale, int zero,
			 const struct ir_quant **out)
{
	const void *sd = ir_known_data(m, scale);
	const void *zd = zero == IR_NONE ? NULL : ir_known_data(m, zero);
	if (!sd || (zero != IR_NONE && !zd))
		return 1;
	const struct ir_type *st = &m->values[scale].type;
	const struct ir_type *zt = zero == IR_NONE ? NULL : &m->values[zero].type;
	int sa = param_axis(x, st), za = zt ? param_axis(x, zt) : -1;
	if (sa == -2 || za == -2 || (sa >= 0 && za >= 0 && sa != za))
		return 1;
	int axis = sa >= 0 ? sa : za;
	int64_t n = axis >= 0 ? x->dims[axis] : 1;
	double *s = arena_alloc(&m->arena, (size_t)n * sizeof *s);
	int64_t *z = arena_alloc(&m->arena, (size_t)n * sizeof *z);
	bool same = true;
	for (int64_t c = 0; c < n; c++) {
		double zv = zt ? elem_as_double(zt, zd, za >= 0 ? c : 0) : 0;
		s[c] = elem_as_double(st, sd, sa >= 0 ? c : 0);
		/* range first: converting an out-of-range double is undefined */
		if (!(s[c] != 0 && s[c] - s[c] == 0) || !(zv >= -4e18 && zv <= 4e18) ||
		    zv != (double)(int64_t)zv)
			return 1;
		z[c] = (int64_t)zv;
		same = same && s[c] == s[0] && z[c] == z[0];
	}
	*out = same ? ir_quant_new(&m->arena, -1, 1, s, z) : ir_quant_new(&m->arena, axis, n, s, z);
	return 0;
}

static const struct {
	const char *name;
	enum ir_rounding mode;
} rounding_names[] = {
	{"ROUND", IR_ROUND_HALF_EVEN}, {"HALF_EVEN", IR_ROUND_HALF_EVEN}, {"CEIL", IR_ROUND_CEIL},
	{"FLOOR", IR_ROUND_FLOOR},     {"UP", IR_ROUND_UP},               {"DOWN", IR_ROUND_DOWN},
	{"HALF_UP", IR_ROUND_HALF_UP}, {"HALF_DOWN", IR_ROUND_HALF_DOWN},
};

static bool same_upper(const char *s, const char *upper)
{
	for (; *s && *upper; s++, upper++) {
		char c = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
		if (c != *upper)
			return false;
	}
	return *s == *upper;
}

int ir_rounding_mode(struct ir_module *m, const struct ir_op *op, const char *def,
		     enum ir_rounding *mode)
{
	const char *s = ir_attr_string(op, "rounding_mode", def);
	for (size_t i = 0; i < sizeof rounding_names / sizeof rounding_names[0]; i++)
		if (same_upper(s, rounding_names[i].name)) {
			*mode = rounding_names[i].mode;
			return 0;
		}
	return ir_op_error(m, op, "unknown rounding_mode '%s'", s);
}

double ir_round(double q, enum ir_rounding mode)
{
	bool tie = fabs(q - trunc(q)) == 0.5;
	switch (mode) {
	case IR_ROUND_HALF_EVEN: return tie ? 2 * round(q / 2) : round(q);
	case IR_ROUND_CEIL: return ceil(q);
	case IR_ROUND_FLOOR: return floor(q);
	case IR_ROUND_UP: return q < 0 ? floor(q) : ceil(q);
	case IR_ROUND_DOWN: return trunc(q);
	case IR_ROUND_HALF_UP: return round(q); /* ties away from zero */
	case IR_ROUND_HALF_DOWN: return tie ? trunc(q) : round(q);
	}
	return q;
}

int64_t ir_floor_shift(int64_t x, int64_t mul, int64_t add, int shift)
{
	__extension__ typedef __int128 wide;
	wide v = (wide)x * mul + add;
	v >>= shift; /* arithmetic: floor division by 2^shift */
	if (v > INT64_MAX)
		return INT64_MAX;
	if (v < INT64_MIN)
		return INT64_MIN;
	return (int64_t)v;
}
