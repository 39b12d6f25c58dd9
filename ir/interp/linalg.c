/* linalg.c: MatMul and Gemm kernels (ONNX opset 21).
 *
 *   MatMul: numpy.matmul. Operands of rank >= 2 are stacks of matrices over
 *           their leading (batch) dims, which broadcast; a 1-D first operand
 *           is a row [1, K] and a 1-D second operand a column [K, 1], the
 *           inserted dim being dropped from the result.
 *   Gemm:   Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (A 2-D),
 *           likewise B', C optional and broadcast to [M, N].
 *
 * Sums are accumulated as kernel_util.h says (double for floats, wrapping
 * 64-bit for integers), in k order from 0. A MatMul marked IR_SUMS_F32_FMA
 * (float32 only) sums the same terms in the same order with float32 fused
 * multiply-adds (fmaf) from +0. For integer Gemm, alpha and beta are truncated to
 * integers. All operands and the result must share one storage form.
 */
#include "kernels.h"
#include "kernel_util.h"

#include <math.h>

/* A matrix product C[i, j] = sum_k A[i, k] * B[k, j], with the element
 * strides of A's and B's rows and columns (a transposed operand swaps them). */
struct matmul {
	int64_t m, n, k;
	int64_t a_row, a_col, b_row, b_col;
};

/* acc += row i of A (at a0) times column j of B (at b0). */
static void dot(enum accum_kind kind, bool fma, const struct matmul *g, const void *a, int64_t a0,
		const void *b, int64_t b0, int64_t i, int64_t j, union accum *acc)
{
	int64_t pa = a0 + i * g->a_row, pb = b0 + j * g->b_col;
	if (kind == ACCUM_F32 && fma) {
		const float *x = a, *y = b;
		float s = 0;
		for (int64_t k = 0; k < g->k; k++, pa += g->a_col, pb += g->b_row)
			s = fmaf(x[pa], y[pb], s);
		acc->f = s;
	} else if (kind == ACCUM_F32) {
		const float *x = a, *y = b;
		for (int64_t k = 0; k < g->k; k++, pa += g->a_col, pb += g->b_row)
			acc->f += (double)x[pa] * (double)y[pb];
	} else if (kind == ACCUM_F64) {
		const double *x = a, *y = b;
		for (int64_t k = 0; k < g->k; k++, pa += g->a_col, pb += g->b_row)
			acc->f += x[pa] * y[pb];
	} else {
		const int64_t *x = a, *y = b;
		for (int64_t k = 0; k < g->k; k++, pa += g->a_col, pb += g->b_row)
			acc->i += (uint64_t)x[pa] * (uint64_t)y[pb];
	}
}

static int check_kinds(struct ir_module *m, const struct ir_op *op,
		       const struct ir_tensor *const *list, int n, const struct ir_tensor *y,
		       enum accum_kind *kind)
{
	if (!list[0] || !list[1])
		return ir_op_error(m, op, "missing operand");
	if (!accum_kind_of(&y->type, kind) || !accum_all(*kind, list, n))
		return ir_op_error(m, op, "operands and result must have one numeric element type");
	return 0;
}

/* The batch dims of a matrix operand (all but the last two, none for 1-D). */
static struct ir_type batch_type(const struct ir_type *t)
{
	struct ir_type b = *t;
	b.rank = t->rank >= 2 ? (uint8_t)(t->rank - 2) : 0;
	return b;
}

/* Checks y's type against matmul(a, b) and fills g, yb (y's batch dims). */
static int matmul_shape(struct ir_module *m, const struct ir_op *op, const struct ir_type *a,
			const struct ir_type *b, const struct ir_type *y, struct matmul *g,
			struct ir_type *yb)
{
	if (a->rank < 1 || b->rank < 1)
		return ir_op_error(m, op, "operands must have rank >= 1");
	g->m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
	g->k = a->dims[a->rank - 1];
	g->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
	int64_t kb = b->dims[b->rank >= 2 ? b->rank - 2 : 0];
	if (kb != g->k)
		return ir_op_error(m, op, "inner dimensions differ (%lld and %lld)", (long long)g->k,
				   (long long)kb);
	struct ir_type ab = batch_type(a), bb = batch_type(b);
	int rank = ab.rank > bb.rank ? ab.rank : bb.rank;
	int yr = rank + (a->rank >= 2) + (b->rank >= 2);
	if (y->rank != yr)
		return ir_op_error(m, op, "result rank %d, expected %d", y->rank, yr);
	*yb = *y;
	yb->rank = (uint8_t)rank;
	for (int d = 0; d < rank; d++) {
		int da = d - (rank - ab.rank), db = d - (rank - bb.rank);
		int64_t ea = da >= 0 ? ab.dims[da] : 1, eb = db >= 0 ? bb.dims[db] : 1;
		if ((ea != 1 && ea != y->dims[d]) || (eb != 1 && eb != y->dims[d]) ||
		    (ea == 1 && eb == 1 && y->dims[d] != 1))
			return ir_op_error(m, op, "batch dimensions do not broadcast to the result's");
	}
	if ((a->rank >= 2 && y->dims[rank] != g->m) || (b->rank >= 2 && y->dims[yr - 1] != g->n))
		return ir_op_error(m, op, "result matrix dimensions differ from the operands'");
	g->a_row = g->k;
	g->a_col = 1;
	g->b_row = g->n;
	g->b_col = 1;
	return 0;
}

/* MatMul: Y = A @ B with numpy broadcasting of the batch dims. */
int interp_MatMul(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		  struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	struct ir_tensor *y = out[0];
	struct matmul g;
	struct ir_type yb;
	enum accum_kind kind;
	if (check_kinds(m, op, in, 2, y, &kind) < 0 ||
	    matmul_shape(m, op, &in[0]->type, &in[1]->type, &y->type, &g, &yb) < 0)
		return -1;
	struct ir_type ab = batch_type(&in[0]->type), bb = batch_type(&in[1]->type);
	const struct ir_type *types[2] = {&ab, &bb};
	bool fma = op->sums == IR_SUMS_F32_FMA;
	struct ir_bcast it;
	int64_t nbatch = ir_type_numel(&yb);
	ir_bcast_init(&it, &yb, 2, types);
	for (int64_t t = 0; t < nbatch; t++, ir_bcast_next(&it)) {
		int64_t a0 = it.pos[0] * g.m * g.k, b0 = it.pos[1] * g.k * g.n;
		int64_t y0 = t * g.m * g.n;
		for (int64_t i = 0; i < g.m; i++) {
			for (int64_t j = 0; j < g.n; j++) {
				union accum acc = {0};
				dot(kind, fma, &g, in[0]->data, a0, in[1]->data, b0, i, j, &acc);
				accum_store(kind, y, y0 + i * g.n + j, &acc);
			}
		}
	}
	return 0;
}

/* Checks Gemm's operand shapes against Y [M, N] and fills g. */
static int gemm_shape(struct ir_module *m, const struct ir_op *op, const struct ir_type *a,
		      const struct ir_type *b, const struct ir_type *c, const struct ir_type *y,
		      struct matmul *g)
{
	bool ta = ir_attr_int(op, "transA", 0) != 0, tb = ir_attr_int(op, "transB", 0) != 0;
	if (a->rank != 2 || b->rank != 2 || y->rank != 2)
		return ir_op_error(m, op, "A, B and Y must be 2-D");
	g->m = a->dims[ta ? 1 : 0];
	g->k = a->dims[ta ? 0 : 1];
	g->n = b->dims[tb ? 0 : 1];
	if (b->dims[tb ? 1 : 0] != g->k)
		return ir_op_error(m, op, "inner dimensions differ");
	if (y->dims[0] != g->m || y->dims[1] != g->n)
		return ir_op_error(m, op, "result shape differs from [%lld,%lld]", (long long)g->m,
				   (long long)g->n);
	if (c) {
		bool ok = c->rank <= 2;
		for (int d = 0; ok && d < c->rank; d++) {
			int64_t want = y->dims[2 - c->rank + d];
			ok = c->dims[d] == 1 || c->dims[d] == want;
		}
		if (!ok)
			return ir_op_error(m, op, "C does not broadcast to [%lld,%lld]",
					   (long long)g->m, (long long)g->n);
	}
	g->a_row = ta ? 1 : a->dims[1];
	g->a_col = ta ? a->dims[1] : 1;
	g->b_row = tb ? 1 : b->dims[1];
	g->b_col = tb ? b->dims[1] : 1;
	return 0;
}

/* acc = alpha * acc + beta * c, in the accumulation's arithmetic. */
static void gemm_scale(enum accum_kind kind, double alpha, double beta, const union accum *c,
		       union accum *acc)
{
	if (kind == ACCUM_INT) {
		/* truncated as the float attributes are when converted to T */
		uint64_t ai = (uint64_t)(int64_t)alpha, bi = (uint64_t)(int64_t)beta;
		acc->i = ai * acc->i + (c ? bi * c->i : 0);
	} else {
		acc->f = alpha * acc->f + (c ? beta * c->f : 0.0);
	}
}

/* Gemm: Y = alpha * A' * B' + beta * C. */
int interp_Gemm(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *list[3] = {in[0], in[1], interp_operand(op, in, 2)};
	const struct ir_tensor *c = list[2];
	struct ir_tensor *y = out[0];
	struct matmul g;
	enum accum_kind kind;
	double alpha = ir_attr_float(op, "alpha", 1.0), beta = ir_attr_float(op, "beta", 1.0);
	if (check_kinds(m, op, list, 3, y, &kind) < 0 ||
	    gemm_shape(m, op, &in[0]->type, &in[1]->type, c ? &c->type : NULL, &y->type, &g) < 0)
		return -1;
	if (kind == ACCUM_INT && !(alpha > -9.2e18 && alpha < 9.2e18 && beta > -9.2e18 && beta < 9.2e18))
		return ir_op_error(m, op, "alpha or beta out of range for an integer Gemm");
	struct ir_bcast it;
	const struct ir_type *ct[1] = {c ? &c->type : NULL};
	if (c)
		ir_bcast_init(&it, &y->type, 1, ct);
	for (int64_t i = 0; i < g.m; i++) {
		for (int64_t j = 0; j < g.n; j++) {
			union accum acc = {0}, cv;
			dot(kind, false, &g, in[0]->data, 0, in[1]->data, 0, i, j, &acc);
			if (c) {
				accum_load(kind, c, it.pos[0], &cv);
				ir_bcast_next(&it);
			}
			gemm_scale(kind, alpha, beta, c ? &cv : NULL, &acc);
			accum_store(kind, y, i * g.n + j, &acc);
		}
	}
	return 0;
}
