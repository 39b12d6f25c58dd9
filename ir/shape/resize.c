/* resize.c: shapes of the spatial resampling ops Resize, DepthToSpace and
 * SpaceToDepth. Results have the input's element type.
 *
 * Resize (X, roi, scales, sizes), opset 19+: exactly one of scales and sizes
 * is given (an empty tensor counts as absent), known at compile time, one
 * value per axis of the attribute axes (every axis by default). With scales,
 * out = floor(in * scale). With sizes, out = sizes under
 * keep_aspect_ratio_policy="stretch"; "not_larger"/"not_smaller" take one
 * scale, the min/max of sizes / in, and out = round_half_up(in * scale).
 * DepthToSpace moves blocksize^2 channels into a blocksize x blocksize
 * spatial block ([N, C, H, W] -> [N, C/b^2, H*b, W*b]); SpaceToDepth is its
 * inverse. Both also come channels-last (op->layout == IR_LAYOUT_NHWC,
 * [N, H, W, C] -> [N, H*b, W*b, C/b^2]), as the channels-last pass makes them;
 * Resize has no layout (its scales and sizes name every axis).
 */
#include "common.h"

#include <inttypes.h>
#include <math.h>

static const char *const modes[] = {"nearest", "linear", "cubic", NULL};
static const char *const transforms[] = {
	"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners",
	"asymmetric", "tf_crop_and_resize", NULL,
};
static const char *const nearest_modes[] = {
	"round_prefer_floor", "round_prefer_ceil", "floor", "ceil", NULL,
};
enum policy { POLICY_STRETCH, POLICY_NOT_LARGER, POLICY_NOT_SMALLER };
static const char *const policies[] = {"stretch", "not_larger", "not_smaller", NULL};

static bool given(struct ir_module *m, const struct ir_op *op, int k)
{
	const struct ir_type *t = ir_operand_type(m, op, k);
	return t && ir_type_numel(t) > 0;
}

/* A result dim computed in floating point, checked before conversion. */
static int float_dim(struct ir_module *m, const struct ir_op *op, double d, int64_t *out)
{
	if (!(d >= 0) || d > (double)SHAPE_MAX_DIM)
		return ir_op_error(m, op, "result dimension %g is out of range", d);
	*out = (int64_t)d;
	return 0;
}

static int by_scales(struct ir_module *m, const struct ir_op *op, const int *axes, int naxes,
		     struct ir_type *out)
{
	const struct ir_type *t = ir_operand_type(m, op, 2);
	const void *scales;
	if (!shape_is_float(t) || t->rank != 1)
		return ir_op_error(m, op, "scales must be a 1-D float tensor");
	if (ir_type_numel(t) != naxes)
		return ir_op_error(m, op, "scales has %" PRId64 " values, expected %d",
				   ir_type_numel(t), naxes);
	if (shape_known(m, op, 2, "scales", &scales) < 0)
		return -1;
	for (int i = 0; i < naxes; i++) {
		double s = shape_elem(t, scales, i);
		if (!isfinite(s) || s <= 0)
			return ir_op_error(m, op, "scale %g must be finite and positive", s);
		if (float_dim(m, op, floor((double)out->dims[axes[i]] * s), &out->dims[axes[i]]) < 0)
			return -1;
	}
	return 0;
}

static int by_sizes(struct ir_module *m, const struct ir_op *op, const int *axes, int naxes,
		    enum policy policy, struct ir_type *out)
{
	const int64_t *sizes;
	int n;
	if (shape_known_ints(m, op, 3, "sizes", IR_MAX_RANK, &sizes, &n) < 0)
		return -1;
	if (n != naxes)
		return ir_op_error(m, op, "sizes has %d values, expected %d", n, naxes);
	double scale = policy == POLICY_NOT_LARGER ? INFINITY : 0;
	for (int i = 0; i < naxes; i++) {
		int64_t in = out->dims[axes[i]];
		if (shape_check_dim(m, op, "size", sizes[i]) < 0)
			return -1;
		if (policy == POLICY_STRETCH) {
			out->dims[axes[i]] = sizes[i];
			continue;
		}
		if (in == 0)
			return ir_op_error(m, op, "cannot keep the aspect ratio of an empty dimension");
		double s = (double)sizes[i] / (double)in;
		scale = policy == POLICY_NOT_LARGER ? fmin(scale, s) : fmax(scale, s);
	}
	for (int i = 0; policy != POLICY_STRETCH && i < naxes; i++)
		if (float_dim(m, op, floor(scale * (double)out->dims[axes[i]] + 0.5),
			      &out->dims[axes[i]]) < 0)
			return -1;
	return 0;
}

/* Resize (X, roi, scales, sizes); axes, keep_aspect_ratio_policy, mode... */
int shape_resize(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int policy = shape_attr_choice(m, op, "keep_aspect_ratio_policy", policies);
	if (policy < 0 || shape_attr_choice(m, op, "mode", modes) < 0 ||
	    shape_attr_choice(m, op, "coordinate_transformation_mode", transforms) < 0 ||
	    shape_attr_choice(m, op, "nearest_mode", nearest_modes) < 0)
		return -1;
	int naxes, axes[IR_MAX_RANK];
	const int64_t *attr_axes;
	if (shape_attr_list(m, op, "axes", &attr_axes, &naxes) < 0)
		return -1;
	if (!attr_axes)
		naxes = x->rank;
	for (int i = 0; i < naxes && !attr_axes; i++)
		axes[i] = i;
	if (attr_axes && shape_axes(m, op, "axes", attr_axes, naxes, x->rank, axes) < 0)
		return -1;
	bool scales = given(m, op, 2), sizes = given(m, op, 3);
	if (scales == sizes)
		return ir_op_error(m, op, "exactly one of scales and sizes must be given");
	struct ir_type out = *x;
	if (scales ? by_scales(m, op, axes, naxes, &out) < 0
		   : by_sizes(m, op, axes, naxes, (enum policy)policy, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* blocksize, and the input checked to be a 4-D tensor. */
static int block_size(struct ir_module *m, const struct ir_op *op, int64_t *b)
{
	const struct ir_type *x = ir_operand_type(m, op, 0);
	if (x->rank != 4)
		return ir_op_error(m, op, "input must have rank 4, got %d", x->rank);
	const struct ir_attr *a = ir_attr_find(op, "blocksize");
	if (!a || a->kind != IR_ATTR_INT)
		return ir_op_error(m, op, "attribute blocksize is missing");
	*b = a->i;
	if (*b < 1 || *b > SHAPE_MAX_DIM)
		return ir_op_error(m, op, "blocksize %" PRId64 " is out of range", *b);
	return 0;
}

/* DepthToSpace; blocksize, mode="DCR" */
int shape_depth_to_space(struct ir_module *m, struct ir_op *op)
{
	static const char *const d2s_modes[] = {"DCR", "CRD", NULL};
	int64_t b, area;
	if (shape_begin(m, op) < 0 || block_size(m, op, &b) < 0 ||
	    shape_attr_choice(m, op, "mode", d2s_modes) < 0 || shape_mul(m, op, b, b, &area) < 0)
		return -1;
	struct ir_type out = *ir_operand_type(m, op, 0);
	int c = shape_channel_axis(op, 4), h = shape_first_spatial(op), w = h + 1;
	if (out.dims[c] % area)
		return ir_op_error(m, op, "%" PRId64 " channels are not divisible by blocksize^2 = %"
				   PRId64, out.dims[c], area);
	out.dims[c] /= area;
	if (shape_mul(m, op, out.dims[h], b, &out.dims[h]) < 0 ||
	    shape_mul(m, op, out.dims[w], b, &out.dims[w]) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* SpaceToDepth; blocksize */
int shape_space_to_depth(struct ir_module *m, struct ir_op *op)
{
	int64_t b, area;
	if (shape_begin(m, op) < 0 || block_size(m, op, &b) < 0 || shape_mul(m, op, b, b, &area) < 0)
		return -1;
	struct ir_type out = *ir_operand_type(m, op, 0);
	int c = shape_channel_axis(op, 4), h = shape_first_spatial(op), w = h + 1;
	if (out.dims[h] % b || out.dims[w] % b)
		return ir_op_error(m, op, "spatial size %" PRId64 "x%" PRId64 " is not divisible by "
				   "blocksize %" PRId64, out.dims[h], out.dims[w], b);
	out.dims[h] /= b;
	out.dims[w] /= b;
	return shape_mul(m, op, out.dims[c], area, &out.dims[c]) < 0 ? -1 : shape_set(m, op, 0, &out);
}
