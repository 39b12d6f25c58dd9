/* k_movement.h: what the data-movement kernels of the LLVM backend share
 * (k_movement.c defines it): strided copies between IR values, compile-time
 * integer operands, and constant lookup tables in the generated module.
 *
 * Movement kernels never convert elements (except Identity/Dropout between
 * differing types, and Pad's constant_value): a register value loaded with
 * cg_load is stored unchanged with cg_store, which is exact for every element
 * type, quantized integers included.
 */
#ifndef QONNXC_BACKENDS_LLVM_K_MOVEMENT_H
#define QONNXC_BACKENDS_LLVM_K_MOVEMENT_H

#include "kernels.h"

/* Up to this many loops in one copy (Tile and DepthToSpace split axes). */
#define MV_MAX_DIMS (2 * IR_MAX_RANK)

/* A strided copy: for every multi-index i over dims[0..n-1], element
 * dst_base + sum i[k] * dst[k] of the destination value receives element
 * src_base + sum i[k] * src[k] of the source value. Strides may be zero or
 * negative; the caller guarantees every index is inside its value. */
struct mv_copy {
	int n;
	int64_t dims[MV_MAX_DIMS];
	int64_t src[MV_MAX_DIMS], dst[MV_MAX_DIMS];
	int64_t src_base, dst_base;
};

/* A copy over the dims of t: src strides left to the caller, dst strides the
 * row-major strides of t, both bases 0. */
void mv_copy_init(struct mv_copy *c, const struct ir_type *t);
/* Emits c from value src to value dst (c is simplified in place: dims of
 * size 1 dropped, dims contiguous in both merged). Elements are converted
 * with cg_convert when the two values' element types differ. Nothing is
 * emitted when c has no element. -1 when a value has no storage. */
int mv_emit_copy(struct cg *g, int dst, int src, struct mv_copy *c);

/* Whether value v is read after its op: used by an op or a graph output
 * (needs current use lists). A result nobody reads may have no storage, so
 * kernels with optional results (Split, Dropout's mask) skip it. */
bool mv_live(struct cg *g, int v);

/* Operand k of op as a compile-time list of at most max integers (rank 0 or
 * 1): *v and *n. -1 after an error when it is not an integer list or not
 * known at compile time ("<what> must be a constant for the LLVM backend"). */
int mv_known_ints(struct cg *g, const struct ir_op *op, int k, const char *what, int max,
		  const int64_t **v, int *n);

/* A private constant global array of n i64 (or double) values. */
LLVMValueRef mv_table_i64(struct cg *g, const int64_t *v, int64_t n);
LLVMValueRef mv_table_f64(struct cg *g, const double *v, int64_t n);
/* Element `index` (an i64 register value) of a table of element type ty. */
LLVMValueRef mv_table_load(struct cg *g, LLVMValueRef table, LLVMTypeRef ty, LLVMValueRef index);

/* i64 arithmetic that may see negative operands (no unsigned-wrap flags). */
LLVMValueRef mv_add(struct cg *g, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef mv_mul(struct cg *g, LLVMValueRef a, int64_t k);

/* The kernels, one per opcode, by file. */
cg_kernel mv_Transpose, mv_DepthToSpace, mv_SpaceToDepth, mv_Expand, mv_Tile; /* k_movement_layout.c */
cg_kernel mv_Concat, mv_Split, mv_Slice, mv_Gather;                           /* k_movement_parts.c */
cg_kernel mv_Pad;                                                              /* k_pad.c */
cg_kernel mv_Resize;                                                           /* k_resize.c */

#endif
