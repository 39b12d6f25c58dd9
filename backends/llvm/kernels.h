/* kernels.h: the table of LLVM kernels, one per IR opcode.
 *
 * Each family file (k_*.c) fills its entries of the table from a
 * registration function; kernels.c calls them all once. An opcode without
 * an entry is an op the LLVM backend cannot compile (a one-line error
 * naming the node). A kernel follows the rules of cg.h.
 */
#ifndef QONNXC_BACKENDS_LLVM_KERNELS_H
#define QONNXC_BACKENDS_LLVM_KERNELS_H

#include "cg.h"

typedef int cg_kernel(struct cg *g, const struct ir_op *op);

/* Registration, one per family: sets table[IR_OP_x] for its opcodes. */
void cg_register_elementwise(cg_kernel **table); /* k_elementwise.c: arithmetic, compare, logic, unary math, Clip, Cast, Where */
void cg_register_quant(cg_kernel **table);       /* k_quant.c: IntQuant, BipolarQuant, Trunc, Quantize, Dequantize, MultiThreshold */
void cg_register_linalg(cg_kernel **table);      /* k_linalg.c: MatMul, Gemm, Conv, ConvTranspose */
void cg_register_pool(cg_kernel **table);        /* k_pool.c: pooling, reductions, Softmax, normalizations */
void cg_register_movement(cg_kernel **table);    /* k_movement.c: reshapes, Transpose, Concat, Split, Slice, Gather, Pad, Resize, ... */

/* The kernel of op's opcode, or NULL when there is none. */
cg_kernel *cg_kernel_for(enum ir_opcode code);
/* Emits op with its kernel; -1 after an error (also for an op without one). */
int cg_emit_op(struct cg *g, const struct ir_op *op);

#endif
