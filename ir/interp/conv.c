/* conv.c: Conv and ConvTranspose kernels (ONNX opset 21), 1 or more spatial
 * dimensions, with group, strides, dilations, pads, auto_pad and an optional
 * bias.
 *
 *   Conv:          Y[n, o, p] = B[o] + sum_{c in group(o), k} X[n, c, p * s - pad + k * d] * W[o, c, k]
 *   ConvTranspose: Y[n, o, q] = B[o] + sum_{c in group(o), k, q = i * s - pad + k * d} X[n, c, i] * W[c, o, k]
 *
 * Layouts: NCHW (W [O, I/group, k...]) by default; for IR_LAYOUT_NHWC (the
 * QONNX channels-last domain) X is [N, spatial..., C], W [O, k..., I/group]
 * and Y [N, spatial..., O]. ConvTranspose is NCHW only, W [C, O/group, k...].
 * The output dims come from the result type; the window geometry (window.c)
 * only decides which input each output position reads.
 *
 * Arithmetic: float sums (bias included) are accumulated in double and
 * rounded once to the result type, at least as accurate as ONNX Runtime's
 * float accumulation. A Conv marked IR_SUMS_F32_FMA (float32 only) numbers the
 * patch by kernel position first, i = k * I/g + icl (channels-last memory
 * order), and sums it in increasing i in one float32 chain of fused
 * multiply-adds from +0 (fmaf, one rounding per term), then bias + sum in
 * float32. Integer sums wrap in 64-bit unsigned arithmetic and are
 * reduced to the result's width. X, W, B and Y must share one storage form.
 */
#include "kernels.h"
#include "kernel_util.h"
#include "window.h"

#include <math.h>

/* Where the operands' elements are, in element strides. The weight of
 * (group g, output channel ocl and input channel icl within the group,
 * kernel position k) is at g * w_g + ocl * w_o + icl * w_i + k * w_k. */
struct conv {
	struct window w;
	int64_t batch, cin_g, cout_g, group; /* channels per group */
	int64_t x_n, x_c;
	int64_t y_n, y_c, y_sp[IR_MAX_RANK];
	int64_t w_g, w_o, w_i, w_k;
	bool transposed;
	bool kmajor; /* patch index k * cin_g + icl (f32 fma sums), else icl * taps + k */
};

/* The patch index of input channel icl at kernel position k. */
static int64_t patch_index(const struct conv *c, int64_t icl, int64_t k)
{
	return c->kmajor ? k * c->cin_g + icl : icl * c->w.taps + k;
}

/* X, W, B (if present) and Y must have one storage form, not bool. */
static int conv_arith(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		      const struct ir_tensor *y, enum accum_kind *a)
{
	const struct ir_tensor *list[3] = {in[0], in[1], interp_operand(op, in, 2)};
	if (!in[0] || !in[1])
		return ir_op_error(m, op, "missing operand");
	if (!accum_kind_of(&y->type, a))
		return ir_op_error(m, op, "unsupported element type");
	if (!accum_all(*a, list, 3))
		return ir_op_error(m, op, "operands have another element type than the result");
	return 0;
}

/* The weights in accumulation form, reordered to [group][ocl][icl][k] so
 * that each output channel's weights line up with a patch. */
static union accum *dense_weights(enum accum_kind a, const struct conv *c,
				  const struct ir_tensor *w, struct arena *scratch)
{
	int64_t taps = c->w.taps, per = c->cin_g * taps, n = c->group * c->cout_g * per, i = 0;
	union accum *wd = arena_alloc(scratch, (size_t)(n ? n : 1) * sizeof *wd);
	for (int64_t g = 0; g < c->group; g++)
		for (int64_t ocl = 0; ocl < c->cout_g; ocl++, i += per)
			for (int64_t icl = 0; icl < c->cin_g; icl++)
				for (int64_t k = 0; k < taps; k++)
					accum_load(a, w, g * c->w_g + ocl * c->w_o + icl * c->w_i + k * c->w_k,
						   &wd[i + patch_index(c, icl, k)]);
	return wd;
}

/* patch[patch_index(icl, k)] = the input element that kernel position k of
 * input channel icl reads (zero in the padding); the group's channels start
 * at xb. */
static void fill_patch(enum accum_kind a, const struct conv *c, const struct ir_tensor *x,
		       int64_t xb, const int64_t *taps, union accum *patch)
{
	for (int64_t icl = 0; icl < c->cin_g; icl++, xb += c->x_c) {
		for (int64_t k = 0; k < c->w.taps; k++) {
			union accum *e = &patch[patch_index(c, icl, k)];
			if (taps[k] >= 0)
				accum_load(a, x, xb + taps[k], e);
			else if (a == ACCUM_INT)
				e->i = 0;
			else
				e->f = 0.0;
		}
	}
}

/* acc += sum of p[i] * w[i], i < n; four partial sums for speed (the
 * order of a double sum of float products hardly matters). */
static void dense_dot(enum accum_kind a, const union accum *p, const union accum *w, int64_t n,
		      union accum *acc)
{
	int64_t i = 0;
	if (a == ACCUM_INT) {
		uint64_t s = acc->i;
		for (; i < n; i++)
			s += p[i].i * w[i].i;
		acc->i = s;
		return;
	}
	double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
	for (; i + 4 <= n; i += 4) {
		s0 += p[i].f * w[i].f;
		s1 += p[i + 1].f * w[i + 1].f;
		s2 += p[i + 2].f * w[i + 2].f;
		s3 += p[i + 3].f * w[i + 3].f;
	}
	for (; i < n; i++)
		s0 += p[i].f * w[i].f;
	acc->f += (s0 + s1) + (s2 + s3);
}

/* acc = (float)acc + the sum of p[i] * w[i] in one float32 chain of fused
 * multiply-adds, i increasing. The accum values are floats held in
 * doubles, so the casts are exact. */
static void dense_dot_fma(const union accum *p, const union accum *w, int64_t n, union accum *acc)
{
	float s = 0;
	for (int64_t i = 0; i < n; i++)
		s = fmaf((float)p[i].f, (float)w[i].f, s);
	acc->f = (float)acc->f + s;
}

/* Walks the output positions; per position the taps, then per batch element
 * and group the patch of inputs they read, then a dot product with every
 * output channel's weights. */
static void conv_run(enum accum_kind a, bool fma, const struct conv *c, const struct ir_tensor *x,
		     const struct ir_tensor *w, const struct ir_tensor *bias, struct ir_tensor *y,
		     struct arena *scratch)
{
	int64_t opos[IR_MAX_RANK] = {0}, per = c->cin_g * c->w.taps;
	if (ir_tensor_numel(y) == 0)
		return;
	int64_t *taps = arena_alloc(scratch, (size_t)c->w.taps * sizeof *taps);
	union accum *patch = arena_alloc(scratch, (size_t)(per ? per : 1) * sizeof *patch);
	union accum *wd = dense_weights(a, c, w, scratch);
	do {
		int64_t ysp = 0;
		for (int d = 0; d < c->w.n; d++)
			ysp += opos[d] * c->y_sp[d];
		if (c->transposed)
			window_taps_transposed(&c->w, opos, taps);
		else
			window_taps(&c->w, opos, taps);
		for (int64_t n = 0; n < c->batch; n++) {
			for (int64_t g = 0; g < c->group; g++) {
				fill_patch(a, c, x, n * c->x_n + g * c->cin_g * c->x_c, taps, patch);
				for (int64_t ocl = 0; ocl < c->cout_g; ocl++) {
					int64_t o = g * c->cout_g + ocl;
					union accum acc = {0};
					if (bias)
						accum_load(a, bias, o, &acc);
					if (fma)
						dense_dot_fma(patch, wd + o * per, per, &acc);
					else
						dense_dot(a, patch, wd + o * per, per, &acc);
					accum_store(a, y, n * c->y_n + o * c->y_c + ysp, &acc);
				}
			}
		}
	} while (window_next(c->w.n, c->w.out, opos));
}

/* Spatial dims of x and y, and the strides of x's and y's batch, channel and
 * spatial dims, for the op's layout. */
static void conv_activations(const struct ir_op *op, const struct ir_type *x,
			     const struct ir_type *y, struct conv *c)
{
	int64_t xs[IR_MAX_RANK], ys[IR_MAX_RANK];
	int ca = window_channel_axis(op, x->rank), fs = window_first_spatial(op);
	ir_type_strides(x, xs);
	ir_type_strides(y, ys);
	c->w.n = x->rank - 2;
	c->batch = x->dims[0];
	c->x_n = xs[0];
	c->x_c = xs[ca];
	c->y_n = ys[0];
	c->y_c = ys[ca];
	for (int d = 0; d < c->w.n; d++) {
		c->w.in[d] = x->dims[fs + d];
		c->w.out[d] = y->dims[fs + d];
		c->w.in_stride[d] = xs[fs + d];
		c->y_sp[d] = ys[fs + d];
	}
}

/* Checks the kernel_shape attribute, when present, against w's kernel. */
static int check_kernel_shape(struct ir_module *m, const struct ir_op *op, const struct window *w)
{
	int n;
	const int64_t *ks = ir_attr_ints(op, "kernel_shape", &n);
	if (!ks)
		return 0;
	if (n != w->n)
		return ir_op_error(m, op, "kernel_shape has %d values, expected %d", n, w->n);
	for (int d = 0; d < n; d++)
		if (ks[d] != w->kernel[d])
			return ir_op_error(m, op, "kernel_shape does not match the weight's shape");
	return 0;
}

static int check_bias(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *b,
		      int64_t channels)
{
	if (b && (b->type.rank != 1 || b->type.dims[0] != channels))
		return ir_op_error(m, op, "bias must have shape [%lld]", (long long)channels);
	return 0;
}

/* Reads group and checks the channel counts: C input channels split into
 * group groups of cin_g, O outputs into groups of cout_g. */
static int conv_groups(struct ir_module *m, const struct ir_op *op, int64_t cin, int64_t cout,
		       struct conv *c)
{
	int64_t g = ir_attr_int(op, "group", 1);
	if (g < 1 || cin % g != 0 || cout % g != 0)
		return ir_op_error(m, op, "group %lld does not divide the channels (%lld in, %lld out)",
				   (long long)g, (long long)cin, (long long)cout);
	c->group = g;
	c->cin_g = cin / g;
	c->cout_g = cout / g;
	return 0;
}

static int conv_check_ranks(struct ir_module *m, const struct ir_op *op,
			    const struct ir_tensor *x, const struct ir_tensor *w,
			    const struct ir_tensor *y)
{
	int r = x->type.rank;
	if (r < 3 || w->type.rank != r || y->type.rank != r)
		return ir_op_error(m, op, "X, W and Y must have the same rank, at least 3");
	if (y->type.dims[0] != x->type.dims[0])
		return ir_op_error(m, op, "result batch size differs from the input's");
	return 0;
}

/* Conv: Y = conv(X, W) + B. */
int interp_Conv(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		struct ir_tensor *const *out, struct arena *scratch)
{
	const struct ir_tensor *x = in[0], *w = in[1], *b = interp_operand(op, in, 2);
	struct ir_tensor *y = out[0];
	struct conv c = {.transposed = false};
	enum accum_kind a;
	if (conv_arith(m, op, in, y, &a) < 0 || conv_check_ranks(m, op, x, w, y) < 0)
		return -1;
	int r = x->type.rank, ca = window_channel_axis(op, r);
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	int64_t cout = w->type.dims[0];
	if (y->type.dims[ca] != cout)
		return ir_op_error(m, op, "result channels differ from the weight's outputs");
	if (conv_groups(m, op, x->type.dims[ca], cout, &c) < 0 ||
	    check_bias(m, op, b, cout) < 0)
		return -1;
	if (w->type.dims[nhwc ? r - 1 : 1] != c.cin_g)
		return ir_op_error(m, op, "weight has %lld input channels, expected %lld",
				   (long long)w->type.dims[nhwc ? r - 1 : 1], (long long)c.cin_g);
	conv_activations(op, &x->type, &y->type, &c);
	for (int d = 0; d < c.w.n; d++)
		c.w.kernel[d] = w->type.dims[(nhwc ? 1 : 2) + d];
	if (check_kernel_shape(m, op, &c.w) < 0 || window_init(m, op, &c.w, false) < 0)
		return -1;
	/* W [O, I/g, k...] or, channels-last, [O, k..., I/g] */
	c.w_o = c.cin_g * c.w.taps;
	c.w_g = c.cout_g * c.w_o;
	c.w_i = nhwc ? 1 : c.w.taps;
	c.w_k = nhwc ? c.cin_g : 1;
	c.kmajor = a == ACCUM_F32 && op->sums == IR_SUMS_F32_FMA;
	conv_run(a, c.kmajor, &c, x, w, b, y, scratch);
	return 0;
}

/* ConvTranspose: the gradient of Conv with respect to its input, W [C, O/g, k...]. */
int interp_ConvTranspose(struct ir_module *m, const struct ir_op *op,
			 const struct ir_tensor *const *in, struct ir_tensor *const *out,
			 struct arena *scratch)
{
	const struct ir_tensor *x = in[0], *w = in[1], *b = interp_operand(op, in, 2);
	struct ir_tensor *y = out[0];
	struct conv c = {.transposed = true};
	enum accum_kind a;
	if (op->layout == IR_LAYOUT_NHWC)
		return ir_op_error(m, op, "channels-last layout not supported");
	if (conv_arith(m, op, in, y, &a) < 0 || conv_check_ranks(m, op, x, w, y) < 0)
		return -1;
	int64_t cin = x->type.dims[1], cout = y->type.dims[1];
	if (w->type.dims[0] != cin)
		return ir_op_error(m, op, "weight has %lld input channels, expected %lld",
				   (long long)w->type.dims[0], (long long)cin);
	if (conv_groups(m, op, cin, cout, &c) < 0 || check_bias(m, op, b, cout) < 0)
		return -1;
	if (w->type.dims[1] != c.cout_g)
		return ir_op_error(m, op, "weight has %lld outputs per group, expected %lld",
				   (long long)w->type.dims[1], (long long)c.cout_g);
	conv_activations(op, &x->type, &y->type, &c);
	for (int d = 0; d < c.w.n; d++)
		c.w.kernel[d] = w->type.dims[2 + d];
	if (check_kernel_shape(m, op, &c.w) < 0 || window_init(m, op, &c.w, true) < 0)
		return -1;
	/* W [C, O/g, k...]: input channel c = g * cin_g + icl */
	c.w_o = c.w.taps;
	c.w_i = c.cout_g * c.w.taps;
	c.w_g = c.cin_g * c.w_i;
	c.w_k = 1;
	conv_run(a, false, &c, x, w, b, y, scratch);
	return 0;
}
