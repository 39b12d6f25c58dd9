/* k_dot_internal.h: the pieces of the dot-product kernel (k_dot.c) that its
 * variant files (k_dot_nibble.c) share. Not for the kernels that use k_dot.h.
 */
#ifndef QONNXC_BACKENDS_LLVM_K_DOT_INTERNAL_H
#define QONNXC_BACKENDS_LLVM_K_DOT_INTERNAL_H

#include "k_dot.h"

/* Weight tables larger than this many bytes (as one byte per weight) are
 * stored two weights per byte when the weights allow it. */
#define KD_NIBBLE_MIN (48 * 1024)

/* Pointer to the vector at element `index` (i32 units) of table tab. */
LLVMValueRef kd_vec_at(struct cg *g, LLVMValueRef tab, LLVMValueRef index);
LLVMValueRef kd_load_vec(struct cg *g, LLVMTypeRef ty, LLVMValueRef ptr, unsigned align);
/* Vector b of accumulator set s. */
LLVMValueRef kd_acc_slot(struct cg *g, const struct kd *d, LLVMValueRef acc, int64_t s,
			 int64_t b);
/* Four activations from x[4 * gi ...] as one i32 (bytes beyond `valid` are
 * 0), offset by xoff each. */
LLVMValueRef kd_load_word(struct cg *g, const struct kd *d, LLVMValueRef x, LLVMValueRef gi,
			  int valid);
/* vpdpbusd: acc + the sums of four products of u8 x bytes and s8 w bytes. */
LLVMValueRef kd_dpbusd(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
		       LLVMValueRef w);
/* Set 0 of acc minus xoff times the tap's column sums (nothing without an
 * activation offset). */
void kd_xoff_correct(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef tap);
/* kd_accumulate for weights two per byte (k_dot_nibble.c). */
void kd_accumulate_nibbles(struct cg *g, const struct kd *d, LLVMValueRef acc, LLVMValueRef x,
			   LLVMValueRef tap);

#endif
