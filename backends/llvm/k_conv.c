/* k_conv.c: Conv and ConvTranspose kernels (ONNX opset 21), 1 to 3 (or
 * more) spatial dims, groups, strides, dilations, pads, auto_pad, optional
 * bias.
 *
 *   Conv:          Y[n, o, p] = B[o] + sum_{c in group(o), k} X[n, c, p * s - pad + k * d] * W[o, c, k]
 *   ConvTranspose: Y[n, o, q] = B[o] + sum_{c in group(o), k : q = i * s - pad + k * d} X[n, c, i] * W[c, o, k]
 *
 * Layouts as the interpreter (ir/interp/conv.c): NCHW with W [O, I/g, k...],
 * or for IR_LAYOUT_NHWC X [N, spatial..., C], W [O, k..., I/g], Y [N,
 * spatial..., O]; ConvTranspose NCHW only, W [C, O/g, k...].
 *
 * Arithmetic, bit for bit the interpreter's: per output element, the
 * products of the patch index i = icl * taps + k (input channel within the
 * group, kernel position) are summed in double in four lanes, lane i % 4
 * for i below per - per % 4 and lane 0 for the rest (per = I/g * taps), each
 * lane in increasing i; the result is B[o] + ((s0 + s1) + (s2 + s3)).
 * Padding taps are skipped: they add 0 * w, which leaves a lane unchanged
 * (a lane starts at +0.0 and can never become -0.0) for finite weights.
 * Integer sums go to one lane in i32/i64 (k_linalg.h). A Conv marked
 * IR_SUMS_F32_FMA numbers its patch i = k * I/g + icl instead and sums it
 * in one lane of float32 fused multiply-adds, as the interpreter does.
 *
 * Loops: batch, output position, then icl and the taps, then the groups and
 * the output channels of each group, innermost, over rows of accumulators
 * acc[lane][o] and weights W'[i][o] (a table reordered at compile time when
 * W is known), both contiguous in o. So each lane still sums its i in
 * increasing order, and for channels-last layouts the innermost loop walks
 * contiguous memory (for a depthwise conv, the group loop does).
 *
 * A channels-last integer Conv with one group, activations of at most 8
 * bits and known weights and bias instead runs the dot-product kernel
 * (k_conv_dot.c); a channels-last f32 Conv with one group the float kernel
 * of k_conv_vec.c, with the same sums. A float Conv followed by a chain of
 * BatchNormalization and Relu ops (float_epilogue.h) applies them to each
 * result before storing the chain's last value, in either kernel.
 */
#include "k_linalg.h"

#include <stdlib.h>

#include "float_epilogue.h"
#include "k_dot.h"

struct conv {
	struct kl_geom k;
	struct kl_acc acc;
	int x, w, bias, y;             /* value indices, bias IR_NONE when absent */
	int64_t group, cin_g, cout_g;  /* channels per group */
	int64_t per, lanes;            /* patch size cin_g * taps; 4 lanes for floats, 1 for ints */
	int64_t w_g, w_o, w_i, w_k;    /* element strides of W by group, ocl, icl, tap */
	struct kl_table wtab;          /* W'[i][o], when W is known */
	bool has_wtab;
	struct cg_float_epilogue fe;   /* ops applied before storing fe.y (float_epilogue.h) */
};

/* X, W, B and Y share one accumulation kind. */
static int check_elements(struct cg *g, const struct ir_op *op, struct conv *c)
{
	const struct ir_type *y = &g->m->values[c->y].type;
	if (c->x == IR_NONE || c->w == IR_NONE)
		return ir_op_error(g->m, op, "missing operand");
	if (!kl_acc_for(g, y, &c->acc))
		return ir_op_error(g->m, op, "unsupported element type");
	kl_acc_sums(g, op, &c->acc);
	int list[3] = {c->x, c->w, c->bias};
	for (int k = 0; k < 3; k++)
		if (list[k] != IR_NONE && !kl_acc_fits(&c->acc, &g->m->values[list[k]].type))
			return ir_op_error(g->m, op, "operands have another element type than the result");
	return 0;
}

static int check_groups(struct cg *g, const struct ir_op *op, struct conv *c)
{
	int64_t gr = ir_attr_int(op, "group", 1);
	if (gr < 1 || c->k.cin % gr != 0 || c->k.cout % gr != 0)
		return ir_op_error(g->m, op, "group %lld does not divide the channels", (long long)gr);
	c->group = gr;
	c->cin_g = c->k.cin / gr;
	c->cout_g = c->k.cout / gr;
	if (c->bias != IR_NONE) {
		const struct ir_type *b = &g->m->values[c->bias].type;
		if (b->rank != 1 || b->dims[0] != c->k.cout)
			return ir_op_error(g->m, op, "bias must have shape [%lld]", (long long)c->k.cout);
	}
	return 0;
}

static int check_kernel_shape(struct cg *g, const struct ir_op *op, const struct window *w)
{
	int n;
	const int64_t *ks = ir_attr_ints(op, "kernel_shape", &n);
	if (!ks)
		return 0;
	if (n != w->n)
		return ir_op_error(g->m, op, "kernel_shape has %d values, expected %d", n, w->n);
	for (int d = 0; d < n; d++)
		if (ks[d] != w->kernel[d])
			return ir_op_error(g->m, op, "kernel_shape does not match the weight's shape");
	return 0;
}

/* W's element of patch index i (icl * taps + k, or k * cin_g + icl for
 * float32 fma sums) and output channel o. */
static int64_t w_index(const struct conv *c, int64_t i, int64_t o)
{
	int64_t taps = c->k.w.taps, icl = i / taps, k = i % taps;
	if (c->acc.fma) {
		icl = i % c->cin_g;
		k = i / c->cin_g;
	}
	int64_t gr = o / c->cout_g, ocl = o % c->cout_g;
	return gr * c->w_g + ocl * c->w_o + icl * c->w_i + k * c->w_k;
}

/* The table W'[i][o] when W is known. */
static int make_wtab(struct cg *g, struct conv *c)
{
	int64_t n = c->per * c->k.cout;
	int64_t *src = malloc((size_t)(n ? n : 1) * sizeof *src);
	if (!src)
		return ir_error(g->m, "out of memory");
	for (int64_t i = 0; i < c->per; i++)
		for (int64_t o = 0; o < c->k.cout; o++)
			src[i * c->k.cout + o] = w_index(c, i, o);
	c->has_wtab = kl_table_make(g, &c->wtab, c->w, n, src, "weights") == 0;
	free(src);
	return g->m->error[0] ? -1 : 0;
}

/* W's element (i = icl * taps + k, o = gr * cout_g + ocl) in the accumulator type. */
static LLVMValueRef load_w(struct cg *g, const struct conv *c, LLVMValueRef i, LLVMValueRef icl,
			   LLVMValueRef k, LLVMValueRef gr, LLVMValueRef ocl, LLVMValueRef o)
{
	LLVMValueRef x;
	if (c->has_wtab) {
		x = kl_table_load(g, &c->wtab, kl_iadd(g, kl_imul(g, i, c->k.cout), o));
	} else {
		LLVMValueRef idx = kl_iadd(g, kl_iadd(g, kl_imul(g, gr, c->w_g), kl_imul(g, ocl, c->w_o)),
					   kl_iadd(g, kl_imul(g, icl, c->w_i), kl_imul(g, k, c->w_k)));
		x = cg_load(g, c->w, idx);
	}
	return kl_acc_in(g, &c->acc, x, &g->m->values[c->w].type);
}

/* The lane of patch index i (see the header comment). */
static LLVMValueRef lane_of(struct cg *g, const struct conv *c, LLVMValueRef i)
{
	int64_t full = c->per - c->per % 4;
	if (c->lanes == 1)
		return cg_i64(g, 0);
	LLVMValueRef mod = LLVMBuildAnd(g->b, i, cg_i64(g, 3), "");
	if (full == c->per)
		return mod;
	LLVMValueRef in_full = LLVMBuildICmp(g->b, LLVMIntSLT, i, cg_i64(g, full), "");
	return LLVMBuildSelect(g->b, in_full, mod, cg_i64(g, 0), "");
}

/* acc[lane][o] += X * W' for input channel icl at the tap of taps. */
static void accumulate_tap(struct cg *g, const struct conv *c, const struct kl_buf *acc,
			   LLVMValueRef n, LLVMValueRef icl, const struct kl_taps *taps)
{
	const struct ir_type *xt = &g->m->values[c->x].type;
	struct kl_for fgr, focl;
	LLVMValueRef i = c->acc.fma ? kl_iadd(g, kl_imul(g, taps->k, c->cin_g), icl)
				    : kl_iadd(g, kl_imul(g, icl, c->k.w.taps), taps->k);
	LLVMValueRef row = kl_imul(g, lane_of(g, c, i), c->k.cout);
	LLVMValueRef xb = kl_iadd(g, kl_iadd(g, kl_imul(g, n, c->k.x_n), taps->off),
				  kl_imul(g, icl, c->k.x_c));
	LLVMValueRef gr = kl_for_begin(g, &fgr, c->group, "group");
	LLVMValueRef xi = kl_iadd(g, xb, kl_imul(g, gr, c->cin_g * c->k.x_c));
	LLVMValueRef xv = kl_acc_in(g, &c->acc, cg_load(g, c->x, xi), xt);
	LLVMValueRef ocl = kl_for_begin(g, &focl, c->cout_g, "ocl");
	LLVMValueRef o = kl_iadd(g, kl_imul(g, gr, c->cout_g), ocl);
	LLVMValueRef wv = load_w(g, c, i, icl, taps->k, gr, ocl, o);
	LLVMValueRef slot = kl_iadd(g, row, o);
	kl_buf_store(g, acc, slot, kl_muladd(g, &c->acc, kl_buf_load(g, acc, slot), xv, wv));
	kl_for_end(g, &focl);
	kl_for_end(g, &fgr);
}

/* acc[lane][o] += X * W' over the patch of one output position, in
 * increasing patch index: icl then taps, or taps then icl (fma sums). */
static void accumulate(struct cg *g, const struct conv *c, const struct kl_buf *acc,
		       LLVMValueRef n, LLVMValueRef const *opos)
{
	struct kl_for ficl;
	struct kl_taps taps;
	if (c->acc.fma) {
		kl_taps_begin(g, &taps, &c->k, opos, KL_INSIDE);
		LLVMValueRef icl = kl_for_begin(g, &ficl, c->cin_g, "icl");
		accumulate_tap(g, c, acc, n, icl, &taps);
		kl_for_end(g, &ficl);
		kl_taps_end(g, &taps);
		return;
	}
	LLVMValueRef icl = kl_for_begin(g, &ficl, c->cin_g, "icl");
	kl_taps_begin(g, &taps, &c->k, opos, KL_INSIDE);
	accumulate_tap(g, c, acc, n, icl, &taps);
	kl_taps_end(g, &taps);
	kl_for_end(g, &ficl);
}

/* Y[n, o, position] = B[o] + the lanes' sum, for every o. */
static void finish(struct cg *g, const struct conv *c, const struct kl_buf *acc, LLVMValueRef n,
		   LLVMValueRef const *opos)
{
	struct kl_for fo;
	LLVMValueRef y0 = kl_iadd(g, kl_imul(g, n, c->k.y_n), kl_out_offset(g, &c->k, opos));
	LLVMValueRef o = kl_for_begin(g, &fo, c->k.cout, "o");
	LLVMValueRef v = kl_acc_zero(&c->acc);
	if (c->bias != IR_NONE)
		v = kl_acc_in(g, &c->acc, cg_load(g, c->bias, o), &g->m->values[c->bias].type);
	LLVMValueRef sum = kl_buf_load(g, acc, o);
	if (c->lanes == 4) {
		LLVMValueRef l[4];
		for (int k = 0; k < 4; k++)
			l[k] = kl_buf_load(g, acc, kl_iaddc(g, o, k * c->k.cout));
		sum = kl_add(g, &c->acc, kl_add(g, &c->acc, l[0], l[1]), kl_add(g, &c->acc, l[2], l[3]));
	}
	v = kl_add(g, &c->acc, v, sum);
	LLVMValueRef out = kl_acc_out(g, &c->acc, v, &g->m->values[c->y].type);
	if (c->fe.n > 0)
		out = fepi_apply(g, &c->fe, out, o);
	cg_store(g, c->fe.y, kl_iadd(g, y0, kl_imul(g, o, c->k.y_c)), out);
	kl_for_end(g, &fo);
}

/* The loop nest of the whole op once c is filled. */
static int conv_emit(struct cg *g, const struct ir_op *op, struct conv *c)
{
	c->per = c->cin_g * c->k.w.taps;
	c->lanes = c->acc.kind == KL_INT || c->acc.fma ? 1 : 4;
	if (fepi_begin(g, c->y, c->k.cout, &c->fe) < 0)
		return -1;
	if (ir_type_numel(&g->m->values[c->y].type) > 0) {
		struct kl_conv_desc d = {&c->k,	 c->x,	c->w,  c->bias, c->y, c->group,
					 c->w_o, c->w_i, c->w_k, &c->fe};
		int rc = 1;
		if (c->acc.kind == KL_F32)
			rc = kl_conv_float_vec(g, op, &d);
		else if (c->acc.kind == KL_INT && c->acc.ty == g->t_i32)
			rc = kl_conv_int_dot(g, op, &d);
		if (rc <= 0) {
			fepi_end(g, &c->fe);
			return rc;
		}
	}
	if (make_wtab(g, c) < 0)
		return -1;
	if (ir_type_numel(&g->m->values[c->y].type) == 0) {
		fepi_end(g, &c->fe);
		return 0;
	}
	struct kl_buf acc;
	struct kl_for fn, fz;
	struct cg_nest pos;
	kl_buf_begin(g, &acc, c->acc.ty, c->lanes * c->k.cout, "acc");
	LLVMValueRef n = kl_for_begin(g, &fn, c->k.batch, "n");
	cg_nest_begin(g, &pos, c->k.w.n, c->k.w.out);
	LLVMValueRef z = kl_for_begin(g, &fz, c->lanes * c->k.cout, "zero");
	kl_buf_store(g, &acc, z, kl_acc_zero(&c->acc));
	kl_for_end(g, &fz);
	accumulate(g, c, &acc, n, pos.iv);
	finish(g, c, &acc, n, pos.iv);
	cg_nest_end(g, &pos);
	kl_for_end(g, &fn);
	kl_buf_end(g, &acc);
	fepi_end(g, &c->fe);
	return 0;
}

static void operands(const struct ir_op *op, struct conv *c)
{
	c->x = op->noperands > 0 ? op->operands[0] : IR_NONE;
	c->w = op->noperands > 1 ? op->operands[1] : IR_NONE;
	c->bias = op->noperands > 2 ? op->operands[2] : IR_NONE;
	c->y = op->results[0];
}

/* Conv: Y = conv(X, W) + B. */
int kl_conv(struct cg *g, const struct ir_op *op)
{
	struct conv c = {.k.transposed = false};
	operands(op, &c);
	if (check_elements(g, op, &c) < 0)
		return -1;
	const struct ir_type *x = &g->m->values[c.x].type, *w = &g->m->values[c.w].type;
	const struct ir_type *y = &g->m->values[c.y].type;
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	if (kl_geom_activations(g, op, x, y, &c.k) < 0)
		return -1;
	int r = x->rank;
	if (w->rank != r || w->dims[0] != c.k.cout)
		return ir_op_error(g->m, op, "weight shape does not match the result's channels");
	if (check_groups(g, op, &c) < 0)
		return -1;
	if (w->dims[nhwc ? r - 1 : 1] != c.cin_g)
		return ir_op_error(g->m, op, "weight has %lld input channels, expected %lld",
				   (long long)w->dims[nhwc ? r - 1 : 1], (long long)c.cin_g);
	for (int d = 0; d < c.k.w.n; d++)
		c.k.w.kernel[d] = w->dims[(nhwc ? 1 : 2) + d];
	if (check_kernel_shape(g, op, &c.k.w) < 0 || window_init(g->m, op, &c.k.w, false) < 0)
		return -1;
	/* W [O, I/g, k...] or, channels-last, [O, k..., I/g] */
	c.w_o = c.cin_g * c.k.w.taps;
	c.w_g = c.cout_g * c.w_o;
	c.w_i = nhwc ? 1 : c.k.w.taps;
	c.w_k = nhwc ? c.cin_g : 1;
	return conv_emit(g, op, &c);
}

/* ConvTranspose: the gradient of Conv with respect to its input, W [C, O/g, k...]. */
int kl_conv_transpose(struct cg *g, const struct ir_op *op)
{
	struct conv c = {.k.transposed = true};
	operands(op, &c);
	if (op->layout == IR_LAYOUT_NHWC)
		return ir_op_error(g->m, op, "channels-last layout not supported");
	if (check_elements(g, op, &c) < 0)
		return -1;
	const struct ir_type *x = &g->m->values[c.x].type, *w = &g->m->values[c.w].type;
	const struct ir_type *y = &g->m->values[c.y].type;
	if (kl_geom_activations(g, op, x, y, &c.k) < 0)
		return -1;
	if (w->rank != x->rank || w->dims[0] != c.k.cin)
		return ir_op_error(g->m, op, "weight shape does not match the input's channels");
	if (check_groups(g, op, &c) < 0)
		return -1;
	if (w->dims[1] != c.cout_g)
		return ir_op_error(g->m, op, "weight has %lld outputs per group, expected %lld",
				   (long long)w->dims[1], (long long)c.cout_g);
	for (int d = 0; d < c.k.w.n; d++)
		c.k.w.kernel[d] = w->dims[2 + d];
	if (check_kernel_shape(g, op, &c.k.w) < 0 || window_init(g->m, op, &c.k.w, true) < 0)
		return -1;
	/* W [C, O/g, k...]: input channel gr * cin_g + icl */
	c.w_o = c.k.w.taps;
	c.w_i = c.cout_g * c.k.w.taps;
	c.w_g = c.cin_g * c.w_i;
	c.w_k = 1;
	return conv_emit(g, op, &c);
}
