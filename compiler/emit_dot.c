/* emit_dot.c: the IR as a Graphviz digraph (see emit_dot.h).
 *
 * One node per graph input ("in<k>"), op ("op<k>") and graph output
 * ("out<k>"); an edge for every operand that is not a constant, from the op
 * or input defining it, labelled with its type. Constant operands are listed
 * inside the op's box (the first few, by name and type). Boxes of ops whose
 * first result is an integer tensor are filled with a colour chosen by its
 * bit width (width_colours); requantizing ops get a line saying what they
 * produce. Labels are escaped for DOT strings, so any tensor name is safe.
 */
#include "emit_dot.h"
#include "driver.h"
#include "outfile.h"
#include "ir/quant.h"

#include <string.h>

/* Fill colours by integer bit width, narrow to wide (light, readable). */
static const struct {
	int max_bits;
	const char *colour;
} width_colours[] = {
	{2, "#f4cccc"}, {4, "#fce5cd"}, {8, "#fff2cc"}, {16, "#d9ead3"}, {32, "#cfe2f3"},
	{64, "#d9d2e9"},
};

static const char *fill_of(const struct ir_type *t)
{
	if (t->elem != IR_ELEM_INT)
		return "#ffffff";
	for (size_t i = 0; i < sizeof width_colours / sizeof width_colours[0]; i++)
		if (t->bits <= width_colours[i].max_bits)
			return width_colours[i].colour;
	return "#ffffff";
}

/* s inside a DOT double-quoted string. */
static void put_escaped(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n' || *s == '\r')
			fputc(' ', out);
		else
			fputc(*s, out);
	}
}

static void put_type(FILE *out, const struct ir_type *t)
{
	char buf[256];
	put_escaped(out, ir_type_str(t, buf, sizeof buf));
}

/* The line saying what a requantizing op produces. */
static void requant_line(struct ir_module *m, const struct ir_op *op, FILE *out)
{
	const struct ir_type *t = &m->values[op->results[0]].type;
	char q[160] = "";
	if (t->quant)
		ir_quant_str(t->quant, q, sizeof q);
	switch (op->code) {
	case IR_OP_Quantize:
		fprintf(out, "\\nquantize to %s%d", t->is_signed ? "i" : "u", t->bits);
		break;
	case IR_OP_MultiThreshold: {
		int th = op->operands[1];
		int64_t k = m->values[th].type.rank == 2 ? m->values[th].type.dims[1] : 0;
		fprintf(out, "\\nrequantize: %lld thresholds to %s%d", (long long)k,
			t->is_signed ? "i" : "u", t->bits);
		break;
	}
	case IR_OP_Dequantize:
		fputs("\\ndequantize", out);
		if (m->values[op->operands[0]].type.quant)
			ir_quant_str(m->values[op->operands[0]].type.quant, q, sizeof q);
		break;
	default:
		return;
	}
	if (q[0]) {
		fputs(" scale ", out);
		put_escaped(out, q);
	}
}

enum { MAX_CONST_LINES = 3 };

static void op_node(struct ir_module *m, int o, FILE *out)
{
	const struct ir_op *op = &m->ops[o];
	const struct ir_type *t = &m->values[op->results[0]].type;
	fprintf(out, "  op%d [shape=box, style=\"rounded,filled\", fillcolor=\"%s\", label=\"", o,
		fill_of(t));
	fputs(ir_opinfo[op->code].name, out);
	if (op->layout == IR_LAYOUT_NHWC)
		fputs(" (NHWC)", out);
	fputs("\\n", out);
	put_escaped(out, op->name);
	requant_line(m, op, out);
	int nconst = 0;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || m->values[v].kind != IR_VALUE_CONST)
			continue;
		if (nconst++ < MAX_CONST_LINES) {
			fputs("\\l  ", out);
			put_escaped(out, m->values[v].name);
			fputs(" : ", out);
			put_type(out, &m->values[v].type);
		}
	}
	if (nconst > MAX_CONST_LINES)
		fprintf(out, "\\l  (%d more constants)", nconst - MAX_CONST_LINES);
	if (nconst)
		fputs("\\l", out);
	for (int k = 0; k < op->nresults; k++) {
		fputs(k ? ", " : "\\n-> ", out);
		put_type(out, &m->values[op->results[k]].type);
	}
	fputs("\"];\n", out);
}

/* The DOT node defining value v, or false for a constant. */
static bool source_of(struct ir_module *m, int v, char *buf, size_t len)
{
	const struct ir_value *val = &m->values[v];
	if (val->kind == IR_VALUE_RESULT && val->def != IR_NONE) {
		snprintf(buf, len, "op%d", val->def);
		return true;
	}
	for (int i = 0; i < m->ninputs; i++)
		if (m->inputs[i] == v) {
			snprintf(buf, len, "in%d", i);
			return true;
		}
	return false;
}

static void edge(struct ir_module *m, int v, const char *to, FILE *out)
{
	char from[32];
	if (!source_of(m, v, from, sizeof from))
		return;
	fprintf(out, "  %s -> %s [label=\"", from, to);
	put_type(out, &m->values[v].type);
	fputs("\"];\n", out);
}

void emit_dot(struct ir_module *m, FILE *out)
{
	fputs("digraph qonnxc {\n"
	      "  rankdir=TB;\n"
	      "  node [fontname=\"Helvetica\", fontsize=10];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=8];\n",
	      out);
	for (int i = 0; i < m->ninputs; i++) {
		const struct ir_value *v = &m->values[m->inputs[i]];
		fprintf(out, "  in%d [shape=ellipse, style=filled, fillcolor=\"%s\", label=\"input ", i,
			fill_of(&v->type));
		put_escaped(out, v->name);
		fputs("\\n", out);
		put_type(out, &v->type);
		fputs("\"];\n", out);
	}
	for (int o = 0; o < m->nops; o++) {
		if (m->ops[o].dead)
			continue;
		op_node(m, o, out);
		char to[32];
		snprintf(to, sizeof to, "op%d", o);
		for (int k = 0; k < m->ops[o].noperands; k++)
			if (m->ops[o].operands[k] != IR_NONE)
				edge(m, m->ops[o].operands[k], to, out);
	}
	for (int i = 0; i < m->noutputs; i++) {
		const struct ir_value *v = &m->values[m->outputs[i]];
		fprintf(out, "  out%d [shape=ellipse, style=filled, fillcolor=\"%s\", label=\"output ", i,
			fill_of(&v->type));
		put_escaped(out, v->name);
		fputs("\"];\n", out);
		char to[32];
		snprintf(to, sizeof to, "out%d", i);
		edge(m, m->outputs[i], to, out);
	}
	fputs("}\n", out);
}

int driver_emit_dot(const struct cli_options *opt)
{
	char err[512];
	struct outfile out;
	struct ir_module *m = driver_load(opt);
	if (!m)
		return EXIT_BAD_MODEL;
	int rc = EXIT_OK;
	if (outfile_open(&out, opt->output, err, sizeof err) < 0) {
		driver_error(NULL, "%s", err);
		rc = EXIT_USAGE;
		goto done;
	}
	emit_dot(m, out.f);
	if (outfile_commit(&out, err, sizeof err) < 0) {
		driver_error(NULL, "%s", err);
		rc = EXIT_USAGE;
	}
done:
	ir_module_free(m);
	return rc;
}
