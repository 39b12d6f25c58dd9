/* k_pool.h: what the pool kernel files share (k_pool.c: MaxPool and
 * AveragePool; k_pool_global.c: the global pools; k_pool_util.c: the
 * helpers below).
 *
 * A pool walks batch, channels and output positions. For channels-last
 * layouts the channel loop is innermost, over a row of per-channel
 * accumulators (contiguous in X and Y); for NCHW it is outermost with one
 * accumulator (struct kp_chan places it).
 */
#ifndef QONNXC_BACKENDS_LLVM_K_POOL_H
#define QONNXC_BACKENDS_LLVM_K_POOL_H

#include "k_linalg.h"

/* Where the channel loop goes, and the current channel c. */
struct kp_chan {
	bool inner;
	int64_t count;
	struct kl_for outer, in;
	LLVMValueRef c;
};
/* The outer loop (NCHW only) and the inner one (channels-last only); the
 * inner begin returns the slot of the current channel in a row of
 * accumulators (0 when the loop is outer). */
void kp_chan_outer_begin(struct cg *g, struct kp_chan *ch);
void kp_chan_outer_end(struct cg *g, struct kp_chan *ch);
LLVMValueRef kp_chan_inner_begin(struct cg *g, struct kp_chan *ch);
void kp_chan_inner_end(struct cg *g, struct kp_chan *ch);

struct kp_pool {
	const struct ir_op *op;
	struct kl_geom k;
	struct kp_chan ch;
	int x, y, ind;              /* ind: MaxPool's Indices when used, else IR_NONE */
	const struct ir_type *xt, *yt;
	bool column_major;          /* Indices with storage_order 1 */
	struct kl_buf acc, arg;     /* per-channel accumulators; arg: Indices' i64 */
	LLVMValueRef n;             /* the batch index */
	LLVMValueRef count, seen;   /* stack slots: i64 (AveragePool), i1 (MaxPool) */
};

/* Fills op, x, y, xt, yt and ind = IR_NONE after checking X and Y have one
 * numeric (float_only: float) element type. */
int kp_init(struct cg *g, const struct ir_op *op, struct kp_pool *p, bool float_only);
/* X's element at spatial offset off of the current batch index and channel. */
LLVMValueRef kp_x_index(struct cg *g, const struct kp_pool *p, LLVMValueRef off);
/* Y's element at output position opos of the current batch index and channel. */
LLVMValueRef kp_y_index(struct cg *g, const struct kp_pool *p, LLVMValueRef const *opos);
/* The lowest value of t's elements (-FLT_MAX for f32), in its register type. */
LLVMValueRef kp_lowest(struct cg *g, const struct ir_type *t);
/* MaxPool's update of accumulator slot with element x: taken when not
 * seen yet or strictly greater (with index, stored into p->arg, when p has
 * Indices). */
void kp_max_step(struct cg *g, const struct kp_pool *p, LLVMValueRef slot, LLVMValueRef x,
		 LLVMValueRef seen, LLVMValueRef index);

void kp_register_global(cg_kernel **table); /* k_pool_global.c */

#endif
