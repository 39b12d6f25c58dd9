/* kernels.h: prototypes of the interpreter's kernels, one per opcode.
 *
 * The kernel for IR_OP_X is interp_X; every opcode of ../ops.def has one, and
 * table.c collects them into interp_kernels. The contract of a kernel is the
 * interp_kernel typedef in interp.h: in[k] NULL for an absent optional operand,
 * out[k] typed from the IR with zeroed storage, 0 or -1 after ir_op_error.
 */
#ifndef QONNXC_INTERP_KERNELS_H
#define QONNXC_INTERP_KERNELS_H

#include "interp.h"

#define OP(id, onnx_name, min_in, max_in, min_out, max_out, flags)                   \
	int interp_##id(struct ir_module *m, const struct ir_op *op,                     \
			const struct ir_tensor *const *in, struct ir_tensor *const *out, \
			struct arena *scratch);
#include "../ops.def"
#undef OP

#endif
