/* legacy.c: standard operators of older opsets, rewritten into the canonical
 * (opset-21) form of ir/ops.def.
 *
 * Each handler runs for every node of its operator; n->legacy says the
 * node's opset predates the canonical form (the threshold is in nodes.c).
 * The rewrites, by kind:
 *   - attributes that later became inputs turn into constant operands:
 *     Clip min/max (opset 11), Squeeze/Unsqueeze axes (13), ReduceSum axes
 *     (13), ReduceMean/Max/Min axes (18), Split split (13), Slice
 *     starts/ends/axes (10), Pad pads/value (11);
 *   - binary operators before opset 7 broadcast B against A from position
 *     `axis` (broadcast=1); B gets trailing 1-dimensions so that numpy
 *     broadcasting gives the same result; PRelu-6 takes a per-channel slope;
 *   - Softmax/LogSoftmax before opset 13 work on the input coerced to 2-D at
 *     `axis`: rewritten as Flatten -> Softmax(axis=1) -> Reshape when that
 *     differs from a softmax along one axis;
 *   - attributes without meaning for inference are dropped (Gemm broadcast,
 *     BatchNormalization is_test/spatial, Dropout is_test/ratio).
 * Upsample and Resize are in resize.c, QONNX operators in qonnx.c.
 */
#include "internal.h"

int onnx_import_plain(struct onnx_ctx *c, struct onnx_node *n)
{
	return onnx_emit(c, n);
}

static const struct ir_type *type_of(struct onnx_ctx *c, int v)
{
	return &ir_val(c->m, v)->type;
}

/* Moves INTS attribute name to operand pos as an int64 constant (left
 * absent when the attribute is). required: its absence is an error. */
static int ints_to_operand(struct onnx_ctx *c, struct onnx_node *n, const char *name, int pos,
			   bool required)
{
	int count;
	const int64_t *v;
	onnx_skip_attr(n, name);
	if (onnx_attr_ints(c, n, name, &count, &v) < 0)
		return -1;
	if (!onnx_attr(n->proto, name)) {
		if (required)
			return onnx_node_error(c, n->index, "attribute '%s' is missing", name);
		return 0;
	}
	int k = onnx_const_i64(c, n, name, count, v);
	if (k < 0)
		return -1;
	onnx_set_operand(n, pos, k);
	return 0;
}

/* Moves FLOAT attribute name to operand pos as a scalar of x's element type. */
static int float_to_operand(struct onnx_ctx *c, struct onnx_node *n, const char *name, int pos)
{
	double f;
	onnx_skip_attr(n, name);
	if (onnx_attr_float(c, n, name, 0, &f) < 0)
		return -1;
	if (!onnx_attr(n->proto, name) || n->noperands < 1 || n->operands[0] == IR_NONE)
		return 0; /* a missing X is reported by inference */
	int k = onnx_const_scalar_like(c, n, name, n->operands[0], f);
	if (k < 0)
		return -1;
	onnx_set_operand(n, pos, k);
	return 0;
}

/* ---- attributes that became operands ------------------------------------- */

int onnx_import_clip(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy && (float_to_operand(c, n, "min", 1) < 0 || float_to_operand(c, n, "max", 2) < 0))
		return -1;
	return onnx_emit(c, n);
}

/* Squeeze, Unsqueeze, ReduceSum/Mean/Max/Min: (data, axes). */
int onnx_import_axes_attr(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy && ints_to_operand(c, n, "axes", 1, false) < 0)
		return -1;
	return onnx_emit(c, n);
}

int onnx_import_split(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy && ints_to_operand(c, n, "split", 1, false) < 0)
		return -1;
	return onnx_emit(c, n);
}

/* Slice-1: starts, ends, axes attributes; no steps. */
int onnx_import_slice(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy && (ints_to_operand(c, n, "starts", 1, true) < 0 ||
			  ints_to_operand(c, n, "ends", 2, true) < 0 ||
			  ints_to_operand(c, n, "axes", 3, false) < 0))
		return -1;
	return onnx_emit(c, n);
}

/* Pad-2: pads and value (default 0) attributes. */
int onnx_import_pad(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy && (ints_to_operand(c, n, "pads", 1, true) < 0 ||
			  float_to_operand(c, n, "value", 2) < 0))
		return -1;
	return onnx_emit(c, n);
}

/* ---- legacy broadcasting ---------------------------------------------------- */

/* B placed at dimension axis of A (Add-6 and friends with broadcast=1): B's
 * dims followed by ones up to A's rank, which numpy broadcasting aligns the
 * same way. A constant B gets the new dims directly, any other B a Reshape. */
static int broadcast_at(struct onnx_ctx *c, struct onnx_node *n, int a, int b, int64_t axis)
{
	struct ir_type tb = *type_of(c, b);
	int ra = type_of(c, a)->rank;
	if (axis < 0)
		axis += ra;
	if (axis < 0 || axis + tb.rank > ra)
		return onnx_node_error(c, n->index,
				       "legacy broadcast: B of rank %d does not fit at axis %lld of A of rank %d",
				       tb.rank, (long long)axis, ra);
	int trailing = ra - (int)axis - tb.rank;
	if (trailing == 0)
		return b;
	int rank = tb.rank + trailing;
	int64_t dims[IR_MAX_RANK];
	for (int i = 0; i < rank; i++)
		dims[i] = i < tb.rank ? tb.dims[i] : 1;
	struct ir_type t = ir_type_with_dims(tb, rank, dims);
	const struct ir_value *vb = ir_val(c->m, b);
	if (vb->kind == IR_VALUE_CONST)
		return ir_add_const(c->m, arena_printf(&c->m->arena, "%s/broadcast", vb->name), &t,
				    vb->data);
	int shape = onnx_const_i64(c, n, "broadcast_shape", rank, dims);
	if (shape < 0)
		return -1;
	return onnx_extra_op(c, n, IR_OP_Reshape, "broadcast", 2, (int[]){b, shape}, NULL, 0);
}

/* Add, Sub, Mul, Div, Pow, And, Or, Equal, Greater, Less. */
int onnx_import_binary(struct onnx_ctx *c, struct onnx_node *n)
{
	if (!n->legacy)
		return onnx_emit(c, n);
	int64_t broadcast, axis;
	onnx_skip_attr(n, "broadcast");
	onnx_skip_attr(n, "axis");
	if (onnx_attr_int(c, n, "broadcast", 0, &broadcast) < 0 ||
	    onnx_attr_int(c, n, "axis", 0, &axis) < 0)
		return -1;
	bool has_axis = onnx_attr(n->proto, "axis") != NULL;
	if (broadcast && has_axis && n->noperands == 2 && n->operands[0] != IR_NONE &&
	    n->operands[1] != IR_NONE) {
		int b = broadcast_at(c, n, n->operands[0], n->operands[1], axis);
		if (b < 0)
			return -1;
		n->operands[1] = b;
	}
	return onnx_emit(c, n);
}

/* PRelu-6: a slope of one value per channel (dimension 1 of X). */
int onnx_import_prelu(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy && n->noperands == 2 && n->operands[0] != IR_NONE && n->operands[1] != IR_NONE) {
		const struct ir_type *x = type_of(c, n->operands[0]);
		const struct ir_type *slope = type_of(c, n->operands[1]);
		if (slope->rank == 1 && slope->dims[0] > 1 && x->rank > 2) {
			int b = broadcast_at(c, n, n->operands[0], n->operands[1], 1);
			if (b < 0)
				return -1;
			n->operands[1] = b;
		}
	}
	return onnx_emit(c, n);
}

/* ---- Softmax, LogSoftmax ----------------------------------------------------- */

/* Before opset 13: the input coerced to 2-D [prod(dims[:axis]), prod(dims[axis:])]
 * and normalized along the second dimension; axis defaults to 1. */
int onnx_import_softmax(struct onnx_ctx *c, struct onnx_node *n)
{
	if (!n->legacy || n->noperands != 1 || n->operands[0] == IR_NONE)
		return onnx_emit(c, n);
	int64_t axis;
	onnx_skip_attr(n, "axis");
	if (onnx_attr_int(c, n, "axis", 1, &axis) < 0)
		return -1;
	struct ir_type x = *type_of(c, n->operands[0]);
	if (axis < 0)
		axis += x.rank;
	if (axis < 0 || axis >= x.rank)
		return onnx_node_error(c, n->index, "axis out of range for an input of rank %d", x.rank);
	if (axis >= x.rank - 1) { /* already a softmax along the last axis */
		int o = onnx_op(c, n, n->code, NULL, 1, n->operands, true);
		if (o < 0)
			return -1;
		ir_set_attr_int(c->m, o, "axis", axis);
		if (onnx_infer(c, o) < 0)
			return -1;
		onnx_bind(c, n, o);
		return 0;
	}
	int flat = onnx_extra_op(c, n, IR_OP_Flatten, "flatten", 1, n->operands, "axis", axis);
	if (flat < 0)
		return -1;
	int o = onnx_op(c, n, n->code, NULL, 1, &flat, false);
	if (o < 0)
		return -1;
	ir_set_attr_int(c->m, o, "axis", 1);
	if (onnx_infer(c, o) < 0)
		return -1;
	int shape = onnx_const_i64(c, n, "shape", x.rank, x.dims);
	if (shape < 0)
		return -1;
	int r = onnx_op(c, n, IR_OP_Reshape, "reshape", 2, (int[]){onnx_result(c, o), shape}, true);
	if (r < 0 || onnx_infer(c, r) < 0)
		return -1;
	onnx_bind(c, n, r);
	return 0;
}

/* ---- dropped attributes ------------------------------------------------------- */

/* Gemm before opset 7: broadcast=1 allowed C to broadcast, as it always does now. */
int onnx_import_gemm(struct onnx_ctx *c, struct onnx_node *n)
{
	onnx_skip_attr(n, "broadcast");
	return onnx_emit(c, n);
}

/* BatchNormalization: is_test (before 7) and spatial (before 9) are dropped;
 * spatial=0 (per-activation statistics) and training mode are not supported. */
int onnx_import_batchnorm(struct onnx_ctx *c, struct onnx_node *n)
{
	int64_t spatial, training;
	onnx_skip_attr(n, "is_test");
	onnx_skip_attr(n, "spatial");
	if (onnx_attr_int(c, n, "spatial", 1, &spatial) < 0 ||
	    onnx_attr_int(c, n, "training_mode", 0, &training) < 0)
		return -1;
	if (spatial == 0)
		return onnx_node_error(c, n->index, "spatial=0 (per-activation statistics) is not supported");
	if (training != 0)
		return onnx_node_error(c, n->index, "training_mode=1 is not supported");
	return onnx_emit(c, n);
}

/* Dropout: is_test (before 7) and ratio (an attribute before 12) are dropped;
 * inference passes the data through. */
int onnx_import_dropout(struct onnx_ctx *c, struct onnx_node *n)
{
	if (n->legacy) {
		onnx_skip_attr(n, "is_test");
		onnx_skip_attr(n, "ratio");
	}
	return onnx_emit(c, n);
}
