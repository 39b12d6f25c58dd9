/* k_xnor.c: the integer MatMul of bipolar matrices (every element -1 or
 * +1) by XNOR and popcount.
 *
 * With bit 1 standing for -1 and bit 0 for +1, a product a * b is +1 when
 * the bits agree and -1 when they differ, so
 *
 *   sum_k a_k * b_kj = K - 2 * popcount(bits(a) XOR bits(b_j)).
 *
 * B is known: its columns are packed at compile time into 64-bit words,
 * table [word][column] (columns padded to whole vectors with 0 bits, words
 * past K padded with 0 bits). Each row of A is packed at run time: 64
 * activations compared with 0 at a time (the sign bits; one vpmovb2m with
 * AVX-512 BW), the last partial word byte by byte, into a stack array of
 * words whose padding is 0, so the padding of A and B agrees and counts
 * nothing. Then per vector of V columns (V i64 lanes), the XORs of each
 * word of A with the table's word row are popcounted (vpopcntq where the
 * target has it) and summed. Exact integer arithmetic: the interpreter's
 * sums, so the results are bit-identical to the byte kernels.
 *
 * A must be provably bipolar: the result of a 1-bit signed Quantize (the
 * QONNX BipolarQuant), or of a MultiThreshold with one threshold per
 * channel mapping to -1 and +1. Applies on targets with a wide vector unit
 * (AVX2; the byte kernels otherwise), for A and B without batch dims, A
 * row-major in memory.
 */
#include "k_linalg.h"

#include <stdlib.h>
#include <string.h>

#include "k_dot.h"

struct xn {
	const struct kl_xnor_desc *d;
	int64_t words, width;   /* 64-bit words per column; columns padded */
	int lanes;              /* i64 lanes per vector */
	LLVMTypeRef vty;        /* <lanes x i64> */
	LLVMValueRef table;     /* i64 [words][width] */
	LLVMValueRef abits;     /* i64 [words] on the stack */
};

static const struct ir_op *producer(struct ir_module *m, int v)
{
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (!op->dead && op->nresults > 0 && op->results[0] == v)
			return op;
	}
	return NULL;
}

/* Whether every element of value a is -1 or +1, from how it was made. */
static bool bipolar_result(struct cg *g, int a)
{
	const struct ir_op *op = producer(g->m, a);
	if (!op)
		return false;
	if (op->code == IR_OP_Quantize)
		return ir_attr_int(op, "bits", 0) == 1 && ir_attr_int(op, "signed", 0) == 1;
	if (op->code != IR_OP_MultiThreshold || op->noperands < 2)
		return false;
	const struct ir_type *tt = ir_operand_type(g->m, op, 1);
	int64_t bias = ir_attr_int(op, "out_bias", 0), step = ir_attr_int(op, "out_step", 1);
	return tt && tt->rank == 2 && tt->dims[1] == 1 &&
	       ((bias == -1 && step == 2) || (bias == 1 && step == -2));
}

static bool bipolar_data(const int64_t *b, int64_t n)
{
	for (int64_t i = 0; i < n; i++)
		if (b[i] != 1 && b[i] != -1)
			return false;
	return true;
}

/* The packed columns of B as a private constant global. */
static LLVMValueRef make_table(struct cg *g, const struct xn *s)
{
	const struct kl_xnor_desc *d = s->d;
	size_t n = (size_t)(s->words * s->width);
	uint64_t *bits = calloc(n, sizeof *bits);
	if (!bits)
		abort();
	for (int64_t k = 0; k < d->k; k++)
		for (int64_t j = 0; j < d->n; j++)
			if (d->bdata[k * d->b_row + j * d->b_col] < 0)
				bits[(k / 64) * s->width + j] |= (uint64_t)1 << (k % 64);
	LLVMValueRef gv = cg_const_int_array(g, g->t_i64, (const int64_t *)bits, n, "xnor_columns");
	free(bits);
	return gv;
}

static LLVMValueRef i8_at(struct cg *g, LLVMValueRef base, LLVMValueRef at)
{
	return LLVMBuildInBoundsGEP2(g->b, g->t_i8, base, &at, 1, "");
}

static LLVMValueRef word_at(struct cg *g, LLVMValueRef base, LLVMValueRef at)
{
	return LLVMBuildInBoundsGEP2(g->b, g->t_i64, base, &at, 1, "");
}

/* abits[] = the sign bits of row `row` of A (bit 1 where a = -1). */
static void pack_row(struct cg *g, const struct xn *s, LLVMValueRef row)
{
	const struct kl_xnor_desc *d = s->d;
	LLVMValueRef a0 = kl_imul(g, row, d->k), base = cg_base(g, d->a);
	LLVMTypeRef v64 = LLVMVectorType(g->t_i8, 64);
	int64_t full = d->k / 64;
	if (full > 0) {
		struct kl_for f;
		LLVMValueRef w = kl_for_begin(g, &f, full, "w");
		LLVMValueRef bytes = LLVMBuildLoad2(g->b, v64, i8_at(g, base, kl_iadd(g, a0, kl_imul(g, w, 64))), "");
		LLVMSetAlignment(bytes, 1);
		LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, bytes, LLVMConstNull(v64), "");
		LLVMBuildStore(g->b, LLVMBuildBitCast(g->b, neg, g->t_i64, ""), word_at(g, s->abits, w));
		kl_for_end(g, &f);
	}
	if (d->k % 64 == 0)
		return;
	LLVMValueRef word = cg_i64(g, 0);
	for (int64_t k = full * 64; k < d->k; k++) {
		LLVMValueRef a = LLVMBuildLoad2(g->b, g->t_i8, i8_at(g, base, kl_iaddc(g, a0, k)), "");
		LLVMValueRef neg = LLVMBuildZExt(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, a,
								     cg_const_int(g->t_i8, 0), ""),
						 g->t_i64, "");
		word = LLVMBuildOr(g->b, word, LLVMBuildShl(g->b, neg, cg_i64(g, k % 64), ""), "");
	}
	LLVMBuildStore(g->b, word, word_at(g, s->abits, cg_i64(g, full)));
}

/* popcount of a vector of i64 */
static LLVMValueRef ctpop(struct cg *g, const struct xn *s, LLVMValueRef v)
{
	unsigned id = LLVMLookupIntrinsicID("llvm.ctpop", strlen("llvm.ctpop"));
	LLVMTypeRef ty = s->vty;
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &ty, 1);
	return LLVMBuildCall2(g->b, LLVMIntrinsicGetType(g->ctx, id, &ty, 1), fn, &v, 1, "");
}

/* The differing bits of the row in abits and columns j0 .. j0 + lanes. */
static LLVMValueRef differing(struct cg *g, const struct xn *s, LLVMValueRef j0)
{
	LLVMValueRef acc = cg_alloca(g, s->vty, "pop");
	LLVMBuildStore(g->b, LLVMConstNull(s->vty), acc);
	struct kl_for f;
	LLVMValueRef w = kl_for_begin(g, &f, s->words, "word");
	LLVMValueRef a = cg_splat(g, LLVMBuildLoad2(g->b, g->t_i64, word_at(g, s->abits, w), ""),
				  s->lanes);
	LLVMValueRef b = LLVMBuildLoad2(g->b, s->vty,
					word_at(g, s->table, kl_iadd(g, kl_imul(g, w, s->width), j0)), "");
	LLVMSetAlignment(b, 8);
	LLVMValueRef sum = LLVMBuildAdd(g->b, LLVMBuildLoad2(g->b, s->vty, acc, ""),
					ctpop(g, s, LLVMBuildXor(g->b, a, b, "")), "");
	LLVMBuildStore(g->b, sum, acc);
	kl_for_end(g, &f);
	return LLVMBuildLoad2(g->b, s->vty, acc, "");
}

/* Y[row, j0 .. j0 + lanes) = K - 2 * differing bits; only the first
 * `valid` lanes stored when valid < lanes. */
static void columns(struct cg *g, const struct xn *s, LLVMValueRef row, LLVMValueRef j0, int valid)
{
	const struct kl_xnor_desc *d = s->d;
	LLVMValueRef kv = cg_splat(g, cg_i64(g, d->k), s->lanes);
	LLVMValueRef twice = LLVMBuildShl(g->b, differing(g, s, j0), cg_splat(g, cg_i64(g, 1), s->lanes), "");
	LLVMValueRef v32 = LLVMBuildTrunc(g->b, LLVMBuildSub(g->b, kv, twice, ""),
					  LLVMVectorType(g->t_i32, (unsigned)s->lanes), "");
	const struct ir_type *yt = &g->m->values[d->y].type;
	LLVMValueRef y = kd_convert_i32_vec(g, v32, s->lanes, yt);
	LLVMTypeRef mt = cg_mem_type(g, yt);
	LLVMValueRef y0 = kl_iadd(g, kl_imul(g, row, d->n), j0), ybase = cg_base(g, d->y);
	if (valid == s->lanes) {
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, ybase, &y0, 1, "");
		LLVMSetAlignment(LLVMBuildStore(g->b, y, p), LLVMGetIntTypeWidth(mt) / 8);
		return;
	}
	for (int l = 0; l < valid; l++) {
		LLVMValueRef at = kl_iaddc(g, y0, l);
		LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, ybase, &at, 1, "");
		LLVMBuildStore(g->b, LLVMBuildExtractElement(g->b, y, cg_i32(g, l), ""), p);
	}
}

int kl_matmul_xnor(struct cg *g, const struct ir_op *op, const struct kl_xnor_desc *d)
{
	const struct ir_type *at = &g->m->values[d->a].type, *yt = &g->m->values[d->y].type;
	if (!cg_has_feature(g, "avx2") || at->elem != IR_ELEM_INT || at->bits > 8 ||
	    yt->elem != IR_ELEM_INT || !d->bdata || d->k < 1 || d->n < 1 || d->m < 1 ||
	    d->k > (1 << 24) || !bipolar_result(g, d->a) ||
	    !bipolar_data(d->bdata, ir_type_numel(&g->m->values[d->b].type)))
		return 1;
	struct xn s = {.d = d};
	s.lanes = cg_has_feature(g, "avx512f") ? 8 : 4;
	s.vty = LLVMVectorType(g->t_i64, (unsigned)s.lanes);
	s.words = (d->k + 63) / 64;
	s.width = (d->n + s.lanes - 1) / s.lanes * s.lanes;
	kd_note(g, op, cg_has_feature(g, "avx512vpopcntdq") ? "xnor-vpopcntq" : "xnor-popcount",
		"bipolar A and B: XNOR of 64-bit words and popcount");
	if (!cg_base(g, d->a) || !cg_base(g, d->y))
		return -1;
	s.table = make_table(g, &s);
	s.abits = cg_alloca(g, LLVMArrayType2(g->t_i64, (uint64_t)s.words), "abits");
	LLVMSetAlignment(s.abits, 64);
	struct kl_for f;
	LLVMValueRef row = kl_for_begin(g, &f, d->m, "row");
	pack_row(g, &s, row);
	int64_t full = d->n / s.lanes;
	if (full > 0) {
		struct kl_for fb;
		LLVMValueRef j0 = kl_imul(g, kl_for_begin(g, &fb, full, "cols"), s.lanes);
		columns(g, &s, row, j0, s.lanes);
		kl_for_end(g, &fb);
	}
	if (d->n % s.lanes)
		columns(g, &s, row, cg_i64(g, full * s.lanes), (int)(d->n % s.lanes));
	kl_for_end(g, &f);
	return 0;
}
