/* partition.c: which part of the generated project computes each op.
 *
 * After lower-integer a quantized model reads: float ops on the graph inputs
 * (the head), Quantize ops, integer ops (the kernel), Dequantize ops, and
 * float ops up to the graph outputs (the tail). So:
 *   - a value known at compile time is a constant (HLS_CONST);
 *   - a Quantize result is a kernel input, a Dequantize operand a kernel
 *     output; every op with an integer result (other than Quantize) is a
 *     kernel op;
 *   - the other ops (float results, Quantize, Dequantize) run on the host:
 *     in the head when nothing they depend on comes from the kernel, else in
 *     the tail.
 * The kernel must be one block between the two float parts: a float op
 * that depends on a Dequantize and feeds a Quantize (float arithmetic
 * between integer layers, as where a zero point or unequal scales stopped
 * the lowering) cannot be mapped, nor can a kernel op with a float operand
 * that is not a constant, a float op reading kernel integers other than
 * through Dequantize, boolean tensors, or graph inputs and outputs other
 * than float32. Every such node is recorded; nothing stops at the first.
 *
 * Requires the module's use lists (rebuilt here). Fills h->v, h->kin,
 * h->kout.
 */
#include "hls.h"
#include "ir/quant.h"

#include <stdio.h>
#include <string.h>

void hls_cannot_map(struct hls *h, const struct ir_op *op, const char *fmt, ...)
{
	va_list ap;
	int o = (int)(op - h->m->ops);
	h->nerrors++;
	if (h->reason[o])
		return; /* the first reason of each node */
	struct sb b = {0};
	va_start(ap, fmt);
	sb_vprintf(&b, fmt, ap);
	va_end(ap);
	h->reason[o] = arena_strdup(&h->a, b.s);
	sb_free(&b);
}

void hls_cannot_map_model(struct hls *h, const char *fmt, ...)
{
	va_list ap;
	h->nerrors++;
	if (h->errors.len)
		sb_puts(&h->errors, "; ");
	va_start(ap, fmt);
	sb_vprintf(&h->errors, fmt, ap);
	va_end(ap);
}

static bool is_io_boundary(const struct ir_op *op)
{
	return op->code == IR_OP_Quantize || op->code == IR_OP_Dequantize;
}

/* Marks the results of ops whose operands are all known as constants. */
static int find_constants(struct hls *h)
{
	struct ir_module *m = h->m;
	for (int v = 0; v < m->nvalues; v++)
		if (m->values[v].kind == IR_VALUE_CONST) {
			h->v[v].known = true;
			h->v[v].part = HLS_CONST;
		}
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		bool all = !op->dead;
		for (int k = 0; all && k < op->noperands; k++)
			all = op->operands[k] == IR_NONE || h->v[op->operands[k]].known;
		if (!all)
			continue;
		for (int k = 0; k < op->nresults; k++) {
			if (!ir_known_data(m, op->results[k]))
				return -1;
			h->v[op->results[k]].known = true;
			h->v[op->results[k]].part = HLS_CONST;
		}
	}
	return 0;
}

static bool op_known(struct hls *h, const struct ir_op *op)
{
	return op->nresults > 0 && h->v[op->results[0]].known;
}

static enum ir_elem result_elem(struct hls *h, const struct ir_op *op)
{
	return h->m->values[op->results[0]].type.elem;
}

/* down[v]: v depends on kernel integers (through a Dequantize). */
static void mark_down(struct hls *h, bool *down)
{
	struct ir_module *m = h->m;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || op_known(h, op))
			continue;
		bool d = false;
		for (int k = 0; k < op->noperands; k++) {
			int v = op->operands[k];
			if (v != IR_NONE && !h->v[v].known &&
			    (down[v] || m->values[v].type.elem == IR_ELEM_INT))
				d = true;
		}
		if (op->code == IR_OP_Quantize || result_elem(h, op) == IR_ELEM_INT)
			continue; /* kernel values are not "down": they are the kernel */
		for (int k = 0; k < op->nresults; k++)
			down[op->results[k]] = d;
	}
}

/* up[v]: v flows into a Quantize through float ops. */
static void mark_up(struct hls *h, bool *up)
{
	struct ir_module *m = h->m;
	for (int o = m->nops - 1; o >= 0; o--) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || op_known(h, op) || op->code == IR_OP_Dequantize)
			continue;
		bool u = op->code == IR_OP_Quantize;
		for (int k = 0; !u && k < op->nresults; k++)
			u = up[op->results[k]];
		if (!u || (op->code != IR_OP_Quantize && result_elem(h, op) == IR_ELEM_INT))
			continue;
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE)
				up[op->operands[k]] = true;
	}
}

/* A kernel op: operands are constants or kernel integers. */
static void check_kernel_op(struct hls *h, const struct ir_op *op)
{
	struct ir_module *m = h->m;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || h->v[v].known)
			continue;
		if (h->v[v].part != HLS_KERNEL) {
			char t[32];
			hls_cannot_map(h, op, "operand '%s' is %s, not an integer of the kernel (float "
				       "arithmetic between integer layers)", m->values[v].name,
				       hls_type_short(&m->values[v].type, t, sizeof t));
			return;
		}
	}
	for (int k = 0; k < op->nresults; k++)
		h->v[op->results[k]].part = HLS_KERNEL;
}

/* A host op: float operands, or kernel integers through Dequantize only. */
static void check_io_op(struct hls *h, const struct ir_op *op, const bool *down, const bool *up)
{
	struct ir_module *m = h->m;
	bool d = down[op->results[0]] || (op->code == IR_OP_Quantize && down[op->operands[0]]);
	if (d && op->code == IR_OP_Quantize)
		hls_cannot_map(h, op, "quantizes float arithmetic on kernel outputs (float "
			       "arithmetic between integer layers)");
	else if (d && up[op->results[0]] && op->code == IR_OP_Dequantize)
		hls_cannot_map(h, op, "dequantizes for float arithmetic that is quantized again "
			       "(float arithmetic between integer layers)");
	else if (d && up[op->results[0]])
		hls_cannot_map(h, op, "float arithmetic between integer layers (after a Dequantize, "
			       "before a Quantize)");
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		if (v == IR_NONE || h->v[v].known || m->values[v].type.elem != IR_ELEM_INT)
			continue;
		if (op->code != IR_OP_Dequantize || k != 0)
			hls_cannot_map(h, op, "reads the integer tensor '%s' other than through a "
				       "Dequantize", m->values[v].name);
	}
	enum hls_part part = d ? HLS_TAIL : HLS_HEAD;
	for (int k = 0; k < op->nresults; k++)
		h->v[op->results[k]].part = op->code == IR_OP_Quantize ? HLS_KERNEL : part;
}

/* A Quantize result holds its grid: narrow, or -1 and +1 when bipolar. */
static void quantize_range(struct hls *h, const struct ir_op *op)
{
	int bits = (int)ir_attr_int(op, "bits", 0);
	bool is_signed = ir_attr_int(op, "signed", 1) != 0, narrow = ir_attr_int(op, "narrow", 0) != 0;
	struct hls_value *v = &h->v[op->results[0]];
	int64_t tlo, thi;
	if (bits < 1 || bits > 62 || h->m->values[op->results[0]].type.elem != IR_ELEM_INT)
		return;
	ir_int_range(&h->m->values[op->results[0]].type, &tlo, &thi);
	if (is_signed && bits == 1) {
		v->lo = -1;
		v->hi = 1;
	} else {
		ir_quant_grid(bits, is_signed, narrow, &v->lo, &v->hi);
	}
	v->ranged = v->lo >= tlo && v->hi <= thi;
}

static void add_port(struct hls *h, int v, int **list, int *n, bool input)
{
	for (int i = 0; i < *n; i++)
		if ((*list)[i] == v)
			return;
	if (input)
		h->v[v].in_port = *n;
	else
		h->v[v].out_port = *n;
	(*list)[(*n)++] = v;
}

static void check_graph_io(struct hls *h)
{
	struct ir_module *m = h->m;
	char t[32];
	for (int i = 0; i < m->ninputs; i++) {
		const struct ir_value *val = &m->values[m->inputs[i]];
		h->v[m->inputs[i]].part = HLS_HEAD;
		if (val->type.elem != IR_ELEM_F32)
			hls_cannot_map_model(h, "graph input '%s' is %s (the project takes float32 "
					     "inputs)", val->name,
					     hls_type_short(&val->type, t, sizeof t));
	}
	for (int i = 0; i < m->noutputs; i++) {
		const struct ir_value *val = &m->values[m->outputs[i]];
		if (val->type.elem != IR_ELEM_F32)
			hls_cannot_map_model(h, "graph output '%s' is %s (the project gives float32 "
					     "outputs, through a Dequantize)", val->name,
					     hls_type_short(&val->type, t, sizeof t));
		else if (h->v[m->outputs[i]].known)
			hls_cannot_map_model(h, "graph output '%s' is a constant", val->name);
	}
}

int hls_partition(struct hls *h)
{
	struct ir_module *m = h->m;
	int n = m->nvalues;
	ir_rebuild_uses(m);
	h->reason = arena_alloc(&h->a, (size_t)(m->nops ? m->nops : 1) * sizeof *h->reason);
	h->v = arena_alloc(&h->a, (size_t)(n ? n : 1) * sizeof *h->v);
	h->kin = arena_alloc(&h->a, (size_t)(n ? n : 1) * sizeof *h->kin);
	h->kout = arena_alloc(&h->a, (size_t)(n ? n : 1) * sizeof *h->kout);
	for (int v = 0; v < n; v++)
		h->v[v] = (struct hls_value){.in_port = -1, .out_port = -1, .alias = v};
	if (find_constants(h) < 0)
		return -1;
	bool *down = arena_alloc(&h->a, (size_t)(n ? n : 1) * sizeof *down);
	bool *up = arena_alloc(&h->a, (size_t)(n ? n : 1) * sizeof *up);
	mark_down(h, down);
	mark_up(h, up);
	check_graph_io(h);
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || op_known(h, op) || op->nresults == 0)
			continue;
		enum ir_elem e = result_elem(h, op);
		if (e == IR_ELEM_BOOL)
			hls_cannot_map(h, op, "boolean tensors are not supported");
		else if (e == IR_ELEM_INT && !is_io_boundary(op))
			check_kernel_op(h, op);
		else
			check_io_op(h, op, down, up);
		if (op->code == IR_OP_Quantize) {
			add_port(h, op->results[0], &h->kin, &h->nkin, true);
			quantize_range(h, op);
		}
		else if (op->code == IR_OP_Dequantize && !h->v[op->operands[0]].known)
			add_port(h, op->operands[0], &h->kout, &h->nkout, false);
	}
	if (h->nkin == 0)
		hls_cannot_map_model(h, "the model has no Quantize after lower-integer, so no "
				     "integer part to map");
	return 0;
}
