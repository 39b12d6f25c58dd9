/* lower_qdq.c: QONNX quantizers to Quantize + Dequantize, and folding of
 * integer ops on constants (steps of lower-integer, see lower_integer.c).
 *
 * IntQuant (x, scale, zeropt, bitwidth) {signed, narrow, rounding_mode} with a
 * known uniform bit width and parameters that form a quant record (per tensor
 * or along one axis, integer zero points) becomes
 *     q = Quantize(x, scale, zeropt) {bits, signed, narrow, rounding_mode}
 *     y = Dequantize(q) {to = x's float type}
 * which computes exactly IntQuant's formula. BipolarQuant (x, scale) is the
 * signed 1-bit (bipolar) case with zero point 0. When x is known at compile
 * time (weights), q is evaluated now and becomes an integer constant.
 */
#include "cleanup.h"
#include "lower_integer.h"

/* The uniform value of known operand v, or -1 when unknown or not uniform. */
static double uniform_value(struct ir_module *m, int v)
{
	if (!ir_known_data(m, v) || !cl_is_const(m, v))
		return -1;
	double first = cl_const_elem(m, v, 0);
	for (int64_t i = 1, n = ir_type_numel(&m->values[v].type); i < n; i++)
		if (cl_const_elem(m, v, i) != first)
			return -1;
	return first;
}

/* A scalar constant 0 of type like t's element type. */
static int zero_const(struct ir_module *m, const struct ir_type *t, const char *base)
{
	struct ir_type z = ir_type_with_dims(*t, 0, NULL);
	return cl_new_const(m, base, "zero", &z, (double[]){0});
}

/* Replaces quantizer op o by Quantize + Dequantize; 1 when done, 0 when the
 * op does not qualify, -1 on error. */
static int lower_one(struct ir_module *m, int o)
{
	struct ir_op *op = &m->ops[o];
	bool bipolar = op->code == IR_OP_BipolarQuant;
	int x = op->operands[0], y = op->results[0];
	double bits = bipolar ? 1 : uniform_value(m, op->operands[3]);
	if (!(bits >= 1 && bits <= 62 && bits == (double)(int)bits))
		return 0;
	const char *base = op->name;
	int zero = bipolar ? zero_const(m, &m->values[op->operands[1]].type, base)
			   : op->operands[2];
	if (zero < 0)
		return -1;
	int operands[3] = {x, m->ops[o].operands[1], zero};
	int q = li_add_op(m, IR_OP_Quantize, base, "q", 3, operands);
	if (q < 0)
		return -1;
	op = &m->ops[o];
	ir_set_attr_int(m, q, "bits", (int64_t)bits);
	ir_set_attr_int(m, q, "signed", bipolar ? 1 : ir_attr_int(op, "signed", 1));
	ir_set_attr_int(m, q, "narrow", bipolar ? 0 : ir_attr_int(op, "narrow", 0));
	ir_set_attr_string(m, q, "rounding_mode",
			   bipolar ? "ROUND" : ir_attr_string(op, "rounding_mode", "ROUND"));
	if (li_infer(m, q) < 0)
		return 0;
	int qv = m->ops[q].results[0];
	if (ir_known_data(m, x)) {
		const void *data = ir_known_data(m, qv);
		if (!data)
			return m->error[0] ? -1 : 0;
		if (ir_make_const(m, qv, data) < 0)
			return -1;
		m->ops[q].dead = true;
		ir_rebuild_uses(m);
	}
	int d = li_dequantize(m, qv, m->values[y].type.elem, base);
	if (d < 0)
		return 0;
	return li_replace(m, o, d, y) ? 1 : 0;
}

int lower_qdq(struct ir_module *m)
{
	return li_each_op(m, IR_OP_IntQuant, IR_OP_BipolarQuant, lower_one);
}

/* An op on integer constants (a Transpose of quantized weights, ...) is
 * evaluated now; its result keeps its type, quant included. */
int lower_fold_int(struct ir_module *m)
{
	int changes = 0;
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		if (op->dead || op->nresults != 1 || op->noperands == 0)
			continue;
		int v = op->results[0];
		if (m->values[v].type.elem != IR_ELEM_INT || m->values[v].nuses == 0)
			continue;
		bool all_const = true;
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE && !cl_is_const(m, op->operands[k]))
				all_const = false;
		if (!all_const)
			continue;
		const void *data = ir_known_data(m, v);
		if (!data) {
			if (m->error[0])
				return -1;
			continue;
		}
		if (ir_make_const(m, v, data) < 0)
			return -1;
		m->ops[o].dead = true;
		ir_rebuild_uses(m);
		changes++;
	}
	return changes;
}
