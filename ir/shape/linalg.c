/* linalg.c: shapes of MatMul and Gemm.
 *
 * MatMul follows numpy.matmul: a 1-D A is promoted to [1, K] and a 1-D B to
 * [K, 1], the promoted dims are dropped from the result, and the batch dims
 * (all but the last two) broadcast multidirectionally. Gemm is strictly 2-D:
 * Y[M, N] = alpha * A'[M, K] * B'[K, N] + beta * C, with C broadcast to [M, N]
 * unidirectionally. Operands share one numeric element type, which the result
 * takes.
 */
#include "common.h"

#include <inttypes.h>

static int same_numeric(struct ir_module *m, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (!t)
			continue;
		if (!shape_is_numeric(t))
			return ir_op_error(m, op, "input %d must be numeric, got bool", k);
		if (shape_same_elem(m, op, 0, k) < 0)
			return -1;
	}
	return 0;
}

static int mismatch(struct ir_module *m, const struct ir_op *op, const struct ir_type *a,
		    const struct ir_type *b)
{
	char sa[200], sb[200];
	return ir_op_error(m, op, "inner dimensions of %s and %s do not match",
			   ir_type_str(a, sa, sizeof sa), ir_type_str(b, sb, sizeof sb));
}

int shape_matmul(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || same_numeric(m, op) < 0)
		return -1;
	const struct ir_type *a = ir_operand_type(m, op, 0), *b = ir_operand_type(m, op, 1);
	if (a->rank == 0 || b->rank == 0)
		return ir_op_error(m, op, "inputs must have rank 1 or more, got %d and %d", a->rank,
				   b->rank);
	/* Batch dims of each side, as types for shape_broadcast. */
	struct ir_type batch_a = *a, batch_b = *b, out = *a;
	batch_a.rank = (uint8_t)(a->rank >= 2 ? a->rank - 2 : 0);
	batch_b.rank = (uint8_t)(b->rank >= 2 ? b->rank - 2 : 0);
	int64_t rows = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
	int64_t inner_a = a->dims[a->rank - 1];
	int64_t inner_b = b->rank >= 2 ? b->dims[b->rank - 2] : b->dims[0];
	int64_t cols = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
	if (inner_a != inner_b)
		return mismatch(m, op, a, b);
	if (shape_broadcast(m, op, &batch_a, &batch_b, &out) < 0)
		return -1;
	int rank = out.rank + (a->rank >= 2) + (b->rank >= 2);
	if (rank > IR_MAX_RANK)
		return ir_op_error(m, op, "result rank %d is more than %d", rank, IR_MAX_RANK);
	if (a->rank >= 2)
		out.dims[out.rank++] = rows;
	if (b->rank >= 2)
		out.dims[out.rank++] = cols;
	return shape_set(m, op, 0, &out);
}

/* Gemm (A, B, C); transA, transB */
int shape_gemm(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || same_numeric(m, op) < 0)
		return -1;
	const struct ir_type *a = ir_operand_type(m, op, 0), *b = ir_operand_type(m, op, 1);
	if (a->rank != 2 || b->rank != 2)
		return ir_op_error(m, op, "A and B must be 2-D, got rank %d and %d", a->rank,
				   b->rank);
	int trans_a, trans_b;
	if (shape_attr_flag(m, op, "transA", 0, &trans_a) < 0 ||
	    shape_attr_flag(m, op, "transB", 0, &trans_b) < 0)
		return -1;
	int64_t rows = a->dims[trans_a], inner_a = a->dims[1 - trans_a];
	int64_t inner_b = b->dims[trans_b], cols = b->dims[1 - trans_b];
	if (inner_a != inner_b)
		return mismatch(m, op, a, b);
	struct ir_type out = ir_type_with_dims(*a, 2, (int64_t[]){rows, cols});
	if (op->noperands > 2 && op->operands[2] != IR_NONE &&
	    shape_broadcast_to(m, op, 2, "C", &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}
