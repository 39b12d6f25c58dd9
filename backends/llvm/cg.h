/* cg.h: the LLVM code generator's shared toolkit.
 *
 * The backend turns one IR module (after the passes) into one LLVM function
 * that runs the whole graph; every op becomes a loop nest written by its
 * kernel (backends/llvm/k_*.c, dispatched by kernels.c). This header is the
 * contract between the driver of code generation (codegen.c: memory plan,
 * function skeleton, entry points) and the kernels.
 *
 * Values in generated code:
 * - Every IR value that has elements in memory has a base pointer
 *   (cg_base): a graph input or output argument, a slice of the workspace
 *   (backends/llvm/plan.h), or a read-only global holding a constant.
 * - Elements are read and written by linear (row-major) index with cg_load
 *   and cg_store, which hide how a tensor is stored: constants with integer
 *   widths below 8 are bit-packed, and everything else is an array of its
 *   storage type (cg_mem_type).
 * - In registers a value has its register type (cg_reg_type): float for f32,
 *   double for f64, i1 for bool, and for an integer of width b the container
 *   i8, i16, i32 or i64 (the smallest holding b bits), sign- or
 *   zero-extended from b bits according to the type's signedness. Kernels
 *   widen with cg_convert before arithmetic that needs more bits.
 *
 * Kernels emit code at the builder's current position and must leave the
 * builder at the end of straight-line code (after their loops), so the next
 * op follows. They may read compile-time data of their operands with
 * ir_known_data (shapes, axes, pads, weights). They return 0, or -1 after
 * ir_op_error for an op or attribute they cannot compile.
 */
#ifndef QONNXC_BACKENDS_LLVM_CG_H
#define QONNXC_BACKENDS_LLVM_CG_H

#include <llvm-c/Core.h>
#include <stdio.h>

#include "ir/ir.h"

struct cg_storage; /* how one IR value is stored; codegen.c */

struct cg {
	struct ir_module *m;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMValueRef fn;           /* the function being filled */
	LLVMBasicBlockRef entry;   /* its entry block, where cg_alloca puts allocas */
	const char *prefix;        /* symbol prefix (--name) */
	struct cg_storage *storage; /* per IR value, m->nvalues entries */
	LLVMTypeRef t_i1, t_i8, t_i16, t_i32, t_i64, t_f32, t_f64, t_ptr, t_void;
	const char *features;      /* the target's features, "+a,-b,..." (cg_features) */
	FILE *verbose;             /* -v: kernels name their variant here, or NULL */
	/* Per op (epilogue.h): a MultiThreshold its producer may compute, and
	 * one its producer did compute. */
	bool *epilogue_ok, *epilogue_done;
	/* Per op (float_epilogue.h): a BatchNormalization or Relu its float
	 * Conv computes. */
	bool *chained;
};

/* The target features code is generated for, as LLVM's comma-separated
 * "+name"/"-name" list (a later entry overrides an earlier one): the host
 * CPU's own when compiling for the host without --mcpu (triple NULL or the
 * host's), then --mattr. Allocated from a. */
const char *cg_features(struct arena *a, const char *triple, const char *cpu, const char *mattr);
/* Whether the target has feature `name` (e.g. "avx512vnni") by g->features. */
bool cg_has_feature(const struct cg *g, const char *name);

/* ---- types ---------------------------------------------------------------- */

/* Register type of elements of t (see above). */
LLVMTypeRef cg_reg_type(struct cg *g, const struct ir_type *t);
/* Container width in bits of an integer type of b bits: 8, 16, 32 or 64. */
int cg_container_bits(int bits);
/* Converts x, a register value of type `from`, to the register type of
 * `to`: integer widening by from's signedness, narrowing by truncation,
 * int <-> float (float to int truncates toward zero and saturates), bool to
 * 0/1 and nonzero to true. Values of the result type are those of `to`
 * (an integer narrowed to fewer bits than its container is re-extended). */
LLVMValueRef cg_convert(struct cg *g, LLVMValueRef x, const struct ir_type *from,
			const struct ir_type *to);
/* Widens an integer register value of type t to a plain iN (N = 32 or 64),
 * by t's signedness. */
LLVMValueRef cg_widen(struct cg *g, LLVMValueRef x, const struct ir_type *t, int n);
/* A vector of n copies of scalar x. */
LLVMValueRef cg_splat(struct cg *g, LLVMValueRef x, int n);
/* x * y + z with one rounding, scalars or vectors of one type: llvm.fma
 * where the target has an FMA instruction; floats elsewhere by an exact
 * emulation in double (no call to libm's fmaf). */
LLVMValueRef cg_fma(struct cg *g, LLVMValueRef x, LLVMValueRef y, LLVMValueRef z);

/* ---- constants ------------------------------------------------------------ */

LLVMValueRef cg_i64(struct cg *g, int64_t v);
LLVMValueRef cg_i32(struct cg *g, int32_t v);
/* A constant of type ty (an integer or floating type) with value v. */
LLVMValueRef cg_const_int(LLVMTypeRef ty, int64_t v);
LLVMValueRef cg_const_real(LLVMTypeRef ty, double v);
/* A private, read-only, 64-byte aligned global array of n integers of type
 * ty (each v[i] truncated to ty's width), named name. */
LLVMValueRef cg_const_int_array(struct cg *g, LLVMTypeRef ty, const int64_t *v, size_t n,
				const char *name);

/* ---- memory --------------------------------------------------------------- */

/* Pointer to element 0 of IR value v; NULL when v has no storage (an error
 * has been reported then). */
LLVMValueRef cg_base(struct cg *g, int v);
/* Type of one element of t in memory: the register type, except bool, which
 * takes a byte (0 or 1). Bit-packed constants are read only with cg_load. */
LLVMTypeRef cg_mem_type(struct cg *g, const struct ir_type *t);
/* Element `index` (an i64) of IR value v, in its register type. */
LLVMValueRef cg_load(struct cg *g, int v, LLVMValueRef index);
/* Stores register value x as element `index` of IR value v (never a
 * constant). */
void cg_store(struct cg *g, int v, LLVMValueRef index, LLVMValueRef x);
/* A stack slot of type ty in the entry block (promoted to a register by
 * the optimizer): for accumulators that live across loop iterations. */
LLVMValueRef cg_alloca(struct cg *g, LLVMTypeRef ty, const char *name);

/* ---- index arithmetic ----------------------------------------------------- */

/* Row-major strides (in elements) of t. */
void cg_strides(const struct ir_type *t, int64_t *strides);
/* Strides of operand type `from` seen through the result type `to` of a
 * multidirectional broadcast: aligned on the right, 0 where from's dim is 1
 * (or missing) and to's is not; to->rank entries. */
void cg_broadcast_strides(const struct ir_type *from, const struct ir_type *to, int64_t *strides);
/* sum of idx[k] * strides[k] over k < rank (skipping zero strides), as i64. */
LLVMValueRef cg_linear(struct cg *g, int rank, const int64_t *strides, LLVMValueRef const *idx);

/* ---- loops ---------------------------------------------------------------- */

/* A counted loop for i in [0, n): cg_loop_begin leaves the builder in the
 * body and returns i (i64); cg_loop_end closes the body and leaves the
 * builder after the loop. Loops nest. */
struct cg_loop {
	LLVMValueRef iv;
	LLVMBasicBlockRef head, body, latch, exit;
};
LLVMValueRef cg_loop_begin(struct cg *g, struct cg_loop *l, LLVMValueRef n, const char *name);
void cg_loop_end(struct cg *g, struct cg_loop *l);

/* A nest of rank loops over dims (outermost first); iv[k] is the index of
 * dimension k. Rank 0 is a single pass. */
struct cg_nest {
	int rank;
	LLVMValueRef iv[IR_MAX_RANK];
	struct cg_loop loop[IR_MAX_RANK];
};
void cg_nest_begin(struct cg *g, struct cg_nest *n, int rank, const int64_t *dims);
void cg_nest_end(struct cg *g, struct cg_nest *n);

/* if (cond) { ... }: cg_if_begin leaves the builder in the then-block;
 * cg_if_end continues after it. */
struct cg_if {
	LLVMBasicBlockRef then, done;
};
void cg_if_begin(struct cg *g, struct cg_if *c, LLVMValueRef cond);
void cg_if_end(struct cg *g, struct cg_if *c);

#endif
