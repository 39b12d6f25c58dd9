/* k_norm.c: BatchNormalization (inference) and InstanceNormalization
 * kernels, float types.
 *
 * As ir/interp/norm.c, bit for bit: per channel a scale s and shift b,
 * computed in X's type the way ONNX Runtime does (operands converted to
 * X's type first),
 *   f32: s = (1 / sqrt(var + eps)) * scale, b = B - mean * s;
 *   f64: s = 1 / sqrt(var + eps) * scale,   b = B - mean * s;
 * then y = x * s + b (a product, then a sum: never fused). For
 * InstanceNormalization mean and the biased variance of each (n, c) plane
 * are accumulated in double in plane order (mean first, then the squares of
 * x - mean) and converted to X's type. cg_sqrt is exact, so s and b equal
 * the interpreter's.
 *
 * Loops: the channel loop innermost for channels-last layouts, where a
 * channel's elements are C apart, and outermost otherwise; s and b are
 * computed once per channel into rows before the elementwise pass.
 */
#include "k_linalg.h"
#include "cg_math.h"

struct norm {
	const struct ir_op *op;
	int x, y;
	const struct ir_type *xt;
	LLVMTypeRef ty;        /* X's register type */
	int64_t channels;
	double eps;
};

static bool is_float(const struct ir_type *t)
{
	return t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64;
}

/* X and Y float of one type and shape; operands 1..n-1 float of C elements. */
static int check(struct cg *g, const struct ir_op *op, struct norm *p, int n, int min_rank)
{
	p->op = op;
	p->x = op->operands[0];
	p->y = op->results[0];
	p->xt = &g->m->values[p->x].type;
	if (p->xt->rank < min_rank)
		return ir_op_error(g->m, op, "X must have rank >= %d", min_rank);
	if (!is_float(p->xt) || !ir_type_equal(p->xt, &g->m->values[p->y].type))
		return ir_op_error(g->m, op, "X and Y must be float tensors of one type and shape");
	p->channels = p->xt->dims[window_channel_axis(op, p->xt->rank)];
	for (int k = 1; k < n; k++) {
		int v = k < op->noperands ? op->operands[k] : IR_NONE;
		if (v == IR_NONE || !is_float(&g->m->values[v].type) ||
		    ir_type_numel(&g->m->values[v].type) != p->channels)
			return ir_op_error(g->m, op, "operand %d must be a float tensor of %lld elements", k,
					   (long long)p->channels);
	}
	p->ty = cg_reg_type(g, p->xt);
	p->eps = ir_attr_float(op, "epsilon", 1e-5);
	return 0;
}

/* Element c of operand k converted to X's type. */
static LLVMValueRef operand(struct cg *g, const struct norm *p, int k, LLVMValueRef c)
{
	int v = p->op->operands[k];
	return cg_convert(g, cg_load(g, v, c), &g->m->values[v].type, p->xt);
}

/* Stores channel c's s and b from scale, bias, mean and var in X's type. */
static void scale_shift(struct cg *g, const struct norm *p, LLVMValueRef c, LLVMValueRef scale,
			LLVMValueRef bias, LLVMValueRef mean, LLVMValueRef var, const struct kl_buf *s,
			const struct kl_buf *b)
{
	LLVMValueRef root = cg_sqrt(g, LLVMBuildFAdd(g->b, var, cg_const_real(p->ty, p->eps), ""));
	LLVMValueRef inv = LLVMBuildFDiv(g->b, cg_const_real(p->ty, 1.0), root, "");
	LLVMValueRef sv = LLVMBuildFMul(g->b, inv, scale, "");
	LLVMValueRef bv = LLVMBuildFSub(g->b, bias, LLVMBuildFMul(g->b, mean, sv, ""), "");
	kl_buf_store(g, s, c, sv);
	kl_buf_store(g, b, c, bv);
}

/* y = x * s[c] + b[c] at element index i. */
static void affine(struct cg *g, const struct norm *p, LLVMValueRef i, LLVMValueRef c,
		   const struct kl_buf *s, const struct kl_buf *b)
{
	LLVMValueRef t = LLVMBuildFMul(g->b, cg_load(g, p->x, i), kl_buf_load(g, s, c), "");
	cg_store(g, p->y, i, LLVMBuildFAdd(g->b, t, kl_buf_load(g, b, c), ""));
}

/* The scale and shift of every channel into s and b (k_linalg.h). */
static void batchnorm_rows(struct cg *g, const struct norm *p, const struct kl_buf *s,
			   const struct kl_buf *b)
{
	struct kl_for fc;
	LLVMValueRef c = kl_for_begin(g, &fc, p->channels, "c");
	scale_shift(g, p, c, operand(g, p, 1, c), operand(g, p, 2, c), operand(g, p, 3, c),
		    operand(g, p, 4, c), s, b);
	kl_for_end(g, &fc);
}

int kl_batchnorm_rows(struct cg *g, const struct ir_op *op, const struct kl_buf *s,
		      const struct kl_buf *b)
{
	struct norm p;
	if (op->noperands < 1 || check(g, op, &p, 5, 2) < 0)
		return -1;
	batchnorm_rows(g, &p, s, b);
	return 0;
}

/* BatchNormalization: (X, scale, B, input_mean, input_var) -> Y. */
static int k_batchnorm(struct cg *g, const struct ir_op *op)
{
	struct norm p;
	if (op->noperands < 1 || check(g, op, &p, 5, 2) < 0)
		return -1;
	int r = p.xt->rank, ca = window_channel_axis(op, r);
	int64_t dims[3] = {1, p.channels, 1};
	for (int d = 0; d < ca; d++)
		dims[0] *= p.xt->dims[d];
	for (int d = ca + 1; d < r; d++)
		dims[2] *= p.xt->dims[d];
	if (ir_type_numel(p.xt) == 0)
		return 0;
	struct kl_buf s, b;
	struct cg_nest all;
	kl_buf_begin(g, &s, p.ty, p.channels, "scale");
	kl_buf_begin(g, &b, p.ty, p.channels, "shift");
	batchnorm_rows(g, &p, &s, &b);
	/* element (o, c, i) is at (o * C + c) * inner + i */
	int64_t strides[3] = {p.channels * dims[2], dims[2], 1};
	cg_nest_begin(g, &all, 3, dims);
	affine(g, &p, cg_linear(g, 3, strides, all.iv), all.iv[1], &s, &b);
	cg_nest_end(g, &all);
	kl_buf_end(g, &b);
	kl_buf_end(g, &s);
	return 0;
}

/* sum[c] += f(x) over the plane of every channel, f(x) = x or (x - mean[c])^2,
 * in double, channels inner or outer as the layout makes them contiguous. */
static void plane_sums(struct cg *g, const struct norm *p, LLVMValueRef base, int64_t plane,
		       int64_t step, int64_t cstride, const struct kl_buf *sum,
		       const struct kl_buf *mean)
{
	struct kl_for fi, fc;
	bool inner = cstride == 1;
	LLVMValueRef c = NULL;
	if (!inner)
		c = kl_for_begin(g, &fc, p->channels, "c");
	LLVMValueRef i = kl_for_begin(g, &fi, plane, "i");
	if (inner)
		c = kl_for_begin(g, &fc, p->channels, "c");
	LLVMValueRef idx = kl_iadd(g, base, kl_iadd(g, kl_imul(g, i, step), kl_imul(g, c, cstride)));
	LLVMValueRef x = cg_load(g, p->x, idx);
	if (p->xt->elem == IR_ELEM_F32)
		x = LLVMBuildFPExt(g->b, x, g->t_f64, "");
	if (mean) {
		LLVMValueRef d = LLVMBuildFSub(g->b, x, kl_buf_load(g, mean, c), "");
		x = LLVMBuildFMul(g->b, d, d, "");
	}
	kl_buf_store(g, sum, c, LLVMBuildFAdd(g->b, kl_buf_load(g, sum, c), x, ""));
	kl_for_end(g, inner ? &fc : &fi);
	kl_for_end(g, inner ? &fi : &fc);
}

static void fill(struct cg *g, const struct kl_buf *buf, int64_t n, LLVMValueRef v)
{
	struct kl_for f;
	LLVMValueRef i = kl_for_begin(g, &f, n, "i");
	kl_buf_store(g, buf, i, v);
	kl_for_end(g, &f);
}

/* InstanceNormalization: (X, scale, B) -> Y. */
static int k_instancenorm(struct cg *g, const struct ir_op *op)
{
	struct norm p;
	if (op->noperands < 1 || check(g, op, &p, 3, 3) < 0)
		return -1;
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	int64_t batch = p.xt->dims[0];
	if (ir_type_numel(p.xt) == 0)
		return 0;
	int64_t plane = ir_type_numel(p.xt) / (batch * p.channels);
	/* element i of plane (n, c) is at n * C * plane + c * cstride + i * step */
	int64_t step = nhwc ? p.channels : 1, cstride = nhwc ? 1 : plane;
	double count = (double)plane;
	struct kl_buf mean, var, s, b;
	struct kl_for fn, fc, fi;
	kl_buf_begin(g, &mean, g->t_f64, p.channels, "mean");
	kl_buf_begin(g, &var, g->t_f64, p.channels, "var");
	kl_buf_begin(g, &s, p.ty, p.channels, "scale");
	kl_buf_begin(g, &b, p.ty, p.channels, "shift");
	LLVMValueRef n = kl_for_begin(g, &fn, batch, "n");
	LLVMValueRef base = kl_imul(g, n, p.channels * plane);
	LLVMValueRef zero = cg_const_real(g->t_f64, 0.0), cnt = cg_const_real(g->t_f64, count);
	fill(g, &mean, p.channels, zero);
	fill(g, &var, p.channels, zero);
	plane_sums(g, &p, base, plane, step, cstride, &mean, NULL);
	LLVMValueRef c = kl_for_begin(g, &fc, p.channels, "c");
	kl_buf_store(g, &mean, c, LLVMBuildFDiv(g->b, kl_buf_load(g, &mean, c), cnt, ""));
	kl_for_end(g, &fc);
	plane_sums(g, &p, base, plane, step, cstride, &var, &mean);
	struct ir_type f64 = {.elem = IR_ELEM_F64, .bits = 64};
	c = kl_for_begin(g, &fc, p.channels, "c");
	LLVMValueRef mv = cg_convert(g, kl_buf_load(g, &mean, c), &f64, p.xt);
	LLVMValueRef vv = LLVMBuildFDiv(g->b, kl_buf_load(g, &var, c), cnt, "");
	scale_shift(g, &p, c, operand(g, &p, 1, c), operand(g, &p, 2, c), mv,
		    cg_convert(g, vv, &f64, p.xt), &s, &b);
	kl_for_end(g, &fc);
	bool inner = cstride == 1;
	c = inner ? NULL : kl_for_begin(g, &fc, p.channels, "c");
	LLVMValueRef i = kl_for_begin(g, &fi, plane, "i");
	if (inner)
		c = kl_for_begin(g, &fc, p.channels, "c");
	affine(g, &p, kl_iadd(g, base, kl_iadd(g, kl_imul(g, i, step), kl_imul(g, c, cstride))), c, &s,
	       &b);
	kl_for_end(g, inner ? &fc : &fi);
	kl_for_end(g, inner ? &fi : &fc);
	kl_for_end(g, &fn);
	kl_buf_end(g, &b);
	kl_buf_end(g, &s);
	kl_buf_end(g, &var);
	kl_buf_end(g, &mean);
	return 0;
}

void kl_register_norm(cg_kernel **table)
{
	table[IR_OP_BatchNormalization] = k_batchnorm;
	table[IR_OP_InstanceNormalization] = k_instancenorm;
}
