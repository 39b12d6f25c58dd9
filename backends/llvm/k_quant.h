/* k_quant.h: what the quantizer kernel files (k_quant.c, k_quant_qdq.c)
 * share: rounding (modes from ir/quant.h) and the float32 stepping of the
 * interpreter.
 *
 * The interpreter (ir/interp/quant.c, qdq.c) evaluates every step of a
 * quantizer in double and rounds it to float when the tensor is f32; the
 * kernels emit the same: values are doubles, and q_fl rounds one to float
 * and back. (For one +, -, *, / of float operands this is the float
 * operation's result, and LLVM's optimizer narrows such pairs to float
 * arithmetic.)
 */
#ifndef QONNXC_BACKENDS_LLVM_K_QUANT_H
#define QONNXC_BACKENDS_LLVM_K_QUANT_H

#include "ir/quant.h"
#include "kernels.h"

/* q (a double holding a value of the tensor's type: a float when f32)
 * rounded to an integer by mode, as a double; computed in float when f32. */
LLVMValueRef q_round(struct cg *g, LLVMValueRef q, enum ir_rounding mode, bool f32);
/* v rounded to float and widened back when f32; else v. */
LLVMValueRef q_fl(struct cg *g, LLVMValueRef v, bool f32);
/* A double constant. */
LLVMValueRef q_d(struct cg *g, double v);

/* Registration of k_quant_qdq.c (called by cg_register_quant). */
void q_register_qdq(cg_kernel **table);

#endif
