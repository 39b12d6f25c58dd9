/* lower_thresholds.c: Dequantize -> monotone float chain -> Quantize becomes
 * one MultiThreshold (a step of lower-integer, see lower_integer.c).
 *
 * Pattern: q' = Quantize(f(Dequantize(acc))) where f is a chain of
 * single-use ops Mul, Add, Sub, Div (the other operand a constant, scalar or
 * per channel), Relu, LeakyRelu with alpha >= 0, Clip with constant
 * bounds and BatchNormalization with constant parameters (evaluated as the
 * interpreter does in double: s = scale * (1 / sqrt(var + epsilon)),
 * y = x * s + (B - mean * s)), every constant varying along one channel
 * axis at most. For each channel c, level(a) = Quantize(f_c(Dequantize(a))) is a
 * monotone function of the integer accumulator a (each op is, and rounding a
 * float is monotone too), so it is a staircase: for each level step k the
 * smallest a reaching it (largest a, on a decreasing channel) is found by
 * binary search over the accumulator type's range, evaluating the chain in
 * double exactly as the float64 oracle does (promote-f64), Quantize's own
 * rounding included. A level never reached gets a threshold outside the
 * range. The MultiThreshold result is q' itself (same quantized type); the
 * thresholds get the narrowest signed type holding them (the accumulator's
 * width, or one bit more when a level is never reached).
 *
 * The chain may end in a Trunc instead of a Quantize (QONNX.md; per-tensor
 * parameters): its level is q = round_half_even(y / scale + zeropt), divided
 * by t (2^(in_bitwidth - out_bitwidth) in version 1, 2^round(log2(out_scale
 * / scale)) in version 2), clamped to the out_bitwidth grid (version 2), and
 * rounded by its rounding_mode, all in double as the interpreter does. The
 * MultiThreshold then gives those levels typed with (scale, zeropt) in
 * version 1 and (out_scale, zeropt / t) in version 2 (an integer zero point
 * is required), over the range of levels the accumulator can reach, and a
 * Dequantize stands for the Trunc's float result.
 *
 * With more than MIN_MAS_LEVELS levels (few levels compare faster), the
 * thresholds become a Requantize instead when every channel has an exact
 * multiply-add-shift form (lower_mas.c: found from the thresholds and
 * checked against each of them, so identical by construction; a rounding
 * whose ties alternate, half-to-even on a power-of-two ratio, has none and
 * keeps its thresholds).
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <math.h>
#include <string.h>

enum { MAX_CHAIN = 16, MIN_MAS_LEVELS = 16, MAX_MAS_LEVELS = 255 };

struct chain {
	int ops[MAX_CHAIN]; /* from the Quantize's input back to the Dequantize's user */
	int n;
	int dequant, acc, quantize;
	int axis;           /* channel axis of the accumulator, -1 when all per tensor */
	int64_t channels;   /* 1 or dims[axis] */
	double *per[MAX_CHAIN]; /* each op's constant per channel */
	double *shift[MAX_CHAIN]; /* BatchNormalization: its additive term */
	bool nan;           /* the chain gave NaN somewhere: not lowered */
	enum ir_rounding rounding; /* the Quantize's or Trunc's */
	bool trunc;         /* the chain ends in a Trunc (its parameters below) */
	double in_scale, in_zero, t, lo, hi; /* hi < lo: version 1, no clamp */
	double out_scale, out_zero;     /* the result's quantization */
};

/* A float operand known at compile time (a constant, or a Dequantize of
 * quantized constant bias). */
static bool known_float(struct ir_module *m, int v)
{
	return v != IR_NONE && (m->values[v].type.elem == IR_ELEM_F32 ||
				m->values[v].type.elem == IR_ELEM_F64) && ir_known_data(m, v);
}

/* The constant operand index of a chain op, or -1 (Relu, LeakyRelu, Clip:
 * the operand is 0 and the parameters are attributes or scalar bounds). */
static int const_operand(struct ir_module *m, const struct ir_op *op)
{
	if (op->code == IR_OP_Relu || op->code == IR_OP_LeakyRelu || op->code == IR_OP_Clip ||
	    op->code == IR_OP_BatchNormalization)
		return -1;
	if (known_float(m, op->operands[1]))
		return 1;
	if (op->code != IR_OP_Div && known_float(m, op->operands[0]))
		return 0;
	return -2;
}

/* Element i of known float value v. */
static double known_elem(struct ir_module *m, int v, int64_t i)
{
	const void *d = ir_known_data(m, v);
	return m->values[v].type.elem == IR_ELEM_F32 ? ((const float *)d)[i]
						      : ((const double *)d)[i];
}

/* The known value v, broadcast to t, per index along axis into per[]. */
static void known_per_axis(struct ir_module *m, int v, const struct ir_type *t, int axis,
			   double *per)
{
	const struct ir_type *ct = &m->values[v].type;
	int j = axis - (t->rank - ct->rank);
	bool along = j >= 0 && ct->dims[j] != 1;
	for (int64_t k = 0; k < t->dims[axis]; k++)
		per[k] = known_elem(m, v, along ? k : 0);
}

/* Clip's bound k (1 min, 2 max) when given: a known float scalar. */
static bool clip_bound(struct ir_module *m, const struct ir_op *op, int k, double *v)
{
	if (k >= op->noperands || op->operands[k] == IR_NONE)
		return false;
	*v = known_elem(m, op->operands[k], 0);
	return true;
}

/* Op o may be a link of a chain: a monotone non-decreasing function of its
 * operand 0 (its constants read at threshold time). */
static bool is_chain_op(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	switch (op->code) {
	case IR_OP_Mul: case IR_OP_Add: case IR_OP_Sub: case IR_OP_Div: case IR_OP_Relu:
		return true;
	case IR_OP_LeakyRelu:
		return ir_attr_float(op, "alpha", 0.01) >= 0;
	case IR_OP_BatchNormalization:
		for (int k = 1; k < 5; k++)
			if (!cl_is_const(m, op->operands[k]) || !known_float(m, op->operands[k]))
				return false;
		return m->values[op->operands[0]].type.rank >= 2;
	case IR_OP_Clip:
		for (int k = 1; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE && (!known_float(m, op->operands[k]) ||
							   isnan(known_elem(m, op->operands[k], 0))))
				return false;
		return true;
	default:
		return false;
	}
}

/* Notes axis as the channel axis when a parameter varies along it. */
static bool take_axis(struct chain *ch, int axis)
{
	if (axis < 0 || ch->axis == axis)
		return true;
	if (ch->axis >= 0)
		return false;
	ch->axis = axis;
	return true;
}

/* The axis a constant of type ct varies along within x, -1 none, -2 several. */
static int const_axis(const struct ir_type *x, const struct ir_type *ct)
{
	int axis = -1;
	if (ct->rank > x->rank)
		return -2;
	for (int i = 0; i < ct->rank; i++)
		if (ct->dims[i] != 1) {
			if (axis != -1)
				return -2;
			axis = i + x->rank - ct->rank;
		}
	return axis;
}

/* A known float scalar operand k of op, into *v. */
static bool scalar(struct ir_module *m, const struct ir_op *op, int k, double *v)
{
	int x = k < op->noperands ? op->operands[k] : IR_NONE;
	if (!known_float(m, x) || ir_type_numel(&m->values[x].type) != 1)
		return false;
	*v = known_elem(m, x, 0);
	return isfinite(*v);
}

/* A Trunc's parameters (see the top of the file): false when they are not
 * known scalars or not valid (the interpreter reports those). */
static bool trunc_params(struct ir_module *m, const struct ir_op *op, struct chain *ch)
{
	double in_bits, out_bits, out_scale = 0, k;
	bool v2 = op->noperands == 6;
	if (!scalar(m, op, 1, &ch->in_scale) || !scalar(m, op, 2, &ch->in_zero) ||
	    !scalar(m, op, 3, &in_bits) || !scalar(m, op, v2 ? 5 : 4, &out_bits) ||
	    (v2 && !scalar(m, op, 4, &out_scale)) || !(ch->in_scale > 0))
		return false;
	if (out_bits < 1 || out_bits > 32 || out_bits != floor(out_bits) ||
	    in_bits != floor(in_bits) || ch->in_zero != floor(ch->in_zero))
		return false;
	k = v2 ? ir_round(log2(out_scale / ch->in_scale), IR_ROUND_HALF_EVEN) : in_bits - out_bits;
	if (!(k >= -60 && k <= 60))
		return false;
	ch->t = ldexp(1, (int)k);
	ch->lo = 1, ch->hi = 0; /* version 1: no clamp */
	ch->out_scale = ch->in_scale, ch->out_zero = ch->in_zero;
	if (v2) {
		int64_t lo, hi;
		ir_quant_grid((int)out_bits, ir_attr_int(op, "signed", 1) != 0,
			      ir_attr_int(op, "narrow", 0) != 0, &lo, &hi);
		ch->lo = (double)lo, ch->hi = (double)hi;
		ch->out_scale = out_scale;
		ch->out_zero = ch->in_zero / ch->t;
	}
	return out_scale >= 0 && ch->out_zero == floor(ch->out_zero);
}

static bool find_chain(struct ir_module *m, int qop, struct chain *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->quantize = qop;
	ch->axis = -1;
	ch->trunc = m->ops[qop].code == IR_OP_Trunc;
	if (ch->trunc && !trunc_params(m, &m->ops[qop], ch))
		return false;
	bool had_error = m->error[0] != 0;
	if (ir_rounding_mode(m, &m->ops[qop], ch->trunc ? "FLOOR" : "ROUND", &ch->rounding) < 0) {
		if (!had_error) /* not lowered, not an error */
			m->error[0] = 0;
		return false;
	}
	int v = m->ops[qop].operands[0];
	const struct ir_type *xt = &m->values[v].type;
	for (;;) {
		int d = li_dequant_def(m, v);
		if (d != IR_NONE) {
			ch->dequant = d;
			ch->acc = m->ops[d].operands[0];
			break;
		}
		int o = cl_single_use_def(m, v);
		if (o == IR_NONE || !is_chain_op(m, o) || ch->n == MAX_CHAIN)
			return false;
		int k = const_operand(m, &m->ops[o]);
		if (k == -2)
			return false;
		if (k >= 0 && !take_axis(ch, const_axis(xt, &m->values[m->ops[o].operands[k]].type)))
			return false;
		if (k >= 0 && const_axis(xt, &m->values[m->ops[o].operands[k]].type) == -2)
			return false;
		if (m->ops[o].code == IR_OP_BatchNormalization) {
			int axis = m->ops[o].layout == IR_LAYOUT_NHWC ? xt->rank - 1 : 1;
			if (!take_axis(ch, xt->dims[axis] > 1 ? axis : -1))
				return false;
		}
		ch->ops[ch->n++] = o;
		v = m->ops[o].operands[k == 0 ? 1 : 0];
	}
	const struct ir_type *at = &m->values[ch->acc].type;
	const struct ir_quant *aq = at->quant, *oq = m->values[m->ops[qop].results[0]].type.quant;
	if (at->rank != xt->rank || memcmp(at->dims, xt->dims, sizeof at->dims) || at->bits > 60)
		return false;
	if (!take_axis(ch, aq->n > 1 ? aq->axis : -1) ||
	    !take_axis(ch, oq && oq->n > 1 ? oq->axis : -1))
		return false;
	ch->channels = ch->axis >= 0 ? at->dims[ch->axis] : 1;
	return true;
}

/* BatchNormalization op i of the chain: per[i] = s and shift[i] = B - mean
 * * s per channel, as interp_BatchNormalization computes them in double;
 * false when one is not finite. */
static bool batchnorm_constants(struct ir_module *m, struct chain *ch, int i)
{
	const struct ir_op *op = &m->ops[ch->ops[i]];
	int64_t len = ch->channels;
	double eps = ir_attr_float(op, "epsilon", 1e-5);
	ch->per[i] = arena_alloc(&m->arena, (size_t)len * sizeof(double));
	ch->shift[i] = arena_alloc(&m->arena, (size_t)len * sizeof(double));
	bool along = ir_type_numel(&m->values[op->operands[1]].type) > 1;
	for (int64_t c = 0; c < len; c++) {
		int64_t j = along ? c : 0;
		double scale = known_elem(m, op->operands[1], j), bias = known_elem(m, op->operands[2], j);
		double mean = known_elem(m, op->operands[3], j), var = known_elem(m, op->operands[4], j);
		double s = scale * (1 / sqrt(var + eps));
		ch->per[i][c] = s;
		ch->shift[i][c] = bias - mean * s;
		if (!isfinite(ch->per[i][c]) || !isfinite(ch->shift[i][c]))
			return false;
	}
	return true;
}

/* Reads each chain constant per channel (arena); false when one is not
 * finite or a divisor is 0 (the float chain could make NaN). */
static bool read_constants(struct ir_module *m, struct chain *ch)
{
	const struct ir_type *at = &m->values[ch->acc].type;
	for (int i = 0; i < ch->n; i++) {
		const struct ir_op *op = &m->ops[ch->ops[i]];
		int k = const_operand(m, op);
		if (op->code == IR_OP_BatchNormalization && !batchnorm_constants(m, ch, i))
			return false;
		if (k < 0)
			continue;
		int64_t len = ch->axis >= 0 ? at->dims[ch->axis] : 1;
		ch->per[i] = arena_alloc(&m->arena, (size_t)len * sizeof(double));
		if (ch->axis >= 0)
			known_per_axis(m, op->operands[k], at, ch->axis, ch->per[i]);
		else
			ch->per[i][0] = known_elem(m, op->operands[k], 0);
		for (int64_t c = 0; c < len; c++)
			if (!isfinite(ch->per[i][c]) || (op->code == IR_OP_Div && ch->per[i][c] == 0))
				return false;
	}
	return true;
}

/* The level a Trunc gives the real value y (see the top of the file). */
static double trunc_level(struct chain *ch, double y)
{
	double q = ir_round(y / ch->in_scale + ch->in_zero, IR_ROUND_HALF_EVEN);
	if (isnan(q)) {
		ch->nan = true;
		return 0;
	}
	q /= ch->t;
	if (ch->lo <= ch->hi)
		q = q > ch->hi ? ch->hi : q < ch->lo ? ch->lo : q;
	return ir_round(q, ch->rounding);
}

/* The Quantize level of accumulator value a on channel c, in double. */
static double level(struct ir_module *m, struct chain *ch, int64_t c, int64_t a)
{
	const struct ir_quant *aq = m->values[ch->acc].type.quant;
	const struct ir_op *qz = &m->ops[ch->quantize];
	const struct ir_quant *oq = m->values[qz->results[0]].type.quant;
	double y = ((double)a - (double)ir_quant_zero(aq, c)) * ir_quant_scale(aq, c);
	for (int i = ch->n - 1; i >= 0; i--) {
		const struct ir_op *op = &m->ops[ch->ops[i]];
		double k = ch->per[i] ? ch->per[i][ch->axis >= 0 ? c : 0] : 0;
		bool left = const_operand(m, op) == 0;
		switch (op->code) {
		case IR_OP_Mul: y = y * k; break;
		case IR_OP_Add: y = y + k; break;
		case IR_OP_Sub: y = left ? k - y : y - k; break;
		case IR_OP_Div: y = y / k; break;
		case IR_OP_LeakyRelu: y = y < 0 ? y * ir_attr_float(op, "alpha", 0.01) : y; break;
		case IR_OP_BatchNormalization: y = y * k + ch->shift[i][ch->axis >= 0 ? c : 0]; break;
		case IR_OP_Clip: {
			double b;
			if (clip_bound(m, op, 1, &b) && y < b)
				y = b;
			if (clip_bound(m, op, 2, &b) && y > b)
				y = b;
			break;
		}
		default: y = y > 0 ? y : 0; break;
		}
	}
	if (ch->trunc)
		return trunc_level(ch, y);
	int bits = (int)ir_attr_int(qz, "bits", 0);
	bool is_signed = ir_attr_int(qz, "signed", 1) != 0;
	double q = y / ir_quant_scale(oq, c) + (double)ir_quant_zero(oq, c);
	if (is_signed && bits == 1)
		return q >= 0 ? 1 : -1;
	int64_t lo, hi;
	ir_quant_grid(bits, is_signed, ir_attr_int(qz, "narrow", 0) != 0, &lo, &hi);
	if (isnan(q)) {
		ch->nan = true;
		return 0;
	}
	q = q > (double)hi ? (double)hi : q < (double)lo ? (double)lo : q;
	return ir_round(q, ch->rounding);
}

/* Thresholds of channel c into row[0..k_count-1]; *down when decreasing. */
static void channel_thresholds(struct ir_module *m, struct chain *ch, int64_t c,
			       int64_t base, int64_t step, int64_t k_count, int64_t *row,
			       bool *down)
{
	int64_t amin, amax;
	ir_int_range(&m->values[ch->acc].type, &amin, &amax);
	*down = level(m, ch, c, amin) > level(m, ch, c, amax);
	for (int64_t k = 1; k <= k_count; k++) {
		double target = (double)(base + k * step);
		int64_t lo = amin, hi = amax;
		if (!*down) { /* smallest a with level(a) >= target */
			if (level(m, ch, c, amax) < target) {
				row[k - 1] = amax + 1;
				continue;
			}
			while (lo < hi) {
				int64_t mid = lo + (hi - lo) / 2;
				if (level(m, ch, c, mid) >= target)
					hi = mid;
				else
					lo = mid + 1;
			}
			row[k - 1] = lo;
		} else { /* largest a with level(a) >= target */
			if (level(m, ch, c, amin) < target) {
				row[k - 1] = amin - 1;
				continue;
			}
			while (lo < hi) {
				int64_t mid = hi - (hi - lo) / 2;
				if (level(m, ch, c, mid) >= target)
					lo = mid;
				else
					hi = mid - 1;
			}
			row[k - 1] = lo;
		}
	}
}

/* The levels the result takes: base + k * step for k = 0..k_count, typed
 * bits/is_signed. */
struct levels {
	int64_t base, step, k_count;
	int bits;
	bool is_signed;
};

static void quantize_levels(const struct ir_op *qz, struct levels *lv)
{
	lv->bits = (int)ir_attr_int(qz, "bits", 0);
	lv->is_signed = ir_attr_int(qz, "signed", 1) != 0;
	bool bipolar = lv->is_signed && lv->bits == 1;
	int64_t lo, hi;
	ir_quant_grid(lv->bits, lv->is_signed, ir_attr_int(qz, "narrow", 0) != 0, &lo, &hi);
	lv->base = bipolar ? -1 : lo;
	lv->step = bipolar ? 2 : 1;
	lv->k_count = bipolar ? 1 : hi - lo;
}

/* A Trunc's levels: its clamp range (version 2), or those the accumulator's
 * range reaches on any channel (version 1). */
static void trunc_levels(struct ir_module *m, struct chain *ch, struct levels *lv)
{
	double lo = ch->lo, hi = ch->hi;
	if (lo > hi) {
		int64_t amin, amax;
		ir_int_range(&m->values[ch->acc].type, &amin, &amax);
		lo = INFINITY, hi = -INFINITY;
		for (int64_t c = 0; c < ch->channels; c++) {
			double a = level(m, ch, c, amin), b = level(m, ch, c, amax);
			lo = fmin(lo, fmin(a, b));
			hi = fmax(hi, fmax(a, b));
		}
	}
	lv->is_signed = lo < 0;
	lv->bits = 0;
	if (!(hi - lo <= 4096) || !(fabs(lo) < 0x1p31 && fabs(hi) < 0x1p31))
		return;
	lv->base = (int64_t)lo;
	lv->step = 1;
	lv->k_count = (int64_t)hi - lv->base;
	if (lv->is_signed)
		lv->bits = ir_signed_bits_for(lv->base, (int64_t)hi);
	else
		for (lv->bits = 1; (int64_t)hi >> lv->bits; lv->bits++)
			;
}

/* The scale and zero point operands of the MultiThreshold: the Quantize's,
 * or new scalar constants for a Trunc's result; false after an error or
 * when the constants cannot be added. */
static bool result_quant(struct ir_module *m, struct chain *ch, int *scale, int *zero)
{
	const struct ir_op *qz = &m->ops[ch->quantize];
	if (!ch->trunc) {
		*scale = qz->operands[1], *zero = qz->operands[2];
		return true;
	}
	struct ir_type ft = ir_type_f32(0, NULL);
	float sz[2] = {(float)ch->out_scale, (float)ch->out_zero};
	if ((double)sz[0] != ch->out_scale || (double)sz[1] != ch->out_zero)
		return false;
	const char *name = qz->name;
	*scale = li_add_const(m, arena_printf(&m->arena, "%s_out_scale", name), &ft, &sz[0]);
	*zero = *scale < 0 ? *scale
			  : li_add_const(m, arena_printf(&m->arena, "%s_out_zero", name), &ft, &sz[1]);
	return *scale >= 0 && *zero >= 0;
}

/* Attributes axis, bits and signed of the requantization op o. */
static void common_attrs(struct ir_module *m, struct chain *ch, const struct levels *lv, int o)
{
	int rank = m->values[ch->acc].type.rank;
	ir_set_attr_int(m, o, "axis", ch->axis >= 0 ? ch->axis : rank - 1);
	ir_set_attr_int(m, o, "bits", lv->bits);
	ir_set_attr_int(m, o, "signed", lv->is_signed);
}

/* The MultiThreshold of the chain's thresholds rows [C, K] (desc NULL when
 * no channel decreases): its op index , LI_REJECTED, or -1 after an error. */
static int thresholds_op(struct ir_module *m, struct chain *ch, const struct levels *lv,
			 int64_t *rows, int64_t *desc, int scale, int zero)
{
	int64_t C = ch->channels, tlo = 0, thi = 0;
	for (int64_t i = 0; i < C * lv->k_count; i++) {
		tlo = rows[i] < tlo ? rows[i] : tlo;
		thi = rows[i] > thi ? rows[i] : thi;
	}
	const char *name = m->ops[ch->quantize].name;
	struct ir_type tt = ir_type_int(ir_signed_bits_for(tlo, thi), true, 2,
					(int64_t[]){C, lv->k_count});
	struct ir_type dt = ir_type_int(1, false, 1, (int64_t[]){C});
	int t = li_add_const(m, arena_printf(&m->arena, "%s_thresholds", name), &tt, rows);
	int dv = t < 0 || !desc ? t : li_add_const(m, arena_printf(&m->arena, "%s_descending", name),
						   &dt, desc);
	if (t < 0 || dv < 0)
		return t == -1 || dv == -1 ? -1 : LI_REJECTED;
	int operands[5] = {ch->acc, t, scale, zero, dv};
	int o = li_add_op(m, IR_OP_MultiThreshold, m->ops[ch->quantize].name, "mt", desc ? 5 : 4,
			  operands);
	if (o >= 0) {
		common_attrs(m, ch, lv, o);
		ir_set_attr_int(m, o, "out_bias", lv->base);
		ir_set_attr_int(m, o, "out_step", lv->step);
	}
	return o;
}

/* A per-channel [C] integer constant of the chain's requantization. */
static int channel_const(struct ir_module *m, struct chain *ch, const char *what,
			 const int64_t *v)
{
	int64_t lo = 0, hi = 0;
	for (int64_t c = 0; c < ch->channels; c++) {
		lo = v[c] < lo ? v[c] : lo;
		hi = v[c] > hi ? v[c] : hi;
	}
	struct ir_type t = ir_type_int(ir_signed_bits_for(lo, hi), true, 1,
				       (int64_t[]){ch->channels});
	return li_add_const(m, arena_printf(&m->arena, "%s_%s", m->ops[ch->quantize].name, what),
			    &t, v);
}

/* The Requantize (multiply, add, shift: lower_mas.c) equal to the
 * thresholds when every channel has one and the levels are many enough for
 * it to pay (more than MIN_MAS_LEVELS; few levels compare faster): its op
 * index, LI_REJECTED (use thresholds), or -1 after an error. */
static int requantize_op(struct ir_module *m, struct chain *ch, const struct levels *lv,
			 const int64_t *rows, const int64_t *desc, int scale, int zero)
{
	int64_t C = ch->channels, K = lv->k_count, amin, amax;
	if (lv->step != 1 || K < MIN_MAS_LEVELS || K > MAX_MAS_LEVELS)
		return LI_REJECTED;
	ir_int_range(&m->values[ch->acc].type, &amin, &amax);
	int64_t *mas = arena_alloc(&m->arena, (size_t)(3 * C) * sizeof *mas);
	for (int64_t c = 0; c < C; c++)
		if (!li_multiply_shift(rows + c * K, K, lv->base, desc[c] != 0, amin, amax,
				       &mas[c], &mas[C + c], &mas[2 * C + c]))
			return LI_REJECTED;
	int operands[6] = {ch->acc, channel_const(m, ch, "multiplier", mas),
			   channel_const(m, ch, "offset", mas + C),
			   channel_const(m, ch, "shift", mas + 2 * C), scale, zero};
	for (int k = 1; k <= 3; k++)
		if (operands[k] < 0)
			return operands[k];
	int o = li_add_op(m, IR_OP_Requantize, m->ops[ch->quantize].name, "rq", 6, operands);
	if (o >= 0) {
		common_attrs(m, ch, lv, o);
		ir_set_attr_int(m, o, "lo", lv->base);
		ir_set_attr_int(m, o, "hi", lv->base + K);
	}
	return o;
}

/* Op o (typed by li_infer here) stands for the chain's quantizer: 1, 0 or -1. */
static int finish(struct ir_module *m, struct chain *ch, int o)
{
	if (li_infer(m, o) < 0)
		return m->error[0] ? -1 : 0;
	if (ch->trunc) {
		int r = li_finish(m, ch->quantize, o);
		if (r <= 0)
			return r;
	} else if (!li_replace(m, ch->quantize, o, m->ops[ch->quantize].results[0])) {
		return 0;
	}
	for (int i = 0; i < ch->n; i++)
		m->ops[ch->ops[i]].dead = true;
	ir_rebuild_uses(m);
	return 1;
}

static int build(struct ir_module *m, struct chain *ch)
{
	struct levels lv;
	if (ch->trunc)
		trunc_levels(m, ch, &lv);
	else
		quantize_levels(&m->ops[ch->quantize], &lv);
	int64_t base = lv.base, step = lv.step, k_count = lv.k_count;
	if (lv.bits < 1 || k_count < 1 || k_count > 4096)
		return 0;
	int64_t C = ch->channels;
	int64_t *rows = arena_alloc(&m->arena, (size_t)(C * k_count) * sizeof *rows);
	int64_t *desc = arena_alloc(&m->arena, (size_t)C * sizeof *desc);
	bool any_down = false;
	for (int64_t c = 0; c < C; c++) {
		bool down;
		channel_thresholds(m, ch, c, base, step, k_count, rows + c * k_count, &down);
		desc[c] = down;
		any_down = any_down || down;
	}
	if (ch->nan)
		return 0;
	int scale, zero;
	if (!result_quant(m, ch, &scale, &zero))
		return m->error[0] ? -1 : 0;
	int o = requantize_op(m, ch, &lv, rows, desc, scale, zero);
	if (o == LI_REJECTED)
		o = thresholds_op(m, ch, &lv, rows, any_down ? desc : NULL, scale, zero);
	if (o < 0)
		return o == LI_REJECTED ? 0 : -1;
	return finish(m, ch, o);
}

int lower_thresholds(struct ir_module *m)
{
	int changes = 0, nops = m->nops;
	for (int o = 0; o < nops; o++) {
		if (m->ops[o].dead ||
		    (m->ops[o].code != IR_OP_Quantize && m->ops[o].code != IR_OP_Trunc))
			continue;
		struct chain ch;
		if (!find_chain(m, o, &ch) || !read_constants(m, &ch))
			continue;
		int r = build(m, &ch);
		if (r < 0)
			return -1;
		changes += r;
	}
	return changes;
}
