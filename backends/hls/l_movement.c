/* l_movement.c: data movement as C functions: Transpose, Slice, Expand,
 * Tile, DepthToSpace, SpaceToDepth, Resize (nearest), Pad, Gather (constant
 * indices) through one gather form, and Concat.
 *
 * Gather form. Each of these ops copies input elements (or, for Pad, the
 * padding value), and where element y[i0, i1, ...] comes from is a sum of
 * one term per output dim: src = base + t0[i0] + t1[i1] + ..., padding
 * where some coordinate lies outside an interval. Rather than restating
 * every op's index arithmetic, the map is measured on the interpreter's own
 * kernel: it runs on an input holding each element's index (plus an offset
 * that tells copies from padding), the terms are read off along each dim
 * from one copied element, and the whole output is checked against them;
 * an op whose map is not of this form is not mapped. A term linear in its
 * coordinate is written as coordinate * stride, any other as a small table
 * (Resize's nearest neighbours, DepthToSpace's interleaving), so the code
 * stays a loop nest of the output's rank whatever the sizes.
 *
 * Concat writes each operand into its slice of the result.
 */
#include "hls.h"
#include "ir/interp/interp.h"

#include <stdlib.h>
#include <string.h>

#define PROBE_OFFSET ((int64_t)1 << 40)
#define PAD_MARK (-1)

struct gplan {
	int rank;
	int64_t dims[IR_MAX_RANK];
	int64_t base;
	int64_t stride[IR_MAX_RANK];   /* affine terms (0 for table dims) */
	int64_t *table[IR_MAX_RANK];   /* NULL: affine */
	int64_t plo[IR_MAX_RANK], phi[IR_MAX_RANK]; /* copied where plo <= i < phi */
	bool all_pad;
};

/* The interpreter's kernel on an index-valued input: y[o] = OFFSET + the
 * index of the input element copied, or PAD_MARK for padding (Pad's value
 * is replaced by PAD_MARK; when absent, Pad fills with 0, below OFFSET too).
 * NULL with f->why set. */
static int64_t *probe(struct hls_fn *f)
{
	struct hls *h = f->h;
	const struct ir_op *op = f->op;
	const struct ir_type *xt = hls_xtype(f, 0), *yt = hls_ytype(f);
	struct ir_type i64 = ir_type_int(64, true, 0, NULL);
	struct ir_tensor in[HLS_MAX_OPERANDS], out;
	const struct ir_tensor *inp[HLS_MAX_OPERANDS] = {0};
	int64_t nx = ir_type_numel(xt), ny = ir_type_numel(yt), mark = PAD_MARK;
	int64_t *xs = malloc((size_t)(nx ? nx : 1) * sizeof *xs);
	int64_t *ys = calloc((size_t)(ny ? ny : 1), sizeof *ys);
	if (!xs || !ys)
		abort();
	for (int64_t i = 0; i < nx; i++)
		xs[i] = PROBE_OFFSET + i;
	in[0] = (struct ir_tensor){ir_type_with_dims(i64, xt->rank, xt->dims), xs};
	inp[0] = &in[0];
	for (int k = 1; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE)
			continue;
		if (!h->v[v].known) {
			free(xs);
			free(ys);
			hls_fail(f, "shape operands that are not constants");
			return NULL;
		}
		const struct ir_type *t = &h->m->values[v].type;
		if (op->code == IR_OP_Pad && k == 2)
			in[k] = (struct ir_tensor){ir_type_with_dims(i64, t->rank, t->dims), &mark};
		else
			in[k] = (struct ir_tensor){*t, (void *)ir_known_data(h->m, v)};
		inp[k] = &in[k];
	}
	out = (struct ir_tensor){ir_type_with_dims(i64, yt->rank, yt->dims), ys};
	struct ir_tensor *outp[1] = {&out};
	struct arena scratch = {0};
	int r = interp_kernels[op->code](h->m, op, inp, outp, &scratch);
	arena_free(&scratch);
	free(xs);
	if (r < 0) {
		h->m->error[0] = 0;
		free(ys);
		hls_fail(f, "a form the interpreter rejects on integers");
		return NULL;
	}
	for (int64_t i = 0; i < ny; i++) {
		if (ys[i] < PROBE_OFFSET) /* the padding value, given or the default 0 */
			ys[i] = PAD_MARK;
		else if (ys[i] >= PROBE_OFFSET + nx) {
			free(ys);
			hls_fail(f, "elements that are not copies of the input");
			return NULL;
		}
	}
	return ys;
}

/* Reads the terms off along each dim through the first copied element r,
 * then checks every element. */
static int decompose(struct hls_fn *f, const int64_t *ys, struct gplan *g)
{
	const struct ir_type *yt = hls_ytype(f);
	int64_t n = ir_type_numel(yt), st[IR_MAX_RANK], rc[IR_MAX_RANK], r = 0;
	memset(g, 0, sizeof *g);
	g->rank = yt->rank;
	memcpy(g->dims, yt->dims, sizeof g->dims);
	hls_strides(yt, st);
	while (r < n && ys[r] == PAD_MARK)
		r++;
	if (r == n) {
		g->all_pad = true;
		return 0;
	}
	for (int d = 0; d < g->rank; d++)
		rc[d] = (r / st[d]) % g->dims[d];
	int64_t *term[IR_MAX_RANK];
	bool *pad[IR_MAX_RANK];
	for (int d = 0; d < g->rank; d++) {
		term[d] = arena_alloc(&f->h->a, (size_t)g->dims[d] * sizeof(int64_t));
		pad[d] = arena_alloc(&f->h->a, (size_t)g->dims[d] * sizeof(bool));
		g->plo[d] = -1;
		for (int64_t k = 0; k < g->dims[d]; k++) {
			int64_t e = ys[r + (k - rc[d]) * st[d]];
			pad[d][k] = e == PAD_MARK;
			term[d][k] = pad[d][k] ? 0 : e - ys[r];
			if (!pad[d][k] && g->plo[d] < 0)
				g->plo[d] = k;
			if (!pad[d][k])
				g->phi[d] = k + 1;
		}
		for (int64_t k = g->plo[d]; k < g->phi[d]; k++)
			if (pad[d][k])
				return hls_fail(f, "padding inside the copied range");
	}
	/* every element: padding exactly where a coordinate is, else the sum */
	int64_t c[IR_MAX_RANK] = {0};
	for (int64_t o = 0; o < n; o++) {
		bool is_pad = false;
		int64_t src = ys[r];
		for (int d = 0; d < g->rank; d++) {
			is_pad |= pad[d][c[d]];
			src += term[d][c[d]];
		}
		if (is_pad ? ys[o] != PAD_MARK : ys[o] != src)
			return hls_fail(f, "an element map that is not a sum of per-dimension terms");
		for (int d = g->rank - 1; d >= 0; d--) {
			if (++c[d] < g->dims[d])
				break;
			c[d] = 0;
		}
	}
	/* base + affine strides, or tables */
	g->base = ys[r] - PROBE_OFFSET;
	for (int d = 0; d < g->rank; d++) {
		int64_t s = 0;
		bool affine = true, have = false;
		for (int64_t k = g->plo[d]; k < g->phi[d]; k++) {
			if (k == rc[d])
				continue;
			if (!have) {
				if (term[d][k] % (k - rc[d])) {
					affine = false;
					break;
				}
				s = term[d][k] / (k - rc[d]);
				have = true;
			}
			if (term[d][k] != (k - rc[d]) * s) {
				affine = false;
				break;
			}
		}
		if (affine) {
			g->stride[d] = s;
			g->base -= rc[d] * s;
		} else {
			g->table[d] = term[d];
		}
	}
	return 0;
}

/* The padding value: operand 2 of Pad (0 when absent), in the result's type. */
static const char *pad_value(struct hls_fn *f)
{
	char lit[64];
	const void *d = f->op->code == IR_OP_Pad ? hls_known(f, 2) : NULL;
	if (hls_ytype(f)->elem == IR_ELEM_INT)
		return hls_str(f->h, "%s", hls_lit_int(d ? *(const int64_t *)d : 0, lit, sizeof lit));
	if (hls_ytype(f)->elem == IR_ELEM_F32)
		return hls_str(f->h, "%s", hls_lit_f32(d ? *(const float *)d : 0.0f, lit, sizeof lit));
	return hls_str(f->h, "%s", hls_lit_f64(d ? *(const double *)d : 0.0, lit, sizeof lit));
}

static void emit_gather(struct hls_fn *f, const struct gplan *g)
{
	const struct ir_type *yt = hls_ytype(f);
	int64_t ys[IR_MAX_RANK];
	hls_strides(yt, ys);
	struct sb src = {0}, cond = {0};
	for (int d = 0; d < g->rank; d++) {
		if (!g->table[d] || g->dims[d] <= 1)
			continue;
		int64_t lo = 0, hi = 0;
		for (int64_t k = 0; k < g->dims[d]; k++) {
			lo = g->table[d][k] < lo ? g->table[d][k] : lo;
			hi = g->table[d][k] > hi ? g->table[d][k] : hi;
		}
		struct ir_type it = ir_type_int(hls_signed_width(lo, hi), true, 0, NULL);
		const char *t = hls_table_int(f->h, hls_str(f->h, "%s_map%d", f->layer->fn, d), &it, 1,
					      &g->dims[d], g->table[d], !f->kernel, -1);
		sb_printf(&src, " + %s[i%d]", t, d);
	}
	int64_t base = g->base;
	for (int d = 0; d < g->rank; d++)
		if (g->table[d] && g->dims[d] == 1)
			base += g->table[d][0];
	for (int d = 0; d < g->rank; d++) {
		if (g->plo[d] > 0)
			sb_printf(&cond, "%si%d >= %lld", cond.len ? " && " : "", d, (long long)g->plo[d]);
		if (g->phi[d] < g->dims[d])
			sb_printf(&cond, "%si%d < %lld", cond.len ? " && " : "", d, (long long)g->phi[d]);
	}
	int opened = hls_open_loops(f, 1, yt->rank, yt->dims, "i");
	int depth = 1 + opened;
	hls_pragma(f, depth, "PIPELINE II=1");
	sb_indent(f->b, depth);
	const char *yi = hls_index(f, yt->rank, yt->dims, ys, 0, "i");
	if (g->all_pad) {
		sb_printf(f->b, "%s[%s] = %s;\n", f->y, yi, pad_value(f));
	} else {
		const char *xi = hls_index(f, g->rank, g->dims, g->stride, base, "i");
		if (cond.len)
			sb_printf(f->b, "%s[%s] = %s ? %s[%s%s] : %s;\n", f->y, yi, cond.s, f->x[0], xi,
				  src.s ? src.s : "", pad_value(f));
		else
			sb_printf(f->b, "%s[%s] = %s[%s%s];\n", f->y, yi, f->x[0], xi, src.s ? src.s : "");
	}
	hls_close_loops(f, 1, opened);
	f->layer->cycles = ir_type_numel(yt) + 4;
	if (yt->elem == IR_ELEM_INT) {
		int64_t lo, hi;
		const void *pv = f->op->code == IR_OP_Pad ? hls_known(f, 2) : NULL;
		int64_t pad = pv ? *(const int64_t *)pv : 0;
		hls_xrange(f, 0, &lo, &hi);
		if (cond.len || g->all_pad) {
			lo = g->all_pad || pad < lo ? pad : lo;
			hi = g->all_pad || pad > hi ? pad : hi;
		}
		hls_set_yrange(f, lo, hi);
	}
	sb_free(&src);
	sb_free(&cond);
}

int hls_emit_gather(struct hls_fn *f)
{
	const struct ir_op *op = f->op;
	if (f->x_const[0])
		return hls_fail(f, "a constant input");
	if (op->code == IR_OP_Resize && strcmp(ir_attr_string(op, "mode", "nearest"), "nearest"))
		return hls_fail(f, "a Resize mode other than nearest");
	if (!ir_type_same_elem(hls_xtype(f, 0), hls_ytype(f)))
		return hls_fail(f, "a result of another element type");
	if (ir_type_numel(hls_ytype(f)) == 0)
		return hls_fail(f, "an empty result");
	int64_t *ys = probe(f);
	if (!ys)
		return -1;
	struct gplan g;
	int r = decompose(f, ys, &g);
	free(ys);
	if (r < 0)
		return -1;
	emit_gather(f, &g);
	return 0;
}

/* ---- Concat -------------------------------------------------------------------------- */

int hls_emit_concat(struct hls_fn *f)
{
	const struct ir_type *yt = hls_ytype(f);
	int64_t axis = ir_attr_int(f->op, "axis", 0), ys[IR_MAX_RANK], off = 0;
	if (axis < 0)
		axis += yt->rank;
	if (axis < 0 || axis >= yt->rank)
		return hls_fail(f, "an axis out of range");
	hls_strides(yt, ys);
	for (int k = 0; k < f->op->noperands; k++) {
		const struct ir_type *xt = hls_xtype(f, k);
		int64_t xs[IR_MAX_RANK];
		if (!xt || !ir_type_same_elem(xt, yt))
			return hls_fail(f, "operands of another element type");
		hls_strides(xt, xs);
		int opened = hls_open_loops(f, 1, xt->rank, xt->dims, "i");
		int depth = 1 + opened;
		hls_pragma(f, depth, "PIPELINE II=1");
		sb_indent(f->b, depth);
		sb_printf(f->b, "%s[%s] = %s[%s];\n", f->y,
			  hls_index(f, yt->rank, xt->dims, ys, off * ys[axis], "i"), f->x[k],
			  hls_index(f, xt->rank, xt->dims, xs, 0, "i"));
		hls_close_loops(f, 1, opened);
		off += xt->dims[axis];
	}
	f->layer->cycles = ir_type_numel(yt) + 4 * f->op->noperands;
	if (yt->elem == IR_ELEM_INT) {
		int64_t lo = 0, hi = 0;
		for (int k = 0; k < f->op->noperands; k++) {
			int64_t l, h;
			hls_xrange(f, k, &l, &h);
			lo = k == 0 || l < lo ? l : lo;
			hi = k == 0 || h > hi ? h : hi;
		}
		hls_set_yrange(f, lo, hi);
	}
	return 0;
}
