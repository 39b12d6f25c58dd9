/* text.c: the text tools of the HLS backend: a growable buffer, C and JSON
 * literals, comment-safe text, and the C names of element types.
 *
 * Literals are exact and deterministic: integers in decimal (LL beyond int,
 * INT64_MIN as an expression), floats and doubles in C99 hexadecimal
 * notation, so the generated tables hold exactly the IR's numbers.
 * Integer element types are typedefs named after their exact IR width
 * (NAME_i10_t, NAME_u4_t); NAME.h defines them as <stdint.h> containers or,
 * for the _BitInt kernel, as _BitInt(N) (kernel.c writes the definitions).
 * Allocation failure aborts, as the arena's does.
 */
#include "hls.h"
#include "ir/quant.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void sb_reserve(struct sb *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		abort();
	b->s = s;
	b->cap = cap;
}

void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		abort();
	sb_reserve(b, (size_t)n);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void sb_printf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(b, fmt, ap);
	va_end(ap);
}

void sb_puts(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	sb_reserve(b, n);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void sb_indent(struct sb *b, int depth)
{
	for (int i = 0; i < depth; i++)
		sb_puts(b, "\t");
}

void sb_free(struct sb *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}

void sb_comment_text(struct sb *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '*' && s[1] == '/')
			sb_puts(b, "* ");
		else if (c < 0x20 || c >= 0x7f)
			sb_puts(b, "?");
		else
			sb_printf(b, "%c", c);
	}
}

static void quoted(struct sb *b, const char *s, bool json)
{
	sb_puts(b, "\"");
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			sb_printf(b, "\\%c", c);
		else if (c >= 0x20 && c < 0x7f && !(c == '?' && !json))
			sb_printf(b, "%c", c);
		else if (json)
			sb_printf(b, "\\u%04x", c);
		else
			sb_printf(b, "\\%03o", c); /* also '?': no trigraphs */
	}
	sb_puts(b, "\"");
}

void sb_c_string(struct sb *b, const char *s)
{
	quoted(b, s, false);
}

void sb_json_string(struct sb *b, const char *s)
{
	quoted(b, s, true);
}

const char *hls_lit_int(int64_t v, char *buf, size_t len)
{
	if (v == INT64_MIN)
		snprintf(buf, len, "(-9223372036854775807LL - 1)");
	else if (v > 2147483647 || v < -2147483647)
		snprintf(buf, len, "%lldLL", (long long)v);
	else
		snprintf(buf, len, "%lld", (long long)v);
	return buf;
}

const char *hls_lit_f64(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NAN");
	else if (isinf(v))
		snprintf(buf, len, v < 0 ? "-INFINITY" : "INFINITY");
	else if (v == 0)
		snprintf(buf, len, signbit(v) ? "-0.0" : "0.0");
	else
		snprintf(buf, len, "%a", v);
	return buf;
}

const char *hls_lit_f32(float v, char *buf, size_t len)
{
	if (isnan(v) || isinf(v))
		return hls_lit_f64(v, buf, len);
	if (v == 0)
		snprintf(buf, len, signbit(v) ? "-0.0f" : "0.0f");
	else
		snprintf(buf, len, "%af", (double)v);
	return buf;
}

const char *hls_type_short(const struct ir_type *t, char *buf, size_t len)
{
	switch (t->elem) {
	case IR_ELEM_F32:
		snprintf(buf, len, "f32");
		break;
	case IR_ELEM_F64:
		snprintf(buf, len, "f64");
		break;
	case IR_ELEM_BOOL:
		snprintf(buf, len, "bool");
		break;
	case IR_ELEM_INT:
		snprintf(buf, len, "%c%d", t->is_signed ? 'i' : 'u', t->bits);
		break;
	}
	return buf;
}

/* ---- element types ---------------------------------------------------------- */

const char *hls_stdint_name(int bits, bool is_signed)
{
	static const char *const names[2][4] = {
		{"uint8_t", "uint16_t", "uint32_t", "uint64_t"},
		{"int8_t", "int16_t", "int32_t", "int64_t"},
	};
	int k = bits <= 8 ? 0 : bits <= 16 ? 1 : bits <= 32 ? 2 : 3;
	return names[is_signed][k];
}

const char *hls_int_ctype(struct hls *h, int bits, bool is_signed)
{
	assert(bits >= 1 && bits <= 64 && (bits >= 2 || !is_signed));
	h->int_types[is_signed][bits] = true;
	return hls_str(h, "%s_%c%d_t", h->p, is_signed ? 'i' : 'u', bits);
}

const char *hls_ctype(struct hls *h, const struct ir_type *t)
{
	switch (t->elem) {
	case IR_ELEM_F32:
		return "float";
	case IR_ELEM_F64:
		return "double";
	case IR_ELEM_BOOL:
		return NULL;
	case IR_ELEM_INT:
		break;
	}
	return hls_int_ctype(h, t->bits, t->is_signed);
}

int hls_signed_width(int64_t lo, int64_t hi)
{
	return ir_signed_bits_for(lo, hi);
}
