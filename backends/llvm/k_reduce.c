/* k_reduce.c: ReduceSum, ReduceMean, ReduceMax, ReduceMin (opset 18 form:
 * axes as the optional second operand, known at compile time; keepdims,
 * noop_with_empty_axes).
 *
 * Semantics of ir/interp/reduce.c: no axes reduces everything (or, with
 * noop_with_empty_axes, copies the input); each output element accumulates
 * its inputs in row-major order, in the tensor's type for floats (f32 sums
 * in float), in 64 bits for integer sums (wrapped to the width at the end,
 * a Mean dividing the 64-bit sum first, unsigned for u64), with the type's
 * order for Max/Min (acc = v > acc ? v : acc, so a NaN input is skipped).
 * Identities: 0, -inf / the lowest integer for Max, +inf / the highest for
 * Min. Mean of nothing: 0/0 (NaN; 0 for integers).
 *
 * Loops: the kept dims before the last reduced axis outermost, then the
 * reduced dims, then the kept dims after the last reduced axis (a
 * contiguous tail of X and Y) over a row of accumulators. Each output's
 * inputs are still visited in row-major order.
 */
#include "k_linalg.h"

#include <math.h>

struct reduce {
	enum ir_opcode code;
	const struct ir_type *xt, *yt;
	LLVMTypeRef ty;     /* accumulator type: X's register type, i64 for integer sums */
	struct ir_type at;  /* the same as an IR type */
	bool reduced[IR_MAX_RANK];
	int64_t count;      /* elements per output */
};

/* Marks the reduced axes; *none when there are no axes. */
static int reduced_axes(struct cg *g, const struct ir_op *op, struct reduce *r, bool *none)
{
	int rank = r->xt->rank, n = 0;
	const int64_t *axes = ir_attr_ints(op, "axes", &n);
	int av = op->noperands > 1 ? op->operands[1] : IR_NONE;
	if (av != IR_NONE) {
		axes = ir_known_data(g->m, av);
		if (!axes || g->m->values[av].type.elem != IR_ELEM_INT)
			return ir_op_error(g->m, op, "axes must be known integers at compile time");
		n = (int)ir_type_numel(&g->m->values[av].type);
	}
	*none = n == 0;
	for (int k = 0; k < rank; k++)
		r->reduced[k] = *none;
	for (int i = 0; i < n; i++) {
		int64_t a = axes[i];
		if (a < -rank || a >= rank)
			return ir_op_error(g->m, op, "axis %lld is out of range for rank %d", (long long)a, rank);
		if (a < 0)
			a += rank;
		if (r->reduced[a])
			return ir_op_error(g->m, op, "axis %lld is given twice", (long long)a);
		r->reduced[a] = true;
	}
	return 0;
}

static bool is_sum(const struct reduce *r)
{
	return r->code == IR_OP_ReduceSum || r->code == IR_OP_ReduceMean;
}

/* The identity of the reduction, in the accumulator type. */
static LLVMValueRef identity(const struct reduce *r)
{
	bool is_max = r->code == IR_OP_ReduceMax;
	if (is_sum(r))
		return r->xt->elem == IR_ELEM_INT ? cg_const_int(r->ty, 0) : cg_const_real(r->ty, 0.0);
	if (r->xt->elem != IR_ELEM_INT)
		return cg_const_real(r->ty, is_max ? -INFINITY : INFINITY);
	int bits = r->xt->bits;
	if (r->xt->is_signed) {
		int64_t lo = bits >= 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
		return cg_const_int(r->ty, is_max ? lo : -(lo + 1));
	}
	uint64_t hi = bits >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << bits) - 1;
	return cg_const_int(r->ty, is_max ? 0 : (int64_t)hi);
}

/* acc (op) x, x in X's register type. */
static LLVMValueRef step(struct cg *g, const struct reduce *r, LLVMValueRef acc, LLVMValueRef x)
{
	bool is_float = r->xt->elem != IR_ELEM_INT;
	if (is_sum(r))
		return is_float ? LLVMBuildFAdd(g->b, acc, x, "")
				: LLVMBuildAdd(g->b, acc, cg_widen(g, x, r->xt, 64), "");
	bool is_max = r->code == IR_OP_ReduceMax;
	LLVMValueRef take;
	if (is_float)
		take = LLVMBuildFCmp(g->b, is_max ? LLVMRealOGT : LLVMRealOLT, x, acc, "");
	else if (r->xt->is_signed)
		take = LLVMBuildICmp(g->b, is_max ? LLVMIntSGT : LLVMIntSLT, x, acc, "");
	else
		take = LLVMBuildICmp(g->b, is_max ? LLVMIntUGT : LLVMIntULT, x, acc, "");
	return LLVMBuildSelect(g->b, take, x, acc, "");
}

/* The result element from the accumulator. */
static LLVMValueRef finish(struct cg *g, const struct reduce *r, LLVMValueRef acc)
{
	bool mean = r->code == IR_OP_ReduceMean;
	if (r->xt->elem != IR_ELEM_INT)
		return mean ? LLVMBuildFDiv(g->b, acc, cg_const_real(r->ty, (double)r->count), "") : acc;
	if (mean && r->count > 0) {
		LLVMValueRef n = cg_i64(g, r->count);
		bool u64 = !r->xt->is_signed && r->xt->bits >= 64;
		acc = u64 ? LLVMBuildUDiv(g->b, acc, n, "") : LLVMBuildSDiv(g->b, acc, n, "");
	}
	return cg_convert(g, acc, &r->at, r->yt);
}

static void copy(struct cg *g, const struct ir_op *op, int64_t n)
{
	struct kl_for f;
	LLVMValueRef i = kl_for_begin(g, &f, n, "i");
	cg_store(g, op->results[0], i, cg_load(g, op->operands[0], i));
	kl_for_end(g, &f);
}

static int k_reduce(struct cg *g, const struct ir_op *op)
{
	struct reduce r = {.code = op->code, .count = 1};
	bool none = false;
	int x = op->operands[0], y = op->results[0];
	r.xt = &g->m->values[x].type;
	r.yt = &g->m->values[y].type;
	if (r.xt->elem == IR_ELEM_BOOL || !ir_type_same_elem(r.xt, r.yt))
		return ir_op_error(g->m, op, "X and Y must have one numeric element type");
	if (reduced_axes(g, op, &r, &none) < 0)
		return -1;
	if (none && ir_attr_int(op, "noop_with_empty_axes", 0)) {
		if (ir_type_numel(r.xt) != ir_type_numel(r.yt))
			return ir_op_error(g->m, op, "result shape differs from the input's");
		copy(g, op, ir_type_numel(r.xt));
		return 0;
	}
	r.at = is_sum(&r) && r.xt->elem == IR_ELEM_INT ? ir_type_int(64, true, 0, NULL) : *r.xt;
	r.at.rank = 0;
	r.ty = cg_reg_type(g, &r.at);

	/* kept shape; outer kept dims, reduced dims, contiguous kept tail */
	int rank = r.xt->rank, last = -1, nouter = 0, nred = 0;
	struct ir_type kept = *r.xt;
	int64_t xs[IR_MAX_RANK], ks[IR_MAX_RANK], tail = 1;
	int64_t odims[IR_MAX_RANK], oxs[IR_MAX_RANK], oys[IR_MAX_RANK], rdims[IR_MAX_RANK], rxs[IR_MAX_RANK];
	for (int k = 0; k < rank; k++)
		if (r.reduced[k]) {
			r.count *= kept.dims[k];
			kept.dims[k] = 1;
			last = k;
		}
	if (ir_type_numel(&kept) != ir_type_numel(r.yt))
		return ir_op_error(g->m, op, "result shape does not match the reduction");
	if (ir_type_numel(r.yt) == 0)
		return 0;
	cg_strides(r.xt, xs);
	cg_strides(&kept, ks);
	for (int k = 0; k < rank; k++) {
		if (k > last)
			tail *= r.xt->dims[k];
		else if (r.reduced[k]) {
			rdims[nred] = r.xt->dims[k];
			rxs[nred++] = xs[k];
		} else {
			odims[nouter] = r.xt->dims[k];
			oxs[nouter] = xs[k];
			oys[nouter++] = ks[k];
		}
	}

	struct kl_buf acc;
	struct cg_nest outer, red;
	struct kl_for ft;
	kl_buf_begin(g, &acc, r.ty, tail, "acc");
	cg_nest_begin(g, &outer, nouter, odims);
	LLVMValueRef x0 = cg_linear(g, nouter, oxs, outer.iv), y0 = cg_linear(g, nouter, oys, outer.iv);
	LLVMValueRef t = kl_for_begin(g, &ft, tail, "t");
	kl_buf_store(g, &acc, t, identity(&r));
	kl_for_end(g, &ft);
	cg_nest_begin(g, &red, nred, rdims);
	LLVMValueRef xr = kl_iadd(g, x0, cg_linear(g, nred, rxs, red.iv));
	t = kl_for_begin(g, &ft, tail, "t");
	LLVMValueRef v = cg_load(g, x, kl_iadd(g, xr, t));
	kl_buf_store(g, &acc, t, step(g, &r, kl_buf_load(g, &acc, t), v));
	kl_for_end(g, &ft);
	cg_nest_end(g, &red);
	t = kl_for_begin(g, &ft, tail, "t");
	cg_store(g, y, kl_iadd(g, y0, t), finish(g, &r, kl_buf_load(g, &acc, t)));
	kl_for_end(g, &ft);
	cg_nest_end(g, &outer);
	kl_buf_end(g, &acc);
	return 0;
}

void kl_register_reduce(cg_kernel **table)
{
	table[IR_OP_ReduceSum] = k_reduce;
	table[IR_OP_ReduceMean] = k_reduce;
	table[IR_OP_ReduceMax] = k_reduce;
	table[IR_OP_ReduceMin] = k_reduce;
}
