/* opinfo.c: the op property table, expanded from ops.def. */
#include "ir.h"

#define OP(id, onnx_name, min_in, max_in, min_out, max_out, flags) \
	[IR_OP_##id] = {onnx_name, min_in, max_in, min_out, max_out, flags},
const struct ir_opinfo ir_opinfo[IR_OP_COUNT] = {
#include "ops.def"
};
#undef OP
