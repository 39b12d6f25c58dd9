/* emit_onnx_expand.c: --expand-quant (stub until written). */
#include "ir/ir.h"

int emit_onnx_expand_quant(struct ir_module *m);

int emit_onnx_expand_quant(struct ir_module *m)
{
	return ir_error(m, "--expand-quant is not written yet");
}
