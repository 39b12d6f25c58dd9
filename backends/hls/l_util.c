/* l_util.c: what the op emitters (l_*.c) share: operand types and known
 * data, loop nests over a shape, index expressions, pragmas, integer ranges
 * and the store of a computed integer into an element of exact width.
 *
 * Loops: one `for` per dim of extent > 1, with constant trip counts, the
 * loop variables declared in the for statement (C99). A dim of extent 1
 * contributes nothing to an index, so its loop is left out.
 */
#include "hls.h"
#include "ir/quant.h"

#include <stdio.h>
#include <string.h>

char *hls_str(struct hls *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct sb b = {0};
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	char *s = arena_strdup(&h->a, b.s ? b.s : "");
	sb_free(&b);
	return s;
}

const struct ir_type *hls_xtype(struct hls_fn *f, int k)
{
	return ir_operand_type(f->h->m, f->op, k);
}

const struct ir_type *hls_ytype(struct hls_fn *f)
{
	return &f->h->m->values[f->op->results[0]].type;
}

int hls_fail(struct hls_fn *f, const char *why)
{
	f->why = why;
	return -1;
}

const void *hls_known(struct hls_fn *f, int k)
{
	if (k >= f->op->noperands || f->op->operands[k] == IR_NONE)
		return NULL;
	int v = f->op->operands[k];
	return f->h->v[v].known ? ir_known_data(f->h->m, v) : NULL;
}

int hls_known_int_scalar(struct hls_fn *f, int k, int64_t *v)
{
	const struct ir_type *t = hls_xtype(f, k);
	const void *d = hls_known(f, k);
	if (!d || !t || ir_type_numel(t) != 1)
		return -1;
	if (t->elem == IR_ELEM_INT || t->elem == IR_ELEM_BOOL)
		*v = ((const int64_t *)d)[0];
	else
		return -1;
	return 0;
}

void hls_strides(const struct ir_type *t, int64_t *s)
{
	int64_t acc = 1;
	for (int d = t->rank - 1; d >= 0; d--) {
		s[d] = acc;
		acc *= t->dims[d];
	}
}

int hls_open_loops(struct hls_fn *f, int depth, int rank, const int64_t *dims, const char *prefix)
{
	int opened = 0;
	for (int d = 0; d < rank; d++) {
		if (dims[d] <= 1)
			continue;
		sb_indent(f->b, depth + opened);
		sb_printf(f->b, "for (int %s%d = 0; %s%d < %lld; %s%d++) {\n", prefix, d, prefix, d,
			  (long long)dims[d], prefix, d);
		opened++;
	}
	return opened;
}

void hls_close_loops(struct hls_fn *f, int depth, int opened)
{
	for (int i = opened - 1; i >= 0; i--) {
		sb_indent(f->b, depth + i);
		sb_puts(f->b, "}\n");
	}
}

const char *hls_index(struct hls_fn *f, int rank, const int64_t *dims, const int64_t *strides,
		      int64_t base, const char *prefix)
{
	struct sb b = {0};
	for (int d = 0; d < rank; d++) {
		if (dims[d] <= 1 || strides[d] == 0)
			continue;
		if (b.len)
			sb_puts(&b, " + ");
		if (strides[d] == 1)
			sb_printf(&b, "%s%d", prefix, d);
		else
			sb_printf(&b, "%s%d * %lld", prefix, d, (long long)strides[d]);
	}
	if (base || !b.len) {
		if (b.len)
			sb_printf(&b, " %c %lld", base < 0 ? '-' : '+',
				  (long long)(base < 0 ? -base : base));
		else
			sb_printf(&b, "%lld", (long long)base);
	}
	const char *s = arena_strdup(&f->h->a, b.s);
	sb_free(&b);
	return s;
}

void hls_pragma(struct hls_fn *f, int depth, const char *fmt, ...)
{
	if (!f->kernel)
		return;
	va_list ap;
	sb_indent(f->b, depth);
	sb_puts(f->b, "QONNX_HLS_PRAGMA(");
	va_start(ap, fmt);
	sb_vprintf(f->b, fmt, ap);
	va_end(ap);
	sb_puts(f->b, ")\n");
}

void hls_range(const struct ir_type *t, int64_t *lo, int64_t *hi)
{
	ir_int_range(t, lo, hi);
}

void hls_value_range(struct hls *h, int v, int64_t *lo, int64_t *hi)
{
	struct hls_value *hv = &h->v[v];
	const struct ir_type *t = &h->m->values[v].type;
	if (hv->ranged) {
		*lo = hv->lo;
		*hi = hv->hi;
		return;
	}
	hls_range(t, lo, hi);
	if (hv->known && t->elem == IR_ELEM_INT) {
		const int64_t *d = ir_known_data(h->m, v);
		int64_t n = ir_type_numel(t);
		for (int64_t i = 0; d && i < n; i++) {
			*lo = i == 0 || d[i] < *lo ? d[i] : *lo;
			*hi = i == 0 || d[i] > *hi ? d[i] : *hi;
		}
	}
	hv->ranged = true;
	hv->lo = *lo;
	hv->hi = *hi;
}

void hls_xrange(struct hls_fn *f, int k, int64_t *lo, int64_t *hi)
{
	hls_value_range(f->h, f->op->operands[k], lo, hi);
}

void hls_set_yrange(struct hls_fn *f, int64_t lo, int64_t hi)
{
	struct hls_value *hv = &f->h->v[f->op->results[0]];
	int64_t tlo, thi;
	hls_range(hls_ytype(f), &tlo, &thi);
	hv->ranged = true;
	hv->lo = lo >= tlo && hi <= thi ? lo : tlo;
	hv->hi = lo >= tlo && hi <= thi ? hi : thi;
}

const char *hls_store_int(struct hls_fn *f, const struct ir_type *t, int64_t lo, int64_t hi,
			  const char *expr)
{
	int64_t tlo, thi;
	hls_range(t, &tlo, &thi);
	const char *ct = hls_ctype(f->h, t);
	if (lo >= tlo && hi <= thi)
		return hls_str(f->h, "(%s)(%s)", ct, expr);
	if (t->bits >= 64)
		return hls_str(f->h, "(%s)(%s)", ct, expr);
	f->h->need_wrap = true;
	return hls_str(f->h, "(%s)%s_WRAP%c(%s, %d)", ct, f->h->P, t->is_signed ? 'S' : 'U', expr,
		       t->bits);
}

int hls_open_channel_loops(struct hls_fn *f, int depth, const struct ir_type *t, int axis,
			   const char **index, const char **channel)
{
	int64_t dims[3] = {1, 1, 1};
	for (int d = 0; d < t->rank; d++)
		dims[axis < 0 ? 0 : d < axis ? 0 : d == axis ? 1 : 2] *= t->dims[d];
	int64_t strides[3] = {dims[1] * dims[2], dims[2], 1};
	int opened = hls_open_loops(f, depth, 3, dims, "e");
	*index = hls_index(f, 3, dims, strides, 0, "e");
	*channel = dims[1] > 1 ? "e1" : "0";
	return opened;
}

void hls_term(struct sb *b, int64_t coef, const char *var)
{
	if (coef == 0)
		return;
	int64_t mag = coef < 0 ? -coef : coef;
	if (b->len)
		sb_puts(b, coef < 0 ? " - " : " + ");
	else if (coef < 0)
		sb_puts(b, "-");
	if (!var)
		sb_printf(b, "%lld", (long long)mag);
	else if (mag == 1)
		sb_puts(b, var);
	else
		sb_printf(b, "%s * %lld", var, (long long)mag);
}
