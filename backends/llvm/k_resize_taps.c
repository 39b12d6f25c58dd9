/* k_resize_taps.c: the compile-time half of the Resize kernel (k_resize.h):
 * reads Resize's attributes and scales, and computes each axis's neighbours
 * with the interpreter's float arithmetic in the same order
 * (ir/interp/resize.c), so the generated code reproduces its results bit
 * for bit. An axis whose every result coordinate has one contributing tap
 * of weight exactly 1 (every nearest axis, an axis of scale 1 in linear
 * mode) gets a single offset table: multiplying by 1 and skipping the
 * combinations of weight 0 is what the interpreter's sum does anyway.
 */
#include "k_resize.h"

#include "ir/interp/interp.h"

#include <math.h>
#include <string.h>

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

void mv_resize_plan_axis(struct arena *arena, const struct resize *r, int a, int64_t out,
			 int64_t in, int64_t xs, struct axis_plan *p)
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

int mv_resize_read(struct cg *g, const struct ir_op *op, const struct ir_type *x,
		   struct resize *r)
{
	return read_attrs(g, op, r) < 0 || read_scales(g, op, x, r) < 0 ? -1 : 0;
}
