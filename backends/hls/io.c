/* io.c: NAME_io.c and NAME_io.h, the host side of the project: the float
 * part of the model before the kernel (the head, ending in the Quantize
 * ops) and after it (the tail, from the Dequantize ops on).
 *
 *   void NAME_quantize(const float x0[N], ..., NAME_in0_t in0[M], ...);
 *   void NAME_dequantize(const NAME_out0_t out0[M], ..., float y0[N], ...);
 *
 * The testbench runs one sample as quantize, the kernel, dequantize. Float
 * values live in static arrays of this file, so the tail can read what the
 * head computed (a graph input the tail reads is copied by quantize). The
 * ops' functions were written by the emitters (kernel.c); this file adds
 * the calls, the arrays, the constant tables and the rounding helpers the
 * Quantize ops need. Host C: <math.h> is allowed here, never in the kernel.
 */
#include "hls.h"

#include <string.h>

/* Where value v lives on the host side, seen from an op of this file. */
static const char *io_array(struct hls *h, int v)
{
	if (h->v[v].part == HLS_KERNEL) /* a Dequantize operand: a kernel output */
		return h->v[v].out_port >= 0 ? hls_str(h, "out%d", h->v[v].out_port)
					     : hls_str(h, "in%d", h->v[v].in_port);
	return h->v[h->v[v].alias].array;
}

/* Graph inputs read by the tail (or returned as outputs) get a copy. */
static void name_io_arrays(struct hls *h, bool *copy_input)
{
	struct ir_module *m = h->m;
	for (int i = 0; i < m->ninputs; i++)
		h->v[m->inputs[i]].array = hls_str(h, "x%d", i);
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		const struct ir_op *op = &m->ops[l->op];
		if (l->in_kernel)
			continue;
		if (!l->alias && op->code != IR_OP_Quantize)
			h->v[op->results[0]].array = hls_str(h, "%s_v%d", h->p, op->results[0]);
		if (h->v[op->results[0]].part != HLS_TAIL)
			continue;
		for (int k = 0; k < op->noperands; k++)
			for (int j = 0; j < m->ninputs; j++)
				if (op->operands[k] != IR_NONE && h->v[op->operands[k]].alias == m->inputs[j])
					copy_input[j] = true;
	}
	for (int i = 0; i < m->noutputs; i++)
		for (int j = 0; j < m->ninputs; j++)
			if (h->v[m->outputs[i]].alias == m->inputs[j])
				copy_input[j] = true;
	for (int j = 0; j < m->ninputs; j++)
		if (copy_input[j])
			h->v[m->inputs[j]].array = hls_str(h, "%s_x%d", h->p, j);
	for (int v = 0; v < m->nvalues; v++)
		if (h->v[v].part != HLS_KERNEL && h->v[v].alias != v)
			h->v[v].array = h->v[h->v[v].alias].array;
}

static void emit_arrays(struct hls *h, struct sb *b, const bool *copy_input)
{
	struct ir_module *m = h->m;
	for (int j = 0; j < m->ninputs; j++)
		if (copy_input[j])
			sb_printf(b, "static float %s[%lld];\n", h->v[m->inputs[j]].array,
				  (long long)ir_type_numel(&m->values[m->inputs[j]].type));
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		const struct ir_op *op = &m->ops[l->op];
		if (l->in_kernel || l->alias || op->code == IR_OP_Quantize)
			continue;
		const struct ir_type *t = &m->values[op->results[0]].type;
		sb_printf(b, "static %s %s[%lld];\n", hls_ctype(h, t), h->v[op->results[0]].array,
			  (long long)ir_type_numel(t));
	}
	sb_puts(b, "\n");
}

static void emit_call(struct hls *h, const struct hls_layer *l, struct sb *b)
{
	const struct ir_op *op = &h->m->ops[l->op];
	sb_printf(b, "\t%s(", l->fn);
	bool first = true;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || h->v[v].known)
			continue;
		sb_printf(b, "%s%s", first ? "" : ", ", io_array(h, v));
		first = false;
	}
	int r = op->results[0];
	const char *y = op->code == IR_OP_Quantize ? hls_str(h, "in%d", h->v[r].in_port)
						   : h->v[r].array;
	sb_printf(b, "%s%s);\n", first ? "" : ", ", y);
}

static void emit_quantize_fn(struct hls *h, struct sb *b, const bool *copy_input, bool proto)
{
	struct ir_module *m = h->m;
	sb_printf(b, "void %s_quantize(", h->p);
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(b, "%sconst float x%d[%lld]", i ? ", " : "", i,
			  (long long)ir_type_numel(&m->values[m->inputs[i]].type));
	for (int i = 0; i < h->nkin; i++)
		sb_printf(b, "%s%s_in%d_t in%d[%lld]", m->ninputs || i ? ", " : "", h->p, i, i,
			  (long long)ir_type_numel(&m->values[h->kin[i]].type));
	if (proto) {
		sb_puts(b, ");\n");
		return;
	}
	sb_puts(b, ")\n{\n");
	for (int j = 0; j < m->ninputs; j++)
		if (copy_input[j])
			sb_printf(b, "\tfor (int i = 0; i < %lld; i++)\n\t\t%s[i] = x%d[i];\n",
				  (long long)ir_type_numel(&m->values[m->inputs[j]].type),
				  h->v[m->inputs[j]].array, j);
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		if (!l->in_kernel && !l->alias && h->v[m->ops[l->op].results[0]].part != HLS_TAIL &&
		    m->ops[l->op].code != IR_OP_Dequantize)
			emit_call(h, l, b);
	}
	sb_puts(b, "}\n\n");
}

static void emit_dequantize_fn(struct hls *h, struct sb *b, bool proto)
{
	struct ir_module *m = h->m;
	sb_printf(b, "void %s_dequantize(", h->p);
	for (int i = 0; i < h->nkout; i++)
		sb_printf(b, "%sconst %s_out%d_t out%d[%lld]", i ? ", " : "", h->p, i, i,
			  (long long)ir_type_numel(&m->values[h->kout[i]].type));
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "%sfloat y%d[%lld]", h->nkout || i ? ", " : "", i,
			  (long long)ir_type_numel(&m->values[m->outputs[i]].type));
	if (proto) {
		sb_puts(b, ");\n");
		return;
	}
	sb_puts(b, ")\n{\n");
	for (int i = 0; i < h->nlayers; i++) {
		const struct hls_layer *l = &h->layers[i];
		if (!l->in_kernel && !l->alias &&
		    (h->v[m->ops[l->op].results[0]].part == HLS_TAIL ||
		     m->ops[l->op].code == IR_OP_Dequantize))
			emit_call(h, l, b);
	}
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(b, "\tfor (int i = 0; i < %lld; i++)\n\t\ty%d[i] = %s[i];\n",
			  (long long)ir_type_numel(&m->values[m->outputs[i]].type), i,
			  io_array(h, m->outputs[i]));
	sb_puts(b, "}\n");
}

static void emit_helpers(struct hls *h, struct sb *b)
{
	if (h->io_needs & IO_NEED_ROUND_EVEN)
		sb_puts(b, "/* Round half to even, whatever the rounding mode in effect. */\n"
			   "static double round_half_even(double q)\n"
			   "{\n"
			   "\tdouble r = round(q);\n"
			   "\tif (fabs(q - trunc(q)) == 0.5)\n"
			   "\t\tr = 2 * round(q / 2);\n"
			   "\treturn r;\n"
			   "}\n\n");
	if (h->io_needs & IO_NEED_HALF_DOWN)
		sb_puts(b, "/* Round half toward zero. */\n"
			   "static double round_half_down(double q)\n"
			   "{\n"
			   "\treturn fabs(q - trunc(q)) == 0.5 ? trunc(q) : round(q);\n"
			   "}\n\n");
}

void hls_write_io(struct hls *h)
{
	struct ir_module *m = h->m;
	bool *copy_input = arena_alloc(&h->a, (size_t)(m->ninputs + 1) * sizeof *copy_input);
	name_io_arrays(h, copy_input);
	struct sb functions = h->io;
	memset(&h->io, 0, sizeof h->io);
	struct sb *b = &h->io;
	sb_printf(b, "/* %s_io.c: the host side of the model ", h->p);
	sb_comment_text(b, h->o->source_name);
	sb_puts(b, ", generated by qonnxc: its float\n"
		   " * part before the kernel (ending in the quantization of the kernel's inputs)\n"
		   " * and after it (from the dequantization of its outputs), with the\n"
		   " * interpreter's float arithmetic. Not for synthesis.\n"
		   " */\n");
	sb_printf(b, "#include \"%s_io.h\"\n\n#include <float.h>\n#include <math.h>\n\n", h->p);
	emit_helpers(h, b);
	hls_emit_tables(h, b, true);
	emit_arrays(h, b, copy_input);
	sb_puts(b, functions.s ? functions.s : "");
	sb_free(&functions);
	emit_quantize_fn(h, b, copy_input, false);
	emit_dequantize_fn(h, b, false);

	struct sb *hb = &h->io_header;
	sb_printf(hb, "/* %s_io.h: the host side of the model: float inputs to the kernel's\n"
		      " * quantized inputs, the kernel's outputs to float outputs (one sample). */\n",
		  h->p);
	sb_printf(hb, "#ifndef %s_IO_H\n#define %s_IO_H\n\n#include \"%s.h\"\n\n", h->P, h->P, h->p);
	sb_printf(hb, "#define %s_FLOAT_INPUTS %d\n#define %s_FLOAT_OUTPUTS %d\n", h->P, m->ninputs,
		  h->P, m->noutputs);
	for (int i = 0; i < m->ninputs; i++)
		sb_printf(hb, "#define %s_X%d_SIZE %lld\n", h->P, i,
			  (long long)ir_type_numel(&m->values[m->inputs[i]].type));
	for (int i = 0; i < m->noutputs; i++)
		sb_printf(hb, "#define %s_Y%d_SIZE %lld\n", h->P, i,
			  (long long)ir_type_numel(&m->values[m->outputs[i]].type));
	sb_puts(hb, "\n/* The float part before the kernel: model inputs to kernel inputs. */\n");
	emit_quantize_fn(h, hb, copy_input, true);
	sb_puts(hb, "/* The float part after the kernel: kernel outputs to model outputs. */\n");
	emit_dequantize_fn(h, hb, true);
	sb_puts(hb, "\n#endif\n");
}
