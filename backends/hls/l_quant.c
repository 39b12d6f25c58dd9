/* l_quant.c: Quantize and Dequantize as host C functions (the io file): the
 * float input to the kernel's integers, the kernel's integers to float.
 *
 *   Quantize:   q = round(clamp(x / scale + zero_point, lo, hi)), in double
 *               (ir/interp/qdq.c); a signed 1-bit grid is bipolar,
 *               q = (x / scale + zero_point >= 0) ? 1 : -1; where the
 *               interpreter stops on a NaN the result is 0, as compiled code
 *               gives (backends/llvm/k_quant_qdq.c).
 *   Dequantize: y = (float)((float)(q - zero_point) * scale), the difference
 *               rounded to float first as the interpreter does.
 * Scales and zero points come from the quant record of the integer type,
 * per tensor (literals) or per channel along its axis (tables of doubles).
 * The rounding modes are QONNX's (QONNX.md), upper or lower case.
 */
#include "hls.h"
#include "ir/quant.h"

#include <string.h>

/* The C expression rounding the double q, or NULL for an unknown mode. */
static const char *rounding(struct hls *h, const char *mode)
{
	char up[16] = {0};
	for (size_t i = 0; mode[i] && i < sizeof up - 1; i++)
		up[i] = (char)(mode[i] >= 'a' && mode[i] <= 'z' ? mode[i] - 'a' + 'A' : mode[i]);
	if (!strcmp(up, "ROUND") || !strcmp(up, "HALF_EVEN")) {
		h->io_needs |= IO_NEED_ROUND_EVEN;
		return "round_half_even(q)";
	}
	if (!strcmp(up, "CEIL"))
		return "ceil(q)";
	if (!strcmp(up, "FLOOR"))
		return "floor(q)";
	if (!strcmp(up, "UP"))
		return "(q < 0 ? floor(q) : ceil(q))";
	if (!strcmp(up, "DOWN"))
		return "trunc(q)";
	if (!strcmp(up, "HALF_UP"))
		return "round(q)";
	if (!strcmp(up, "HALF_DOWN")) {
		h->io_needs |= IO_NEED_HALF_DOWN;
		return "round_half_down(q)";
	}
	return NULL;
}

/* Scale and zero point expressions for channel ch (tables when per channel). */
static void qparams(struct hls_fn *f, const struct ir_quant *q, const char *ch, const char **s,
		    const char **z)
{
	char lit[64];
	if (q->n == 1) {
		*s = hls_str(f->h, "%s", hls_lit_f64(q->scale[0], lit, sizeof lit));
		*z = hls_str(f->h, "%s", hls_lit_f64((double)q->zero_point[0], lit, sizeof lit));
		return;
	}
	struct ir_type d = {.elem = IR_ELEM_F64, .bits = 64};
	double *zd = arena_alloc(&f->h->a, (size_t)q->n * sizeof *zd);
	for (int64_t c = 0; c < q->n; c++)
		zd[c] = (double)q->zero_point[c];
	int64_t n = q->n;
	const char *st = hls_table_float(f->h, hls_str(f->h, "%s_scale", f->layer->fn), &d, 1, &n,
					 q->scale, true, -1);
	const char *zt = hls_table_float(f->h, hls_str(f->h, "%s_zero", f->layer->fn), &d, 1, &n, zd,
					 true, -1);
	*s = hls_str(f->h, "%s[%s]", st, ch);
	*z = hls_str(f->h, "%s[%s]", zt, ch);
}

int hls_emit_quantize(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	const struct ir_quant *q = y->quant;
	int bits = (int)ir_attr_int(f->op, "bits", 0);
	bool is_signed = ir_attr_int(f->op, "signed", 1) != 0;
	bool narrow = ir_attr_int(f->op, "narrow", 0) != 0;
	bool bipolar = is_signed && bits == 1;
	const char *round = bipolar ? "" : rounding(f->h, ir_attr_string(f->op, "rounding_mode", "ROUND"));
	if (x->elem != IR_ELEM_F32)
		return hls_fail(f, "an input other than float32");
	if (!q || y->elem != IR_ELEM_INT || bits < 1 || bits > 63)
		return hls_fail(f, "a result that is not a quantized integer");
	if (!round)
		return hls_fail(f, "an unknown rounding_mode");
	if (y->bits > 63 || (!y->is_signed && y->bits > 62))
		return hls_fail(f, "integers wider than 62 bits");
	int64_t lo, hi;
	char llo[64], lhi[64];
	ir_quant_grid(bits, is_signed, narrow, &lo, &hi);
	const char *index, *channel, *s, *z;
	int opened = hls_open_channel_loops(f, 1, y, q->n == 1 ? -1 : q->axis, &index, &channel);
	int d = 1 + opened;
	qparams(f, q, channel, &s, &z);
	sb_indent(f->b, d);
	sb_printf(f->b, "double q = (double)%s[%s] / %s + %s;\n", f->x[0], index, s, z);
	sb_indent(f->b, d);
	const char *ct = hls_ctype(f->h, y);
	if (bipolar) {
		sb_printf(f->b, "%s[%s] = (%s)(q >= 0 ? 1 : -1);\n", f->y, index, ct);
	} else {
		sb_printf(f->b, "if (q > %s)\n", hls_lit_f64((double)hi, lhi, sizeof lhi));
		sb_indent(f->b, d + 1);
		sb_printf(f->b, "q = %s;\n", lhi);
		sb_indent(f->b, d);
		sb_printf(f->b, "if (q < %s)\n", hls_lit_f64((double)lo, llo, sizeof llo));
		sb_indent(f->b, d + 1);
		sb_printf(f->b, "q = %s;\n", llo);
		sb_indent(f->b, d);
		sb_puts(f->b, "if (q != q)\n");
		sb_indent(f->b, d + 1);
		sb_puts(f->b, "q = 0.0;\n");
		sb_indent(f->b, d);
		sb_printf(f->b, "%s[%s] = (%s)(long long)%s;\n", f->y, index, ct, round);
	}
	hls_close_loops(f, 1, opened);
	return 0;
}

int hls_emit_dequantize(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	const struct ir_quant *q = x->quant;
	if (!q || x->elem != IR_ELEM_INT)
		return hls_fail(f, "an operand that is not a quantized integer");
	if (y->elem != IR_ELEM_F32)
		return hls_fail(f, "a result other than float32");
	const char *index, *channel, *s, *z;
	int opened = hls_open_channel_loops(f, 1, x, q->n == 1 ? -1 : q->axis, &index, &channel);
	int d = 1 + opened;
	qparams(f, q, channel, &s, &z);
	sb_indent(f->b, d);
	sb_printf(f->b, "const float v = (float)((double)%s[%s] - %s);\n", f->x[0], index, z);
	sb_indent(f->b, d);
	sb_printf(f->b, "%s[%s] = (float)((double)v * %s);\n", f->y, index, s);
	hls_close_loops(f, 1, opened);
	return 0;
}
