/* resize.c: the Resize kernel (ONNX opset 21): (X, roi, scales, sizes).
 *
 * Every axis is resized independently: result coordinate x maps to an input
 * coordinate x_original by coordinate_transformation_mode (half_pixel,
 * half_pixel_symmetric, pytorch_half_pixel, align_corners, asymmetric,
 * tf_half_pixel_for_nearest, tf_crop_and_resize), then to a few input
 * neighbours with weights by mode:
 *   nearest: one neighbour, x_original rounded by nearest_mode
 *            (round_prefer_floor, round_prefer_ceil, floor, ceil), clamped;
 *   linear:  floor(x) and floor(x) + 1 weighted by distance, x clamped to
 *            [0, in - 1];
 *   cubic:   floor(x) - 1 .. floor(x) + 2 with the cubic convolution
 *            coefficients of cubic_coeff_a, indices clamped to the edges, or
 *            with exclude_outside, outside neighbours dropped and the weights
 *            renormalized.
 * A result element is the sum over the product of its axes' neighbours (N-d
 * linear or cubic); with tf_crop_and_resize, a coordinate outside the input
 * gives extrapolation_value. Coordinates and weights are computed in float
 * as ONNX Runtime does; sums in double, rounded once.
 *
 * The scale of an axis is scales[i], or with sizes, sizes[i] / in (for
 * keep_aspect_ratio_policy not_larger / not_smaller, the smallest / largest
 * of those over the resized axes). The axes attribute lists the axes scales,
 * sizes and roi refer to. antialias is not supported. Nearest works for every
 * element type; linear and cubic for float types.
 */
#include "kernels.h"
#include "kernel_util.h"

#include <math.h>
#include <string.h>

enum resize_mode { MODE_NEAREST, MODE_LINEAR, MODE_CUBIC };
enum coord_mode {
	CT_HALF_PIXEL, CT_HALF_PIXEL_SYMMETRIC, CT_PYTORCH_HALF_PIXEL, CT_ALIGN_CORNERS,
	CT_ASYMMETRIC, CT_TF_HALF_PIXEL_FOR_NEAREST, CT_TF_CROP_AND_RESIZE,
};
enum nearest_mode { NN_ROUND_PREFER_FLOOR, NN_ROUND_PREFER_CEIL, NN_FLOOR, NN_CEIL };
enum aspect { ASPECT_STRETCH, ASPECT_NOT_LARGER, ASPECT_NOT_SMALLER };

struct resize {
	enum resize_mode mode;
	enum coord_mode coord;
	enum nearest_mode nearest;
	enum aspect aspect;
	float cubic_a;
	bool exclude_outside;
	double extrapolation;
	int rank;
	float scale[IR_MAX_RANK];
	float roi_start[IR_MAX_RANK], roi_end[IR_MAX_RANK];
};

/* Index of the op's string attribute name in choices (NULL-terminated),
 * 0 when absent. */
static int choice(struct ir_module *m, const struct ir_op *op, const char *name,
		  const char *const *choices, int *out)
{
	const char *s = ir_attr_string(op, name, choices[0]);
	for (int i = 0; choices[i]; i++) {
		if (strcmp(s, choices[i]) == 0) {
			*out = i;
			return 0;
		}
	}
	return ir_op_error(m, op, "unsupported %s '%.40s'", name, s);
}

static int read_attrs(struct ir_module *m, const struct ir_op *op, struct resize *r)
{
	static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
	static const char *const coords[] = {
		"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
		"asymmetric", "tf_half_pixel_for_nearest", "tf_crop_and_resize", NULL};
	static const char *const nearest[] = {"round_prefer_floor", "round_prefer_ceil", "floor",
					      "ceil", NULL};
	static const char *const aspects[] = {"stretch", "not_larger", "not_smaller", NULL};
	int mode, coord, nn, aspect;
	if (choice(m, op, "mode", modes, &mode) < 0 ||
	    choice(m, op, "coordinate_transformation_mode", coords, &coord) < 0 ||
	    choice(m, op, "nearest_mode", nearest, &nn) < 0 ||
	    choice(m, op, "keep_aspect_ratio_policy", aspects, &aspect) < 0)
		return -1;
	if (ir_attr_int(op, "antialias", 0) != 0)
		return ir_op_error(m, op, "antialias is not supported");
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
static int read_axes(struct ir_module *m, const struct ir_op *op, int rank, int *axes, int *n)
{
	int count;
	bool seen[IR_MAX_RANK] = {false};
	const int64_t *v = ir_attr_ints(op, "axes", &count);
	*n = v ? count : rank;
	if (*n > rank)
		return ir_op_error(m, op, "more axes than dimensions");
	for (int i = 0; i < *n; i++) {
		int64_t a = v ? v[i] : i;
		if (a < -rank || a >= rank || seen[a < 0 ? a + rank : a])
			return ir_op_error(m, op, "axis %lld out of range or repeated", (long long)a);
		axes[i] = (int)(a < 0 ? a + rank : a);
		seen[axes[i]] = true;
	}
	return 0;
}

/* Present and not empty: an empty tensor stands for an absent operand. */
static const struct ir_tensor *given(const struct ir_op *op, const struct ir_tensor *const *in, int k)
{
	const struct ir_tensor *t = interp_operand(op, in, k);
	return t && ir_tensor_numel(t) > 0 ? t : NULL;
}

/* Scale of every axis from scales or sizes, and roi for tf_crop_and_resize. */
static int read_scales(struct ir_module *m, const struct ir_op *op,
		       const struct ir_tensor *const *in, const struct ir_type *x, struct resize *r)
{
	int axes[IR_MAX_RANK], n;
	const struct ir_tensor *roi = given(op, in, 1), *scales = given(op, in, 2),
			       *sizes = given(op, in, 3);
	if (read_axes(m, op, x->rank, axes, &n) < 0)
		return -1;
	if (!scales == !sizes)
		return ir_op_error(m, op, "exactly one of scales and sizes must be given");
	const struct ir_tensor *t = scales ? scales : sizes;
	if (ir_tensor_numel(t) != n || (scales && scales->type.elem != IR_ELEM_F32 &&
					 scales->type.elem != IR_ELEM_F64) ||
	    (sizes && sizes->type.elem != IR_ELEM_INT))
		return ir_op_error(m, op, "%s must have %d %s", scales ? "scales" : "sizes", n,
				   scales ? "floats" : "integers");
	if (r->coord != CT_TF_CROP_AND_RESIZE)
		roi = NULL; /* only tf_crop_and_resize reads it */
	if (roi && ir_tensor_numel(roi) != 2 * n)
		return ir_op_error(m, op, "roi must have %d values", 2 * n);
	for (int d = 0; d < x->rank; d++) {
		r->scale[d] = 1.0f;
		r->roi_start[d] = 0.0f;
		r->roi_end[d] = 1.0f;
	}
	float pick = r->aspect == ASPECT_NOT_LARGER ? INFINITY : 0.0f;
	for (int i = 0; i < n; i++) {
		int a = axes[i];
		float s = scales ? (float)ir_tensor_get(scales, i)
				 : (float)ir_tensor_i64(sizes)[i] / (float)x->dims[a];
		if (!(s > 0.0f) || !isfinite(s))
			return ir_op_error(m, op, "scale of axis %d is not a positive number", a);
		r->scale[a] = s;
		pick = r->aspect == ASPECT_NOT_LARGER ? fminf(pick, s) : fmaxf(pick, s);
		if (roi) {
			r->roi_start[a] = (float)ir_tensor_get(roi, i);
			r->roi_end[a] = (float)ir_tensor_get(roi, n + i);
		}
	}
	if (sizes && r->aspect != ASPECT_STRETCH)
		for (int i = 0; i < n; i++)
			r->scale[axes[i]] = pick;
	return 0;
}

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

/* The neighbours of one result coordinate: n of them (0: extrapolate). */
struct taps {
	int n;
	int64_t idx[4];
	float w[4];
};

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

/* Cubic convolution weights of the neighbours floor(x) - 1 .. floor(x) + 2
 * for t = x - floor(x) (Keys' kernel with parameter a). */
static void cubic_weights(float a, float t, float *w)
{
	float d[4] = {t + 1.0f, t, 1.0f - t, 2.0f - t};
	for (int i = 0; i < 4; i++) {
		float z = d[i];
		w[i] = z <= 1.0f ? ((a + 2.0f) * z - (a + 3.0f)) * z * z + 1.0f
				 : ((a * z - 5.0f * a) * z + 8.0f * a) * z - 4.0f * a;
	}
}

static void axis_taps(const struct resize *r, int a, int64_t o, int64_t out, int64_t in,
		      struct taps *t)
{
	float x = original_coord(r, a, (float)o, (float)out, (float)in);
	t->n = 0;
	if (r->coord == CT_TF_CROP_AND_RESIZE && (!(x >= 0.0f) || x > (float)(in - 1)))
		return; /* extrapolation_value */
	if (r->mode == MODE_NEAREST || in == 1) {
		t->n = 1;
		t->idx[0] = clamp_index(r->mode == MODE_NEAREST ? nearest_round(r->nearest, x) : 0.0f, in);
		t->w[0] = 1.0f;
	} else if (r->mode == MODE_LINEAR) {
		float c = x < 0.0f ? 0.0f : x > (float)(in - 1) ? (float)(in - 1) : x;
		int64_t i1 = clamp_index(c, in), i2 = i1 + 1 < in ? i1 + 1 : in - 1;
		t->n = 2;
		t->idx[0] = i1;
		t->idx[1] = i2;
		t->w[1] = c - (float)i1;
		t->w[0] = 1.0f - t->w[1];
	} else {
		float c = x < -4.0f ? -4.0f : x > (float)in + 4.0f ? (float)in + 4.0f : x;
		float f = floorf(c), sum = 0.0f;
		cubic_weights(r->cubic_a, c - f, t->w);
		t->n = 4;
		for (int i = 0; i < 4; i++) {
			int64_t j = (int64_t)f - 1 + i;
			if (r->exclude_outside && (j < 0 || j >= in))
				t->w[i] = 0.0f;
			sum += t->w[i];
			t->idx[i] = j < 0 ? 0 : j >= in ? in - 1 : j;
		}
		for (int i = 0; r->exclude_outside && sum != 0.0f && i < 4; i++)
			t->w[i] /= sum;
	}
}

/* Y[idx] = sum over the neighbour combinations of prod(weights) * X[...]. */
static double interpolate(const struct ir_tensor *x, const int64_t *xs, int rank,
			  struct taps *const *axis, const int64_t *idx)
{
	int k[IR_MAX_RANK] = {0};
	double sum = 0;
	for (;;) {
		double w = 1.0;
		int64_t off = 0;
		for (int d = 0; d < rank; d++) {
			const struct taps *t = &axis[d][idx[d]];
			w *= t->w[k[d]];
			off += t->idx[k[d]] * xs[d];
		}
		if (w != 0.0)
			sum += w * ir_load_f64(x, off);
		int d = rank - 1;
		while (d >= 0 && ++k[d] == axis[d][idx[d]].n)
			k[d--] = 0;
		if (d < 0)
			return sum;
	}
}

int interp_Resize(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		  struct ir_tensor *const *out, struct arena *scratch)
{
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	struct resize r = {0};
	struct taps *axis[IR_MAX_RANK];
	int64_t xs[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
	if (!x || !ir_type_same_elem(&x->type, &y->type) || y->type.rank != x->type.rank)
		return ir_op_error(m, op, "result must have the input's element type and rank");
	if (read_attrs(m, op, &r) < 0 || read_scales(m, op, in, &x->type, &r) < 0)
		return -1;
	bool is_float = x->type.elem == IR_ELEM_F32 || x->type.elem == IR_ELEM_F64;
	if (r.mode != MODE_NEAREST && !is_float)
		return ir_op_error(m, op, "linear and cubic modes need a float tensor");
	int64_t n = ir_tensor_numel(y);
	if (n == 0)
		return 0; /* and no taps: a zero dim may sit beside a huge one */
	r.rank = x->type.rank;
	for (int d = 0; d < r.rank; d++) {
		int64_t ny = y->type.dims[d], dx = x->type.dims[d];
		if (dx == 0)
			return ir_op_error(m, op, "cannot resize an empty axis to %lld", (long long)ny);
		axis[d] = arena_alloc(scratch, (size_t)ny * sizeof **axis);
		for (int64_t o = 0; o < ny; o++)
			axis_taps(&r, d, o, ny, dx, &axis[d][o]);
	}
	ir_type_strides(&x->type, xs);
	for (int64_t i = 0; i < n; i++, ir_index_next(&y->type, idx)) {
		bool outside = false;
		for (int d = 0; d < r.rank; d++)
			outside |= axis[d][idx[d]].n == 0;
		if (outside) {
			ir_tensor_set(y, i, r.extrapolation);
		} else if (r.mode == MODE_NEAREST) {
			int64_t off = 0;
			for (int d = 0; d < r.rank; d++)
				off += axis[d][idx[d]].idx[0] * xs[d];
			ir_tensor_copy_elem(y, i, x, off);
		} else {
			ir_tensor_set(y, i, interpolate(x, xs, r.rank, axis, idx));
		}
	}
	return 0;
}
