/* k_resize.c: the LLVM kernel of Resize (ONNX opset 21): (X, roi, scales,
 * sizes), modes nearest, linear and cubic, every
 * coordinate_transformation_mode, nearest_mode and keep_aspect_ratio_policy
 * of the interpreter (ir/interp/resize.c, whose comment gives the formulas).
 *
 * scales or sizes (and roi for tf_crop_and_resize) must be known at compile
 * time. Each axis is resized independently, so the compiler computes every
 * axis's neighbours ("taps": input offsets and weights) per result
 * coordinate, with the interpreter's float arithmetic in the same order,
 * and stores them in constant tables; the generated code only looks them up.
 * An axis whose every result coordinate has a single contributing tap of
 * weight 1 (any nearest axis, an axis of scale 1 in linear mode) becomes one
 * offset table; the others are summed over at run time as the interpreter
 * does: the tap combinations in row-major order, w = product of the axes'
 * weights in double, sum += w * x in double when w != 0, rounded once to the
 * result type. Dropping a weight of exactly 1 and the combinations of weight
 * 0 changes nothing, so results are bit-identical to the interpreter's.
 * Resize has no layout: its scales name every axis, so channels-last ops
 * need nothing special.
 */
#include "k_resize.h"

#include "ir/interp/interp.h"

#include <string.h>

/* ---- code --------------------------------------------------------------------- */

/* extrapolation_value converted to the result type as ir_tensor_set does. */
static LLVMValueRef extrapolation(struct cg *g, const struct ir_type *yt, double v)
{
	union {
		float f;
		double d;
		int64_t i;
	} s;
	struct ir_tensor t = {*yt, &s};
	ir_tensor_set(&t, 0, v);
	LLVMTypeRef rt = cg_reg_type(g, yt);
	switch (yt->elem) {
	case IR_ELEM_F32: return cg_const_real(rt, s.f);
	case IR_ELEM_F64: return cg_const_real(rt, s.d);
	case IR_ELEM_BOOL:
	case IR_ELEM_INT: break;
	}
	return cg_const_int(rt, s.i);
}

/* The value of the result element whose axes' table positions are o[]:
 * nearest, a copy; else the sum over the tap combinations. */
static LLVMValueRef element(struct cg *g, int x, const struct resize *r, const struct axis_plan *p,
			    int rank, LLVMValueRef const *o)
{
	const struct ir_type *xt = &g->m->values[x].type;
	LLVMValueRef base = cg_i64(g, 0);
	int multi[IR_MAX_RANK], nmulti = 0, k[IR_MAX_RANK] = {0};
	for (int d = 0; d < rank; d++) {
		if (p[d].ntaps == 1)
			base = mv_add(g, base, mv_table_load(g, p[d].off_table[0], g->t_i64, o[d]));
		else
			multi[nmulti++] = d;
	}
	if (r->mode == MODE_NEAREST)
		return cg_load(g, x, base);
	struct ir_type f64 = {.elem = IR_ELEM_F64, .bits = 64};
	LLVMValueRef sum = cg_const_real(g->t_f64, 0.0);
	for (;;) {
		LLVMValueRef off = base, w = NULL;
		for (int j = 0; j < nmulti; j++) {
			const struct axis_plan *a = &p[multi[j]];
			LLVMValueRef wj = mv_table_load(g, a->w_table[k[j]], g->t_f64, o[multi[j]]);
			off = mv_add(g, off, mv_table_load(g, a->off_table[k[j]], g->t_i64, o[multi[j]]));
			w = w ? LLVMBuildFMul(g->b, w, wj, "") : wj;
		}
		/* no multi-tap axis: one tap of weight 1, still added to +0.0 (a -0
		 * becomes +0 as in the interpreter) */
		LLVMValueRef v = cg_convert(g, cg_load(g, x, off), xt, &f64);
		LLVMValueRef add = LLVMBuildFAdd(g->b, sum, w ? LLVMBuildFMul(g->b, w, v, "") : v, "");
		if (w) {
			LLVMValueRef zero = cg_const_real(g->t_f64, 0);
			LLVMValueRef nonzero = LLVMBuildFCmp(g->b, LLVMRealUNE, w, zero, "");
			sum = LLVMBuildSelect(g->b, nonzero, add, sum, "");
		} else {
			sum = add;
		}
		int j = nmulti - 1;
		while (j >= 0 && ++k[j] == p[multi[j]].ntaps)
			k[j--] = 0;
		if (j < 0)
			break;
	}
	return cg_convert(g, sum, &f64, xt);
}

static int emit(struct cg *g, const struct ir_op *op, const struct resize *r, struct axis_plan *p)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *yt = &g->m->values[y].type;
	int rank = yt->rank;
	struct cg_nest nest;
	int64_t ys[IR_MAX_RANK];
	if (!cg_base(g, x) || !cg_base(g, y))
		return -1;
	for (int d = 0; d < rank; d++) {
		for (int k = 0; k < p[d].ntaps; k++) {
			p[d].off_table[k] = mv_table_i64(g, p[d].off[k], yt->dims[d]);
			if (p[d].ntaps > 1)
				p[d].w_table[k] = mv_table_f64(g, p[d].w[k], yt->dims[d]);
		}
		if (p[d].outside)
			p[d].outside_table = mv_table_i64(g, p[d].outside, yt->dims[d]);
	}
	cg_strides(yt, ys);
	cg_nest_begin(g, &nest, rank, yt->dims);
	LLVMValueRef v = element(g, x, r, p, rank, nest.iv), out = NULL;
	for (int d = 0; d < rank; d++) {
		if (!p[d].outside)
			continue;
		LLVMValueRef o = mv_table_load(g, p[d].outside_table, g->t_i64, nest.iv[d]);
		o = LLVMBuildICmp(g->b, LLVMIntNE, o, cg_i64(g, 0), "");
		out = out ? LLVMBuildOr(g->b, out, o, "") : o;
	}
	if (out)
		v = LLVMBuildSelect(g->b, out, extrapolation(g, yt, r->extrapolation), v, "");
	cg_store(g, y, cg_linear(g, rank, ys, nest.iv), v);
	cg_nest_end(g, &nest);
	return 0;
}

int mv_Resize(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	struct resize r = {0};
	struct axis_plan p[IR_MAX_RANK];
	int64_t xs[IR_MAX_RANK], combos = 1;
	if (!ir_type_same_elem(xt, yt) || yt->rank != xt->rank)
		return ir_op_error(g->m, op, "result must have the input's element type and rank");
	if (mv_resize_read(g, op, xt, &r) < 0)
		return -1;
	if (r.mode != MODE_NEAREST && xt->elem != IR_ELEM_F32 && xt->elem != IR_ELEM_F64)
		return ir_op_error(g->m, op, "linear and cubic modes need a float tensor");
	if (ir_type_numel(yt) == 0)
		return 0;
	cg_strides(xt, xs);
	memset(p, 0, sizeof p);
	for (int d = 0; d < xt->rank; d++) {
		if (xt->dims[d] == 0)
			return ir_op_error(g->m, op, "cannot resize an empty axis to %lld",
					   (long long)yt->dims[d]);
		mv_resize_plan_axis(&g->m->arena, &r, d, yt->dims[d], xt->dims[d], xs[d], &p[d]);
		combos *= p[d].ntaps;
	}
	if (combos > MAX_COMBOS)
		return ir_op_error(g->m, op, "more than %d neighbours per result element", MAX_COMBOS);
	return emit(g, op, &r, p);
}
