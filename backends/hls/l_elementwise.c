/* l_elementwise.c: element-wise ops as C functions: binary arithmetic with
 * numpy broadcasting, unary functions, Cast, Clip and MultiThreshold.
 *
 * Integers (the kernel): each operand is converted to a compute type, the
 * narrowest signed type holding the operands' and the result's ranges, so
 * the C arithmetic never overflows whatever the integer promotions (none
 * for _BitInt); the result is stored into its exact width, wrapped as the
 * interpreter's integer arithmetic wraps when its range is not proven to
 * fit (l_util.c). MultiThreshold counts the thresholds of the element's
 * channel it reaches (x >= T[c][k], x <= T[c][k] on a descending channel):
 * q = out_bias + out_step * count.
 *
 * Floats (the io file): float32 arithmetic and the float <math.h> functions,
 * as the interpreter computes float32 tensors (ir/interp/elementwise.c,
 * unary.c); Min and Max propagate NaN.
 */
#include "hls.h"

#include <string.h>

/* ---- the op table ------------------------------------------------------------- */

enum range_rule { R_NONE, R_ADD, R_SUB, R_MUL, R_MIN, R_MAX, R_RELU, R_NEG, R_ABS };

struct ew {
	int arity;
	const char *fexpr;     /* float32 expression of a, b (alpha, beta: attributes) */
	const char *iexpr;     /* integer expression of a, b; NULL: float only */
	enum range_rule rule;
	const char *alpha, *beta;   /* attribute names read as float constants */
	double alpha_def, beta_def;
};

static const struct ew ew_ops[IR_OP_COUNT] = {
	[IR_OP_Add] = {2, "a + b", "a + b", R_ADD, NULL, NULL, 0, 0},
	[IR_OP_Sub] = {2, "a - b", "a - b", R_SUB, NULL, NULL, 0, 0},
	[IR_OP_Mul] = {2, "a * b", "a * b", R_MUL, NULL, NULL, 0, 0},
	[IR_OP_Div] = {2, "a / b", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Pow] = {2, "(b == 2.0f ? a * a : b == 3.0f ? a * a * a : powf(a, b))", NULL, R_NONE,
		       NULL, NULL, 0, 0},
	[IR_OP_Min] = {2, "(a != a || b != b ? NAN : a < b ? a : b)", "(a < b ? a : b)", R_MIN,
		       NULL, NULL, 0, 0},
	[IR_OP_Max] = {2, "(a != a || b != b ? NAN : a > b ? a : b)", "(b < a ? a : b)", R_MAX,
		       NULL, NULL, 0, 0},
	[IR_OP_PRelu] = {2, "(a < 0 ? b * a : a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Relu] = {1, "(a < 0 ? 0.0f : a)", "(a < 0 ? 0 : a)", R_RELU, NULL, NULL, 0, 0},
	[IR_OP_Neg] = {1, "-a", "-a", R_NEG, NULL, NULL, 0, 0},
	[IR_OP_Abs] = {1, "fabsf(a)", "(a < 0 ? -a : a)", R_ABS, NULL, NULL, 0, 0},
	[IR_OP_Sign] = {1, "(a > 0 ? 1.0f : a < 0 ? -1.0f : a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Sqrt] = {1, "sqrtf(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Exp] = {1, "expf(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Log] = {1, "logf(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Erf] = {1, "erff(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Reciprocal] = {1, "1.0f / a", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Tanh] = {1, "tanhf(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Sigmoid] = {1, "1.0f / (1.0f + expf(-a))", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Floor] = {1, "floorf(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Ceil] = {1, "ceilf(a)", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_Softsign] = {1, "a / (1.0f + fabsf(a))", NULL, R_NONE, NULL, NULL, 0, 0},
	[IR_OP_LeakyRelu] = {1, "(a >= 0 ? a : alpha * a)", NULL, R_NONE, "alpha", NULL, 0.01, 0},
	[IR_OP_Elu] = {1, "(a >= 0 ? a : alpha * (expf(a) - 1.0f))", NULL, R_NONE, "alpha", NULL, 1.0,
		       0},
	[IR_OP_HardSigmoid] = {1, "fmaxf(0.0f, fminf(1.0f, alpha * a + beta))", NULL, R_NONE,
			       "alpha", "beta", 0.2, 0.5},
};

/* ---- integer ranges -------------------------------------------------------------- */

static bool sat(bool overflow, int64_t *r, int64_t v)
{
	*r = v;
	return !overflow;
}

/* The result range of rule over [alo, ahi] (and [blo, bhi]); false on
 * int64 overflow. */
static bool result_range(enum range_rule rule, int64_t alo, int64_t ahi, int64_t blo, int64_t bhi,
			 int64_t *lo, int64_t *hi)
{
	int64_t p[4];
	switch (rule) {
	case R_ADD:
		return !__builtin_add_overflow(alo, blo, lo) && !__builtin_add_overflow(ahi, bhi, hi);
	case R_SUB:
		return !__builtin_sub_overflow(alo, bhi, lo) && !__builtin_sub_overflow(ahi, blo, hi);
	case R_MUL:
		if (__builtin_mul_overflow(alo, blo, &p[0]) || __builtin_mul_overflow(alo, bhi, &p[1]) ||
		    __builtin_mul_overflow(ahi, blo, &p[2]) || __builtin_mul_overflow(ahi, bhi, &p[3]))
			return false;
		*lo = *hi = p[0];
		for (int i = 1; i < 4; i++) {
			*lo = p[i] < *lo ? p[i] : *lo;
			*hi = p[i] > *hi ? p[i] : *hi;
		}
		return true;
	case R_MIN:
		*lo = alo < blo ? alo : blo;
		*hi = ahi < bhi ? ahi : bhi;
		return true;
	case R_MAX:
		*lo = alo > blo ? alo : blo;
		*hi = ahi > bhi ? ahi : bhi;
		return true;
	case R_RELU:
		*lo = alo > 0 ? alo : 0;
		*hi = ahi > 0 ? ahi : 0;
		return true;
	case R_NEG:
		return alo != INT64_MIN && sat(false, lo, -ahi) && sat(false, hi, -alo);
	case R_ABS:
		if (alo == INT64_MIN)
			return false;
		*lo = alo >= 0 ? alo : ahi <= 0 ? -ahi : 0;
		*hi = -alo > ahi ? -alo : ahi;
		return true;
	case R_NONE:
		break;
	}
	return false;
}

static int64_t min3(int64_t a, int64_t b, int64_t c)
{
	return a < b ? (a < c ? a : c) : (b < c ? b : c);
}

static int64_t max3(int64_t a, int64_t b, int64_t c)
{
	return a > b ? (a > c ? a : c) : (b > c ? b : c);
}

/* ---- broadcasting ------------------------------------------------------------------ */

/* Strides of operand t read at the positions of y (0 along broadcast dims). */
static void bcast_strides(const struct ir_type *t, const struct ir_type *y, int64_t *s)
{
	int64_t ts[IR_MAX_RANK];
	hls_strides(t, ts);
	for (int d = 0; d < y->rank; d++) {
		int dd = d - (y->rank - t->rank);
		s[d] = dd >= 0 && t->dims[dd] != 1 ? ts[dd] : 0;
	}
}

static const char *operand_at(struct hls_fn *f, int k)
{
	const struct ir_type *y = hls_ytype(f);
	int64_t s[IR_MAX_RANK];
	bcast_strides(hls_xtype(f, k), y, s);
	return hls_str(f->h, "%s[%s]", f->x[k], hls_index(f, y->rank, y->dims, s, 0, "i"));
}

static const char *result_at(struct hls_fn *f)
{
	const struct ir_type *y = hls_ytype(f);
	int64_t s[IR_MAX_RANK];
	hls_strides(y, s);
	return hls_str(f->h, "%s[%s]", f->y, hls_index(f, y->rank, y->dims, s, 0, "i"));
}

/* ---- binary and unary ---------------------------------------------------------------- */

static int emit_float(struct hls_fn *f, const struct ew *e)
{
	const struct ir_type *y = hls_ytype(f);
	char lit[64];
	for (int k = 0; k < e->arity; k++)
		if (hls_xtype(f, k)->elem != IR_ELEM_F32)
			return hls_fail(f, "float types other than float32");
	if (y->elem != IR_ELEM_F32)
		return hls_fail(f, "float types other than float32");
	if (e->alpha)
		sb_printf(f->b, "\tconst float alpha = %s;\n",
			  hls_lit_f32((float)ir_attr_float(f->op, e->alpha, e->alpha_def), lit, sizeof lit));
	if (e->beta)
		sb_printf(f->b, "\tconst float beta = %s;\n",
			  hls_lit_f32((float)ir_attr_float(f->op, e->beta, e->beta_def), lit, sizeof lit));
	int opened = hls_open_loops(f, 1, y->rank, y->dims, "i");
	int d = 1 + opened;
	for (int k = 0; k < e->arity; k++) {
		sb_indent(f->b, d);
		sb_printf(f->b, "const float %c = %s;\n", "ab"[k], operand_at(f, k));
	}
	sb_indent(f->b, d);
	sb_printf(f->b, "%s = %s;\n", result_at(f), e->fexpr);
	hls_close_loops(f, 1, opened);
	return 0;
}

static int emit_int(struct hls_fn *f, const struct ew *e)
{
	const struct ir_type *y = hls_ytype(f);
	int64_t r[2][2] = {{0, 0}, {0, 0}}, lo, hi;
	for (int k = 0; k < e->arity; k++) {
		if (hls_xtype(f, k)->elem != IR_ELEM_INT)
			return hls_fail(f, "operands of mixed element types");
		hls_xrange(f, k, &r[k][0], &r[k][1]);
	}
	if (!e->iexpr)
		return hls_fail(f, "an integer form of this op");
	if (!result_range(e->rule, r[0][0], r[0][1], r[1][0], r[1][1], &lo, &hi))
		return hls_fail(f, "a result wider than 64 bits");
	int bits = hls_signed_width(min3(lo, r[0][0], r[1][0]), max3(hi, r[0][1], r[1][1]));
	const char *ct = hls_int_ctype(f->h, bits, true);
	int opened = hls_open_loops(f, 1, y->rank, y->dims, "i");
	int d = 1 + opened;
	hls_pragma(f, d, "PIPELINE II=1");
	for (int k = 0; k < e->arity; k++) {
		sb_indent(f->b, d);
		sb_printf(f->b, "const %s %c = (%s)%s;\n", ct, "ab"[k], ct, operand_at(f, k));
	}
	sb_indent(f->b, d);
	sb_printf(f->b, "%s = %s;\n", result_at(f), hls_store_int(f, y, lo, hi, e->iexpr));
	hls_close_loops(f, 1, opened);
	hls_set_yrange(f, lo, hi);
	f->layer->cycles = ir_type_numel(y) + 4;
	if (e->rule == R_MUL) {
		f->layer->macs = ir_type_numel(y);
		f->layer->per = 1;
		f->layer->unroll = 1;
	}
	return 0;
}

static int emit_ew(struct hls_fn *f)
{
	const struct ew *e = &ew_ops[f->op->code];
	if (!e->fexpr)
		return hls_fail(f, "an emitter for this op");
	if (f->op->noperands != e->arity)
		return hls_fail(f, "a variadic form");
	return hls_ytype(f)->elem == IR_ELEM_INT ? emit_int(f, e) : emit_float(f, e);
}

int hls_emit_binary(struct hls_fn *f)
{
	return emit_ew(f);
}

int hls_emit_unary(struct hls_fn *f)
{
	return emit_ew(f);
}

/* ---- Cast and Clip ------------------------------------------------------------------- */

int hls_emit_cast(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	if (x->elem != y->elem || (x->elem != IR_ELEM_INT && x->elem != IR_ELEM_F32))
		return hls_fail(f, "a conversion between integers and floats");
	int opened = hls_open_loops(f, 1, y->rank, y->dims, "i");
	int d = 1 + opened;
	const char *a = operand_at(f, 0);
	if (y->elem == IR_ELEM_INT) {
		int64_t lo, hi;
		hls_xrange(f, 0, &lo, &hi);
		hls_pragma(f, d, "PIPELINE II=1");
		sb_indent(f->b, d);
		sb_printf(f->b, "%s = %s;\n", result_at(f), hls_store_int(f, y, lo, hi, a));
		hls_set_yrange(f, lo, hi);
		f->layer->cycles = ir_type_numel(y) + 4;
	} else {
		sb_indent(f->b, d);
		sb_printf(f->b, "%s = %s;\n", result_at(f), a);
	}
	hls_close_loops(f, 1, opened);
	return 0;
}

/* Clip (x, min, max): y = x; y < min: min; max < y: max (bounds optional
 * constants in y's type). */
int hls_emit_clip(struct hls_fn *f)
{
	const struct ir_type *y = hls_ytype(f);
	const void *b[2] = {hls_known(f, 1), hls_known(f, 2)};
	for (int k = 1; k < 3 && k < f->op->noperands; k++)
		if (f->op->operands[k] != IR_NONE && !b[k - 1])
			return hls_fail(f, "bounds that are not constants");
	int opened = hls_open_loops(f, 1, y->rank, y->dims, "i");
	int d = 1 + opened;
	char lit[2][64];
	if (y->elem == IR_ELEM_INT) {
		int64_t lo, hi, bv[2];
		hls_xrange(f, 0, &lo, &hi);
		for (int k = 0; k < 2; k++)
			bv[k] = b[k] ? *(const int64_t *)b[k] : 0;
		if (b[0]) {
			lo = lo > bv[0] ? lo : bv[0];
			hi = hi > bv[0] ? hi : bv[0];
		}
		if (b[1]) {
			lo = lo < bv[1] ? lo : bv[1];
			hi = hi < bv[1] ? hi : bv[1];
		}
		int64_t xlo, xhi;
		hls_xrange(f, 0, &xlo, &xhi);
		int bits = hls_signed_width(min3(xlo, b[0] ? bv[0] : xlo, b[1] ? bv[1] : xlo),
					    max3(xhi, b[0] ? bv[0] : xhi, b[1] ? bv[1] : xhi));
		const char *ct = hls_int_ctype(f->h, bits, true);
		hls_pragma(f, d, "PIPELINE II=1");
		sb_indent(f->b, d);
		sb_printf(f->b, "%s a = (%s)%s;\n", ct, ct, operand_at(f, 0));
		for (int k = 0; k < 2; k++)
			if (b[k]) {
				sb_indent(f->b, d);
				hls_lit_int(bv[k], lit[k], sizeof lit[k]);
				sb_printf(f->b, k ? "if (%s < a)\n" : "if (a < %s)\n", lit[k]);
				sb_indent(f->b, d + 1);
				sb_printf(f->b, "a = %s;\n", lit[k]);
			}
		sb_indent(f->b, d);
		sb_printf(f->b, "%s = %s;\n", result_at(f), hls_store_int(f, y, lo, hi, "a"));
		hls_set_yrange(f, lo, hi);
		f->layer->cycles = ir_type_numel(y) + 4;
	} else if (y->elem == IR_ELEM_F32) {
		sb_indent(f->b, d);
		sb_printf(f->b, "float a = %s;\n", operand_at(f, 0));
		for (int k = 0; k < 2; k++)
			if (b[k]) {
				sb_indent(f->b, d);
				hls_lit_f32(*(const float *)b[k], lit[k], sizeof lit[k]);
				sb_printf(f->b, k ? "if (%s < a)\n" : "if (a < %s)\n", lit[k]);
				sb_indent(f->b, d + 1);
				sb_printf(f->b, "a = %s;\n", lit[k]);
			}
		sb_indent(f->b, d);
		sb_printf(f->b, "%s = a;\n", result_at(f));
	} else {
		return hls_fail(f, "float types other than float32");
	}
	hls_close_loops(f, 1, opened);
	return 0;
}

/* ---- MultiThreshold ------------------------------------------------------------------- */

/* (x, T [C, K], scale, zeropt, descending [C]): out_bias + out_step * count. */
int hls_emit_multithreshold(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *tt = hls_xtype(f, 1), *y = hls_ytype(f);
	const int64_t *desc = f->op->noperands > 4 ? hls_known(f, 4) : NULL;
	int axis = (int)ir_attr_int(f->op, "axis", 1);
	int64_t bias = ir_attr_int(f->op, "out_bias", 0), step = ir_attr_int(f->op, "out_step", 1);
	if (axis < 0)
		axis += x->rank;
	if (!f->x_const[1] || tt->rank != 2 || tt->elem != IR_ELEM_INT || x->elem != IR_ELEM_INT ||
	    axis < 0 || axis >= x->rank)
		return hls_fail(f, "thresholds that are not a constant integer [C, K] table");
	if (f->op->noperands > 4 && f->op->operands[4] != IR_NONE && !desc)
		return hls_fail(f, "descending flags that are not constants");
	int64_t rows = tt->dims[0], k = tt->dims[1];
	if (rows != 1 && rows != x->dims[axis])
		return hls_fail(f, "a threshold table whose rows are not the channels");
	int64_t xlo, xhi, tlo, thi;
	hls_xrange(f, 0, &xlo, &xhi);
	hls_xrange(f, 1, &tlo, &thi);
	const char *ct = hls_int_ctype(f->h, hls_signed_width(xlo < tlo ? xlo : tlo,
							      xhi > thi ? xhi : thi), true);
	int64_t lo = bias, hi = bias, top;
	if (__builtin_mul_overflow(step, k, &top) || __builtin_add_overflow(bias, top, &top))
		return hls_fail(f, "an output range wider than 64 bits");
	lo = top < lo ? top : lo;
	hi = top > hi ? top : hi;
	int ndown = 0;
	for (int64_t c = 0; desc && c < rows; c++)
		ndown += desc[c] != 0;
	const char *dtab = ndown && ndown < rows ? hls_table_value(f->h, f->op->operands[4], !f->kernel,
								   (int)(f->layer - f->h->layers))
						 : NULL;
	if (k > 1)
		hls_pragma(f, 1, "ARRAY_PARTITION variable=%s cyclic factor=%lld dim=1", f->x[1],
			   (long long)k);
	const char *index, *channel;
	int opened = hls_open_channel_loops(f, 1, x, rows == 1 ? -1 : axis, &index, &channel);
	int d = 1 + opened;
	hls_pragma(f, d, "PIPELINE II=1");
	sb_indent(f->b, d);
	sb_printf(f->b, "const %s v = (%s)%s[%s];\n", ct, ct, f->x[0], index);
	sb_indent(f->b, d);
	sb_puts(f->b, "int count = 0;\n");
	sb_indent(f->b, d);
	sb_printf(f->b, "for (int k = 0; k < %lld; k++)\n", (long long)k);
	sb_indent(f->b, d + 1);
	const char *t = rows == 1 ? hls_str(f->h, "(%s)%s[k]", ct, f->x[1])
				  : hls_str(f->h, "(%s)%s[%s * %lld + k]", ct, f->x[1], channel, (long long)k);
	if (dtab)
		sb_printf(f->b, "count += %s[%s] ? v <= %s : v >= %s;\n", dtab, channel, t, t);
	else
		sb_printf(f->b, "count += v %s %s;\n", ndown ? "<=" : ">=", t);
	char lb[64], ls[64];
	const char *cnt = lo < -2147483647 || hi > 2147483647 ? "(long long)count" : "count";
	const char *expr;
	if (bias == 0 && step == 1)
		expr = cnt;
	else if (step == 1)
		expr = hls_str(f->h, "%s + %s", hls_lit_int(bias, lb, sizeof lb), cnt);
	else
		expr = hls_str(f->h, "%s + %s * %s", hls_lit_int(bias, lb, sizeof lb),
			       hls_lit_int(step, ls, sizeof ls), cnt);
	sb_indent(f->b, d);
	sb_printf(f->b, "%s[%s] = %s;\n", f->y, index, hls_store_int(f, y, lo, hi, expr));
	hls_close_loops(f, 1, opened);
	hls_set_yrange(f, lo, hi);
	f->layer->cycles = ir_type_numel(y) + 8;
	return 0;
}

/* ---- BatchNormalization (host) --------------------------------------------------------- */

/* (X, scale, B, mean, var), inference: per channel s = 1 / sqrt(var + eps)
 * * scale, b = B - mean * s, y = x * s + b, each step in float as the
 * interpreter (ir/interp/norm.c) and ONNX Runtime compute it. */
int hls_emit_batchnorm(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	const char *t[5];
	char eps[64];
	if (f->kernel || x->elem != IR_ELEM_F32 || y->elem != IR_ELEM_F32 || x->rank < 2)
		return hls_fail(f, "a type other than float32");
	for (int k = 1; k < 5; k++) {
		const struct ir_type *pt = hls_xtype(f, k);
		if (!f->x_const[k] || pt->elem != IR_ELEM_F32)
			return hls_fail(f, "per-channel operands that are not float32 constants");
		t[k] = hls_table_value(f->h, f->op->operands[k], true, (int)(f->layer - f->h->layers));
	}
	int axis = f->op->layout == IR_LAYOUT_NHWC ? x->rank - 1 : 1;
	if (ir_type_numel(hls_xtype(f, 1)) != x->dims[axis])
		return hls_fail(f, "per-channel operands of another length than the channels");
	hls_lit_f32((float)ir_attr_float(f->op, "epsilon", 1e-5), eps, sizeof eps);
	const char *index, *channel;
	int opened = hls_open_channel_loops(f, 1, x, axis, &index, &channel);
	int d = 1 + opened;
	sb_indent(f->b, d);
	sb_printf(f->b, "const float inv = 1.0f / sqrtf(%s[%s] + %s);\n", t[4], channel, eps);
	sb_indent(f->b, d);
	sb_printf(f->b, "const float s = inv * %s[%s];\n", t[1], channel);
	sb_indent(f->b, d);
	sb_printf(f->b, "const float b = %s[%s] - %s[%s] * s;\n", t[2], channel, t[3], channel);
	sb_indent(f->b, d);
	sb_printf(f->b, "const float v = %s[%s] * s;\n", f->x[0], index);
	sb_indent(f->b, d);
	sb_printf(f->b, "%s[%s] = v + b;\n", f->y, index);
	hls_close_loops(f, 1, opened);
	return 0;
}
