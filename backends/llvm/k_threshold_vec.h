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

/* The thresholds of MultiThreshold op, when its input and result are
 * integers (the input of at most 30 bits, 31 signed), the thresholds a
 * known integer [C, K] matrix with one row or one per channel of the last
 * axis (the op's axis), and no row descending; *tt their type. NULL
 * otherwise. */
const int64_t *kq_plain_thresholds(struct ir_module *m, const struct ir_op *op,
				   const struct ir_type **tt);
/* Whether no row of op's descending operand (operand 4) is set; true when
 * there is none. */
bool kq_none_descending(struct ir_module *m, const struct ir_op *op, int64_t rows);
/* Whether each of the rows of k thresholds in th is non-decreasing. */
bool kq_rows_ascending(const int64_t *th, int64_t rows, int64_t k);
/* A constant i32 table T'[j][c] of the rows x k thresholds th transposed,
 * clamped to i32 (which changes no comparison with an x of at most 31
 * bits); channel c < channels reads row c (the only row when rows == 1),
 * channels up to width get INT32_MAX, which no such x passes. */
LLVMValueRef kq_threshold_table_t(struct cg *g, const int64_t *th, int64_t rows, int64_t k,
				  int64_t channels, int64_t width, const char *name);

#endif
