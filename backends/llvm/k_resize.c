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
#include "k_movement.h"

#include "ir/interp/interp.h"

#include <math.h>
#include <string.h>

enum resize_mode { MODE_NEAREST, MODE_LINEAR, MODE_CUBIC };
enum coord_mode {
	CT_HALF_PIXEL, CT_HALF_PIXEL_SYMMETRIC, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS,
	CT_ASYMMETRIC, CT_TF_HALF_PIXEL_FOR_NEAREST, CT_TF_CROP_AND_RESIZE,
};
enum nearest_mode { NN_ROUND_PREFER_FLOOR, NN_ROUND_PREFER_CEIL, NN_FLOOR, NN_CEIL };
enum aspect { ASPECT_STRETCH, ASPECT_NOT_LARGER, ASPECT_NOT_SMALLER };

/* Most combinations of neighbours summed per result element. */
#define MAX_COMBOS 4096

struct resize {
	enum resize_mode mode;
	enum coord_mode coord;
	enum nearest_mode nearest;
	enum aspect aspect;
	float cubic_a;
	bool exclude_outside;
	double extrapolation;
	float scale[IR_MAX_RANK];
	float roi_start[IR_MAX_RANK], roi_end[IR_MAX_RANK];
};

/* One axis: for each result coordinate o, ntaps input offsets (index times
 * the axis's stride) and weights, and whether o lies outside the input
 * (tf_crop_and_resize: extrapolation_value). */
struct axis_plan {
	int ntaps;
	int64_t *off[4];
	double *w[4];
	int64_t *outside; /* NULL when no coordinate is outside */
	LLVMValueRef off_table[4], w_table[4], outside_table;
};

/* ---- attributes and operands -------------------------------------------------------- */

static int choice(struct cg *g, const struct ir_op *op, const char *name,
		  const char *const *choices, int *out)
{
	const char *s = ir_attr_string(op, name, choices[0]);
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return ir_op_error(g->m, op, "unsupported %s '%.40s'", name, s);
}

static int read_attrs(struct cg *g, const struct ir_op *op, struct resize *r)
{
	static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
	static const char *const coords[] = {
		"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
		"asymmetric", "tf_half_pixel_for_nearest", "tf_crop_and_resize", NULL};
	static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					      "ceil", NULL};
	static const char *const aspects[] = {"stretch", "not_larger", "not_smaller", NULL};
	int mode, coord, nn, aspect;
	if (choice(g, op, "mode", modes, &mode) < 0 ||
	    choice(g, op, "coordinate_transformation_mode", coords, &coord) < 0 ||
	    choice(g, op, "nearest_mode", nearest, &nn) < 0 ||
	    choice(g, op, "keep_aspect_ratio_policy", aspects, &aspect) < 0)
		return -1;
	if (ir_attr_int(op, "antialias", 0) != 0)
		return ir_op_error(g->m, op, "antialias is not supported");
	r->mode = (enum resize_mode)mode;
	r->coord = (enum coord_mode)coord;
	r->nearest = (enum nearest_mode)nn;
	r->aspect = (enum aspect)aspect;
	r->cubic_a = (float)ir_attr_float(op, "cubic_coeff_a", -0.75);
	r->exclude_outside = ir_attr_int(op, "exclude_outside", 0) != 0;
	r->extrapolation = ir_attr_float(op, "extrapolation_value", 0.0);
	return 0;
}

/* The axes that scales, sizes and roi list: the axes attribute or all. */
static int read_axes(struct cg *g, const struct ir_op *op, int rank, int *axes, int *n)
{
	int count;
	bool seen[IR_MAX_RANK] = {false};
	const int64_t *v = ir_attr_ints(op, "axes", &count);
	*n = v ? count : rank;
	if (*n > rank)
		return ir_op_error(g->m, op, "more axes than dimensions");
	for (int i = 0; i < *n; i++) {
		int64_t a = v ? v[i] : i;
		if (a < -rank || a >= rank || seen[a < 0 ? a + rank : a])
			return ir_op_error(g->m, op, "axis %lld out of range or repeated", (long long)a);
		axes[i] = (int)(a < 0 ? a + rank : a);
		seen[axes[i]] = true;
	}
	return 0;
}

/* Operand k when present and not empty (an empty tensor stands for an
 * absent operand), else IR_NONE. */
static int given(struct cg *g, const struct ir_op *op, int k)
{
	int v = k < op->noperands ? op->operands[k] : IR_NONE;
	return v != IR_NONE && ir_type_numel(&g->m->values[v].type) > 0 ? v : IR_NONE;
}

/* Element i of known data of type t, as double (ir_tensor_get). */
static double known_get(struct ir_module *m, int v, const void *data, int64_t i)
{
	struct ir_tensor t = {m->values[v].type, (void *)data};
	return ir_tensor_get(&t, i);
}

/* Compile-time data of operand v, or NULL after an error. */
static const void *known(struct cg *g, const struct ir_op *op, int v, const char *what)
{
	const void *d = ir_known_data(g->m, v);
	if (!d && !g->m->error[0])
		ir_op_error(g->m, op, "%s must be a constant for the LLVM backend", what);
	return d;
}

/* Scale of every axis from scales or sizes, and roi for tf_crop_and_resize. */
static int read_scales(struct cg *g, const struct ir_op *op, const struct ir_type *x,
		       struct resize *r)
{
	int axes[IR_MAX_RANK], n;
	int roi = given(g, op, 1), scales = given(g, op, 2), sizes = given(g, op, 3);
	if (read_axes(g, op, x->rank, axes, &n) < 0)
		return -1;
	if ((scales == IR_NONE) == (sizes == IR_NONE))
		return ir_op_error(g->m, op, "exactly one of scales and sizes must be given");
	int t = scales != IR_NONE ? scales : sizes;
	const struct ir_type *tt = &g->m->values[t].type;
	if (ir_type_numel(tt) != n ||
	    (t == scales && tt->elem != IR_ELEM_F32 && tt->elem != IR_ELEM_F64) ||
	    (t == sizes && tt->elem != IR_ELEM_INT))
		return ir_op_error(g->m, op, "%s must have %d %s", t == scales ? "scales" : "sizes", n,
				   t == scales ? "floats" : "integers");
	if (r->coord != CT_TF_CROP_AND_RESIZE)
		roi = IR_NONE; /* only tf_crop_and_resize reads it */
	if (roi != IR_NONE && ir_type_numel(&g->m->values[roi].type) != 2 * n)
		return ir_op_error(g->m, op, "roi must have %d values", 2 * n);
	const void *tv = known(g, op, t, t == scales ? "scales" : "sizes");
	const void *rv = roi != IR_NONE ? known(g, op, roi, "roi") : NULL;
	if (!tv || (roi != IR_NONE && !rv))
		return -1;
	for (int d = 0; d < x->rank; d++) {
		r->scale[d] = 1.0f;
		r->roi_start[d] = 0.0f;
		r->roi_end[d] = 1.0f;
	}
	float pick = r->aspect == ASPECT_NOT_LARGER ? INFINITY : 0.0f;
	for (int i = 0; i < n; i++) {
		int a = axes[i];
		float s = t == scales ? (float)known_get(g->m, t, tv, i)
				      : (float)((const int64_t *)tv)[i] / (float)x->dims[a];
		if (!(s > 0.0f) || !isfinite(s))
			return ir_op_error(g->m, op, "scale of axis %d is not a positive number", a);
		r->scale[a] = s;
		pick = r->aspect == ASPECT_NOT_LARGER ? fminf(pick, s) : fmaxf(pick, s);
		if (rv) {
			r->roi_start[a] = (float)known_get(g->m, roi, rv, i);
			r->roi_end[a] = (float)known_get(g->m, roi, rv, n + i);
		}
	}
	if (t == sizes && r->aspect != ASPECT_STRETCH)
		for (int i = 0; i < n; i++)
			r->scale[axes[i]] = pick;
	return 0;
}

/* ---- taps, in the interpreter's float arithmetic ------------------------------------- */

/* Result coordinate x of an axis of out elements over in -> input coordinate. */
static float original_coord(const struct resize *r, int a, float x, float out, float in)
{
	float s = r->scale[a];
	switch (r->coord) {
	case CT_HALF_PIXEL:
		return (x + 0.5f) / s - 0.5f;
	case CT_HALF_PIXEL_SYMMETRIC: {
		float adjustment = out / (s * in), center = in / 2.0f;
		return center * (1.0f - adjustment) + (x + 0.5f) / s - 0.5f;
	}
	case CT_PYTORCH_HALF_PIXEL:
		return out > 1.0f ? (x + 0.5f) / s - 0.5f : 0.0f;
	case CT_ALIGN_CORNERS:
		return out == 1.0f ? 0.0f : x * (in - 1.0f) / (out - 1.0f);
	case CT_ASYMMETRIC:
		return x / s;
	case CT_TF_HALF_PIXEL_FOR_NEAREST:
		return (x + 0.5f) / s;
	case CT_TF_CROP_AND_RESIZE:
		break;
	}
	float lo = r->roi_start[a], hi = r->roi_end[a];
	return out > 1.0f ? lo * (in - 1.0f) + x * (hi - lo) * (in - 1.0f) / (out - 1.0f)
			  : 0.5f * (lo + hi) * (in - 1.0f);
}

static int64_t clamp_index(float v, int64_t in)
{
	if (!(v > 0.0f)) /* also NaN */
		return 0;
	return v >= (float)(in - 1) ? in - 1 : (int64_t)v;
}

static float nearest_round(enum nearest_mode mode, float x)
{
	switch (mode) {
	case NN_ROUND_PREFER_FLOOR:
		return x == floorf(x) + 0.5f ? floorf(x) : roundf(x);
	case NN_ROUND_PREFER_CEIL:
		return x == floorf(x) + 0.5f ? ceilf(x) : roundf(x);
	case NN_FLOOR:
		return floorf(x);
	case NN_CEIL:
		return ceilf(x);
	}
	return x;
}

/* Keys' cubic convolution weights of floor(x) - 1 .. floor(x) + 2 for
 * t = x - floor(x). */
static void cubic_weights(float a, float t, float *w)
{
	float d[4] = {t + 1.0f, t, 1.0f - t, 2.0f - t};
	for (int i = 0; i < 4; i++) {
		float z = d[i];
		w[i] = z <= 1.0f ? ((a + 2.0f) * z - (a + 3.0f)) * z * z + 1.0f
				 : ((a * z - 5.0f * a) * z + 8.0f * a) * z - 4.0f * a;
	}
}

/* The n taps of result coordinate o (n == 0: outside, extrapolate). */
static int axis_taps(const struct resize *r, int a, int64_t o, int64_t out, int64_t in,
		     int64_t *idx, float *w)
{
	float x = original_coord(r, a, (float)o, (float)out, (float)in);
	if (r->coord == CT_TF_CROP_AND_RESIZE && (!(x >= 0.0f) || x > (float)(in - 1)))
		return 0;
	if (r->mode == MODE_NEAREST || in == 1) {
		idx[0] = clamp_index(r->mode == MODE_NEAREST ? nearest_round(r->nearest, x) : 0.0f, in);
		w[0] = 1.0f;
		return 1;
	}
	if (r->mode == MODE_LINEAR) {
		float c = x < 0.0f ? 0.0f : x > (float)(in - 1) ? (float)(in - 1) : x;
		idx[0] = clamp_index(c, in);
		idx[1] = idx[0] + 1 < in ? idx[0] + 1 : in - 1;
		w[1] = c - (float)idx[0];
		w[0] = 1.0f - w[1];
		return 2;
	}
	float c = x < -4.0f ? -4.0f : x > (float)in + 4.0f ? (float)in + 4.0f : x;
	float f = floorf(c), sum = 0.0f;
	cubic_weights(r->cubic_a, c - f, w);
	for (int i = 0; i < 4; i++) {
		int64_t j = (int64_t)f - 1 + i;
		if (r->exclude_outside && (j < 0 || j >= in))
			w[i] = 0.0f;
		sum += w[i];
		idx[i] = j < 0 ? 0 : j >= in ? in - 1 : j;
	}
	for (int i = 0; r->exclude_outside && sum != 0.0f && i < 4; i++)
		w[i] /= sum;
	return 4;
}

/* The single tap of weight 1 (all others 0) among n, or -1. */
static int single_tap(int n, const float *w)
{
	int one = -1;
	if (n == 1)
		return 0;
	for (int k = 0; k < n; k++) {
		if (w[k] == 1.0f && one < 0)
			one = k;
		else if (w[k] != 0.0f)
			return -1;
	}
	return one;
}

/* Fills the plan of axis a (stride xs) over out result coordinates. */
static void plan_axis(struct arena *arena, const struct resize *r, int a, int64_t out, int64_t in,
		      int64_t xs, struct axis_plan *p)
{
	int64_t idx[4];
	float w[4];
	bool single = true, outside = false;
	int maxn = 1;
	for (int64_t o = 0; o < out; o++) {
		int n = axis_taps(r, a, o, out, in, idx, w);
		single = single && (n == 0 || single_tap(n, w) >= 0);
		outside = outside || n == 0;
		maxn = n > maxn ? n : maxn;
	}
	p->ntaps = single ? 1 : maxn;
	for (int k = 0; k < p->ntaps; k++) {
		p->off[k] = arena_alloc(arena, (size_t)out * sizeof *p->off[k]);
		p->w[k] = arena_alloc(arena, (size_t)out * sizeof *p->w[k]);
	}
	p->outside = outside ? arena_alloc(arena, (size_t)out * sizeof *p->outside) : NULL;
	for (int64_t o = 0; o < out; o++) {
		int n = axis_taps(r, a, o, out, in, idx, w);
		if (outside)
			p->outside[o] = n == 0;
		if (single && n > 0) {
			p->off[0][o] = idx[single_tap(n, w)] * xs;
			continue;
		}
		for (int k = 0; k < p->ntaps; k++) { /* missing taps (outside): weight 0 */
			p->off[k][o] = k < n ? idx[k] * xs : 0;
			p->w[k][o] = k < n ? (double)w[k] : 0.0;
		}
	}
}

/* ---- code ----------------------------------------------------------------------------- */

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
	if (read_attrs(g, op, &r) < 0 || read_scales(g, op, xt, &r) < 0)
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
		plan_axis(&g->m->arena, &r, d, yt->dims[d], xt->dims[d], xs[d], &p[d]);
		combos *= p[d].ntaps;
	}
	if (combos > MAX_COMBOS)
		return ir_op_error(g->m, op, "more than %d neighbours per result element", MAX_COMBOS);
	return emit(g, op, &r, p);
}
