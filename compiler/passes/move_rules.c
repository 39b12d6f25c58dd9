/* move_rules.c: which ops a Transpose can cross, and how each one is
 * rewritten when its tensor's axes are renamed (channels_last.h).
 *
 * An op "moves" across a permutation when computing it on transposed data
 * gives the transposed result: E(Transpose(x, p)) = Transpose(E'(x), p). E'
 * is E with every axis a it names replaced by map[a] (map = p when a
 * Transpose sinks below E, the inverse of p when one is hoisted above it):
 *   element-wise ops and QONNX quantizers: nothing names an axis; constant
 *     operands of lower rank are re-broadcast by the caller (chl_const_for);
 *   Concat, Split, Softmax, LogSoftmax: the axis attribute;
 *   ReduceMean/Sum/Max/Min: the axes operand (without keepdims the result
 *     drops the reduced axes, and so does its permutation);
 *   Pad: the pads operand, begins and ends, or its axes operand;
 *   Slice: its axes operand, made explicit when absent;
 *   Resize: roi, scales and sizes, or its axes attribute (each axis is
 *     resampled on its own, so the order of axes does not matter);
 *   BatchNormalization, InstanceNormalization: per-channel, so they move when
 *     map takes the channel axis 1 last and keeps the batch first: they
 *     become channels-last (op->layout).
 * Parameters that name axes must be constants; an op whose parameters are
 * computed at run time does not move, nor one on quantized integer types
 * (ir/quant.h: their per-channel axis would have to follow; the pass is
 * meant to run before integer lowering).
 */
#include "channels_last.h"

#include <string.h>

static const enum chl_move kinds[IR_OP_COUNT] = {
	[IR_OP_Clip] = MOVE_ELEMENTWISE,
	[IR_OP_Cast] = MOVE_ELEMENTWISE,
	[IR_OP_Identity] = MOVE_ELEMENTWISE,
	[IR_OP_Dropout] = MOVE_ELEMENTWISE,
	[IR_OP_IntQuant] = MOVE_ELEMENTWISE,
	[IR_OP_BipolarQuant] = MOVE_ELEMENTWISE,
	[IR_OP_Trunc] = MOVE_ELEMENTWISE,
	[IR_OP_Concat] = MOVE_AXIS,
	[IR_OP_Split] = MOVE_AXIS,
	[IR_OP_Softmax] = MOVE_AXIS,
	[IR_OP_LogSoftmax] = MOVE_AXIS,
	[IR_OP_ReduceMean] = MOVE_REDUCE,
	[IR_OP_ReduceSum] = MOVE_REDUCE,
	[IR_OP_ReduceMax] = MOVE_REDUCE,
	[IR_OP_ReduceMin] = MOVE_REDUCE,
	[IR_OP_Pad] = MOVE_PAD,
	[IR_OP_Slice] = MOVE_SLICE,
	[IR_OP_Resize] = MOVE_RESIZE,
	[IR_OP_BatchNormalization] = MOVE_CHANNELS,
	[IR_OP_InstanceNormalization] = MOVE_CHANNELS,
};

enum chl_move chl_move_kind(const struct ir_op *op)
{
	if (kinds[op->code] != MOVE_NONE)
		return kinds[op->code];
	return ir_opinfo[op->code].flags & OPF_ELEMENTWISE ? MOVE_ELEMENTWISE : MOVE_NONE;
}

bool chl_is_activation(const struct ir_op *op, int k)
{
	switch (chl_move_kind(op)) {
	case MOVE_ELEMENTWISE: return true;
	case MOVE_AXIS: return op->code == IR_OP_Concat || k == 0;
	default: return k == 0;
	}
}

/* ---- checks ------------------------------------------------------------------ */

static bool absent_or_const(struct ir_module *m, const struct ir_op *op, int k)
{
	int v = k < op->noperands ? op->operands[k] : IR_NONE;
	return v == IR_NONE || m->values[v].kind == IR_VALUE_CONST;
}

static int64_t numel_of(struct ir_module *m, const struct ir_op *op, int k)
{
	int v = k < op->noperands ? op->operands[k] : IR_NONE;
	return v == IR_NONE ? 0 : ir_type_numel(&m->values[v].type);
}

/* Constant integer operand k (absent: true) holds axes in [-rank, rank). */
static bool axes_ok(struct ir_module *m, const struct ir_op *op, int k, int rank)
{
	int v = k < op->noperands ? op->operands[k] : IR_NONE;
	if (v == IR_NONE)
		return true;
	const struct ir_value *val = &m->values[v];
	if (val->kind != IR_VALUE_CONST || val->type.elem != IR_ELEM_INT || val->type.rank > 1)
		return false;
	const int64_t *a = val->data;
	for (int64_t i = 0, n = ir_type_numel(&val->type); i < n; i++)
		if (a[i] < -rank || a[i] >= rank)
			return false;
	return true;
}

static bool attr_axes_ok(const struct ir_op *op, const char *name, int rank)
{
	const struct ir_attr *a = ir_attr_find(op, name);
	if (!a)
		return true;
	if (a->kind == IR_ATTR_INT)
		return a->i >= -rank && a->i < rank;
	if (a->kind != IR_ATTR_INTS)
		return false;
	for (int i = 0; i < a->n; i++)
		if (a->ints[i] < -rank || a->ints[i] >= rank)
			return false;
	return true;
}

/* The rank the op's axes refer to. */
static int op_rank(struct ir_module *m, const struct ir_op *op)
{
	if (chl_move_kind(op) == MOVE_ELEMENTWISE)
		return m->values[op->results[0]].type.rank;
	return m->values[op->operands[0]].type.rank;
}

static bool resize_ok(struct ir_module *m, const struct ir_op *op, int r)
{
	for (int k = 1; k < 4; k++)
		if (!absent_or_const(m, op, k))
			return false;
	if (ir_attr_find(op, "axes"))
		return attr_axes_ok(op, "axes", r);
	int64_t roi = numel_of(m, op, 1), scales = numel_of(m, op, 2), sizes = numel_of(m, op, 3);
	return (roi == 0 || roi == 2 * r) && (scales == 0 || scales == r) &&
	       (sizes == 0 || sizes == r);
}

bool chl_plain_types(struct ir_module *m, const struct ir_op *op)
{
	for (int k = 0; k < op->noperands; k++)
		if (op->operands[k] != IR_NONE && m->values[op->operands[k]].type.quant)
			return false;
	for (int k = 0; k < op->nresults; k++)
		if (m->values[op->results[k]].type.quant)
			return false;
	return true;
}

bool chl_can_move(struct ir_module *m, int o, const struct chl_perm *map)
{
	const struct ir_op *op = &m->ops[o];
	int r = map->rank;
	if (op->dead || op->noperands < 1 || op->operands[0] == IR_NONE || op_rank(m, op) != r ||
	    !chl_plain_types(m, op))
		return false;
	switch (chl_move_kind(op)) {
	case MOVE_NONE: return false;
	case MOVE_ELEMENTWISE:
		for (int k = 0; k < op->noperands; k++)
			if (op->operands[k] != IR_NONE && m->values[op->operands[k]].type.rank > r)
				return false;
		return op->nresults == 1;
	case MOVE_AXIS: return attr_axes_ok(op, "axis", r);
	case MOVE_REDUCE: return axes_ok(m, op, 1, r);
	case MOVE_PAD:
		return absent_or_const(m, op, 1) && op->operands[1] != IR_NONE &&
		       axes_ok(m, op, 3, r) && (op->noperands > 3 && op->operands[3] != IR_NONE
						  ? true : numel_of(m, op, 1) == 2 * r);
	case MOVE_SLICE: return axes_ok(m, op, 3, r);
	case MOVE_RESIZE: return resize_ok(m, op, r);
	case MOVE_CHANNELS:
		return op->layout == IR_LAYOUT_NONE && r >= 3 && map->p[0] == 0 && map->p[1] == r - 1;
	}
	return false;
}

/* ---- results ------------------------------------------------------------------ */

/* Which axes of rank r a Reduce reduces, into reduced[]. */
static void reduced_axes(struct ir_module *m, const struct ir_op *op, int r, bool *reduced)
{
	int v = op->noperands > 1 ? op->operands[1] : IR_NONE;
	int64_t n = v == IR_NONE ? 0 : ir_type_numel(&m->values[v].type);
	bool all = n == 0 && !ir_attr_int(op, "noop_with_empty_axes", 0);
	for (int a = 0; a < r; a++)
		reduced[a] = all;
	for (int64_t i = 0; i < n; i++) {
		int64_t a = ((const int64_t *)m->values[v].data)[i];
		reduced[a < 0 ? a + r : a] = true;
	}
}

struct chl_perm chl_moved_result_perm(struct ir_module *m, int o, int k, const struct chl_perm *map)
{
	(void)k;
	const struct ir_op *op = &m->ops[o];
	if (chl_move_kind(op) != MOVE_REDUCE || ir_attr_int(op, "keepdims", 1))
		return *map;
	bool reduced[IR_MAX_RANK];
	int r = map->rank, kept = 0, where[IR_MAX_RANK];
	reduced_axes(m, op, r, reduced);
	/* a kept axis a lands at map[a] before the reduced axes are dropped */
	struct chl_perm out = {.rank = 0};
	for (int a = 0; a < r; a++)
		if (!reduced[a])
			where[kept++] = map->p[a];
	for (int i = 0; i < kept; i++) {
		int below = 0;
		for (int j = 0; j < kept; j++)
			below += where[j] < where[i];
		out.p[i] = below;
	}
	out.rank = kept;
	return out;
}

/* ---- rewriting ------------------------------------------------------------------ */

/* A copy of constant vector c with element i moved to map[i] (and, with
 * pairs, element r + i to r + map[i]: begins then ends). */
static int remap_vector(struct ir_module *m, int c, const struct chl_perm *map, bool pairs)
{
	struct ir_type t = m->values[c].type;
	size_t esz = ir_storage_size(t.elem);
	int n = ir_add_const(m, arena_printf(&m->arena, "%s_cl", m->values[c].name), &t, NULL);
	if (n < 0)
		return -1;
	const char *src = m->values[c].data;
	char *dst = m->values[n].data;
	int r = map->rank;
	for (int i = 0; i < r; i++) {
		memcpy(dst + (size_t)map->p[i] * esz, src + (size_t)i * esz, esz);
		if (pairs)
			memcpy(dst + (size_t)(r + map->p[i]) * esz, src + (size_t)(r + i) * esz, esz);
	}
	return n;
}

/* A copy of constant axes operand c with every axis a replaced by map[a]. */
static int remap_axes(struct ir_module *m, int c, const struct chl_perm *map)
{
	const struct ir_value *val = &m->values[c];
	int n = (int)ir_type_numel(&val->type), r = map->rank;
	int64_t axes[IR_MAX_RANK];
	if (n > IR_MAX_RANK)
		return -1;
	for (int i = 0; i < n; i++) {
		int64_t a = ((const int64_t *)val->data)[i];
		axes[i] = map->p[a < 0 ? a + r : a];
	}
	struct ir_type t = val->type; /* ir_add_const may move m->values */
	return ir_add_const(m, arena_printf(&m->arena, "%s_cl", val->name), &t, axes);
}

static void remap_attr_axes(struct ir_module *m, int o, const char *name,
			    const struct chl_perm *map)
{
	const struct ir_attr *a = ir_attr_find(&m->ops[o], name);
	int r = map->rank;
	if (!a)
		return;
	if (a->kind == IR_ATTR_INT) {
		ir_set_attr_int(m, o, name, map->p[a->i < 0 ? a->i + r : a->i]);
		return;
	}
	int64_t axes[IR_MAX_RANK * 2];
	int n = a->n < IR_MAX_RANK * 2 ? a->n : IR_MAX_RANK * 2;
	for (int i = 0; i < n; i++)
		axes[i] = map->p[a->ints[i] < 0 ? a->ints[i] + r : a->ints[i]];
	ir_set_attr_ints(m, o, name, n, axes);
}

/* Makes op o's axis attribute explicit when it has the default (Softmax and
 * LogSoftmax: -1, Split: 0), so that remapping it renames that axis. */
static void default_axis(struct ir_module *m, int o)
{
	const struct ir_op *op = &m->ops[o];
	if (ir_attr_find(op, "axis"))
		return;
	if (op->code == IR_OP_Softmax || op->code == IR_OP_LogSoftmax)
		ir_set_attr_int(m, o, "axis", -1);
	else if (op->code == IR_OP_Split)
		ir_set_attr_int(m, o, "axis", 0);
}

/* The parameter operands of op o, in operands[], for map. */
static int move_params(struct ir_module *m, int o, const struct chl_perm *map, int *operands)
{
	const struct ir_op *op = &m->ops[o];
	int r = map->rank;
	switch (chl_move_kind(op)) {
	case MOVE_REDUCE:
		if (op->noperands < 2 || operands[1] == IR_NONE)
			return 0; /* all axes, or none with noop_with_empty_axes */
		if ((operands[1] = remap_axes(m, operands[1], map)) < 0)
			return -1;
		return 0;
	case MOVE_PAD:
		if (op->noperands > 3 && operands[3] != IR_NONE)
			return (operands[3] = remap_axes(m, operands[3], map)) < 0 ? -1 : 0;
		return (operands[1] = remap_vector(m, operands[1], map, true)) < 0 ? -1 : 0;
	case MOVE_SLICE: {
		if (operands[3] != IR_NONE)
			return (operands[3] = remap_axes(m, operands[3], map)) < 0 ? -1 : 0;
		int n = (int)ir_type_numel(&m->values[operands[1]].type);
		int64_t axes[IR_MAX_RANK];
		if (n > r)
			return -1;
		for (int i = 0; i < n; i++)
			axes[i] = map->p[i];
		return (operands[3] = chl_const_ints(m, "slice_axes_cl", n, axes)) < 0 ? -1 : 0;
	}
	case MOVE_RESIZE:
		if (ir_attr_find(op, "axes"))
			return 0;
		for (int k = 1; k < 4 && k < op->noperands; k++)
			if (operands[k] != IR_NONE && ir_type_numel(&m->values[operands[k]].type) > 0 &&
			    (operands[k] = remap_vector(m, operands[k], map, k == 1)) < 0)
				return -1;
		return 0;
	default: return 0;
	}
}

int chl_move_op(struct ir_module *m, int o, const struct chl_perm *map, const int *acts)
{
	enum chl_move kind = chl_move_kind(&m->ops[o]);
	int n = m->ops[o].noperands;
	if (kind == MOVE_SLICE && n < 4)
		n = 4;
	int *operands = arena_alloc(&m->arena, (size_t)n * sizeof *operands + 1);
	for (int k = 0; k < n; k++) {
		const struct ir_op *op = &m->ops[o];
		operands[k] = k >= op->noperands ? IR_NONE
			      : chl_is_activation(op, k) ? acts[k] : op->operands[k];
	}
	if (move_params(m, o, map, operands) < 0)
		return -1;
	struct ir_op *op = &m->ops[o];
	op->noperands = n;
	op->operands = operands;
	if (kind == MOVE_AXIS) {
		default_axis(m, o);
		remap_attr_axes(m, o, "axis", map);
	}
	if (kind == MOVE_RESIZE)
		remap_attr_axes(m, o, "axes", map);
	if (kind == MOVE_CHANNELS)
		m->ops[o].layout = IR_LAYOUT_NHWC;
	ir_rebuild_uses(m);
	return 0;
}
