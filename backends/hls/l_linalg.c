/* l_linalg.c: MatMul and Conv as C functions.
 *
 *   MatMul: Y[r, j] = sum_k A[r, k] * B[k, j]  (A's leading dims flattened
 *           into rows r; B 2-D, or with batch dims equal to A's)
 *   Conv:   Y[n, o, p] = B[o] + sum_{c in group(o), k} X[n, c, p * s - pad + k * d] * W[o, c, k]
 *           (NCHW, W [O, I/g, k...]; or channels-last X [N, spatial..., C],
 *           W [O, k..., I/g]), any number of spatial dims, groups, strides,
 *           dilations, pads (auto_pad resolved by ir/interp/window.c).
 *
 * In the kernel (integers): constant weights are a table in dot-product
 * order, W'[j][k] for MatMul and W'[o][c * taps + k] for Conv; a Conv first
 * gathers the window of one output position into a patch (0 in the
 * padding), then takes its dot product with every output channel's row.
 * Accumulators have the result's type when it provably holds every partial
 * sum: for each output, the sum of the negative and of the positive extremes
 * of its terms (an operand's type range times each known weight, the bias
 * included) bounds every partial sum in any order; otherwise the narrowest
 * signed type that does, and the store wraps to the result's width as the
 * interpreter does. The dot-product loop is unrolled by ceil(length / reuse)
 * (the multipliers of the layer) and pipelined; the patch and the weight
 * rows are partitioned cyclically by the same factor.
 *
 * On the host (floats, the io file), exactly the interpreter's arithmetic
 * (ir/interp/linalg.c, conv.c): products of float operands in double;
 * MatMul sums them in k order from 0.0; Conv sums the patch in four lanes
 * (i % 4 for i below per - per % 4, lane 0 for the rest), then bias +
 * ((s0 + s1) + (s2 + s3)); the result rounded once to float. Ops marked
 * for float32 fused multiply-add sums (for this target only in models
 * without quantizers, which have nothing to map) are refused.
 */
#include "hls.h"
#include "ir/quant.h"
#include "ir/interp/window.h"

#include <stdlib.h>
#include <string.h>

/* ---- accumulators ------------------------------------------------------------- */

struct acc {
	const char *ct;     /* C type of the accumulator */
	int64_t lo, hi;     /* bounds of every partial sum */
};

static bool add_ok(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}

static bool mul_ok(int64_t a, int64_t b, int64_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

/* Adds the extremes of x * w over x in [xlo, xhi] to the bounds [*lo, *hi]
 * (negative extremes to lo, positive ones to hi). */
static bool add_term(int64_t xlo, int64_t xhi, int64_t w, int64_t *lo, int64_t *hi)
{
	int64_t a, b;
	if (!mul_ok(xlo, w, &a) || !mul_ok(xhi, w, &b))
		return false;
	int64_t mn = a < b ? a : b, mx = a < b ? b : a;
	return add_ok(*lo, mn < 0 ? mn : 0, lo) && add_ok(*hi, mx > 0 ? mx : 0, hi);
}

/* The accumulator of a result y whose partial sums lie in [lo, hi] and
 * whose operands in [olo, ohi]: y's type if it holds both, else the
 * narrowest signed type that does. */
static void choose_acc(struct hls_fn *f, const struct ir_type *y, int64_t lo, int64_t hi,
		       int64_t olo, int64_t ohi, struct acc *a)
{
	int64_t ylo, yhi;
	hls_range(y, &ylo, &yhi);
	a->lo = lo;
	a->hi = hi;
	if (lo >= ylo && hi <= yhi && olo >= ylo && ohi <= yhi) {
		a->ct = hls_ctype(f->h, y);
		f->layer->acc_bits = y->bits;
		return;
	}
	int bits = hls_signed_width(lo < olo ? lo : olo, hi > ohi ? hi : ohi);
	a->ct = hls_int_ctype(f->h, bits, true);
	f->layer->acc_bits = bits;
}

/* ---- unrolling and estimates ----------------------------------------------------- */

/* Unroll factor of a dot product of length per at the reuse factor. */
static int unroll_for(struct hls_fn *f, int64_t per)
{
	int64_t r = f->h->o->reuse < 1 ? 1 : f->h->o->reuse;
	if (per < 1)
		return 1;
	if (r > per)
		r = per;
	return (int)((per + r - 1) / r);
}

/* Pragmas of the dot-product loop at depth; the caller opened the loop. */
static void dot_pragmas(struct hls_fn *f, int depth, int64_t per, int u)
{
	if (u < per) {
		hls_pragma(f, depth, "PIPELINE II=1");
		if (u > 1)
			hls_pragma(f, depth, "UNROLL factor=%d", u);
	} else {
		hls_pragma(f, depth, "UNROLL");
	}
}

/* ---- MatMul ------------------------------------------------------------------------ */

struct mm {
	int64_t rows, k, n;     /* Y [rows, n] = A [rows, k] B [k, n] */
	int64_t nb, m;          /* batches of B and rows per batch (nb 1: one B for all) */
};

static int matmul_shape(struct hls_fn *f, struct mm *g)
{
	const struct ir_type *a = hls_xtype(f, 0), *b = hls_xtype(f, 1);
	if (a->rank < 1 || b->rank < 1)
		return hls_fail(f, "operands of rank 0");
	g->k = a->dims[a->rank - 1];
	g->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
	g->rows = g->k ? ir_type_numel(a) / g->k : 0;
	g->nb = g->k != 0 && g->n != 0 ? ir_type_numel(b) / (g->k * g->n) : 1;
	g->m = g->rows;
	if (g->nb > 1) {
		bool same = a->rank == b->rank;
		for (int d = 0; same && d < a->rank - 2; d++)
			same = a->dims[d] == b->dims[d];
		if (!same)
			return hls_fail(f, "batch dims of B that do not equal A's");
		g->m = a->dims[a->rank - 2];
	}
	if (g->k == 0 || g->n == 0 || g->rows == 0)
		return hls_fail(f, "an empty operand");
	return 0;
}

/* B' [nb][n][k] (the dot products' rows) from B [nb][k][n], as ints or floats. */
static const char *matmul_table(struct hls_fn *f, const struct mm *g)
{
	const struct ir_type *bt = hls_xtype(f, 1);
	const void *data = hls_known(f, 1);
	int64_t total = g->nb * g->n * g->k;
	int64_t dims[3] = {g->nb, g->n, g->k};
	int rank = g->nb > 1 ? 3 : 2;
	const int64_t *dp = g->nb > 1 ? dims : dims + 1;
	int layer = f->layer ? (int)(f->layer - f->h->layers) : -1;
	if (bt->elem == IR_ELEM_INT) {
		int64_t *t = arena_alloc(&f->h->a, (size_t)total * sizeof *t);
		const int64_t *src = data;
		for (int64_t b = 0; b < g->nb; b++)
			for (int64_t j = 0; j < g->n; j++)
				for (int64_t k = 0; k < g->k; k++)
					t[(b * g->n + j) * g->k + k] = src[(b * g->k + k) * g->n + j];
		return hls_table_int(f->h, hls_str(f->h, "%s_w", f->layer->fn), bt, rank, dp, t, !f->kernel,
				     layer);
	}
	size_t es = bt->elem == IR_ELEM_F32 ? sizeof(float) : sizeof(double);
	char *t = arena_alloc(&f->h->a, (size_t)total * es);
	const char *src = data;
	for (int64_t b = 0; b < g->nb; b++)
		for (int64_t j = 0; j < g->n; j++)
			for (int64_t k = 0; k < g->k; k++)
				memcpy(t + (size_t)((b * g->n + j) * g->k + k) * es,
				       src + (size_t)((b * g->k + k) * g->n + j) * es, es);
	return hls_table_float(f->h, hls_str(f->h, "%s_w", f->layer->fn), bt, rank, dp, t, !f->kernel,
			       layer);
}

/* Bounds of every partial sum of an integer MatMul. */
static int matmul_bounds(struct hls_fn *f, const struct mm *g, int64_t *lo, int64_t *hi)
{
	int64_t alo, ahi, blo, bhi;
	hls_xrange(f, 0, &alo, &ahi);
	hls_xrange(f, 1, &blo, &bhi);
	const int64_t *w = hls_known(f, 1);
	*lo = 0;
	*hi = 0;
	for (int64_t b = 0; b < g->nb; b++)
		for (int64_t j = 0; j < g->n; j++) {
			int64_t l = 0, h = 0;
			for (int64_t k = 0; k < g->k; k++) {
				bool ok = w ? add_term(alo, ahi, w[(b * g->k + k) * g->n + j], &l, &h)
					    : add_term(alo, ahi, blo, &l, &h) &&
						      add_term(alo, ahi, bhi, &l, &h);
				if (!ok)
					return hls_fail(f, "an accumulator wider than 64 bits");
			}
			*lo = l < *lo ? l : *lo;
			*hi = h > *hi ? h : *hi;
			if (!w)
				return 0;
		}
	return 0;
}

/* The B element of (batch b, row k, column j) in C. */
static const char *matmul_b(struct hls_fn *f, const struct mm *g, const char *wtab)
{
	if (wtab)
		return g->nb > 1 ? hls_str(f->h, "%s[b][j][k]", wtab) : hls_str(f->h, "%s[j][k]", wtab);
	return g->nb > 1 ? hls_str(f->h, "%s[b * %lld + k * %lld + j]", f->x[1],
				   (long long)(g->k * g->n), (long long)g->n)
			 : hls_str(f->h, "%s[k * %lld + j]", f->x[1], (long long)g->n);
}

int hls_emit_matmul(struct hls_fn *f)
{
	struct mm g = {0};
	const struct ir_type *y = hls_ytype(f);
	if (matmul_shape(f, &g) < 0)
		return -1;
	if (!f->kernel && y->elem != IR_ELEM_F32)
		return hls_fail(f, "float types other than float32");
	if (f->op->sums == IR_SUMS_F32_FMA)
		return hls_fail(f, "float32 fused multiply-add sums (a model without quantizers)");
	const char *wtab = f->x_const[1] ? matmul_table(f, &g) : NULL;
	struct acc acc = {0};
	int u = unroll_for(f, g.k);
	if (f->kernel) {
		int64_t lo, hi, alo, ahi, blo, bhi;
		if (matmul_bounds(f, &g, &lo, &hi) < 0)
			return -1;
		hls_xrange(f, 0, &alo, &ahi);
		hls_xrange(f, 1, &blo, &bhi);
		choose_acc(f, y, lo, hi, alo < blo ? alo : blo, ahi > bhi ? ahi : bhi, &acc);
		hls_set_yrange(f, lo, hi);
		f->layer->per = g.k;
		f->layer->unroll = u;
		f->layer->macs = g.rows * g.n * g.k;
		f->layer->cycles = g.rows * g.n * ((g.k + u - 1) / u) + 8;
		int av = f->op->operands[0];
		if (f->h->v[f->h->v[av].alias].partition < u)
			f->h->v[f->h->v[av].alias].partition = u;
		if (wtab && u >= g.k && g.k > 1)
			hls_pragma(f, 1, "ARRAY_PARTITION variable=%s complete dim=%d", wtab, g.nb > 1 ? 3 : 2);
		else if (wtab && u > 1)
			hls_pragma(f, 1, "ARRAY_PARTITION variable=%s cyclic factor=%d dim=%d", wtab, u,
				   g.nb > 1 ? 3 : 2);
	}
	int depth = 1;
	if (g.nb > 1) {
		sb_printf(f->b, "\tfor (int b = 0; b < %lld; b++) {\n", (long long)g.nb);
		depth++;
	}
	if (g.m > 1) {
		sb_indent(f->b, depth);
		sb_printf(f->b, "for (int i = 0; i < %lld; i++) {\n", (long long)g.m);
		depth++;
	}
	struct sb ai = {0}, yi = {0};
	if (g.nb > 1) {
		hls_term(&ai, g.m * g.k, "b");
		hls_term(&yi, g.m * g.n, "b");
	}
	if (g.m > 1) {
		hls_term(&ai, g.k, "i");
		hls_term(&yi, g.n, "i");
	}
	hls_term(&ai, 1, "k");
	hls_term(&yi, 1, "j");
	sb_indent(f->b, depth);
	sb_printf(f->b, "for (int j = 0; j < %lld; j++) {\n", (long long)g.n);
	if (f->kernel && u >= g.k)
		hls_pragma(f, depth + 1, "PIPELINE II=1");
	sb_indent(f->b, depth + 1);
	sb_printf(f->b, "%s acc = 0;\n", f->kernel ? acc.ct : "double");
	sb_indent(f->b, depth + 1);
	sb_printf(f->b, "for (int k = 0; k < %lld; k++) {\n", (long long)g.k);
	if (f->kernel)
		dot_pragmas(f, depth + 2, g.k, u);
	sb_indent(f->b, depth + 2);
	const char *a = hls_str(f->h, "%s[%s]", f->x[0], ai.s);
	const char *b = matmul_b(f, &g, wtab);
	if (f->kernel)
		sb_printf(f->b, "acc += (%s)%s * (%s)%s;\n", acc.ct, a, acc.ct, b);
	else
		sb_printf(f->b, "acc += (double)%s * (double)%s;\n", a, b);
	sb_indent(f->b, depth + 1);
	sb_puts(f->b, "}\n");
	sb_indent(f->b, depth + 1);
	const char *store = f->kernel ? hls_store_int(f, y, acc.lo, acc.hi, "acc") : "(float)acc";
	sb_printf(f->b, "%s[%s] = %s;\n", f->y, yi.s, store);
	sb_free(&ai);
	sb_free(&yi);
	for (int d = depth; d >= 1; d--) {
		sb_indent(f->b, d);
		sb_puts(f->b, "}\n");
	}
	return 0;
}

/* ---- Conv -------------------------------------------------------------------------- */

struct conv {
	struct window w;
	int64_t batch, group, cin_g, cout_g, per;
	int64_t x_n, x_c, x_sp[IR_MAX_RANK];
	int64_t y_n, y_c, y_sp[IR_MAX_RANK];
};

static int conv_shape(struct hls_fn *f, struct conv *c)
{
	const struct ir_type *x = hls_xtype(f, 0), *wt = hls_xtype(f, 1), *y = hls_ytype(f);
	bool nhwc = f->op->layout == IR_LAYOUT_NHWC;
	int r = x->rank, ca = nhwc ? r - 1 : 1, fs = nhwc ? 1 : 2;
	int64_t xs[IR_MAX_RANK], ys[IR_MAX_RANK];
	if (r < 3 || wt->rank != r || y->rank != r)
		return hls_fail(f, "operands of rank below 3");
	if (f->op->sums == IR_SUMS_F32_FMA)
		return hls_fail(f, "float32 fused multiply-add sums (a model without quantizers)");
	memset(c, 0, sizeof *c);
	c->group = ir_attr_int(f->op, "group", 1);
	c->batch = x->dims[0];
	if (c->group < 1 || x->dims[ca] % c->group || wt->dims[0] % c->group)
		return hls_fail(f, "a group that does not divide the channels");
	c->cin_g = x->dims[ca] / c->group;
	c->cout_g = wt->dims[0] / c->group;
	hls_strides(x, xs);
	hls_strides(y, ys);
	c->x_n = xs[0];
	c->x_c = xs[ca];
	c->y_n = ys[0];
	c->y_c = ys[ca];
	c->w.n = r - 2;
	for (int d = 0; d < c->w.n; d++) {
		c->w.in[d] = x->dims[fs + d];
		c->w.out[d] = y->dims[fs + d];
		c->w.kernel[d] = wt->dims[(nhwc ? 1 : 2) + d];
		c->w.in_stride[d] = xs[fs + d];
		c->x_sp[d] = xs[fs + d];
		c->y_sp[d] = ys[fs + d];
	}
	if (window_init(f->h->m, f->op, &c->w, false) < 0) {
		f->h->m->error[0] = 0;
		return hls_fail(f, "a window geometry the interpreter rejects");
	}
	c->per = c->cin_g * c->w.taps;
	if (c->per == 0 || ir_type_numel(y) == 0)
		return hls_fail(f, "an empty operand");
	return 0;
}

/* Weight element (o, icl, tap t) in W's layout, as a flat index. */
static int64_t weight_index(const struct hls_fn *f, const struct conv *c, int64_t o, int64_t icl,
			    int64_t t)
{
	bool nhwc = f->op->layout == IR_LAYOUT_NHWC;
	return nhwc ? (o * c->w.taps + t) * c->cin_g + icl : (o * c->cin_g + icl) * c->w.taps + t;
}

/* W' [O][per], row o in patch order i = icl * taps + t. */
static const char *conv_table(struct hls_fn *f, const struct conv *c)
{
	const struct ir_type *wt = hls_xtype(f, 1);
	const void *data = hls_known(f, 1);
	int64_t o_all = c->group * c->cout_g, dims[2] = {o_all, c->per};
	int layer = (int)(f->layer - f->h->layers);
	const char *base = hls_str(f->h, "%s_w", f->layer->fn);
	if (wt->elem == IR_ELEM_INT) {
		int64_t *t = arena_alloc(&f->h->a, (size_t)(o_all * c->per) * sizeof *t);
		for (int64_t o = 0; o < o_all; o++)
			for (int64_t icl = 0; icl < c->cin_g; icl++)
				for (int64_t k = 0; k < c->w.taps; k++)
					t[o * c->per + icl * c->w.taps + k] =
						((const int64_t *)data)[weight_index(f, c, o, icl, k)];
		return hls_table_int(f->h, base, wt, 2, dims, t, !f->kernel, layer);
	}
	size_t es = wt->elem == IR_ELEM_F32 ? sizeof(float) : sizeof(double);
	char *t = arena_alloc(&f->h->a, (size_t)(o_all * c->per) * es);
	for (int64_t o = 0; o < o_all; o++)
		for (int64_t icl = 0; icl < c->cin_g; icl++)
			for (int64_t k = 0; k < c->w.taps; k++)
				memcpy(t + (size_t)(o * c->per + icl * c->w.taps + k) * es,
				       (const char *)data + (size_t)weight_index(f, c, o, icl, k) * es, es);
	return hls_table_float(f->h, base, wt, 2, dims, t, !f->kernel, layer);
}

static int conv_bounds(struct hls_fn *f, const struct conv *c, int64_t *lo, int64_t *hi)
{
	int64_t xlo, xhi;
	hls_xrange(f, 0, &xlo, &xhi);
	const int64_t *w = hls_known(f, 1), *bias = hls_known(f, 2);
	bool first = true;
	for (int64_t o = 0; o < c->group * c->cout_g; o++) {
		int64_t l = bias ? (bias[o] < 0 ? bias[o] : 0) : 0;
		int64_t h = bias ? (bias[o] > 0 ? bias[o] : 0) : 0;
		for (int64_t icl = 0; icl < c->cin_g; icl++)
			for (int64_t k = 0; k < c->w.taps; k++)
				if (!add_term(xlo, xhi, w[weight_index(f, c, o, icl, k)], &l, &h))
					return hls_fail(f, "an accumulator wider than 64 bits");
		if (first || l < *lo)
			*lo = l;
		if (first || h > *hi)
			*hi = h;
		first = false;
	}
	return 0;
}

/* Opens the window loops and declares each spatial coordinate c<d> and
 * whether the tap is inside; returns the loops opened. */
static int open_window(struct hls_fn *f, const struct conv *c, int depth, bool *checked)
{
	int opened = hls_open_loops(f, depth, c->w.n, c->w.kernel, "k");
	struct sb cond = {0};
	for (int d = 0; d < c->w.n; d++) {
		const struct window *w = &c->w;
		struct sb e = {0};
		if (w->out[d] > 1)
			hls_term(&e, w->stride[d], hls_str(f->h, "p%d", d));
		if (w->kernel[d] > 1)
			hls_term(&e, w->dilation[d], hls_str(f->h, "k%d", d));
		hls_term(&e, -w->pad[d], NULL);
		sb_indent(f->b, depth + opened);
		sb_printf(f->b, "const int c%d = %s;\n", d, e.len ? e.s : "0");
		sb_free(&e);
		int64_t cmin = -w->pad[d];
		int64_t cmax = (w->out[d] - 1) * w->stride[d] - w->pad[d] + (w->kernel[d] - 1) * w->dilation[d];
		if (cmin < 0)
			sb_printf(&cond, "%sc%d >= 0", cond.len ? " && " : "", d);
		if (cmax >= w->in[d])
			sb_printf(&cond, "%sc%d < %lld", cond.len ? " && " : "", d, (long long)w->in[d]);
	}
	*checked = cond.len > 0;
	if (*checked) {
		sb_indent(f->b, depth + opened);
		sb_printf(f->b, "const int inside = %s;\n", cond.s);
	}
	sb_free(&cond);
	return opened;
}

/* patch[icl * taps + t] = X at the window's tap t of input channel icl of group g. */
static void emit_patch(struct hls_fn *f, const struct conv *c, int depth)
{
	bool checked;
	int opened = open_window(f, c, depth, &checked);
	int in = depth + opened;
	int64_t kst[IR_MAX_RANK], xst[IR_MAX_RANK];
	int64_t acc = 1;
	for (int d = c->w.n - 1; d >= 0; d--) {
		kst[d] = acc;
		acc *= c->w.kernel[d];
	}
	struct sb xi = {0}, ti = {0};
	if (c->batch > 1)
		hls_term(&xi, c->x_n, "n");
	for (int d = 0; d < c->w.n; d++) {
		xst[d] = c->x_sp[d];
		hls_term(&xi, xst[d], hls_str(f->h, "c%d", d));
	}
	sb_printf(&ti, "%s", hls_index(f, c->w.n, c->w.kernel, kst, 0, "k"));
	sb_indent(f->b, in);
	sb_printf(f->b, "for (int c = 0; c < %lld; c++) {\n", (long long)c->cin_g);
	hls_pragma(f, in + 1, "PIPELINE II=1");
	sb_indent(f->b, in + 1);
	if (c->group > 1)
		hls_term(&xi, c->cin_g * c->x_c, "g");
	hls_term(&xi, c->x_c, "c");
	const char *x = hls_str(f->h, "%s[%s]", f->x[0], xi.s);
	const char *zero = f->kernel ? "0" : "0.0f";
	struct sb pi = {0};
	hls_term(&pi, c->w.taps, "c");
	if (strcmp(ti.s, "0"))
		sb_printf(&pi, " + %s", ti.s);
	sb_printf(f->b, "patch[%s] = %s%s%s%s;\n", pi.s,
		  checked ? "inside ? " : "", x, checked ? " : " : "", checked ? zero : "");
	sb_indent(f->b, in);
	sb_puts(f->b, "}\n");
	hls_close_loops(f, depth, opened);
	sb_free(&xi);
	sb_free(&ti);
	sb_free(&pi);
}

/* The output element's index for output channel (g * cout_g + o). */
static const char *conv_y_index(struct hls_fn *f, const struct conv *c)
{
	struct sb b = {0};
	if (c->batch > 1)
		hls_term(&b, c->y_n, "n");
	for (int d = 0; d < c->w.n; d++)
		if (c->w.out[d] > 1)
			hls_term(&b, c->y_sp[d], hls_str(f->h, "p%d", d));
	if (c->group > 1)
		hls_term(&b, c->cout_g * c->y_c, "g");
	hls_term(&b, c->y_c, "o");
	const char *s = arena_strdup(&f->h->a, b.s);
	sb_free(&b);
	return s;
}

/* The output channel of (group g, o), as C. */
static const char *channel_expr(struct hls_fn *f, const struct conv *c)
{
	struct sb b = {0};
	if (c->group > 1)
		hls_term(&b, c->cout_g, "g");
	hls_term(&b, 1, "o");
	const char *s = arena_strdup(&f->h->a, b.s);
	sb_free(&b);
	return s;
}

static void emit_dot_int(struct hls_fn *f, const struct conv *c, int depth, const char *wtab,
			 const struct acc *acc, int u)
{
	const char *o = channel_expr(f, c);
	sb_indent(f->b, depth);
	sb_printf(f->b, "for (int o = 0; o < %lld; o++) {\n", (long long)c->cout_g);
	if (u >= c->per)
		hls_pragma(f, depth + 1, "PIPELINE II=1");
	sb_indent(f->b, depth + 1);
	if (f->x[2])
		sb_printf(f->b, "%s acc = (%s)%s[%s];\n", acc->ct, acc->ct, f->x[2], o);
	else
		sb_printf(f->b, "%s acc = 0;\n", acc->ct);
	sb_indent(f->b, depth + 1);
	sb_printf(f->b, "for (int i = 0; i < %lld; i++) {\n", (long long)c->per);
	dot_pragmas(f, depth + 2, c->per, u);
	sb_indent(f->b, depth + 2);
	sb_printf(f->b, "acc += (%s)patch[i] * (%s)%s[%s][i];\n", acc->ct, acc->ct, wtab, o);
	sb_indent(f->b, depth + 1);
	sb_puts(f->b, "}\n");
	sb_indent(f->b, depth + 1);
	sb_printf(f->b, "%s[%s] = %s;\n", f->y, conv_y_index(f, c),
		  hls_store_int(f, hls_ytype(f), acc->lo, acc->hi, "acc"));
	sb_indent(f->b, depth);
	sb_puts(f->b, "}\n");
}

/* The interpreter's float sum: four double lanes, then bias + pairs. */
static void emit_dot_float(struct hls_fn *f, const struct conv *c, int depth, const char *wtab)
{
	const char *o = channel_expr(f, c);
	int64_t per4 = c->per - c->per % 4;
	sb_indent(f->b, depth);
	sb_printf(f->b, "for (int o = 0; o < %lld; o++) {\n", (long long)c->cout_g);
	sb_indent(f->b, depth + 1);
	sb_puts(f->b, "double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;\n");
	if (per4) {
		sb_indent(f->b, depth + 1);
		sb_printf(f->b, "for (int i = 0; i < %lld; i += 4) {\n", (long long)per4);
		for (int l = 0; l < 4; l++) {
			sb_indent(f->b, depth + 2);
			sb_printf(f->b, "s%d += (double)patch[i + %d] * (double)%s[%s][i + %d];\n", l, l,
				  wtab, o, l);
		}
		sb_indent(f->b, depth + 1);
		sb_puts(f->b, "}\n");
	}
	if (per4 < c->per) {
		sb_indent(f->b, depth + 1);
		sb_printf(f->b, "for (int i = %lld; i < %lld; i++)\n", (long long)per4, (long long)c->per);
		sb_indent(f->b, depth + 2);
		sb_printf(f->b, "s0 += (double)patch[i] * (double)%s[%s][i];\n", wtab, o);
	}
	sb_indent(f->b, depth + 1);
	if (f->x[2])
		sb_printf(f->b, "double acc = (double)%s[%s];\n", f->x[2], o);
	else
		sb_puts(f->b, "double acc = 0.0;\n");
	sb_indent(f->b, depth + 1);
	sb_puts(f->b, "acc += (s0 + s1) + (s2 + s3);\n");
	sb_indent(f->b, depth + 1);
	sb_printf(f->b, "%s[%s] = (float)acc;\n", f->y, conv_y_index(f, c));
	sb_indent(f->b, depth);
	sb_puts(f->b, "}\n");
}

int hls_emit_conv(struct hls_fn *f)
{
	struct conv c;
	const struct ir_type *y = hls_ytype(f);
	if (conv_shape(f, &c) < 0)
		return -1;
	if (!f->x_const[1] || (f->op->noperands > 2 && f->x[2] && !f->x_const[2]))
		return hls_fail(f, "weights or bias that are not constants");
	if (!f->kernel && (y->elem != IR_ELEM_F32 || hls_xtype(f, 0)->elem != IR_ELEM_F32))
		return hls_fail(f, "float types other than float32");
	struct acc acc = {0};
	int u = unroll_for(f, c.per);
	int64_t positions = ir_type_numel(y) / (c.group * c.cout_g);
	if (f->kernel) {
		int64_t lo = 0, hi = 0, xlo, xhi, wlo, whi;
		if (conv_bounds(f, &c, &lo, &hi) < 0)
			return -1;
		hls_xrange(f, 0, &xlo, &xhi);
		hls_xrange(f, 1, &wlo, &whi);
		if (f->x[2]) {
			int64_t blo, bhi;
			hls_xrange(f, 2, &blo, &bhi);
			wlo = blo < wlo ? blo : wlo;
			whi = bhi > whi ? bhi : whi;
		}
		choose_acc(f, y, lo, hi, xlo < wlo ? xlo : wlo, xhi > whi ? xhi : whi, &acc);
		hls_set_yrange(f, lo, hi);
		f->layer->per = c.per;
		f->layer->unroll = u;
		f->layer->macs = ir_type_numel(y) * c.per;
		f->layer->cycles = positions * c.group * (c.per + c.cout_g * ((c.per + u - 1) / u)) + 8;
	}
	const char *wtab = conv_table(f, &c);
	sb_printf(f->b, "\t%s patch[%lld];\n", f->kernel ? hls_ctype(f->h, hls_xtype(f, 0)) : "float",
		  (long long)c.per);
	if (u >= c.per && c.per > 1) {
		hls_pragma(f, 1, "ARRAY_PARTITION variable=patch complete dim=1");
		hls_pragma(f, 1, "ARRAY_PARTITION variable=%s complete dim=2", wtab);
	} else if (u > 1) {
		hls_pragma(f, 1, "ARRAY_PARTITION variable=patch cyclic factor=%d dim=1", u);
		hls_pragma(f, 1, "ARRAY_PARTITION variable=%s cyclic factor=%d dim=2", wtab, u);
	}
	int depth = 1;
	if (c.batch > 1) {
		sb_printf(f->b, "\tfor (int n = 0; n < %lld; n++) {\n", (long long)c.batch);
		depth++;
	}
	int opened = hls_open_loops(f, depth, c.w.n, c.w.out, "p");
	int in = depth + opened;
	if (c.group > 1) {
		sb_indent(f->b, in);
		sb_printf(f->b, "for (int g = 0; g < %lld; g++) {\n", (long long)c.group);
		in++;
	}
	emit_patch(f, &c, in);
	if (f->kernel)
		emit_dot_int(f, &c, in, wtab, &acc, u);
	else
		emit_dot_float(f, &c, in, wtab);
	if (c.group > 1) {
		sb_indent(f->b, in - 1);
		sb_puts(f->b, "}\n");
	}
	hls_close_loops(f, depth, opened);
	if (c.batch > 1)
		sb_puts(f->b, "\t}\n");
	return 0;
}
