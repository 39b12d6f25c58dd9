/* k_quant_qdq.c: the integer-lowering ops Quantize, Dequantize,
 * MultiThreshold and Requantize (ir/ops.def, ir/quant.h), mirroring
 * ir/interp/qdq.c.
 *
 * Scales and zero points come from the quant record of the integer type
 * (the result's for Quantize, the operand's for Dequantize): compile-time
 * numbers, emitted as constants, or as a private constant table indexed by
 * the channel when per channel. Each kernel walks its result with a loop
 * nest, so the channel is the loop index of the quant axis.
 *
 * Quantize: q = round(clamp(x / scale + zero_point, lo, hi)), in double as
 * the interpreter does (the real-valued quantizer: see ir/interp/qdq.c); a
 * signed 1-bit grid is bipolar (q >= 0 ? 1 : -1). Where
 * the interpreter stops on a NaN, generated code gives 0 (inside every
 * grid). Dequantize: y = (q - zero_point) * scale.
 * MultiThreshold: q = out_bias + out_step * #{k : x >= T[c][k]} (x <= T[c][k]
 * on a channel whose descending flag is set), wrapped to the result type;
 * the count runs over the K thresholds of the element's channel, by binary
 * search when the rows are known to be sorted (as the lower-integer pass
 * makes them), else by a loop over all K; with contiguous channels and a
 * vector unit, k_threshold_vec.c compares a vector of channels at once.
 */
#include "k_quant.h"
#include "epilogue.h"
#include "k_dot.h"
#include "k_threshold_vec.h"

#include "ir/quant.h"

/* A private constant array of n values of type elem; returns its address. */
static LLVMValueRef const_table(struct cg *g, LLVMTypeRef elem, int64_t n, LLVMValueRef *vals)
{
	LLVMTypeRef ty = LLVMArrayType2(elem, (uint64_t)n);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, ty, "qparams");
	LLVMSetInitializer(gv, LLVMConstArray2(elem, vals, (uint64_t)n));
	LLVMSetGlobalConstant(gv, true);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	return gv;
}

static LLVMValueRef table_load(struct cg *g, LLVMTypeRef elem, LLVMValueRef table, LLVMValueRef c)
{
	LLVMValueRef p = LLVMBuildGEP2(g->b, elem, table, &c, 1, "");
	return LLVMBuildLoad2(g->b, elem, p, "");
}

/* Scale and zero point (both doubles) of a quant record, per element. */
struct qparams {
	const struct ir_quant *qt;
	LLVMValueRef scales, zeros; /* tables, when per channel */
};

static int qparams_init(struct cg *g, const struct ir_op *op, const struct ir_quant *qt,
			const struct ir_type *t, struct qparams *p)
{
	p->qt = qt;
	p->scales = p->zeros = NULL;
	if (qt->axis < 0)
		return 0;
	if (qt->axis >= t->rank || qt->n != t->dims[qt->axis])
		return ir_op_error(g->m, op, "quantization axis does not match the tensor");
	LLVMValueRef *s = arena_alloc(&g->m->arena, sizeof *s * (size_t)qt->n);
	LLVMValueRef *z = arena_alloc(&g->m->arena, sizeof *z * (size_t)qt->n);
	for (int64_t c = 0; c < qt->n; c++) {
		s[c] = q_d(g, ir_quant_scale(qt, c));
		z[c] = q_d(g, (double)ir_quant_zero(qt, c));
	}
	p->scales = const_table(g, g->t_f64, qt->n, s);
	p->zeros = const_table(g, g->t_f64, qt->n, z);
	return 0;
}

static void qparams_at(struct cg *g, const struct qparams *p, const struct cg_nest *nest,
		       LLVMValueRef *s, LLVMValueRef *z)
{
	if (!p->scales) {
		*s = q_d(g, ir_quant_scale(p->qt, 0));
		*z = q_d(g, (double)ir_quant_zero(p->qt, 0));
		return;
	}
	LLVMValueRef c = nest->iv[p->qt->axis];
	*s = table_load(g, g->t_f64, p->scales, c);
	*z = table_load(g, g->t_f64, p->zeros, c);
}

/* Opens the loop nest over t's elements; *at is the linear index. */
static void walk_begin(struct cg *g, struct cg_nest *nest, const struct ir_type *t, LLVMValueRef *at)
{
	int64_t strides[IR_MAX_RANK];
	cg_strides(t, strides);
	cg_nest_begin(g, nest, t->rank, t->dims);
	*at = cg_linear(g, t->rank, strides, nest->iv);
}

static const struct ir_type f64_type = {.elem = IR_ELEM_F64, .bits = 64};
static const struct ir_type i64_type = {.elem = IR_ELEM_INT, .bits = 64, .is_signed = true};

/* ---- Quantize ------------------------------------------------------------- */

static int quantize_kernel(struct cg *g, const struct ir_op *op)
{
	int xv = op->operands[0], yv = op->results[0];
	const struct ir_type *xt = &g->m->values[xv].type, *yt = &g->m->values[yv].type;
	const struct ir_quant *qt = yt->quant;
	int bits = (int)ir_attr_int(op, "bits", 0);
	bool is_signed = ir_attr_int(op, "signed", 1) != 0;
	bool narrow = ir_attr_int(op, "narrow", 0) != 0;
	enum ir_rounding mode;
	struct qparams p;
	if (!qt || yt->elem != IR_ELEM_INT || bits < 1 || bits > 63)
		return ir_op_error(g->m, op, "result is not a quantized integer type");
	if (xt->elem != IR_ELEM_F32 && xt->elem != IR_ELEM_F64)
		return ir_op_error(g->m, op, "input must be a float tensor");
	if (ir_rounding_mode(g->m, op, "ROUND", &mode) < 0 || qparams_init(g, op, qt, yt, &p) < 0)
		return -1;
	if (!cg_base(g, xv) || !cg_base(g, yv))
		return -1;
	int64_t lo, hi;
	ir_quant_grid(bits, is_signed, narrow, &lo, &hi);
	struct cg_nest nest;
	LLVMValueRef at, s, z, r;
	walk_begin(g, &nest, yt, &at);
	qparams_at(g, &p, &nest, &s, &z);
	LLVMValueRef x = cg_convert(g, cg_load(g, xv, at), xt, &f64_type);
	LLVMValueRef q = LLVMBuildFAdd(g->b, LLVMBuildFDiv(g->b, x, s, ""), z, "");
	if (is_signed && bits == 1) {
		LLVMValueRef pos = LLVMBuildFCmp(g->b, LLVMRealOGE, q, q_d(g, 0), "");
		r = LLVMBuildSelect(g->b, pos, q_d(g, 1), q_d(g, -1), "");
	} else {
		LLVMValueRef dlo = q_d(g, (double)lo), dhi = q_d(g, (double)hi);
		q = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOGT, q, dhi, ""), dhi, q, "");
		q = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealOLT, q, dlo, ""), dlo, q, "");
		q = LLVMBuildSelect(g->b, LLVMBuildFCmp(g->b, LLVMRealUNO, q, q, ""), q_d(g, 0), q, "");
		r = q_round(g, q, mode, false);
	}
	LLVMValueRef v = LLVMBuildFPToSI(g->b, r, g->t_i64, ""); /* integral, within lo..hi */
	cg_store(g, yv, at, cg_convert(g, v, &i64_type, yt));
	cg_nest_end(g, &nest);
	return 0;
}

/* ---- Dequantize ----------------------------------------------------------- */

static int dequantize_kernel(struct cg *g, const struct ir_op *op)
{
	int qv = op->operands[0], yv = op->results[0];
	const struct ir_type *qt_type = &g->m->values[qv].type, *yt = &g->m->values[yv].type;
	struct qparams p;
	if (!qt_type->quant || qt_type->elem != IR_ELEM_INT)
		return ir_op_error(g->m, op, "input is not a quantized integer tensor");
	if (yt->elem != IR_ELEM_F32 && yt->elem != IR_ELEM_F64)
		return ir_op_error(g->m, op, "result must be a float tensor");
	if (qparams_init(g, op, qt_type->quant, qt_type, &p) < 0)
		return -1;
	if (!cg_base(g, qv) || !cg_base(g, yv))
		return -1;
	bool f32 = yt->elem == IR_ELEM_F32;
	struct cg_nest nest;
	LLVMValueRef at, s, z;
	walk_begin(g, &nest, yt, &at);
	qparams_at(g, &p, &nest, &s, &z);
	LLVMValueRef q = cg_convert(g, cg_load(g, qv, at), qt_type, &f64_type);
	LLVMValueRef d = q_fl(g, LLVMBuildFSub(g->b, q, z, ""), f32);
	LLVMValueRef y = q_fl(g, LLVMBuildFMul(g->b, d, s, ""), f32);
	cg_store(g, yv, at, f32 ? LLVMBuildFPTrunc(g->b, y, g->t_f32, "") : y);
	cg_nest_end(g, &nest);
	return 0;
}

/* ---- MultiThreshold ------------------------------------------------------- */

struct thresholds {
	int value;      /* the [C, K] operand */
	int64_t rows, k_count;
	int desc;       /* the descending operand, or IR_NONE */
	int axis;
	bool monotone;  /* every row passes on a prefix: binary search */
};

/* Whether the thresholds and descending flags are known and every row is
 * sorted the way its comparison needs (non-decreasing for x >= T,
 * non-increasing for x <= T), so that the thresholds an element passes are
 * always a prefix of its row. The lower-integer pass makes them so. */
static bool rows_monotone(struct cg *g, const struct thresholds *t)
{
	const int64_t *th = ir_known_data(g->m, t->value);
	const int64_t *desc = t->desc == IR_NONE ? NULL : ir_known_data(g->m, t->desc);
	if (!th || (t->desc != IR_NONE && !desc))
		return false;
	for (int64_t c = 0; c < t->rows; c++) {
		const int64_t *row = th + c * t->k_count;
		bool down = desc && desc[c];
		for (int64_t k = 1; k < t->k_count; k++)
			if (down ? row[k] > row[k - 1] : row[k] < row[k - 1])
				return false;
	}
	return true;
}

static int thresholds_init(struct cg *g, const struct ir_op *op, const struct ir_type *xt,
			   struct thresholds *t)
{
	const struct ir_type *tt = ir_operand_type(g->m, op, 1);
	t->value = op->operands[1];
	t->desc = op->noperands > 4 ? op->operands[4] : IR_NONE;
	t->axis = (int)ir_attr_int(op, "axis", 1);
	if (t->axis < 0)
		t->axis += xt->rank;
	if (t->axis < 0 || t->axis >= xt->rank)
		return ir_op_error(g->m, op, "axis out of range");
	if (!tt || tt->rank != 2 || tt->elem != IR_ELEM_INT)
		return ir_op_error(g->m, op, "thresholds must be an integer [C, K] tensor");
	t->rows = tt->dims[0];
	t->k_count = tt->dims[1];
	if (t->rows != 1 && t->rows != xt->dims[t->axis])
		return ir_op_error(g->m, op, "%lld threshold rows for %lld channels",
				   (long long)t->rows, (long long)xt->dims[t->axis]);
	const struct ir_type *dt = t->desc == IR_NONE ? NULL : &g->m->values[t->desc].type;
	if (dt && ir_type_numel(dt) < t->rows)
		return ir_op_error(g->m, op, "descending has fewer entries than threshold rows");
	if (!cg_base(g, t->value) || (dt && !cg_base(g, t->desc)))
		return -1;
	t->monotone = rows_monotone(g, t);
	return 0;
}

/* Whether x passes threshold k of the row starting at `row`. */
static LLVMValueRef passes(struct cg *g, const struct thresholds *t, LLVMValueRef row,
			   LLVMValueRef k, LLVMValueRef x, LLVMValueRef down)
{
	const struct ir_type *tt = &g->m->values[t->value].type;
	LLVMValueRef at = LLVMBuildNUWAdd(g->b, row, k, "");
	LLVMValueRef th = cg_widen(g, cg_load(g, t->value, at), tt, 64);
	LLVMValueRef ge = LLVMBuildICmp(g->b, LLVMIntSGE, x, th, "");
	if (!down)
		return ge;
	return LLVMBuildSelect(g->b, down, LLVMBuildICmp(g->b, LLVMIntSLE, x, th, ""), ge, "");
}

/* The length of the passed prefix of a monotone row, by binary lifting:
 * from the largest power of two down, extend the prefix by `step` when the
 * threshold at its new end is passed. */
static LLVMValueRef count_prefix(struct cg *g, const struct thresholds *t, LLVMValueRef row,
				 LLVMValueRef x, LLVMValueRef down)
{
	int64_t step = 1;
	while (step * 2 <= t->k_count)
		step *= 2;
	LLVMValueRef n = cg_i64(g, 0);
	for (; step >= 1; step /= 2) {
		LLVMValueRef end = LLVMBuildNUWAdd(g->b, n, cg_i64(g, step), "");
		LLVMValueRef inside = LLVMBuildICmp(g->b, LLVMIntULE, end, cg_i64(g, t->k_count), "");
		/* the load stays in the row even where the step does not fit */
		LLVMValueRef k = LLVMBuildSelect(g->b, inside, end, cg_i64(g, t->k_count), "");
		k = LLVMBuildSub(g->b, k, cg_i64(g, 1), "");
		LLVMValueRef go = LLVMBuildAnd(g->b, inside, passes(g, t, row, k, x, down), "");
		n = LLVMBuildSelect(g->b, go, end, n, "");
	}
	return n;
}

/* #{k : x >= T[c][k]} (x <= T[c][k] when down), x an i64 */
static LLVMValueRef count_passed(struct cg *g, const struct thresholds *t, LLVMValueRef c,
				 LLVMValueRef x, LLVMValueRef down)
{
	LLVMValueRef row = LLVMBuildNUWMul(g->b, c, cg_i64(g, t->k_count), "");
	if (t->k_count == 0)
		return cg_i64(g, 0);
	if (t->monotone)
		return count_prefix(g, t, row, x, down);
	LLVMValueRef acc = cg_alloca(g, g->t_i64, "count");
	LLVMBuildStore(g->b, cg_i64(g, 0), acc);
	struct cg_loop l;
	LLVMValueRef k = cg_loop_begin(g, &l, cg_i64(g, t->k_count), "k");
	LLVMValueRef pass = passes(g, t, row, k, x, down);
	LLVMValueRef n = LLVMBuildLoad2(g->b, g->t_i64, acc, "");
	n = LLVMBuildAdd(g->b, n, LLVMBuildZExt(g->b, pass, g->t_i64, ""), "");
	LLVMBuildStore(g->b, n, acc);
	cg_loop_end(g, &l);
	return LLVMBuildLoad2(g->b, g->t_i64, acc, "");
}

/* Thresholds per channel of op (its [C, K] operand's K), 0 when unknown. */
static int64_t kq_threshold_count(struct cg *g, const struct ir_op *op)
{
	const struct ir_type *tt = ir_operand_type(g->m, op, 1);
	return tt && tt->rank == 2 ? tt->dims[1] : 0;
}

static int multithreshold_kernel(struct cg *g, const struct ir_op *op)
{
	int xv = op->operands[0], yv = op->results[0];
	const struct ir_type *xt = &g->m->values[xv].type, *yt = &g->m->values[yv].type;
	int64_t bias = ir_attr_int(op, "out_bias", 0), step = ir_attr_int(op, "out_step", 1);
	struct thresholds t = {0};
	if (xt->elem != IR_ELEM_INT || yt->elem != IR_ELEM_INT)
		return ir_op_error(g->m, op, "input and result must be integer tensors");
	if (epilogue_claimed(g, op)) {
		kd_note(g, op, "fused", "computed by its input's producer before storing");
		return 0;
	}
	/* comparing every threshold beats the search's gathers up to about 128
	 * thresholds (measured: 63 on jettagging_qkeras); the search takes
	 * what the compare form does not */
	bool compare_first = kq_threshold_count(g, op) <= 128;
	int rc = compare_first ? kq_multithreshold_vec(g, op) : kq_multithreshold_search(g, op);
	if (rc <= 0)
		return rc;
	rc = compare_first ? kq_multithreshold_search(g, op) : kq_multithreshold_vec(g, op);
	if (rc <= 0)
		return rc;
	if (thresholds_init(g, op, xt, &t) < 0 || !cg_base(g, xv) || !cg_base(g, yv))
		return -1;
	struct cg_nest nest;
	LLVMValueRef at;
	walk_begin(g, &nest, yt, &at);
	LLVMValueRef c = t.rows == 1 ? cg_i64(g, 0) : nest.iv[t.axis];
	LLVMValueRef down = NULL;
	if (t.desc != IR_NONE) {
		const struct ir_type *dt = &g->m->values[t.desc].type;
		down = cg_convert(g, cg_load(g, t.desc, c), dt,
				  &(struct ir_type){.elem = IR_ELEM_BOOL, .bits = 1});
	}
	LLVMValueRef x = cg_widen(g, cg_load(g, xv, at), xt, 64);
	LLVMValueRef n = count_passed(g, &t, c, x, down);
	LLVMValueRef y = LLVMBuildAdd(g->b, cg_i64(g, bias),
				      LLVMBuildMul(g->b, cg_i64(g, step), n, ""), "");
	cg_store(g, yv, at, cg_convert(g, y, &i64_type, yt));
	cg_nest_end(g, &nest);
	return 0;
}

/* ---- Requantize ------------------------------------------------------------ */

/* Element c (an i64 index) of the per-channel integer constant operand k,
 * as an i64. */
static LLVMValueRef channel_param(struct cg *g, const struct ir_op *op, int k, LLVMValueRef c)
{
	const struct ir_type *t = ir_operand_type(g->m, op, k);
	if (t->dims[0] == 1)
		c = cg_i64(g, 0);
	return cg_widen(g, cg_load(g, op->operands[k], c), t, 64);
}

/* q = clamp((x * multiplier[c] + offset[c]) >> shift[c], lo, hi) in i64: the
 * lowering keeps the sum within 63 bits (compiler/passes/lower_mas.c), and
 * >> of a signed value is floor division by 2^shift, as ir_floor_shift. */
static int requantize_kernel(struct cg *g, const struct ir_op *op)
{
	int xv = op->operands[0], yv = op->results[0];
	const struct ir_type *xt = &g->m->values[xv].type, *yt = &g->m->values[yv].type;
	int axis = (int)ir_attr_int(op, "axis", 1);
	axis += axis < 0 ? xt->rank : 0;
	if (xt->elem != IR_ELEM_INT || yt->elem != IR_ELEM_INT || axis < 0 || axis >= xt->rank)
		return ir_op_error(g->m, op, "integer input and result and a valid axis required");
	for (int k = 0; k < 4; k++)
		if (!cg_base(g, op->operands[k]))
			return -1;
	if (!cg_base(g, yv))
		return -1;
	struct cg_nest nest;
	LLVMValueRef at;
	walk_begin(g, &nest, yt, &at);
	LLVMValueRef c = nest.iv[axis];
	LLVMValueRef x = cg_widen(g, cg_load(g, xv, at), xt, 64);
	LLVMValueRef v = LLVMBuildAdd(g->b, LLVMBuildMul(g->b, x, channel_param(g, op, 1, c), ""),
				      channel_param(g, op, 2, c), "");
	v = LLVMBuildAShr(g->b, v, channel_param(g, op, 3, c), "");
	LLVMValueRef lo = cg_i64(g, ir_attr_int(op, "lo", 0)), hi = cg_i64(g, ir_attr_int(op, "hi", 0));
	v = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, v, lo, ""), lo, v, "");
	v = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, v, hi, ""), hi, v, "");
	cg_store(g, yv, at, cg_convert(g, v, &i64_type, yt));
	cg_nest_end(g, &nest);
	return 0;
}

void q_register_qdq(cg_kernel **table)
{
	table[IR_OP_Requantize] = requantize_kernel;
	table[IR_OP_Quantize] = quantize_kernel;
	table[IR_OP_Dequantize] = dequantize_kernel;
	table[IR_OP_MultiThreshold] = multithreshold_kernel;
}
