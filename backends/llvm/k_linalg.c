/* k_linalg.c: MatMul and Gemm kernels (ONNX opset 21), and the registration
 * of the linalg family (Conv and ConvTranspose are in k_conv.c).
 *
 *   MatMul: numpy.matmul; batch dims (all but the last two) broadcast, a
 *           1-D A is a row [1, K], a 1-D B a column [K, 1].
 *   Gemm:   Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A, C
 *           optional and broadcast to [M, N].
 *
 * Exactly the interpreter's arithmetic (ir/interp/linalg.c): each Y[i, j]
 * is 0 plus the products A[i, k] * B[k, j] for k = 0, 1, ... in that order,
 * in double for floats (then Gemm's alpha * sum + beta * C, or + 0.0), in
 * i32/i64 for integers (alpha and beta truncated to integers). To walk B's
 * rows contiguously the loops run i, k, j with one row of accumulators per
 * i, which keeps every element's order of summation. A B known at compile
 * time is read from a table in B' order (so transB costs nothing).
 *
 * Integer MatMul with activations of at most 8 bits and a known B (with no
 * batch dims of its own) goes to the vectorized dot-product kernel of
 * k_dot.h instead, one row of A at a time; a float MatMul of matrices to
 * k_matmul_vec.c's vector form. On a target without a wide
 * vector unit, a B narrower than 8 bits that is already in row-major [K, N]
 * order is read where it is, bit-packed, rather than copied into a byte
 * table (firmware keeps 2-bit weights at 2 bits).
 */
#include "k_linalg.h"

#include <stdio.h>
#include <stdlib.h>

#include "epilogue.h"
#include "k_dot.h"

/* Y[batch][i][j] = sum_k A[a0 + i*a_row + k*a_col] * B[b0 + k*b_row + j*b_col] */
struct mm {
	const struct ir_op *op;
	int a, b, c, y;           /* value indices (c IR_NONE when absent) */
	struct kl_acc acc;
	int64_t m, n, k;
	int64_t a_row, a_col, b_row, b_col;
	struct kl_table btab;     /* B' as [batch][k][n], when B is known */
	bool has_btab;
	double alpha, beta;       /* Gemm only */
};

static int check_elements(struct cg *g, const struct ir_op *op, struct mm *p)
{
	const struct ir_type *y = &g->m->values[p->y].type;
	if (!kl_acc_for(g, y, &p->acc))
		return ir_op_error(g->m, op, "bool operands are not supported");
	kl_acc_sums(g, op, &p->acc);
	int list[3] = {p->a, p->b, p->c};
	for (int k = 0; k < 3; k++)
		if (list[k] != IR_NONE && !kl_acc_fits(&p->acc, &g->m->values[list[k]].type))
			return ir_op_error(g->m, op, "operands and result must have one numeric element type");
	return 0;
}

/* Table of B' in [batch][k][n] order, built when B is known. */
static int make_btab(struct cg *g, struct mm *p, int64_t nbatch)
{
	const struct ir_type *bt = &g->m->values[p->b].type;
	if (!kd_has_vector_unit(g) && bt->elem == IR_ELEM_INT && bt->bits < 8 && p->b_row == p->n &&
	    p->b_col == 1)
		return 0; /* read in place, bit-packed (see the top of the file) */
	int64_t per = p->k * p->n, total = nbatch * per;
	int64_t *src = malloc((size_t)(total ? total : 1) * sizeof *src);
	if (!src)
		return ir_error(g->m, "out of memory");
	for (int64_t t = 0; t < nbatch; t++)
		for (int64_t k = 0; k < p->k; k++)
			for (int64_t j = 0; j < p->n; j++)
				src[t * per + k * p->n + j] = t * per + k * p->b_row + j * p->b_col;
	p->has_btab = kl_table_make(g, &p->btab, p->b, total, src, "weights") == 0;
	free(src);
	return g->m->error[0] ? -1 : 0;
}

static LLVMValueRef load_b(struct cg *g, const struct mm *p, LLVMValueRef b0, LLVMValueRef k,
			   LLVMValueRef j)
{
	const struct ir_type *bt = &g->m->values[p->b].type;
	LLVMValueRef x;
	if (p->has_btab)
		x = kl_table_load(g, &p->btab, kl_iadd(g, b0, kl_iadd(g, kl_imul(g, k, p->n), j)));
	else
		x = cg_load(g, p->b, kl_iadd(g, b0, kl_iadd(g, kl_imul(g, k, p->b_row),
							  kl_imul(g, j, p->b_col))));
	return kl_acc_in(g, &p->acc, x, bt);
}

/* Y[y0 + i*n + j] = f(sum) for one i: the row of sums, then the stores.
 * c_idx: C's element for (i, j) via strides c_str (Gemm), NULL for MatMul. */
static void one_row(struct cg *g, const struct mm *p, const struct kl_buf *row, LLVMValueRef i,
		    LLVMValueRef a0, LLVMValueRef b0, LLVMValueRef y0, const int64_t *c_str)
{
	const struct ir_type *at = &g->m->values[p->a].type, *yt = &g->m->values[p->y].type;
	struct kl_for fj, fk;
	LLVMValueRef j = kl_for_begin(g, &fj, p->n, "j");
	kl_buf_store(g, row, j, kl_acc_zero(&p->acc));
	kl_for_end(g, &fj);

	LLVMValueRef k = kl_for_begin(g, &fk, p->k, "k");
	LLVMValueRef aidx = kl_iadd(g, a0, kl_iadd(g, kl_imul(g, i, p->a_row), kl_imul(g, k, p->a_col)));
	LLVMValueRef av = kl_acc_in(g, &p->acc, cg_load(g, p->a, aidx), at);
	j = kl_for_begin(g, &fj, p->n, "j");
	LLVMValueRef bv = load_b(g, p, b0, k, j);
	kl_buf_store(g, row, j, kl_muladd(g, &p->acc, kl_buf_load(g, row, j), av, bv));
	kl_for_end(g, &fj);
	kl_for_end(g, &fk);

	j = kl_for_begin(g, &fj, p->n, "j");
	LLVMValueRef v = kl_buf_load(g, row, j);
	if (c_str) { /* Gemm: alpha * v + (beta * C or 0) */
		LLVMValueRef cv;
		if (p->acc.kind == KL_INT) {
			v = kl_mul(g, &p->acc, v, cg_const_int(p->acc.ty, (int64_t)p->alpha));
			cv = cg_const_int(p->acc.ty, 0);
		} else {
			v = kl_mul(g, &p->acc, v, cg_const_real(p->acc.ty, p->alpha));
			cv = cg_const_real(p->acc.ty, 0.0);
		}
		if (p->c != IR_NONE) {
			LLVMValueRef cidx = kl_iadd(g, kl_imul(g, i, c_str[0]), kl_imul(g, j, c_str[1]));
			LLVMValueRef c = kl_acc_in(g, &p->acc, cg_load(g, p->c, cidx),
						   &g->m->values[p->c].type);
			LLVMValueRef beta = p->acc.kind == KL_INT
						    ? cg_const_int(p->acc.ty, (int64_t)p->beta)
						    : cg_const_real(p->acc.ty, p->beta);
			cv = kl_mul(g, &p->acc, beta, c);
		}
		v = kl_add(g, &p->acc, v, cv);
	}
	cg_store(g, p->y, kl_iadd(g, y0, kl_iadd(g, kl_imul(g, i, p->n), j)),
		 kl_acc_out(g, &p->acc, v, yt));
	kl_for_end(g, &fj);
}

/* The batch dims of a matrix operand (all but the last two, none for 1-D). */
static struct ir_type batch_type(const struct ir_type *t)
{
	struct ir_type b = *t;
	b.rank = t->rank >= 2 ? (uint8_t)(t->rank - 2) : 0;
	return b;
}

static int matmul_shape(struct cg *g, const struct ir_op *op, struct mm *p, struct ir_type *yb)
{
	const struct ir_type *a = &g->m->values[p->a].type, *b = &g->m->values[p->b].type;
	const struct ir_type *y = &g->m->values[p->y].type;
	if (a->rank < 1 || b->rank < 1)
		return ir_op_error(g->m, op, "operands must have rank >= 1");
	p->m = a->rank >= 2 ? a->dims[a->rank - 2] : 1;
	p->k = a->dims[a->rank - 1];
	p->n = b->rank >= 2 ? b->dims[b->rank - 1] : 1;
	if (b->dims[b->rank >= 2 ? b->rank - 2 : 0] != p->k)
		return ir_op_error(g->m, op, "inner dimensions differ");
	struct ir_type ab = batch_type(a), bb = batch_type(b);
	int rank = ab.rank > bb.rank ? ab.rank : bb.rank;
	int yr = rank + (a->rank >= 2) + (b->rank >= 2);
	if (y->rank != yr)
		return ir_op_error(g->m, op, "result rank %d, expected %d", y->rank, yr);
	*yb = *y;
	yb->rank = (uint8_t)rank;
	for (int d = 0; d < rank; d++) {
		int da = d - (rank - ab.rank), db = d - (rank - bb.rank);
		int64_t ea = da >= 0 ? ab.dims[da] : 1, eb = db >= 0 ? bb.dims[db] : 1;
		if ((ea != 1 && ea != y->dims[d]) || (eb != 1 && eb != y->dims[d]) ||
		    (ea == 1 && eb == 1 && y->dims[d] != 1))
			return ir_op_error(g->m, op, "batch dimensions do not broadcast to the result's");
	}
	if ((a->rank >= 2 && y->dims[rank] != p->m) || (b->rank >= 2 && y->dims[yr - 1] != p->n))
		return ir_op_error(g->m, op, "result matrix dimensions differ from the operands'");
	p->a_row = p->k;
	p->a_col = 1;
	p->b_row = p->n;
	p->b_col = 1;
	return 0;
}

struct bsrc {
	const int64_t *data;
	int64_t b_row, b_col;
};

static int64_t b_weight(const void *ctx, int64_t t, int64_t k, int64_t o)
{
	const struct bsrc *s = ctx;
	(void)t;
	return s->data[k * s->b_row + o * s->b_col];
}

/* The dot-product kernel for an integer A @ known B: 0 when emitted, 1
 * when it does not apply (said with -v), -1 after an error. */
static int matmul_dot(struct cg *g, const struct ir_op *op, const struct mm *p,
		      const struct ir_type *yb, const int64_t *as, const int64_t *ys)
{
	const struct ir_type *at = &g->m->values[p->a].type, *bt = &g->m->values[p->b].type;
	const char *why = "operands are not integers";
	struct kd d;
	struct bsrc src = {ir_known_data(g->m, p->b), p->b_row, p->b_col};
	if (p->acc.kind != KL_INT || p->acc.ty != g->t_i32 || bt->elem != IR_ELEM_INT)
		goto no;
	why = "B is not a compile-time matrix without batch dims";
	if (!src.data || bt->rank > 2 || ir_known_data(g->m, p->a))
		goto no;
	if (yb->rank == 0 && p->a_row == p->k && p->a_col == 1) {
		struct kl_xnor_desc xd = {p->a, p->b, p->y, p->m, p->n, p->k, p->b_row, p->b_col, src.data};
		int xr = kl_matmul_xnor(g, op, &xd);
		if (xr <= 0)
			return xr;
	}
	int rc = kd_plan(g, &d, at, 1, p->k, p->n, b_weight, &src, NULL, &why);
	if (rc != 0)
		return rc < 0 ? -1 : (kd_note(g, op, "scalar loops", why), 1);
	struct cg_epilogue epi;
	if (yb->rank == 0 && epilogue_begin(g, p->y, p->n, d.lanes, &epi) == 0)
		d.epi = &epi;
	char note[200];
	snprintf(note, sizeof note, "integer activations of at most 8 bits, known weights%s%s",
		 d.nibbles ? " of at most 4 bits stored two per byte" : "",
		 d.epi ? "; the MultiThreshold reading it fused before the store" : "");
	kd_note(g, op, kd_mode_name(d.mode), note);
	LLVMValueRef abase = cg_base(g, p->a);
	if (!abase || !cg_base(g, p->y))
		return -1;
	struct cg_nest batch;
	struct kl_for fi;
	cg_nest_begin(g, &batch, yb->rank, yb->dims);
	LLVMValueRef a0 = cg_linear(g, yb->rank, as, batch.iv);
	LLVMValueRef y0 = cg_linear(g, yb->rank, ys, batch.iv);
	LLVMValueRef i = kl_for_begin(g, &fi, p->m, "i");
	LLVMValueRef aidx = kl_iadd(g, a0, kl_imul(g, i, p->a_row));
	LLVMValueRef x = LLVMBuildInBoundsGEP2(g->b, g->t_i8, abase, &aidx, 1, "");
	LLVMValueRef acc = kd_acc_begin(g, &d);
	kd_accumulate(g, &d, acc, x, cg_i64(g, 0));
	kd_store(g, &d, acc, p->y, kl_iadd(g, y0, kl_imul(g, i, p->n)), 1);
	kl_for_end(g, &fi);
	cg_nest_end(g, &batch);
	return 0;
no:
	kd_note(g, op, "scalar loops", why);
	return 1;
}

/* MatMul: Y = A @ B, batch dims broadcast. */
static int k_matmul(struct cg *g, const struct ir_op *op)
{
	struct mm p = {.op = op, .a = op->operands[0], .b = op->operands[1], .c = IR_NONE,
		       .y = op->results[0]};
	struct ir_type yb;
	if (p.a == IR_NONE || p.b == IR_NONE)
		return ir_op_error(g->m, op, "missing operand");
	if (check_elements(g, op, &p) < 0 || matmul_shape(g, op, &p, &yb) < 0)
		return -1;
	struct ir_type ab = batch_type(&g->m->values[p.a].type);
	struct ir_type bb = batch_type(&g->m->values[p.b].type);
	int64_t as[IR_MAX_RANK], bs[IR_MAX_RANK], ys[IR_MAX_RANK];
	cg_broadcast_strides(&ab, &yb, as);
	cg_broadcast_strides(&bb, &yb, bs);
	cg_strides(&yb, ys);
	for (int d = 0; d < yb.rank; d++) {
		as[d] *= p.m * p.k;
		bs[d] *= p.k * p.n;
		ys[d] *= p.m * p.n;
	}
	if (ir_type_numel(&g->m->values[p.y].type) > 0 && p.acc.kind == KL_F32) {
		struct kl_mm_desc d = {p.a, p.b, p.y, p.m, p.n, p.k};
		int rc = kl_matmul_float_vec(g, op, &d);
		if (rc <= 0)
			return rc;
	} else if (ir_type_numel(&g->m->values[p.y].type) > 0) {
		int rc = matmul_dot(g, op, &p, &yb, as, ys);
		if (rc <= 0)
			return rc;
	}
	if (make_btab(g, &p, ir_type_numel(&bb)) < 0)
		return -1;
	if (ir_type_numel(&g->m->values[p.y].type) == 0)
		return 0;
	struct kl_buf row;
	struct cg_nest batch;
	struct kl_for fi;
	kl_buf_begin(g, &row, p.acc.ty, p.n, "row");
	cg_nest_begin(g, &batch, yb.rank, yb.dims);
	LLVMValueRef a0 = cg_linear(g, yb.rank, as, batch.iv);
	LLVMValueRef b0 = cg_linear(g, yb.rank, bs, batch.iv);
	LLVMValueRef y0 = cg_linear(g, yb.rank, ys, batch.iv);
	LLVMValueRef i = kl_for_begin(g, &fi, p.m, "i");
	one_row(g, &p, &row, i, a0, b0, y0, NULL);
	kl_for_end(g, &fi);
	cg_nest_end(g, &batch);
	kl_buf_end(g, &row);
	return 0;
}

/* Gemm's shapes and the strides of A', B' and of C broadcast to [M, N]. */
static int gemm_shape(struct cg *g, const struct ir_op *op, struct mm *p, int64_t *c_str)
{
	const struct ir_type *a = &g->m->values[p->a].type, *b = &g->m->values[p->b].type;
	const struct ir_type *y = &g->m->values[p->y].type;
	bool ta = ir_attr_int(op, "transA", 0) != 0, tb = ir_attr_int(op, "transB", 0) != 0;
	if (a->rank != 2 || b->rank != 2 || y->rank != 2)
		return ir_op_error(g->m, op, "A, B and Y must be 2-D");
	p->m = a->dims[ta ? 1 : 0];
	p->k = a->dims[ta ? 0 : 1];
	p->n = b->dims[tb ? 0 : 1];
	if (b->dims[tb ? 1 : 0] != p->k || y->dims[0] != p->m || y->dims[1] != p->n)
		return ir_op_error(g->m, op, "operand and result shapes do not match");
	p->a_row = ta ? 1 : a->dims[1];
	p->a_col = ta ? a->dims[1] : 1;
	p->b_row = tb ? 1 : b->dims[1];
	p->b_col = tb ? b->dims[1] : 1;
	c_str[0] = c_str[1] = 0;
	if (p->c == IR_NONE)
		return 0;
	const struct ir_type *c = &g->m->values[p->c].type;
	bool ok = c->rank <= 2;
	for (int d = 0; ok && d < c->rank; d++)
		ok = c->dims[d] == 1 || c->dims[d] == y->dims[2 - c->rank + d];
	if (!ok)
		return ir_op_error(g->m, op, "C does not broadcast to [%lld,%lld]", (long long)p->m,
				   (long long)p->n);
	cg_broadcast_strides(c, y, c_str);
	return 0;
}

/* Gemm: Y = alpha * A' * B' + beta * C. */
static int k_gemm(struct cg *g, const struct ir_op *op)
{
	struct mm p = {.op = op, .a = op->operands[0], .b = op->operands[1],
		       .c = op->noperands > 2 ? op->operands[2] : IR_NONE, .y = op->results[0]};
	int64_t c_str[2];
	if (p.a == IR_NONE || p.b == IR_NONE)
		return ir_op_error(g->m, op, "missing operand");
	p.alpha = ir_attr_float(op, "alpha", 1.0);
	p.beta = ir_attr_float(op, "beta", 1.0);
	if (check_elements(g, op, &p) < 0 || gemm_shape(g, op, &p, c_str) < 0)
		return -1;
	if (p.acc.kind == KL_INT && !(p.alpha > -9.2e18 && p.alpha < 9.2e18 && p.beta > -9.2e18 &&
				      p.beta < 9.2e18))
		return ir_op_error(g->m, op, "alpha or beta out of range for an integer Gemm");
	if (make_btab(g, &p, 1) < 0)
		return -1;
	if (p.m * p.n == 0)
		return 0;
	struct kl_buf row;
	struct kl_for fi;
	kl_buf_begin(g, &row, p.acc.ty, p.n, "row");
	LLVMValueRef i = kl_for_begin(g, &fi, p.m, "i");
	one_row(g, &p, &row, i, cg_i64(g, 0), cg_i64(g, 0), cg_i64(g, 0), c_str);
	kl_for_end(g, &fi);
	kl_buf_end(g, &row);
	return 0;
}

void cg_register_linalg(cg_kernel **table)
{
	table[IR_OP_MatMul] = k_matmul;
	table[IR_OP_Gemm] = k_gemm;
	table[IR_OP_Conv] = kl_conv;
	table[IR_OP_ConvTranspose] = kl_conv_transpose;
}
