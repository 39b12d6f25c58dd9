/* linalg.c: shapes of MatMul and Gemm.
 *
 * MatMul follows numpy.matmul: a 1-D A is promoted to [1, K] and a 1-D B to
 * [K, 1], the promoted dims are dropped from the result, and the batch dims
 * (all but the last two) broadcast multidirectionally. Gemm is strictly 2-D:
 * Y[M, N] = alpha * A'[M, K] * B'[K, N] + beta * C, with C broadcast to [M, N]
 * unidirectionally. Operands share one numeric element type, which the result
 * takes.
 *
 * Integer MatMul (both operands IR_ELEM_INT, widths may differ) gives a signed
 * accumulator just wide enough never to overflow: with A's values in [alo,
 * ahi] (its type's range) and B's elements known, column n's sums lie in
 * [sum_k min(b*alo, b*ahi), sum_k max(b*alo, b*ahi)]; with B unknown, the bound
 * is K * max|A| * max|B|. When A is quantized per tensor and B per tensor or
 * per column (its last axis), both with zero points 0, the accumulator is
 * quantized with scale sA * sB (per column of the result).
 */
#include "common.h"
#include "ir/quant.h"

#include <math.h>

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

static bool both_int(struct ir_module *m, const struct ir_op *op)
{
	return ir_operand_type(m, op, 0)->elem == IR_ELEM_INT &&
	       ir_operand_type(m, op, 1)->elem == IR_ELEM_INT;
}

static long double absmax(int64_t lo, int64_t hi)
{
	return fmaxl(fabsl((long double)lo), fabsl((long double)hi));
}

/* [lo, hi] of the integer sums of products A x B, from A's type and, when
 * known, B's elements. */
static void accum_bounds(struct ir_module *m, const struct ir_op *op, long double *lo,
			 long double *hi)
{
	const struct ir_type *a = ir_operand_type(m, op, 0), *b = ir_operand_type(m, op, 1);
	int64_t alo, ahi, blo, bhi;
	ir_int_range(a, &alo, &ahi);
	ir_int_range(b, &blo, &bhi);
	int64_t inner = a->dims[a->rank - 1];
	const int64_t *w = ir_known_data(m, op->operands[1]);
	if (!w) {
		*hi = (long double)inner * absmax(alo, ahi) * absmax(blo, bhi);
		*lo = -*hi;
		return;
	}
	int64_t cols = b->rank >= 2 ? b->dims[b->rank - 1] : 1, n = ir_type_numel(b);
	*lo = *hi = 0;
	for (int64_t base = 0; base < n; base += inner * cols)
		for (int64_t c = 0; c < cols; c++) {
			long double l = 0, h = 0;
			for (int64_t k = 0; k < inner; k++) {
				long double x = (long double)w[base + k * cols + c];
				long double p = x * (long double)alo, q = x * (long double)ahi;
				l += fminl(p, q);
				h += fmaxl(p, q);
			}
			*lo = fminl(*lo, l);
			*hi = fmaxl(*hi, h);
		}
}

/* The accumulator's quantization, or NULL (see the header comment). */
static const struct ir_quant *accum_quant(struct ir_module *m, const struct ir_type *a,
					  const struct ir_type *b, int out_rank)
{
	const struct ir_quant *qa = a->quant, *qb = b->quant;
	if (!qa || !qb || qa->n != 1 || !ir_quant_zero_free(qa) || !ir_quant_zero_free(qb))
		return NULL;
	if (qb->n != 1 && (b->rank < 2 || qb->axis != b->rank - 1))
		return NULL;
	double *s = arena_alloc(&m->arena, (size_t)qb->n * sizeof *s);
	for (int64_t c = 0; c < qb->n; c++)
		s[c] = qa->scale[0] * qb->scale[c];
	return ir_quant_new(&m->arena, qb->n == 1 ? -1 : out_rank - 1, qb->n, s, NULL);
}

static int int_accumulator(struct ir_module *m, struct ir_op *op, struct ir_type *out)
{
	long double lo, hi;
	accum_bounds(m, op, &lo, &hi);
	const long double limit = 9.2e18L;
	int bits = lo < -limit || hi > limit ? 64 : ir_signed_bits_for((int64_t)lo, (int64_t)hi);
	struct ir_type t = ir_type_int(bits, true, out->rank, out->dims);
	t.quant = accum_quant(m, ir_operand_type(m, op, 0), ir_operand_type(m, op, 1), out->rank);
	*out = t;
	return 0;
}

int shape_matmul(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || (!both_int(m, op) && same_numeric(m, op) < 0))
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
	if (both_int(m, op) && int_accumulator(m, op, &out) < 0)
		return -1;
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
