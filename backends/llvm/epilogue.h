/* epilogue.h: a MultiThreshold computed by the kernel that produces its
 * input (epilogue.c), so that the wide sums are never stored: the integer
 * MatMul and Conv compare each vector of sums with the thresholds before
 * storing, at the requantized width.
 *
 * Codegen marks the candidates before the memory plan (their results are
 * planned live from the producer on, since the producer writes them); a
 * producer kernel that can compute the MultiThreshold claims it with
 * epilogue_begin, and the MultiThreshold kernel then emits nothing. A
 * candidate no producer claims runs as a separate op, as always.
 */
#ifndef QONNXC_BACKENDS_LLVM_EPILOGUE_H
#define QONNXC_BACKENDS_LLVM_EPILOGUE_H

#include "cg.h"

/* Thresholds per channel the compare-all form accepts. */
#define EPILOGUE_MAX_K 32

struct cg_epilogue {
	const struct ir_op *mt;
	int y;                     /* the MultiThreshold's result */
	const struct ir_type *xt;  /* its input's type (the producer's result) */
	int64_t k, width, bias, step;
	int lanes;
	LLVMValueRef table;        /* i32 [k][width], INT32_MAX past the channels */
};

/* Whether op can be an epilogue: a MultiThreshold over the last axis with
 * at most EPILOGUE_MAX_K known ascending thresholds per channel, reading the
 * only use of an integer MatMul's or Conv's result that is no graph output,
 * integers of at most 31 bits in and out. */
bool epilogue_candidate(struct ir_module *m, const struct ir_op *op);
/* For the producer of value v, whose result has `channels` on its last
 * axis, computed in vectors of `lanes` i32: 0 with e filled and the
 * MultiThreshold claimed, when codegen marked it a candidate; 1 when v has
 * no epilogue. */
int epilogue_begin(struct cg *g, int v, int64_t channels, int lanes, struct cg_epilogue *e);
/* The MultiThreshold of `lanes` sums (an i32 vector, v's values) of the
 * channels c0 .. c0 + lanes: a vector of its result's memory type. */
LLVMValueRef epilogue_apply(struct cg *g, const struct cg_epilogue *e, LLVMValueRef sums,
			    LLVMValueRef c0);
/* Whether mt was claimed by its producer (its kernel emits nothing). */
bool epilogue_claimed(const struct cg *g, const struct ir_op *mt);

#endif
