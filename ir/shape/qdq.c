/* qdq.c: shapes of the integer-lowering ops Quantize, Dequantize,
 * MultiThreshold and Requantize (ops.def; ir/quant.h for quantized types).
 *
 * Quantize, MultiThreshold and Requantize give an integer type of the op's bits and
 * signed attributes (a signed 1-bit one is bipolar and typed i2) whose quant
 * comes from the scale and zero point operands, which must be compile-time
 * constants, per tensor or along one axis of the input. Dequantize needs a
 * quantized integer operand and gives f32 (to=1) or f64 (to=11).
 */
#include "common.h"
#include "ir/quant.h"

/* The result type of a quantizer of x: bits/signed attributes, quant from
 * operands scale and zero. */
static int quantized_result(struct ir_module *m, struct ir_op *op, const struct ir_type *x,
			    int scale, int zero)
{
	int64_t bits, is_signed;
	if (shape_attr_int(m, op, "bits", 0, &bits) < 0 ||
	    shape_attr_int(m, op, "signed", 1, &is_signed) < 0)
		return -1;
	if (bits < 1 || bits > 63)
		return ir_op_error(m, op, "bits must be in 1..63, got %lld", (long long)bits);
	const struct ir_quant *q;
	if (ir_quant_from_params(m, x, op->operands[scale], op->operands[zero], &q) != 0)
		return ir_op_error(m, op, "scale and zero point must be known, nonzero scales and "
				   "integer zero points, per tensor or along one axis");
	bool bipolar = is_signed && bits == 1;
	struct ir_type out = ir_type_int(bipolar ? 2 : (int)bits, is_signed != 0, x->rank, x->dims);
	out.quant = q;
	return shape_set(m, op, 0, &out);
}

/* Quantize (x, scale, zeropt) */
int shape_quantize(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	if (shape_broadcast_to(m, op, 1, "scale", x) < 0 ||
	    shape_broadcast_to(m, op, 2, "zeropt", x) < 0)
		return -1;
	return quantized_result(m, op, x, 1, 2);
}

/* Dequantize (q); to */
int shape_dequantize(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *q = ir_operand_type(m, op, 0);
	if (q->elem != IR_ELEM_INT || !q->quant)
		return ir_op_error(m, op, "input must be a quantized integer tensor");
	int64_t to;
	if (shape_attr_int(m, op, "to", 1, &to) < 0)
		return -1;
	if (to != 1 && to != 11)
		return ir_op_error(m, op, "to must be 1 (float) or 11 (double), got %lld",
				   (long long)to);
	struct ir_type out = ir_type_f32(q->rank, q->dims);
	if (to == 11)
		out.elem = IR_ELEM_F64, out.bits = 64;
	return shape_set(m, op, 0, &out);
}

/* MultiThreshold (x, thresholds [C, K], scale, zeropt, descending [C]); axis */
int shape_multi_threshold(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0), *t = ir_operand_type(m, op, 1);
	const struct ir_type *d = ir_operand_type(m, op, 4);
	int axis;
	if (x->elem != IR_ELEM_INT || t->elem != IR_ELEM_INT)
		return ir_op_error(m, op, "input and thresholds must be integer tensors");
	if (shape_attr_axis(m, op, 1, x->rank, &axis) < 0)
		return -1;
	if (t->rank != 2 || (t->dims[0] != 1 && t->dims[0] != x->dims[axis]))
		return ir_op_error(m, op, "thresholds must be [1 or channels, K]");
	if (d && (d->elem != IR_ELEM_INT || d->rank != 1 || d->dims[0] != t->dims[0]))
		return ir_op_error(m, op, "descending must be an integer [C] like the thresholds");
	if (shape_broadcast_to(m, op, 2, "scale", x) < 0 ||
	    shape_broadcast_to(m, op, 3, "zeropt", x) < 0)
		return -1;
	return quantized_result(m, op, x, 2, 3);
}

/* Requantize (x, multiplier [C], offset [C], shift [C], scale, zeropt); axis */
int shape_requantize(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int axis;
	if (x->elem != IR_ELEM_INT)
		return ir_op_error(m, op, "input must be an integer tensor");
	if (shape_attr_axis(m, op, 1, x->rank, &axis) < 0)
		return -1;
	for (int k = 1; k <= 3; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (t->elem != IR_ELEM_INT || t->rank != 1 ||
		    (t->dims[0] != 1 && t->dims[0] != x->dims[axis]))
			return ir_op_error(m, op, "multiplier, offset and shift must be integer "
				   "[1 or channels]");
	}
	if (shape_broadcast_to(m, op, 4, "scale", x) < 0 ||
	    shape_broadcast_to(m, op, 5, "zeropt", x) < 0)
		return -1;
	return quantized_result(m, op, x, 4, 5);
}
