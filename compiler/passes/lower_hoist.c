/* lower_hoist.c: Squeeze and Unsqueeze move above the float ops of a
 * requantization chain (a step of lower-integer, see lower_integer.c).
 *
 * Exporters often leave a rank change inside the float chain between an
 * integer accumulator and the next quantizer, e.g. a BatchNorm1d written as
 *   Dequantize(acc) -> Unsqueeze -> BatchNormalization -> Squeeze -> Quantize.
 * lower_sink moves the Dequantize through the Unsqueeze, but the Squeeze
 * after the BatchNormalization splits the chain that lower_thresholds folds.
 * This step rewrites M(E(x)) as E'(M(x)) for M a Squeeze or Unsqueeze with
 * constant axes and E one of the chain ops (Mul, Add, Sub, Div with a known
 * float operand, Relu, LeakyRelu, Clip with scalar bounds,
 * BatchNormalization), when E's data operand comes from a Dequantize through
 * such ops. M only removes or inserts dimensions of size 1, so element order
 * is unchanged and E' is E with its constant given the same unit dimensions
 * (same data, new shape); a BatchNormalization keeps its channel axis 1, so
 * only axes from 2 on may move. Repeated, M reaches the Dequantize, which
 * lower_sink then moves below it. A Squeeze that undoes an Unsqueeze
 * (the result has the Unsqueeze's input type) is dropped.
 *
 * Requires and guarantees what lower_integer.c says of its steps.
 */
#include "cleanup.h"
#include "lower_integer.h"

enum { MAX_WALK = 16 };

/* Index of op e's data operand (the one computed), or -1 when e is not a
 * chain op with everything else known. */
static int data_operand(struct ir_module *m, int e)
{
	const struct ir_op *op = &m->ops[e];
	switch (op->code) {
	case IR_OP_Relu:
	case IR_OP_LeakyRelu:
		return 0;
	case IR_OP_Clip:
		for (int k = 1; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE && (!cl_is_const(m, op->operands[k]) ||
							   ir_type_numel(&m->values[op->operands[k]].type) != 1))
				return -1;
		return 0;
	case IR_OP_BatchNormalization:
		for (int k = 1; k < op->noperands; k++)
			if (!cl_is_const(m, op->operands[k]))
				return -1;
		return op->layout == IR_LAYOUT_NHWC ? -1 : 0;
	case IR_OP_Mul:
	case IR_OP_Add:
	case IR_OP_Sub:
	case IR_OP_Div:
		if (cl_is_const(m, op->operands[1]) && !cl_is_const(m, op->operands[0]))
			return 0;
		if (op->code != IR_OP_Div && cl_is_const(m, op->operands[0]) &&
		    !cl_is_const(m, op->operands[1]))
			return 1;
		return -1;
	default:
		return -1;
	}
}

/* Float value v comes from a Dequantize through chain ops. */
static bool from_dequantize(struct ir_module *m, int v)
{
	for (int step = 0; step < MAX_WALK; step++) {
		if (!cl_is_float(&m->values[v].type) || m->values[v].kind != IR_VALUE_RESULT)
			return false;
		int d = m->values[v].def;
		if (m->ops[d].code == IR_OP_Dequantize)
			return true;
		int k = data_operand(m, d);
		if (k < 0)
			return false;
		v = m->ops[d].operands[k];
	}
	return false;
}

/* Marks in unit[] (indexed in M's output rank) the axes M inserts, or in
 * its input rank the axes it removes; false when the axes are not known
 * constants in range. */
static bool moved_axes(struct ir_module *m, int mo, bool unit[IR_MAX_RANK])
{
	const struct ir_op *op = &m->ops[mo];
	int axes = op->noperands > 1 ? op->operands[1] : IR_NONE;
	const struct ir_type *in = &m->values[op->operands[0]].type;
	int rank = op->code == IR_OP_Squeeze ? in->rank : m->values[op->results[0]].type.rank;
	for (int i = 0; i < IR_MAX_RANK; i++)
		unit[i] = false;
	if (axes == IR_NONE) { /* Squeeze of every unit dimension */
		for (int i = 0; i < in->rank; i++)
			unit[i] = in->dims[i] == 1;
		return true;
	}
	if (!cl_is_const(m, axes))
		return false;
	int64_t n = ir_type_numel(&m->values[axes].type);
	for (int64_t i = 0; i < n; i++) {
		int64_t a = (int64_t)cl_const_elem(m, axes, i);
		a += a < 0 ? rank : 0;
		if (a < 0 || a >= rank)
			return false;
		unit[a] = true;
	}
	return true;
}

/* The dims of constant c (broadcast against E's result of rank r) after M:
 * c aligned to rank r, then the same unit dims removed or inserted. false
 * when c is not 1 along a removed axis. */
static bool moved_dims(const struct ir_type *ct, int r, bool squeeze, const bool unit[],
		       int *nrank, int64_t *dims)
{
	int64_t full[IR_MAX_RANK];
	for (int i = 0; i < r; i++) {
		int j = i - (r - ct->rank);
		full[i] = j < 0 ? 1 : ct->dims[j];
	}
	int k = 0;
	if (squeeze) {
		for (int i = 0; i < r; i++) {
			if (unit[i] && full[i] != 1)
				return false;
			if (!unit[i])
				dims[k++] = full[i];
		}
	} else {
		for (int j = 0; k < IR_MAX_RANK && (j < r || unit[k]); k++)
			dims[k] = unit[k] ? 1 : full[j++];
	}
	*nrank = k;
	return true;
}

/* A BatchNormalization keeps its channel axis 1: no axis below 2 moves. */
static bool channel_kept(const bool unit[])
{
	return !unit[0] && !unit[1];
}

/* E's operands for E' (x' in place of the data operand, constants reshaped);
 * false when a constant cannot follow. */
static bool new_operands(struct ir_module *m, int e, int k, int xm, bool squeeze,
			 const bool unit[], int *ops)
{
	const struct ir_op *op = &m->ops[e];
	int r = m->values[op->results[0]].type.rank;
	for (int i = 0; i < op->noperands; i++) {
		int c = op->operands[i];
		ops[i] = i == k ? xm : c;
		if (i == k || c == IR_NONE || op->code == IR_OP_Clip ||
		    op->code == IR_OP_BatchNormalization)
			continue;
		struct ir_type t = m->values[c].type;
		int nrank;
		int64_t dims[IR_MAX_RANK];
		if (t.rank > r || !moved_dims(&t, r, squeeze, unit, &nrank, dims))
			return false;
		t = ir_type_with_dims(t, nrank, dims);
		ops[i] = li_add_const(m, arena_printf(&m->arena, "%s_moved", m->values[c].name), &t,
				      m->values[c].data);
		if (ops[i] < 0)
			return false;
	}
	return true;
}

/* Builds op code(operands) after op `like` (name, attributes, layout). */
static int rebuild(struct ir_module *m, int like, int n, const int *operands)
{
	int o = li_add_op(m, m->ops[like].code, m->ops[like].name, "hoisted", n, operands);
	if (o < 0)
		return -1;
	cl_copy_attrs(m, like, o);
	return li_infer(m, o) < 0 ? LI_REJECTED : o;
}

/* Squeeze(Unsqueeze(x)) of x's own type is x (what hoisting leaves behind
 * when an Unsqueeze before the chain meets the Squeeze after it): 1 when
 * rewired, else 0. */
static int cancel_pair(struct ir_module *m, int mo)
{
	int u = m->values[m->ops[mo].operands[0]].def;
	int y = m->ops[mo].results[0];
	if (m->ops[mo].code != IR_OP_Squeeze || m->values[m->ops[mo].operands[0]].kind !=
	    IR_VALUE_RESULT || m->ops[u].dead || m->ops[u].code != IR_OP_Unsqueeze)
		return 0;
	int x = m->ops[u].operands[0];
	if (!ir_type_equal(&m->values[x].type, &m->values[y].type) || cl_is_output(m, y))
		return 0;
	ir_replace_all_uses(m, y, x);
	cl_kill(m, mo);
	return 1;
}

static int hoist_one(struct ir_module *m, int mo)
{
	if (cancel_pair(m, mo))
		return 1;
	int e = cl_single_use_def(m, m->ops[mo].operands[0]);
	int k = e == IR_NONE ? -1 : data_operand(m, e);
	if (k < 0 || !from_dequantize(m, m->ops[e].operands[k]))
		return 0;
	bool squeeze = m->ops[mo].code == IR_OP_Squeeze, unit[IR_MAX_RANK];
	if (!moved_axes(m, mo, unit))
		return 0;
	if (m->ops[e].code == IR_OP_BatchNormalization && !channel_kept(unit))
		return 0;
	int mops[2] = {m->ops[e].operands[k], m->ops[mo].noperands > 1 ? m->ops[mo].operands[1]
									 : IR_NONE};
	int nm = rebuild(m, mo, m->ops[mo].noperands, mops);
	if (nm < 0)
		return nm == LI_REJECTED ? 0 : -1;
	int eops[5];
	if (!new_operands(m, e, k, m->ops[nm].results[0], squeeze, unit, eops)) {
		if (m->error[0])
			return -1;
		cl_kill(m, nm);
		return 0;
	}
	int ne = rebuild(m, e, m->ops[e].noperands, eops);
	if (ne < 0) {
		cl_kill(m, nm);
		return ne == LI_REJECTED ? 0 : -1;
	}
	if (li_replace(m, mo, ne, m->ops[mo].results[0]))
		return 1;
	cl_kill(m, nm);
	return 0;
}

int lower_hoist(struct ir_module *m)
{
	return li_each_op(m, IR_OP_Squeeze, IR_OP_Unsqueeze, hoist_one);
}
