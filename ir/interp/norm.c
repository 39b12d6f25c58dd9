/* norm.c: BatchNormalization (inference) and InstanceNormalization kernels
 * (ONNX opset 21), float types.
 *
 * BatchNormalization: y = (x - mean) / sqrt(var + epsilon) * scale + B per
 * channel (axis 1, or the last axis for IR_LAYOUT_NHWC), computed in X's
 * type the way ONNX Runtime does, so that results match it bit for bit:
 *   s = scale * (1 / sqrt(var + epsilon)), b = B - mean * s, y = x * s + b.
 *
 * InstanceNormalization: y = scale * (x - mean) / sqrt(var + epsilon) + B
 * with mean and (biased) variance over the spatial dims of each (n, c)
 * plane, accumulated in double, then applied as for BatchNormalization.
 *
 * The per-channel operands may have another float type than X; they are
 * converted to X's on load.
 */
#include "kernels.h"
#include "kernel_util.h"

#include <math.h>

static int channel_axis(const struct ir_op *op, int rank)
{
	return op->layout == IR_LAYOUT_NHWC ? rank - 1 : 1;
}

static bool is_float(const struct ir_tensor *t)
{
	return t && (t->type.elem == IR_ELEM_F32 || t->type.elem == IR_ELEM_F64);
}

/* X and Y float of one type with one shape (rank >= 2); operands 1..n-1
 * float with exactly C elements. */
static int check_operands(struct ir_module *m, const struct ir_op *op,
			  const struct ir_tensor *const *in, int n, const struct ir_tensor *y,
			  int64_t channels)
{
	if (!is_float(in[0]) || !ir_type_equal(&in[0]->type, &y->type))
		return ir_op_error(m, op, "X and Y must be float tensors of one type and shape");
	for (int k = 1; k < n; k++)
		if (!is_float(interp_operand(op, in, k)) || ir_tensor_numel(in[k]) != channels)
			return ir_op_error(m, op, "operand %d must be a float tensor of %lld elements",
					   k, (long long)channels);
	return 0;
}

/* y = x * s + b over count elements at base + i * step, in y's type. */
static void affine(const struct ir_tensor *x, struct ir_tensor *y, int64_t base, int64_t step,
		   int64_t count, double s, double b)
{
	if (y->type.elem == IR_ELEM_F32) {
		const float *xp = ir_tensor_f32(x);
		float *yp = ir_tensor_f32(y), fs = (float)s, fb = (float)b;
		for (int64_t i = 0; i < count; i++) {
			float t = xp[base + i * step] * fs;
			yp[base + i * step] = t + fb;
		}
	} else {
		const double *xp = ir_tensor_f64(x);
		double *yp = ir_tensor_f64(y);
		for (int64_t i = 0; i < count; i++)
			yp[base + i * step] = xp[base + i * step] * s + b;
	}
}

/* The per-channel scale and shift, in the precision of X's type. */
static void scale_shift(bool f32, double scale, double bias, double mean, double var,
			double eps, double *s, double *b)
{
	if (f32) {
		float inv = 1.0f / sqrtf((float)var + (float)eps);
		float fs = inv * (float)scale;
		float t = (float)mean * fs;
		*s = fs;
		*b = (float)((float)bias - t);
	} else {
		*s = 1.0 / sqrt(var + eps) * scale;
		*b = bias - mean * *s;
	}
}

/* BatchNormalization: (X, scale, B, input_mean, input_var) -> Y. */
int interp_BatchNormalization(struct ir_module *m, const struct ir_op *op,
			      const struct ir_tensor *const *in, struct ir_tensor *const *out,
			      struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	if (!x || x->type.rank < 2)
		return ir_op_error(m, op, "X must have rank >= 2");
	int r = x->type.rank, ca = channel_axis(op, r);
	int64_t channels = x->type.dims[ca], outer = 1, inner = 1;
	double eps = ir_attr_float(op, "epsilon", 1e-5);
	if (check_operands(m, op, in, 5, y, channels) < 0)
		return -1;
	for (int d = 0; d < ca; d++)
		outer *= x->type.dims[d];
	for (int d = ca + 1; d < r; d++)
		inner *= x->type.dims[d];
	/* element (o, c, i) is at (o * C + c) * inner + i */
	for (int64_t c = 0; c < channels; c++) {
		double s, b;
		scale_shift(x->type.elem == IR_ELEM_F32, ir_load_f64(in[1], c), ir_load_f64(in[2], c),
			    ir_load_f64(in[3], c), ir_load_f64(in[4], c), eps, &s, &b);
		for (int64_t o = 0; o < outer; o++)
			affine(x, y, (o * channels + c) * inner, 1, inner, s, b);
	}
	return 0;
}

/* Mean and biased variance of count elements at base + i * step, in double. */
static void moments(const struct ir_tensor *x, int64_t base, int64_t step, int64_t count,
		    double *mean, double *var)
{
	double sum = 0, sq = 0;
	for (int64_t i = 0; i < count; i++)
		sum += ir_load_f64(x, base + i * step);
	*mean = count ? sum / (double)count : 0.0;
	for (int64_t i = 0; i < count; i++) {
		double d = ir_load_f64(x, base + i * step) - *mean;
		sq += d * d;
	}
	*var = count ? sq / (double)count : 0.0;
}

/* InstanceNormalization: (X, scale, B) -> Y. */
int interp_InstanceNormalization(struct ir_module *m, const struct ir_op *op,
				 const struct ir_tensor *const *in, struct ir_tensor *const *out,
				 struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	if (!x || x->type.rank < 3)
		return ir_op_error(m, op, "X must have rank >= 3");
	int r = x->type.rank, ca = channel_axis(op, r);
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	int64_t batch = x->type.dims[0], channels = x->type.dims[ca], plane = 1;
	double eps = ir_attr_float(op, "epsilon", 1e-5);
	if (check_operands(m, op, in, 3, y, channels) < 0)
		return -1;
	for (int d = 1; d < r; d++)
		if (d != ca)
			plane *= x->type.dims[d];
	/* plane (n, c) has its elements at base + i * step */
	int64_t step = nhwc ? channels : 1;
	for (int64_t n = 0; n < batch; n++) {
		for (int64_t c = 0; c < channels; c++) {
			int64_t base = nhwc ? n * plane * channels + c : (n * channels + c) * plane;
			double mean, var, s, b;
			bool f32 = x->type.elem == IR_ELEM_F32;
			moments(x, base, step, plane, &mean, &var);
			scale_shift(f32, ir_load_f64(in[1], c), ir_load_f64(in[2], c), mean, var, eps,
				    &s, &b);
			affine(x, y, base, step, plane, s, b);
		}
	}
	return 0;
}
