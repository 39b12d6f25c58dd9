/* fuse.h: float scaling fused into the quantizer that reads it (fuse.c). */
#ifndef QONNXC_BACKENDS_LLVM_FUSE_H
#define QONNXC_BACKENDS_LLVM_FUSE_H

#include "cg.h"

/* Marks fused[o] for every op whose result is computed on load instead of
 * stored (fuse.c says which); the number marked. Requires current use
 * lists; fused has m->nops entries. */
int fuse_find(struct ir_module *m, bool *fused);
/* Element `index` of the result of fused op op, computed from its operand. */
LLVMValueRef fuse_load(struct cg *g, const struct ir_op *op, LLVMValueRef index);
/* The value a fused op computes from (its non-constant operand). */
int fuse_source(const struct ir_module *m, const struct ir_op *op);

#endif
