/* lower_sink.c: moving Dequantize downstream (a step of lower-integer, see
 * lower_integer.c), so that the ops it passes compute on integers.
 *
 *   movement: Reshape, Flatten, Transpose, Squeeze, Unsqueeze, Identity of
 *             Dequantize(q), q quantized per tensor: the op on q, then
 *             Dequantize (a per-channel axis would move; not done yet).
 *   Relu, MaxPool: the same when q is per tensor with a positive scale and
 *             zero point 0, since then s * max(q, 0) = max(s * q, 0).
 *   Transpose of a constant quantized per channel: transposed now, the quant
 *             axis following the permutation.
 *   MatMul:   MatMul(Dequantize(a), Dequantize(b)) with a per tensor, b per
 *             tensor or per column, zero points 0: sum_k sa*a * sb*b =
 *             sa*sb * sum_k a*b, the integer MatMul's accumulator type
 *             carries the scale sa*sb (ir/shape/linalg.c).
 * The Dequantize left behind dies when nothing else uses it.
 */
#include "ir/quant.h"
#include "lower_integer.h"

static bool is_movement(enum ir_opcode c)
{
	return c == IR_OP_Reshape || c == IR_OP_Flatten || c == IR_OP_Transpose ||
	       c == IR_OP_Squeeze || c == IR_OP_Unsqueeze || c == IR_OP_Identity;
}

static bool per_tensor_positive(const struct ir_quant *q)
{
	return q->n == 1 && q->scale[0] > 0 && q->zero_point[0] == 0;
}

/* The quantized integer behind a Dequantize defining v, or IR_NONE. */
static int quantized_source(struct ir_module *m, int v)
{
	int d = li_dequant_def(m, v);
	return d == IR_NONE ? IR_NONE : m->ops[d].operands[0];
}

/* Rebuilds op o with operands ops[] (integer), then Dequantize; 1 when done. */
static int rebuild(struct ir_module *m, int o, const int *operands)
{
	struct ir_op *op = &m->ops[o];
	int y = op->results[0];
	enum ir_elem elem = m->values[y].type.elem;
	const char *base = op->name;
	int n = li_add_op(m, op->code, base, "int", op->noperands, operands);
	if (n < 0)
		return -1;
	for (int i = 0; i < m->ops[o].nattrs; i++) {
		struct ir_attr a = m->ops[o].attrs[i];
		ir_set_attr(m, n, &a);
	}
	m->ops[n].layout = m->ops[o].layout;
	m->ops[n].opset = m->ops[o].opset;
	if (li_infer(m, n) < 0)
		return 0;
	int d = li_dequantize(m, m->ops[n].results[0], elem, base);
	if (d < 0) {
		m->ops[n].dead = true;
		ir_rebuild_uses(m);
		return 0;
	}
	if (!li_replace(m, o, d, y)) {
		m->ops[n].dead = true;
		ir_rebuild_uses(m);
		return 0;
	}
	return 1;
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
	int v = ir_add_const(m, arena_printf(&m->arena, "%s_t", m->values[c].name), &t, NULL);
	if (v < 0)
		return -1;
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
		return 0;
	return li_replace(m, o, d, y) ? 1 : 0;
}

static int sink_one(struct ir_module *m, int o)
{
	struct ir_op *op = &m->ops[o];
	if (op->nresults != 1 || op->noperands > 8)
		return 0;
	int operands[8];
	for (int k = 0; k < op->noperands; k++)
		operands[k] = op->operands[k];
	int q = quantized_source(m, op->operands[0]);
	if (q == IR_NONE)
		return 0;
	const struct ir_quant *qt = m->values[q].type.quant;
	if (op->code == IR_OP_Transpose && qt->n > 1 && m->values[q].kind == IR_VALUE_CONST)
		return transpose_const(m, o, q);
	if (is_movement(op->code) && qt->n == 1) {
		operands[0] = q;
		return rebuild(m, o, operands);
	}
	if ((op->code == IR_OP_Relu || (op->code == IR_OP_MaxPool && op->nresults == 1)) &&
	    per_tensor_positive(qt)) {
		operands[0] = q;
		return rebuild(m, o, operands);
	}
	if (op->code == IR_OP_MatMul) {
		int b = quantized_source(m, op->operands[1]);
		if (b == IR_NONE)
			return 0;
		operands[0] = q;
		operands[1] = b;
		return rebuild(m, o, operands);
	}
	return 0;
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
