/* l_pool.c: MaxPool, GlobalMaxPool, and (host only) Softmax and LogSoftmax
 * as C functions.
 *
 *   MaxPool: the largest element of each window (ir/interp/pool.c): taps in
 *            the padding or past the end are skipped; the first element
 *            found starts the maximum and a later one replaces it only when
 *            greater; a window with no element gives the type's lowest value
 *            (-FLT_MAX for float). NCHW or channels-last, any spatial rank,
 *            the window from ir/interp/window.c. The Indices result is not
 *            supported.
 *   Softmax: y = exp(x - max) / sum(exp(x - max)) along the axis, in float
 *            with expf (ir/interp/softmax.c); LogSoftmax y = (x - max) -
 *            log(sum).
 */
#include "hls.h"
#include "ir/interp/window.h"

#include <string.h>

int hls_emit_maxpool(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	bool nhwc = f->op->layout == IR_LAYOUT_NHWC, global = f->op->code == IR_OP_GlobalMaxPool;
	int r = x->rank, ca = nhwc ? r - 1 : 1, fs = nhwc ? 1 : 2;
	int64_t xs[IR_MAX_RANK], ysd[IR_MAX_RANK];
	struct window w = {0};
	if (r < 3 || y->rank != r || !ir_type_same_elem(x, y))
		return hls_fail(f, "operands of rank below 3");
	if (!f->kernel && y->elem != IR_ELEM_F32)
		return hls_fail(f, "float types other than float32");
	int nk = 0;
	const int64_t *ks = ir_attr_ints(f->op, "kernel_shape", &nk);
	w.n = r - 2;
	hls_strides(x, xs);
	hls_strides(y, ysd);
	for (int d = 0; d < w.n; d++) {
		w.in[d] = x->dims[fs + d];
		w.out[d] = y->dims[fs + d];
		w.in_stride[d] = xs[fs + d];
		w.kernel[d] = global ? x->dims[fs + d] : (ks && nk == w.n ? ks[d] : 0);
	}
	if (window_init(f->h->m, f->op, &w, false) < 0) {
		f->h->m->error[0] = 0;
		return hls_fail(f, "a window geometry the interpreter rejects");
	}
	const char *ct = hls_ctype(f->h, y);
	const char *lowest;
	if (y->elem == IR_ELEM_INT) {
		int64_t lo, hi;
		char lit[64];
		hls_range(y, &lo, &hi);
		lowest = hls_str(f->h, "%s", hls_lit_int(lo, lit, sizeof lit));
	} else {
		lowest = "-FLT_MAX";
	}
	int opened = hls_open_loops(f, 1, r, y->dims, "i");
	int depth = 1 + opened;
	hls_pragma(f, depth, "PIPELINE II=1");
	sb_indent(f->b, depth);
	sb_printf(f->b, "%s best = %s;\n", ct, lowest);
	if (y->elem != IR_ELEM_INT) {
		sb_indent(f->b, depth);
		sb_puts(f->b, "int have = 0;\n");
	}
	int kopened = hls_open_loops(f, depth, w.n, w.kernel, "k");
	int in = depth + kopened;
	struct sb cond = {0}, xi = {0};
	if (y->dims[0] > 1)
		hls_term(&xi, xs[0], "i0");
	if (y->dims[ca] > 1)
		hls_term(&xi, xs[ca], hls_str(f->h, "i%d", ca));
	for (int d = 0; d < w.n; d++) {
		struct sb e = {0};
		if (w.out[d] > 1)
			hls_term(&e, w.stride[d], hls_str(f->h, "i%d", fs + d));
		if (w.kernel[d] > 1)
			hls_term(&e, w.dilation[d], hls_str(f->h, "k%d", d));
		hls_term(&e, -w.pad[d], NULL);
		sb_indent(f->b, in);
		sb_printf(f->b, "const int c%d = %s;\n", d, e.len ? e.s : "0");
		sb_free(&e);
		int64_t cmax = (w.out[d] - 1) * w.stride[d] - w.pad[d] + (w.kernel[d] - 1) * w.dilation[d];
		if (w.pad[d] > 0)
			sb_printf(&cond, "%sc%d >= 0", cond.len ? " && " : "", d);
		if (cmax >= w.in[d])
			sb_printf(&cond, "%sc%d < %lld", cond.len ? " && " : "", d, (long long)w.in[d]);
		hls_term(&xi, w.in_stride[d], hls_str(f->h, "c%d", d));
	}
	int body = in;
	if (cond.len) {
		sb_indent(f->b, in);
		sb_printf(f->b, "if (%s) {\n", cond.s);
		body++;
	}
	sb_indent(f->b, body);
	sb_printf(f->b, "const %s v = %s[%s];\n", ct, f->x[0], xi.len ? xi.s : "0");
	sb_indent(f->b, body);
	if (y->elem == IR_ELEM_INT) {
		sb_puts(f->b, "if (v > best)\n");
		sb_indent(f->b, body + 1);
		sb_puts(f->b, "best = v;\n");
	} else {
		sb_puts(f->b, "if (!have || v > best) {\n");
		sb_indent(f->b, body + 1);
		sb_puts(f->b, "best = v;\n");
		sb_indent(f->b, body + 1);
		sb_puts(f->b, "have = 1;\n");
		sb_indent(f->b, body);
		sb_puts(f->b, "}\n");
	}
	if (cond.len) {
		sb_indent(f->b, in);
		sb_puts(f->b, "}\n");
	}
	hls_close_loops(f, depth, kopened);
	sb_indent(f->b, depth);
	sb_printf(f->b, "%s[%s] = best;\n", f->y, hls_index(f, r, y->dims, ysd, 0, "i"));
	hls_close_loops(f, 1, opened);
	f->layer->cycles = ir_type_numel(y) + 8;
	if (y->elem == IR_ELEM_INT) {
		/* a window may hold no element when the padding covers it */
		int64_t lo, hi, tlo, thi;
		bool empty = false;
		hls_xrange(f, 0, &lo, &hi);
		hls_range(y, &tlo, &thi);
		for (int d = 0; d < w.n; d++)
			empty |= w.pad[d] > (w.kernel[d] - 1) * w.dilation[d] ||
				 (w.out[d] - 1) * w.stride[d] - w.pad[d] >= w.in[d];
		hls_set_yrange(f, empty ? tlo : lo, hi);
	}
	sb_free(&cond);
	sb_free(&xi);
	return 0;
}

int hls_emit_softmax(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	if (f->kernel || x->elem != IR_ELEM_F32 || y->elem != IR_ELEM_F32)
		return hls_fail(f, "a type other than float32");
	int rank = x->rank;
	int64_t axis = ir_attr_int(f->op, "axis", -1);
	if (axis < 0)
		axis += rank ? rank : 1;
	if (axis < 0 || axis >= (rank ? rank : 1))
		return hls_fail(f, "an axis out of range");
	int64_t outer = 1, len = 1, inner = 1;
	for (int d = 0; d < rank; d++)
		*(d < axis ? &outer : d == axis ? &len : &inner) *= x->dims[d];
	bool is_log = f->op->code == IR_OP_LogSoftmax;
	const char *at = hls_str(f->h, "[o * %lld + i + k * %lld]", (long long)(len * inner),
				 (long long)inner);
	sb_printf(f->b, "\tfor (int o = 0; o < %lld; o++) {\n", (long long)outer);
	sb_printf(f->b, "\t\tfor (int i = 0; i < %lld; i++) {\n", (long long)inner);
	sb_puts(f->b, "\t\t\tfloat max = -INFINITY, sum = 0.0f;\n");
	sb_printf(f->b, "\t\t\tfor (int k = 0; k < %lld; k++)\n", (long long)len);
	sb_printf(f->b, "\t\t\t\tif (x0%s > max)\n\t\t\t\t\tmax = x0%s;\n", at, at);
	sb_printf(f->b, "\t\t\tfor (int k = 0; k < %lld; k++)\n", (long long)len);
	sb_printf(f->b, "\t\t\t\tsum += expf(x0%s - max);\n", at);
	sb_printf(f->b, "\t\t\tfor (int k = 0; k < %lld; k++) {\n", (long long)len);
	sb_printf(f->b, "\t\t\t\tconst float d = x0%s - max;\n", at);
	if (is_log)
		sb_printf(f->b, "\t\t\t\ty%s = d - logf(sum);\n", at);
	else
		sb_printf(f->b, "\t\t\t\ty%s = expf(d) / sum;\n", at);
	sb_puts(f->b, "\t\t\t}\n\t\t}\n\t}\n");
	return 0;
}
