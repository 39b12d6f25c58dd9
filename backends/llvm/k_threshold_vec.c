/* k_threshold_vec.c: MultiThreshold vectorized over channels, for the
 * common case the lower-integer pass produces after an integer MatMul or
 * channels-last Conv: the channels are the last, contiguous axis.
 *
 * q = out_bias + out_step * #{k : x >= T[c][k]}, as k_quant_qdq.c's scalar
 * kernel, but for a vector of V consecutive channels at once: the
 * thresholds are stored transposed, T'[k][c] as i32, so one load gives
 * threshold k of V channels, and the count is the sum of V-wide compares
 * over k. No binary search and no branch per element.
 *
 * Applies when the target has a vector unit (k_dot.h), the thresholds and
 * descending flags are known and none is descending, the channel count is
 * a multiple of V (16 with AVX-512, else 8), x fits in 31 bits (so that
 * clamping a threshold into i32 changes no comparison), and
 * |out_bias| + |out_step| * K stays below 2^31 (the count arithmetic is
 * i32). Otherwise the scalar kernel runs.
 */
#include "k_threshold_vec.h"

#include "k_dot.h"
#include "k_linalg.h"

#include <stdlib.h>

struct tv {
	int x, y;
	int64_t c, k, positions; /* channels, thresholds per channel, x / c */
	int lanes;
	int64_t bias, step;
	LLVMTypeRef vi32;        /* <lanes x i32> */
	LLVMValueRef table;      /* i32 [k][c] */
};

bool kq_none_descending(struct ir_module *m, const struct ir_op *op, int64_t rows)
{
	if (op->noperands <= 4 || op->operands[4] == IR_NONE)
		return true;
	const int64_t *d = ir_known_data(m, op->operands[4]);
	if (!d || ir_type_numel(&m->values[op->operands[4]].type) < rows)
		return false;
	for (int64_t r = 0; r < rows; r++)
		if (d[r])
			return false;
	return true;
}

bool kq_rows_ascending(const int64_t *th, int64_t rows, int64_t k)
{
	for (int64_t r = 0; r < rows; r++)
		for (int64_t j = 1; j < k; j++)
			if (th[r * k + j] < th[r * k + j - 1])
				return false;
	return true;
}

const int64_t *kq_plain_thresholds(struct ir_module *m, const struct ir_op *op,
				   const struct ir_type **tt)
{
	const struct ir_type *xt = &m->values[op->operands[0]].type;
	const struct ir_type *yt = &m->values[op->results[0]].type;
	*tt = ir_operand_type(m, op, 1);
	const int64_t *th = *tt ? ir_known_data(m, op->operands[1]) : NULL;
	if (xt->elem != IR_ELEM_INT || yt->elem != IR_ELEM_INT || xt->rank < 1 || !th ||
	    (*tt)->rank != 2 || (*tt)->elem != IR_ELEM_INT || xt->bits > (xt->is_signed ? 31 : 30))
		return NULL;
	int axis = (int)ir_attr_int(op, "axis", 1);
	axis += axis < 0 ? xt->rank : 0;
	int64_t rows = (*tt)->dims[0];
	if ((rows != 1 && (axis != xt->rank - 1 || rows != xt->dims[xt->rank - 1])) || rows < 1 ||
	    (*tt)->dims[1] < 1 || !kq_none_descending(m, op, rows))
		return NULL;
	return th;
}

static int64_t clamp_i32(int64_t v)
{
	return v < INT32_MIN ? INT32_MIN : v > INT32_MAX ? INT32_MAX : v;
}

LLVMValueRef kq_threshold_table_t(struct cg *g, const int64_t *th, int64_t rows, int64_t k,
				  int64_t channels, int64_t width, const char *name)
{
	size_t n = (size_t)(k * width);
	int64_t *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		abort();
	for (int64_t j = 0; j < k; j++)
		for (int64_t c = 0; c < width; c++)
			v[j * width + c] = c < channels ? clamp_i32(th[(rows == 1 ? 0 : c) * k + j])
							: INT32_MAX;
	LLVMValueRef gv = cg_const_int_array(g, g->t_i32, v, n, name);
	free(v);
	return gv;
}

/* 0 when the vector kernel applies (t filled), 1 when not. */
static int plan(struct cg *g, const struct ir_op *op, struct tv *t)
{
	t->x = op->operands[0];
	t->y = op->results[0];
	const struct ir_type *tt;
	const int64_t *th = kq_plain_thresholds(g->m, op, &tt);
	if (!kd_has_vector_unit(g) || !th)
		return 1;
	const struct ir_type *xt = &g->m->values[t->x].type;
	int64_t rows = tt->dims[0];
	t->c = xt->dims[xt->rank - 1];
	t->k = tt->dims[1];
	t->lanes = cg_has_feature(g, "avx512f") && t->c % 16 == 0 ? 16 : 8;
	t->bias = ir_attr_int(op, "out_bias", 0);
	t->step = ir_attr_int(op, "out_step", 1);
	if (t->c < 1 || t->c % t->lanes || llabs(t->bias) >= (1ll << 30) ||
	    llabs(t->step) >= (1ll << 30) ||
	    (double)llabs(t->bias) + (double)llabs(t->step) * (double)t->k >= 2147483647.0)
		return 1;
	t->positions = ir_type_numel(xt) / t->c;
	t->vi32 = LLVMVectorType(g->t_i32, (unsigned)t->lanes);
	t->table = kq_threshold_table_t(g, th, rows, t->k, t->c, t->c, "thresholds_t");
	return 0;
}

/* Loads `lanes` consecutive elements of value v from element index at. */
static LLVMValueRef load_lanes(struct cg *g, const struct tv *t, int v, LLVMValueRef at)
{
	const struct ir_type *vt = &g->m->values[v].type;
	LLVMTypeRef mt = cg_mem_type(g, vt);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, mt, cg_base(g, v), &at, 1, "");
	LLVMValueRef x = LLVMBuildLoad2(g->b, LLVMVectorType(mt, (unsigned)t->lanes), p, "");
	LLVMSetAlignment(x, LLVMGetIntTypeWidth(mt) / 8);
	if (LLVMGetIntTypeWidth(mt) == 32)
		return x;
	return vt->is_signed ? LLVMBuildSExt(g->b, x, t->vi32, "") : LLVMBuildZExt(g->b, x, t->vi32, "");
}

/* The thresholds passed by the lanes of x, channels c0..c0+lanes. */
static LLVMValueRef count_passed(struct cg *g, const struct tv *t, LLVMValueRef x,
				 LLVMValueRef c0)
{
	LLVMValueRef acc = cg_alloca(g, t->vi32, "passed");
	LLVMBuildStore(g->b, LLVMConstNull(t->vi32), acc);
	struct kl_for fk;
	LLVMValueRef k = kl_for_begin(g, &fk, t->k, "k");
	LLVMValueRef at = kl_iadd(g, kl_imul(g, k, t->c), c0);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, g->t_i32, t->table, &at, 1, "");
	LLVMValueRef th = LLVMBuildLoad2(g->b, t->vi32, p, "");
	LLVMSetAlignment(th, 4);
	LLVMValueRef ge = LLVMBuildICmp(g->b, LLVMIntSGE, x, th, "");
	LLVMValueRef n = LLVMBuildLoad2(g->b, t->vi32, acc, "");
	LLVMBuildStore(g->b, LLVMBuildAdd(g->b, n, LLVMBuildZExt(g->b, ge, t->vi32, ""), ""), acc);
	kl_for_end(g, &fk);
	return LLVMBuildLoad2(g->b, t->vi32, acc, "");
}

int kq_multithreshold_vec(struct cg *g, const struct ir_op *op)
{
	struct tv t = {0};
	if (plan(g, op, &t) != 0)
		return 1;
	if (!cg_base(g, t.x) || !cg_base(g, t.y))
		return -1;
	kd_note(g, op, "vector-compare", "channels last and contiguous, known ascending thresholds");
	const struct ir_type *yt = &g->m->values[t.y].type;
	LLVMTypeRef ymt = cg_mem_type(g, yt);
	struct kl_for fp, fb;
	LLVMValueRef pos = kl_for_begin(g, &fp, t.positions, "pos");
	LLVMValueRef c0 = kl_imul(g, kl_for_begin(g, &fb, t.c / t.lanes, "block"), t.lanes);
	LLVMValueRef at = kl_iadd(g, kl_imul(g, pos, t.c), c0);
	LLVMValueRef n = count_passed(g, &t, load_lanes(g, &t, t.x, at), c0);
	LLVMValueRef bias = cg_splat(g, cg_const_int(g->t_i32, t.bias), t.lanes);
	LLVMValueRef step = cg_splat(g, cg_const_int(g->t_i32, t.step), t.lanes);
	LLVMValueRef q = LLVMBuildAdd(g->b, bias, LLVMBuildMul(g->b, step, n, ""), "");
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, ymt, cg_base(g, t.y), &at, 1, "");
	LLVMSetAlignment(LLVMBuildStore(g->b, kd_convert_i32_vec(g, q, t.lanes, yt), p),
			 LLVMGetIntTypeWidth(ymt) / 8);
	kl_for_end(g, &fb);
	kl_for_end(g, &fp);
	return 0;
}
