/* cg_math.h: scalar math emitted inline by the LLVM backend, so generated
 * objects never call libm (nor any other library). Each function takes and
 * returns a float or double register value (the type of x) and emits code at
 * the builder's position. Accuracy: within a few ulp of the C library's
 * result; exact where the operation is exact (floor, ceil, trunc,
 * round_even, fabs, sqrt). */
#ifndef QONNXC_BACKENDS_LLVM_CG_MATH_H
#define QONNXC_BACKENDS_LLVM_CG_MATH_H

#include "cg.h"

LLVMValueRef cg_floor(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_ceil(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_trunc(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_round_even(struct cg *g, LLVMValueRef x); /* half to even */
LLVMValueRef cg_round_away(struct cg *g, LLVMValueRef x); /* half away from zero (C round) */
LLVMValueRef cg_fabs(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_sqrt(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_exp(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_log(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_log1p(struct cg *g, LLVMValueRef x); /* log(1 + x) without cancellation */
LLVMValueRef cg_tanh(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_sigmoid(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_erf(struct cg *g, LLVMValueRef x);
LLVMValueRef cg_pow(struct cg *g, LLVMValueRef x, LLVMValueRef y);
LLVMValueRef cg_fmin(struct cg *g, LLVMValueRef a, LLVMValueRef b); /* NaN-propagating as the interpreter */
LLVMValueRef cg_fmax(struct cg *g, LLVMValueRef a, LLVMValueRef b);

#endif
