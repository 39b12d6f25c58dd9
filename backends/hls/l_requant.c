/* l_requant.c: Requantize in the kernel, as integer C.
 *
 *   q = clamp(floor((x * multiplier[c] + offset[c]) / 2^shift[c]), lo, hi)
 *
 * (ir/ops.def; the lowering keeps |x * multiplier + offset| below 2^62,
 * compiler/passes/lower_mas.c). The sum is computed in long long; floor
 * division by 2^shift is written without shifting a negative number (which
 * C leaves to the implementation): for v < 0, floor(v / 2^s) =
 * -(((-v - 1) >> s) + 1). The three parameters are per-channel constant
 * tables, read by the channel index, or literals for one channel.
 */
#include "hls.h"

/* The C expression of parameter operand k for channel `channel`. */
static const char *param(struct hls_fn *f, int k, const char *channel)
{
	const int64_t *v = hls_known(f, k);
	char lit[64];
	if (hls_xtype(f, k)->dims[0] == 1)
		return hls_str(f->h, "%s", hls_lit_int(v[0], lit, sizeof lit));
	const char *table = hls_table_value(f->h, f->op->operands[k], !f->kernel,
					    (int)(f->layer - f->h->layers));
	return hls_str(f->h, "(long long)%s[%s]", table, channel);
}

int hls_emit_requantize(struct hls_fn *f)
{
	const struct ir_type *x = hls_xtype(f, 0), *y = hls_ytype(f);
	int axis = (int)ir_attr_int(f->op, "axis", 1);
	int64_t lo = ir_attr_int(f->op, "lo", 0), hi = ir_attr_int(f->op, "hi", 0);
	char llo[64], lhi[64];
	if (axis < 0)
		axis += x->rank;
	if (x->elem != IR_ELEM_INT || axis < 0 || axis >= x->rank || lo > hi)
		return hls_fail(f, "a requantization that is not integer, per channel");
	for (int k = 1; k <= 3; k++)
		if (!f->x_const[k] || !hls_known(f, k))
			return hls_fail(f, "multipliers, offsets or shifts that are not constants");
	bool per_channel = hls_xtype(f, 1)->dims[0] != 1;
	const char *index, *channel;
	int opened = hls_open_channel_loops(f, 1, x, per_channel ? axis : -1, &index, &channel);
	int d = 1 + opened;
	hls_pragma(f, d, "PIPELINE II=1");
	sb_indent(f->b, d);
	sb_printf(f->b, "const long long v = (long long)%s[%s] * %s + %s;\n", f->x[0], index,
		  param(f, 1, channel), param(f, 2, channel));
	sb_indent(f->b, d);
	sb_printf(f->b, "const int s = (int)%s;\n", param(f, 3, channel));
	sb_indent(f->b, d);
	sb_puts(f->b, "long long q = v >= 0 ? v >> s : -(((-v - 1) >> s) + 1);\n");
	sb_indent(f->b, d);
	sb_printf(f->b, "q = q < %s ? %s : q > %s ? %s : q;\n", hls_lit_int(lo, llo, sizeof llo),
		  llo, hls_lit_int(hi, lhi, sizeof lhi), lhi);
	sb_indent(f->b, d);
	sb_printf(f->b, "%s[%s] = %s;\n", f->y, index, hls_store_int(f, y, lo, hi, "q"));
	hls_close_loops(f, 1, opened);
	hls_set_yrange(f, lo, hi);
	f->layer->cycles = ir_type_numel(y) + 8;
	return 0;
}
