/* k_threshold_search.c: MultiThreshold with many thresholds per channel
 * (an 8-bit requantization has 255) by a branchless binary search, a
 * vector of consecutive elements at a time.
 *
 * q = out_bias + out_step * #{k : x >= T[c][k]}, as k_quant_qdq.c's scalar
 * kernel. With every row non-decreasing, the thresholds an element passes
 * are a prefix of its row, and the prefix length n is found by binary
 * lifting: for step = P/2, P/4, ..., 1, n += step when x >= T[c][n + step
 * - 1]. The rows are stored as i32, padded to P entries (P the power of
 * two above K) with INT32_MAX, which no x of at most 30 bits passes, so
 * every step reads inside the row and the lifting needs no bound check.
 * Each step is one gather of V thresholds (one per lane: lanes have their
 * own channel and their own n), one compare and one masked add; no branch
 * depends on the data (a scalar search compiles to unpredictable branches).
 *
 * The elements run in order, V per vector (16 with AVX-512, else 8); lane
 * l of element e has channel e % C (channels are the last, contiguous axis
 * or there is one row). The elements a whole vector does not fill run one
 * at a time with the same search in scalar code.
 *
 * Applies on x86 with AVX2 (gathers), K at least SEARCH_MIN_K (below, the
 * compare-every-threshold form of k_threshold_vec.c is as fast), known
 * thresholds with no descending row, x of at most 30 bits (31 signed), and
 * |out_bias| + |out_step| * K below 2^31.
 */
#include "k_threshold_vec.h"

#include "k_dot.h"
#include "k_linalg.h"

#include <stdlib.h>
#include <string.h>

#define SEARCH_MIN_K 32

struct ts {
	int x, y;
	int64_t c, k, p, numel; /* channels (1 with one row), thresholds, padded row, elements */
	int lanes;
	int64_t bias, step;
	LLVMTypeRef vi32;
	LLVMValueRef table;     /* i32 [c][p] */
};

/* T[c][j] as i32 clamped (a clamp changes no comparison with a 31-bit x),
 * INT32_MAX for j >= K. */
static LLVMValueRef make_table(struct cg *g, const struct ts *t, const int64_t *th)
{
	size_t n = (size_t)(t->c * t->p);
	int64_t *v = malloc(n * sizeof *v);
	if (!v)
		abort();
	for (int64_t c = 0; c < t->c; c++)
		for (int64_t j = 0; j < t->p; j++) {
			int64_t x = j < t->k ? th[c * t->k + j] : INT32_MAX;
			v[c * t->p + j] = x < INT32_MIN ? INT32_MIN : x > INT32_MAX ? INT32_MAX : x;
		}
	LLVMValueRef gv = cg_const_int_array(g, g->t_i32, v, n, "thresholds_rows");
	free(v);
	return gv;
}

/* 0 when the search applies (t filled), 1 when not. */
static int plan(struct cg *g, const struct ir_op *op, struct ts *t)
{
	t->x = op->operands[0];
	t->y = op->results[0];
	const struct ir_type *tt;
	const int64_t *th = kq_plain_thresholds(g->m, op, &tt);
	if (!cg_has_feature(g, "avx2") || !th)
		return 1;
	const struct ir_type *xt = &g->m->values[t->x].type;
	int64_t rows = tt->dims[0];
	t->k = tt->dims[1];
	t->c = rows;
	if (t->k < SEARCH_MIN_K || t->k > (1 << 20) || !kq_rows_ascending(th, rows, t->k))
		return 1;
	t->bias = ir_attr_int(op, "out_bias", 0);
	t->step = ir_attr_int(op, "out_step", 1);
	if (llabs(t->bias) >= (1ll << 30) || llabs(t->step) >= (1ll << 30) ||
	    (double)llabs(t->bias) + (double)llabs(t->step) * (double)t->k >= 2147483647.0)
		return 1;
	for (t->p = 1; t->p <= t->k; t->p *= 2)
		;
	if (t->c * t->p >= (1ll << 30)) /* row offsets are i32 */
		return 1;
	t->numel = ir_type_numel(xt);
	t->lanes = cg_has_feature(g, "avx512f") ? 16 : 8;
	t->vi32 = LLVMVectorType(g->t_i32, (unsigned)t->lanes);
	t->table = make_table(g, t, th);
	return 0;
}

/* V thresholds at the i32 indices idx of the table. */
static LLVMValueRef gather(struct cg *g, const struct ts *t, LLVMValueRef idx)
{
	LLVMTypeRef pv = LLVMVectorType(LLVMPointerTypeInContext(g->ctx, 0), (unsigned)t->lanes);
	LLVMTypeRef over[2] = {t->vi32, pv};
	const char *name = "llvm.masked.gather";
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, over, 2);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, over, 2);
	LLVMValueRef ptrs = LLVMBuildInBoundsGEP2(g->b, g->t_i32, t->table, &idx, 1, "");
	LLVMValueRef all = cg_splat(g, LLVMConstInt(LLVMInt1TypeInContext(g->ctx), 1, 0), t->lanes);
	LLVMValueRef args[4] = {ptrs, cg_i32(g, 4), all, LLVMGetUndef(t->vi32)};
	return LLVMBuildCall2(g->b, fty, fn, args, 4, "");
}

/* The prefix length passed by x (i32 scalar or vector) in the rows starting
 * at row (same shape, i32 indices); scalar when vector is false. */
static LLVMValueRef lift(struct cg *g, const struct ts *t, LLVMValueRef x, LLVMValueRef row,
			 bool vector)
{
	LLVMValueRef n = vector ? LLVMConstNull(t->vi32) : cg_i32(g, 0);
	for (int64_t step = t->p / 2; step >= 1; step /= 2) {
		LLVMValueRef s = cg_i32(g, step), s1 = cg_i32(g, step - 1), zero = cg_i32(g, 0);
		if (vector) {
			s = cg_splat(g, s, t->lanes);
			s1 = cg_splat(g, s1, t->lanes);
			zero = LLVMConstNull(t->vi32);
		}
		LLVMValueRef idx = LLVMBuildAdd(g->b, LLVMBuildAdd(g->b, row, n, ""), s1, "");
		LLVMValueRef th;
		if (vector) {
			th = gather(g, t, idx);
		} else {
			LLVMValueRef i64 = LLVMBuildZExt(g->b, idx, g->t_i64, "");
			LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_i32, t->table, &i64, 1, "");
			th = LLVMBuildLoad2(g->b, g->t_i32, p, "");
		}
		LLVMValueRef ge = LLVMBuildICmp(g->b, LLVMIntSGE, x, th, "");
		n = LLVMBuildAdd(g->b, n, LLVMBuildSelect(g->b, ge, s, zero, ""), "");
	}
	return n;
}

/* bias + step * n, converted to the result's type. */
static LLVMValueRef result(struct cg *g, const struct ts *t, LLVMValueRef n, bool vector)
{
	LLVMValueRef bias = cg_i32(g, t->bias), step = cg_i32(g, t->step);
	if (vector) {
		bias = cg_splat(g, bias, t->lanes);
		step = cg_splat(g, step, t->lanes);
	}
	return LLVMBuildAdd(g->b, bias, LLVMBuildMul(g->b, step, n, ""), "");
}

/* Element at of x as an i32 (x has at most 31 bits). */
static LLVMValueRef load_x(struct cg *g, const struct ts *t, LLVMValueRef at, bool vector)
{
	const struct ir_type *xt = &g->m->values[t->x].type;
	LLVMTypeRef mt = cg_mem_type(g, xt);
	LLVMTypeRef ty = vector ? LLVMVectorType(mt, (unsigned)t->lanes) : mt;
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, cg_base(g, t->x), &at, 1, "");
	LLVMValueRef x = LLVMBuildLoad2(g->b, ty, p, "");
	LLVMSetAlignment(x, LLVMGetIntTypeWidth(mt) / 8);
	LLVMTypeRef to = vector ? t->vi32 : g->t_i32;
	unsigned w = LLVMGetIntTypeWidth(mt);
	if (w == 32)
		return x;
	if (w > 32)
		return LLVMBuildTrunc(g->b, x, to, "");
	return xt->is_signed ? LLVMBuildSExt(g->b, x, to, "") : LLVMBuildZExt(g->b, x, to, "");
}

/* The whole vectors: row offsets per lane carried from vector to vector. */
static void vectors(struct cg *g, const struct ts *t, int64_t full)
{
	const struct ir_type *yt = &g->m->values[t->y].type;
	LLVMTypeRef ymt = cg_mem_type(g, yt);
	LLVMValueRef start[16];
	for (int l = 0; l < t->lanes; l++)
		start[l] = cg_i32(g, (l % t->c) * t->p);
	LLVMValueRef rows = cg_alloca(g, t->vi32, "rows");
	LLVMBuildStore(g->b, LLVMConstVector(start, (unsigned)t->lanes), rows);
	LLVMValueRef inc = cg_splat(g, cg_i32(g, (t->lanes % t->c) * t->p), t->lanes);
	LLVMValueRef wrap = cg_splat(g, cg_i32(g, t->c * t->p), t->lanes);
	struct kl_for f;
	LLVMValueRef at = kl_imul(g, kl_for_begin(g, &f, full, "vec"), t->lanes);
	LLVMValueRef row = LLVMBuildLoad2(g->b, t->vi32, rows, "");
	LLVMValueRef q = result(g, t, lift(g, t, load_x(g, t, at, true), row, true), true);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, ymt, cg_base(g, t->y), &at, 1, "");
	LLVMSetAlignment(LLVMBuildStore(g->b, kd_convert_i32_vec(g, q, t->lanes, yt), p),
			 LLVMGetIntTypeWidth(ymt) / 8);
	LLVMValueRef next = LLVMBuildAdd(g->b, row, inc, "");
	LLVMValueRef over = LLVMBuildICmp(g->b, LLVMIntSGE, next, wrap, "");
	next = LLVMBuildSelect(g->b, over, LLVMBuildSub(g->b, next, wrap, ""), next, "");
	LLVMBuildStore(g->b, next, rows);
	kl_for_end(g, &f);
}

/* Elements [from, numel) one at a time. */
static void singles(struct cg *g, const struct ts *t, int64_t from)
{
	static const struct ir_type i32 = {.elem = IR_ELEM_INT, .bits = 32, .is_signed = true};
	if (from >= t->numel)
		return;
	struct kl_for f;
	LLVMValueRef at = kl_iaddc(g, kl_for_begin(g, &f, t->numel - from, "e"), from);
	LLVMValueRef c = LLVMBuildURem(g->b, at, cg_i64(g, t->c), "");
	LLVMValueRef row = LLVMBuildTrunc(g->b, kl_imul(g, c, t->p), g->t_i32, "");
	LLVMValueRef q = result(g, t, lift(g, t, load_x(g, t, at, false), row, false), false);
	cg_store(g, t->y, at, cg_convert(g, q, &i32, &g->m->values[t->y].type));
	kl_for_end(g, &f);
}

int kq_multithreshold_search(struct cg *g, const struct ir_op *op)
{
	struct ts t = {0};
	if (plan(g, op, &t) != 0)
		return 1;
	if (!cg_base(g, t.x) || !cg_base(g, t.y))
		return -1;
	kd_note(g, op, t.lanes == 16 ? "vector-search-x16" : "vector-search-x8",
		"many known ascending thresholds: branchless binary search, gathers over elements");
	int64_t full = t.numel / t.lanes;
	if (full > 0)
		vectors(g, &t, full);
	singles(g, &t, full * t.lanes);
	return 0;
}
