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
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <math.h>
#include <string.h>

enum { MAX_CHAIN = 16 };

struct chain {
	int ops[MAX_CHAIN]; /* from the Quantize's input back to the Dequantize's user */
	int n;
	int dequant, acc, quantize;
	int axis;           /* channel axis of the accumulator, -1 when all per tensor */
	int64_t channels;   /* 1 or dims[axis] */
	double *per[MAX_CHAIN]; /* each op's constant per channel */
	double *shift[MAX_CHAIN]; /* BatchNormalization: its additive term */
	bool nan;           /* the chain gave NaN somewhere: not lowered */
	enum ir_rounding rounding; /* the Quantize's */
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

static bool find_chain(struct ir_module *m, int qop, struct chain *ch)
{
	memset(ch, 0, sizeof *ch);
	ch->quantize = qop;
	ch->axis = -1;
	bool had_error = m->error[0] != 0;
	if (ir_rounding_mode(m, &m->ops[qop], "ROUND", &ch->rounding) < 0) {
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
	if (!take_axis(ch, aq->n > 1 ? aq->axis : -1) || !take_axis(ch, oq->n > 1 ? oq->axis : -1))
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

static int build(struct ir_module *m, struct chain *ch)
{
	const struct ir_op *qz = &m->ops[ch->quantize];
	int bits = (int)ir_attr_int(qz, "bits", 0);
	bool is_signed = ir_attr_int(qz, "signed", 1) != 0, bipolar = is_signed && bits == 1;
	int64_t lo, hi;
	ir_quant_grid(bits, is_signed, ir_attr_int(qz, "narrow", 0) != 0, &lo, &hi);
	int64_t base = bipolar ? -1 : lo, step = bipolar ? 2 : 1, k_count = bipolar ? 1 : hi - lo;
	if (k_count < 1 || k_count > 4096)
		return 0;
	int64_t C = ch->channels, tlo = 0, thi = 0;
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
	for (int64_t i = 0; i < C * k_count; i++) {
		tlo = rows[i] < tlo ? rows[i] : tlo;
		thi = rows[i] > thi ? rows[i] : thi;
	}
	qz = &m->ops[ch->quantize];
	struct ir_type tt = ir_type_int(ir_signed_bits_for(tlo, thi), true, 2, (int64_t[]){C, k_count});
	struct ir_type dt = ir_type_int(1, false, 1, (int64_t[]){C});
	int t = li_add_const(m, arena_printf(&m->arena, "%s_thresholds", qz->name), &tt, rows);
	int dv = t < 0 ? t : li_add_const(m, arena_printf(&m->arena, "%s_descending", qz->name),
					   &dt, desc);
	if (t < 0 || dv < 0)
		return t == LI_REJECTED || dv == LI_REJECTED ? 0 : -1;
	qz = &m->ops[ch->quantize];
	int operands[5] = {ch->acc, t, qz->operands[1], qz->operands[2], dv};
	int y = qz->results[0];
	int o = li_add_op(m, IR_OP_MultiThreshold, qz->name, "mt", any_down ? 5 : 4, operands);
	if (o < 0)
		return -1;
	int rank = m->values[ch->acc].type.rank;
	ir_set_attr_int(m, o, "axis", ch->axis >= 0 ? ch->axis : rank - 1);
	ir_set_attr_int(m, o, "bits", bits);
	ir_set_attr_int(m, o, "signed", is_signed);
	ir_set_attr_int(m, o, "out_bias", base);
	ir_set_attr_int(m, o, "out_step", step);
	if (li_infer(m, o) < 0 || !li_replace(m, ch->quantize, o, y))
		return 0;
	for (int i = 0; i < ch->n; i++)
		m->ops[ch->ops[i]].dead = true;
	ir_rebuild_uses(m);
	return 1;
}

int lower_thresholds(struct ir_module *m)
{
	int changes = 0, nops = m->nops;
	for (int o = 0; o < nops; o++) {
		if (m->ops[o].dead || m->ops[o].code != IR_OP_Quantize)
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
