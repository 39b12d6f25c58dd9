/* f32_sums.c: the f32-sums pass, which lets the float32 Conv and MatMul ops
 * of a model without quantizers sum in float32 fused multiply-adds
 * (IR_SUMS_F32_FMA, see ir/ir.h) instead of in double.
 *
 * Why only there: in a quantized model a float sum feeds a quantizer, and a
 * double sum rounds that quantizer's input as closely as the real-valued
 * function allows; a float model's outputs are read as floats, as a float32
 * runtime computes them, and float32 vectors hold twice as many lanes.
 * A model counts as quantized when, after lower-integer, any quantizer or
 * requantization op remains (IntQuant, BipolarQuant, Trunc, Quantize,
 * Dequantize, MultiThreshold, Requantize).
 *
 * Marks: Conv (not ConvTranspose) and MatMul whose operands and result are
 * all float32. Requires: a verified module. Guarantees: the same graph, only
 * `sums` changed. Invalidates nothing.
 */
#include "passes.h"

static bool quantizer(enum ir_opcode code)
{
	switch (code) {
	case IR_OP_IntQuant:
	case IR_OP_BipolarQuant:
	case IR_OP_Trunc:
	case IR_OP_Quantize:
	case IR_OP_Dequantize:
	case IR_OP_MultiThreshold:
	case IR_OP_Requantize:
		return true;
	default:
		return false;
	}
}

static bool all_f32(const struct ir_module *m, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++)
		if (op->operands[k] != IR_NONE && m->values[op->operands[k]].type.elem != IR_ELEM_F32)
			return false;
	return op->nresults == 1 && m->values[op->results[0]].type.elem == IR_ELEM_F32;
}

int pass_f32_sums(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && quantizer(m->ops[o].code))
			return 0;
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		if (!op->dead && (op->code == IR_OP_Conv || op->code == IR_OP_MatMul) && all_f32(m, op))
			op->sums = IR_SUMS_F32_FMA;
	}
	return 0;
}
