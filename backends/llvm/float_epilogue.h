/* float_epilogue.h: BatchNormalization and Relu computed by the float Conv
 * whose result they read (float_epilogue.c), so that a Conv ->
 * BatchNormalization -> Relu chain writes one tensor instead of three.
 *
 * Codegen finds the chains before the memory plan (fepi_root): the chain's
 * ops emit nothing (marked in cg.h's `chained`), the values before its
 * last are never stored (no workspace), and its last result is planned
 * live from the Conv on. Every float Conv kernel (the vector kernel and the
 * generic loops) then applies the chain to its results before storing the
 * last op's value, so the decision needs no knowledge of the kernels.
 */
#ifndef QONNXC_BACKENDS_LLVM_FLOAT_EPILOGUE_H
#define QONNXC_BACKENDS_LLVM_FLOAT_EPILOGUE_H

#include "cg.h"
#include "k_linalg.h"

/* Ops a chain may hold. */
#define FEPI_MAX 4
/* Channels the rows hold past the Conv's: a vector kernel's last block may
 * compute (never store) that many more. */
#define FEPI_ROW_SLACK 64

struct cg_float_epilogue {
	int n;                            /* ops in the chain, in order (0: none) */
	const struct ir_op *ops[FEPI_MAX];
	int y;                            /* the value the Conv stores: the last op's result */
	struct kl_buf s[FEPI_MAX], b[FEPI_MAX]; /* a BatchNormalization's scale and shift rows */
};

/* The index of the float Conv at the root of the chain that op would end,
 * or -1: op is a float32 Relu, or a channels-last BatchNormalization over
 * the last axis, reading the only use (no graph output) of a channels-last
 * float32 Conv's result or of another such op, at most FEPI_MAX ops from
 * the Conv. */
int fepi_root(struct ir_module *m, const struct ir_op *op);
/* The chain codegen marked after the Conv producing v (cout channels), its
 * rows computed: 0 (e->n may be 0: no chain, e->y = v) or -1 after an
 * error. */
int fepi_begin(struct cg *g, int v, int64_t cout, struct cg_float_epilogue *e);
/* The chain applied to r, a float32 value or vector of the Conv's results
 * for channel c0 (and the following ones): bit for bit what the ops' own
 * kernels compute. */
LLVMValueRef fepi_apply(struct cg *g, const struct cg_float_epilogue *e, LLVMValueRef r,
			LLVMValueRef c0);
/* Ends the rows' lifetimes (after the Conv's loops). */
void fepi_end(struct cg *g, struct cg_float_epilogue *e);

#endif
