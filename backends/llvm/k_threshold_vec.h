/* k_threshold_vec.h: MultiThreshold vectorized over contiguous channels
 * (k_threshold_vec.c) or over elements (k_threshold_search.c), tried by
 * the MultiThreshold kernel of k_quant_qdq.c before its scalar loops. */
#ifndef QONNXC_BACKENDS_LLVM_K_THRESHOLD_VEC_H
#define QONNXC_BACKENDS_LLVM_K_THRESHOLD_VEC_H

#include "kernels.h"

/* Emits op (a MultiThreshold) in vector form: 0 when emitted, 1 when the
 * form does not apply (nothing emitted), -1 after an error. */
int kq_multithreshold_vec(struct cg *g, const struct ir_op *op);
/* The same for many thresholds per channel, by a vector binary search over
 * consecutive elements (k_threshold_search.c); tried first. */
int kq_multithreshold_search(struct cg *g, const struct ir_op *op);

#endif
