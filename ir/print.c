/* print.c: the IR's text form, one line per input, constant, op and output.
 *
 *   input %x : f32[1,784]
 *   const %W : f32[784,64] = <50176 elements>
 *   const %s : f32[] = [0.5]
 *   %h = MatMul(%x, %W) : f32[1,64]                       ; MatMul_0
 *   %y = IntQuant(%h, %s, %z, %b) {narrow = 0, rounding_mode = "ROUND", signed = 1} : f32[1,64]
 *   %a, %b = Split(%x, _) {axis = 1} : f32[1,2], f32[1,2]
 *   output %y
 *
 * Value names are the ONNX tensor names, quoted when they hold characters
 * outside [A-Za-z0-9_.:/-]; an absent optional operand prints as `_`; an op in
 * channels-last layout prints as `Conv<nhwc>`, a float32 Conv or MatMul
 * summing in float32 fused multiply-adds is marked `[f32 fma sums]` before its
 * result types; the node name follows `;` when
 * it differs from the first result's name. Constants with at most 8 elements
 * are printed in full.
 */
#include "ir.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

enum { INLINE_CONST_MAX = 8 };

static void print_name(const char *name, FILE *out)
{
	bool plain = *name != 0;
	for (const char *p = name; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_.:/-", *p))
			plain = false;
	if (plain) {
		fputs(name, out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void print_value(struct ir_module *m, int v, FILE *out)
{
	if (v == IR_NONE) {
		fputc('_', out);
		return;
	}
	fputc('%', out);
	print_name(m->values[v].name, out);
}

static void print_type(const struct ir_type *t, FILE *out)
{
	char buf[200];
	fputs(ir_type_str(t, buf, sizeof buf), out);
}

static void print_element(const struct ir_value *val, int64_t i, FILE *out)
{
	switch (val->type.elem) {
	case IR_ELEM_F32: fprintf(out, "%.9g", (double)((const float *)val->data)[i]); break;
	case IR_ELEM_F64: fprintf(out, "%.17g", ((const double *)val->data)[i]); break;
	default:
		if (val->type.elem == IR_ELEM_INT && !val->type.is_signed && val->type.bits == 64)
			fprintf(out, "%" PRIu64, ((const uint64_t *)val->data)[i]);
		else
			fprintf(out, "%" PRId64, ((const int64_t *)val->data)[i]);
		break;
	}
}

static void print_const(struct ir_module *m, int v, FILE *out)
{
	const struct ir_value *val = &m->values[v];
	int64_t n = ir_type_numel(&val->type);
	fputs("const ", out);
	print_value(m, v, out);
	fputs(" : ", out);
	print_type(&val->type, out);
	if (n > INLINE_CONST_MAX) {
		fprintf(out, " = <%" PRId64 " elements>\n", n);
		return;
	}
	fputs(" = [", out);
	for (int64_t i = 0; i < n; i++) {
		if (i)
			fputs(", ", out);
		print_element(val, i, out);
	}
	fputs("]\n", out);
}

static void print_string(const char *s, FILE *out)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void print_attr(const struct ir_attr *a, FILE *out)
{
	fprintf(out, "%s = ", a->name);
	switch (a->kind) {
	case IR_ATTR_INT: fprintf(out, "%" PRId64, a->i); break;
	case IR_ATTR_FLOAT: fprintf(out, "%.9g", a->f); break;
	case IR_ATTR_STRING: print_string(a->s, out); break;
	case IR_ATTR_INTS:
	case IR_ATTR_FLOATS:
		fputc('[', out);
		for (int i = 0; i < a->n; i++) {
			if (i)
				fputs(", ", out);
			if (a->kind == IR_ATTR_INTS)
				fprintf(out, "%" PRId64, a->ints[i]);
			else
				fprintf(out, "%.9g", a->floats[i]);
		}
		fputc(']', out);
		break;
	}
}

void ir_print_op(struct ir_module *m, const struct ir_op *op, FILE *out)
{
	for (int k = 0; k < op->nresults; k++) {
		if (k)
			fputs(", ", out);
		print_value(m, op->results[k], out);
	}
	fprintf(out, " = %s%s(", ir_opinfo[op->code].name,
		op->layout == IR_LAYOUT_NHWC ? "<nhwc>" : "");
	for (int k = 0; k < op->noperands; k++) {
		if (k)
			fputs(", ", out);
		print_value(m, op->operands[k], out);
	}
	fputc(')', out);
	if (op->nattrs) {
		fputs(" {", out);
		for (int i = 0; i < op->nattrs; i++) {
			if (i)
				fputs(", ", out);
			print_attr(&op->attrs[i], out);
		}
		fputc('}', out);
	}
	if (op->sums == IR_SUMS_F32_FMA)
		fputs(" [f32 fma sums]", out);
	fputs(" : ", out);
	for (int k = 0; k < op->nresults; k++) {
		if (k)
			fputs(", ", out);
		print_type(&m->values[op->results[k]].type, out);
	}
	if (op->nresults && strcmp(op->name, m->values[op->results[0]].name)) {
		fputs("  ; ", out);
		print_name(op->name, out);
	}
	fputc('\n', out);
}

void ir_print(struct ir_module *m, FILE *out)
{
	for (int i = 0; i < m->ninputs; i++) {
		fputs("input ", out);
		print_value(m, m->inputs[i], out);
		fputs(" : ", out);
		print_type(&m->values[m->inputs[i]].type, out);
		fputc('\n', out);
	}
	for (int v = 0; v < m->nvalues; v++)
		if (m->values[v].kind == IR_VALUE_CONST)
			print_const(m, v, out);
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead)
			ir_print_op(m, &m->ops[o], out);
	for (int i = 0; i < m->noutputs; i++) {
		fputs("output ", out);
		print_value(m, m->outputs[i], out);
		fputc('\n', out);
	}
}
