/* f32_sums.c: the f32-sums pass, which lets float32 Conv and MatMul ops
 * sum in float32 fused multiply-adds (IR_SUMS_F32_FMA, see ir/ir.h)
 * instead of in double, as float32 runtimes sum:
 *  - in a model without quantizers, every float32 Conv and MatMul: its
 *    outputs are read as floats, as a float32 runtime computes them;
 *  - in a quantized model, the float32 Convs (the layers before the first
 *    quantizer of an image model): their result is rounded to float32
 *    before any quantizer reads it anyway, and float32 vectors hold twice as
 *    many lanes (espcn_subpixel_quant's first Conv took a third of its
 *    time in double; its outputs, and those of every shared model, are the
 *    same bytes either way). A quantized model's float MatMuls keep double
 *    sums, whose kernel sums rows on the integer grid exactly (k_matmul_vec.c).
 * With m->double_sums_when_quantized (the HLS target, whose float sums are
 * double) a quantized model keeps double sums everywhere.
 * A model counts as quantized when, after lower-integer, any quantizer or
 * requantization op remains (IntQuant, BipolarQuant, Trunc, Quantize,
 * Dequantize, MultiThreshold, Requantize).
 *
 * Marks: Conv (not ConvTranspose) and MatMul whose operands and result are
 * all float32, as above. Requires: a verified module. Guarantees: the same
 * graph, only `sums` changed. Invalidates nothing.
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
	bool quantized = false;
	for (int o = 0; o < m->nops; o++)
		quantized |= !m->ops[o].dead && quantizer(m->ops[o].code);
	if (quantized && m->double_sums_when_quantized)
		return 0;
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		bool kind = op->code == IR_OP_Conv || (op->code == IR_OP_MatMul && !quantized);
		if (!op->dead && kind && all_f32(m, op))
			op->sums = IR_SUMS_F32_FMA;
	}
	return 0;
}
