/* lower_sink.c: moving Dequantize downstream (a step of lower-integer, see
 * lower_integer.c), so that the ops it passes compute on integers.
 *
 * Each row of `rules` says when an op f can take the integers q of its
 * Dequantize'd operand: f(Dequantize(q), ...) == Dequantize(f(q, ...)), with
 * the integer op's result typed by shape inference (the same quantization as
 * q, or for MatMul an accumulator):
 *   movement  Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity:
 *             they only copy elements; a per-channel quantization follows
 *             its channels to their axis in the result (shape inference,
 *             ir/shape/reshape.c; refused where the channels do not stay
 *             one axis). Slice, Expand, Tile, DepthToSpace, SpaceToDepth:
 *             any q quantized per tensor.
 *   Resize    nearest (copies elements; not tf_crop_and_resize, which
 *             invents an extrapolation value), q per tensor.
 *   Pad       q per tensor; mode constant needs the padding value c to be a
 *             grid value: c = s * (k - z) with k an integer q's type holds,
 *             and pads with k; edge and reflect copy elements.
 *   Relu      every scale > 0 and zero point 0 (per tensor or along any
 *             axis): s * max(q, 0) = max(s * q, 0).
 *   MaxPool, GlobalMaxPool: x -> s * (x - z) is increasing for s > 0, so the
 *             largest element is the same; per tensor, or per channel along
 *             the pool's channel axis with every scale > 0. (Padding is
 *             never chosen by MaxPool.)
 *   Concat    every operand a Dequantize of one and the same type (element
 *             type and quantization, per tensor): a concatenation of q's.
 *   MatMul    MatMul(Dequantize(a), Dequantize(b)) with a per tensor, b per
 *             tensor or per column, zero points 0: sum_k sa*a * sb*b =
 *             sa*sb * sum_k a*b, the integer MatMul's accumulator type
 *             carries the scale sa*sb (ir/shape/linalg.c).
 *   Transpose of a constant quantized per channel: transposed now, the quant
 *             axis following the permutation.
 * The Dequantize left behind dies when nothing else uses it.
 */
#include "cleanup.h"
#include "ir/quant.h"
#include "lower_integer.h"

#include <math.h>
#include <string.h>

enum { MAX_OPERANDS = 64 };

static bool per_tensor(const struct ir_quant *q)
{
	return q->n == 1;
}

static bool positive_zero_free(const struct ir_quant *q)
{
	for (int64_t c = 0; c < q->n; c++)
		if (!(q->scale[c] > 0) || q->zero_point[c])
			return false;
	return true;
}

/* Every scale > 0, and per tensor or along the op's channel axis. */
static bool positive_channels(const struct ir_op *op, const struct ir_type *t)
{
	const struct ir_quant *q = t->quant;
	int axis = op->layout == IR_LAYOUT_NHWC ? t->rank - 1 : 1;
	for (int64_t c = 0; c < q->n; c++)
		if (!(q->scale[c] > 0))
			return false;
	return q->n == 1 || q->axis == axis;
}

/* ---- the rules: each gets op o, its first operand's integers q, and the
 * operands to build with (operands[0] already q); returns 1 when done, 0
 * when the op does not qualify, -1 after an error ---- */

typedef int rule_fn(struct ir_module *m, int o, int q, int *operands);

/* The integer op: a clone of o on its first count operands, then
 * Dequantize. */
static int rebuild_n(struct ir_module *m, int o, int count, int *operands)
{
	int n = li_clone(m, o, count, operands);
	if (n < 0)
		return n == LI_REJECTED ? 0 : -1;
	return li_finish(m, o, n);
}

static int rebuild(struct ir_module *m, int o, int *operands)
{
	return rebuild_n(m, o, m->ops[o].noperands, operands);
}

static int movement(struct ir_module *m, int o, int q, int *operands)
{
	return per_tensor(m->values[q].type.quant) ? rebuild(m, o, operands) : 0;
}

/* Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity: shape
 * inference moves a per-channel quantization's axis along with the channels
 * or rejects the op (ir/shape/reshape.c). */
static int reshaping(struct ir_module *m, int o, int q, int *operands)
{
	(void)q;
	return rebuild(m, o, operands);
}

static int resize(struct ir_module *m, int o, int q, int *operands)
{
	const struct ir_op *op = &m->ops[o];
	if (strcmp(ir_attr_string(op, "mode", "nearest"), "nearest") ||
	    !strcmp(ir_attr_string(op, "coordinate_transformation_mode", ""), "tf_crop_and_resize"))
		return 0;
	return movement(m, o, q, operands);
}

/* The integer k with s * (k - z) == c exactly, within t's range. */
static bool grid_value(const struct ir_type *t, double c, int64_t *k)
{
	const struct ir_quant *qt = t->quant;
	double s = qt->scale[0], r = c / s;
	int64_t lo, hi;
	ir_int_range(t, &lo, &hi);
	if (!(fabs(r) < 0x1p52) || r != floor(r) || r * s != c)
		return false;
	*k = (int64_t)r + qt->zero_point[0];
	return *k >= lo && *k <= hi;
}

static int pad(struct ir_module *m, int o, int q, int *operands)
{
	const struct ir_op *op = &m->ops[o];
	const struct ir_type *qt = &m->values[q].type;
	if (!per_tensor(qt->quant))
		return 0;
	if (strcmp(ir_attr_string(op, "mode", "constant"), "constant"))
		return rebuild(m, o, operands);
	double c = 0;
	if (op->noperands > 2 && op->operands[2] != IR_NONE) {
		if (!cl_is_const(m, op->operands[2]))
			return 0;
		c = cl_const_elem(m, op->operands[2], 0);
	}
	int64_t k;
	if (!grid_value(qt, c, &k))
		return 0;
	struct ir_type kt = ir_type_int(qt->bits, qt->is_signed, 0, NULL);
	int kv = li_add_const(m, arena_printf(&m->arena, "%s_pad_value", op->name), &kt, &k);
	if (kv < 0)
		return kv == LI_REJECTED ? 0 : -1;
	int count = m->ops[o].noperands < 3 ? 3 : m->ops[o].noperands;
	operands[2] = kv;
	return rebuild_n(m, o, count, operands);
}

static int relu(struct ir_module *m, int o, int q, int *operands)
{
	return positive_zero_free(m->values[q].type.quant) ? rebuild(m, o, operands) : 0;
}

static int maxpool(struct ir_module *m, int o, int q, int *operands)
{
	if (m->ops[o].nresults != 1 || !positive_channels(&m->ops[o], &m->values[q].type))
		return 0;
	return rebuild(m, o, operands);
}

static int concat(struct ir_module *m, int o, int q, int *operands)
{
	const struct ir_op *op = &m->ops[o];
	const struct ir_type *t = &m->values[q].type;
	if (!per_tensor(t->quant) || op->noperands > MAX_OPERANDS)
		return 0;
	for (int k = 1; k < op->noperands; k++) {
		int qk = li_quantized_source(m, op->operands[k]);
		if (qk == IR_NONE)
			return 0;
		const struct ir_type *tk = &m->values[qk].type;
		if (!ir_type_same_elem(t, tk) || !ir_quant_equal(t->quant, tk->quant))
			return 0;
		operands[k] = qk;
	}
	return rebuild(m, o, operands);
}

static int matmul(struct ir_module *m, int o, int q, int *operands)
{
	(void)q;
	int b = li_quantized_source(m, m->ops[o].operands[1]);
	if (b == IR_NONE)
		return 0;
	operands[1] = b;
	return rebuild(m, o, operands);
}

/* Transpose(Dequantize(c)), c a constant quantized along an axis: the
 * transposed constant, its quant axis moved with it. */
static int transpose_const(struct ir_module *m, int o, int c)
{
	const struct ir_type *ct = &m->values[c].type;
	const struct ir_quant *qt = ct->quant;
	int rank = ct->rank, n = 0, y = m->ops[o].results[0];
	const int64_t *perm = ir_attr_ints(&m->ops[o], "perm", &n);
	int64_t p[IR_MAX_RANK], dims[IR_MAX_RANK], in_strides[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
	int axis = -1;
	if (perm && n != rank)
		return 0;
	for (int j = 0; j < rank; j++) {
		p[j] = perm ? perm[j] : rank - 1 - j;
		if (p[j] < 0 || p[j] >= rank)
			return 0;
		dims[j] = ct->dims[p[j]];
		if (p[j] == qt->axis)
			axis = j;
	}
	int64_t st = 1;
	for (int k = rank - 1; k >= 0; k--) {
		in_strides[k] = st;
		st *= ct->dims[k];
	}
	struct ir_type t = ir_type_int(ct->bits, ct->is_signed, rank, dims);
	t.quant = ir_quant_new(&m->arena, axis, qt->n, qt->scale, qt->zero_point);
	int v = li_add_const(m, arena_printf(&m->arena, "%s_t", m->values[c].name), &t, NULL);
	if (v < 0)
		return v == LI_REJECTED ? 0 : -1;
	const int64_t *src = m->values[c].data;
	int64_t *dst = m->values[v].data, total = ir_type_numel(&t);
	for (int64_t i = 0; i < total; i++) {
		int64_t off = 0;
		for (int j = 0; j < rank; j++)
			off += idx[j] * in_strides[p[j]];
		dst[i] = src[off];
		for (int j = rank - 1; j >= 0 && ++idx[j] == dims[j]; j--)
			idx[j] = 0;
	}
	int d = li_dequantize(m, v, m->values[y].type.elem, m->ops[o].name);
	if (d < 0)
		return m->error[0] ? -1 : 0;
	return li_replace(m, o, d, y) ? 1 : 0;
}

static int transpose(struct ir_module *m, int o, int q, int *operands)
{
	if (m->values[q].kind == IR_VALUE_CONST && m->values[q].type.quant->n > 1)
		return transpose_const(m, o, q);
	return reshaping(m, o, q, operands);
}

static rule_fn *const rules[IR_OP_COUNT] = {
	[IR_OP_Reshape] = reshaping,
	[IR_OP_Flatten] = reshaping,
	[IR_OP_Transpose] = transpose,
	[IR_OP_Squeeze] = reshaping,
	[IR_OP_Unsqueeze] = reshaping,
	[IR_OP_Identity] = reshaping,
	[IR_OP_Slice] = movement,
	[IR_OP_Expand] = movement,
	[IR_OP_Tile] = movement,
	[IR_OP_DepthToSpace] = movement,
	[IR_OP_SpaceToDepth] = movement,
	[IR_OP_Resize] = resize,
	[IR_OP_Pad] = pad,
	[IR_OP_Relu] = relu,
	[IR_OP_MaxPool] = maxpool,
	[IR_OP_GlobalMaxPool] = maxpool,
	[IR_OP_Concat] = concat,
	[IR_OP_MatMul] = matmul,
};

static int sink_one(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	rule_fn *rule = rules[op->code];
	if (!rule || op->nresults != 1 || op->noperands > MAX_OPERANDS)
		return 0;
	int q = li_quantized_source(m, op->operands[0]);
	if (q == IR_NONE)
		return 0;
	int operands[MAX_OPERANDS];
	for (int k = 0; k < op->noperands; k++)
		operands[k] = op->operands[k];
	operands[0] = q;
	return rule(m, o, q, operands);
}

int lower_sink(struct ir_module *m)
{
	int changes = 0, nops = m->nops;
	for (int o = 0; o < nops; o++) {
		if (m->ops[o].dead)
			continue;
		int r = sink_one(m, o);
		if (r < 0)
			return -1;
		changes += r;
	}
	return changes;
}
