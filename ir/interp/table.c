/* table.c: the interpreter's kernel table, interp_kernels[code] = interp_<code>,
 * expanded from ../ops.def so that a new opcode without a kernel fails to link. */
#include "kernels.h"

#define OP(id, onnx_name, min_in, max_in, min_out, max_out, flags) [IR_OP_##id] = interp_##id,
const interp_kernel interp_kernels[IR_OP_COUNT] = {
#include "../ops.def"
};
#undef OP
