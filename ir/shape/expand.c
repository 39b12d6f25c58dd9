/* expand.c: shapes of Shape, Expand, Tile and Pad, the ops whose result dims
 * come from values (known at compile time) rather than from the input alone.
 *
 * ONNX opset 21 semantics:
 *   Shape   int64 [end - start], start/end clamped into [0, rank] after
 *           adding rank to negative values
 *   Expand  multidirectional broadcast of the input's dims and the shape
 *   Tile    dims multiplied by repeats (one per dim)
 *   Pad     pads = [begin..., end...] for the given axes (all by default);
 *           negative pads crop. reflect needs pads smaller than the dim,
 *           edge a non-empty dim; the interpreter relies on both.
 * Results have the input's element type, except Shape's (int64).
 */
#include "common.h"

#include <inttypes.h>

/* Shape; start=0, end=rank */
int shape_shape(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	int64_t rank = ir_operand_type(m, op, 0)->rank;
	int64_t start, end;
	if (shape_attr_int(m, op, "start", 0, &start) < 0 ||
	    shape_attr_int(m, op, "end", rank, &end) < 0)
		return -1;
	if (start < 0)
		start += rank;
	if (end < 0)
		end += rank;
	start = start < 0 ? 0 : start > rank ? rank : start;
	end = end < 0 ? 0 : end > rank ? rank : end;
	int64_t n = end > start ? end - start : 0;
	struct ir_type out = ir_type_int(64, true, 1, &n);
	return shape_set(m, op, 0, &out);
}

/* Expand (input, shape) */
int shape_expand(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const int64_t *shape;
	int n;
	if (shape_known_ints(m, op, 1, "shape", IR_MAX_RANK, &shape, &n) < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (shape_check_dim(m, op, "shape value", shape[i]) < 0)
			return -1;
	struct ir_type target = ir_type_with_dims(*x, n, shape), out = *x;
	if (shape_broadcast(m, op, x, &target, &out) < 0)
		return -1;
	return shape_set(m, op, 0, &out);
}

/* Tile (input, repeats) */
int shape_tile(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	const int64_t *repeats;
	int n;
	if (shape_known_ints(m, op, 1, "repeats", IR_MAX_RANK, &repeats, &n) < 0)
		return -1;
	if (n != x->rank)
		return ir_op_error(m, op, "repeats has %d values but the input has rank %d", n,
				   x->rank);
	struct ir_type out = *x;
	for (int i = 0; i < n; i++)
		if (shape_check_dim(m, op, "repeat", repeats[i]) < 0 ||
		    shape_mul(m, op, x->dims[i], repeats[i], &out.dims[i]) < 0)
			return -1;
	return shape_set(m, op, 0, &out);
}

enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE };
static const char *const pad_modes[] = {"constant", "reflect", "edge", NULL};

/* New size of a dim of size d padded by begin and end in mode. */
static int pad_dim(struct ir_module *m, const struct ir_op *op, enum pad_mode mode, int axis,
		   int64_t d, int64_t begin, int64_t end, int64_t *out)
{
	if (begin < -SHAPE_MAX_DIM || begin > SHAPE_MAX_DIM || end < -SHAPE_MAX_DIM ||
	    end > SHAPE_MAX_DIM)
		return ir_op_error(m, op, "pads (%" PRId64 ", %" PRId64 ") are out of range", begin,
				   end);
	if (mode == PAD_REFLECT && (begin >= d || end >= d) && (begin > 0 || end > 0))
		return ir_op_error(m, op, "reflect pads (%" PRId64 ", %" PRId64 ") must be smaller "
				   "than dimension %d of size %" PRId64, begin, end, axis, d);
	if (mode == PAD_EDGE && d == 0 && (begin > 0 || end > 0))
		return ir_op_error(m, op, "edge padding of empty dimension %d", axis);
	*out = d + begin + end;
	if (*out < 0)
		return ir_op_error(m, op, "pads (%" PRId64 ", %" PRId64 ") remove more than dimension "
				   "%d of size %" PRId64, begin, end, axis, d);
	return 0;
}

static int check_constant_value(struct ir_module *m, const struct ir_op *op)
{
	const struct ir_type *v = ir_operand_type(m, op, 2);
	if (!v)
		return 0;
	if (ir_type_numel(v) != 1 || v->rank > 1)
		return ir_op_error(m, op, "constant_value must be a scalar");
	return shape_same_elem(m, op, 0, 2);
}

/* Pad (data, pads, constant_value, axes); mode="constant" */
int shape_pad(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int mode = shape_attr_choice(m, op, "mode", pad_modes);
	const int64_t *axes = NULL, *pads;
	int naxes = x->rank, npads, norm[IR_MAX_RANK];
	if (mode < 0 || check_constant_value(m, op) < 0 ||
	    (ir_operand_type(m, op, 3) &&
	     shape_known_ints(m, op, 3, "axes", IR_MAX_RANK, &axes, &naxes) < 0) ||
	    shape_known_ints(m, op, 1, "pads", 2 * IR_MAX_RANK, &pads, &npads) < 0)
		return -1;
	for (int i = 0; i < naxes; i++)
		norm[i] = i;
	if (axes && shape_axes(m, op, "axes", axes, naxes, x->rank, norm) < 0)
		return -1;
	if (npads != 2 * naxes)
		return ir_op_error(m, op, "pads has %d values, expected %d", npads, 2 * naxes);
	struct ir_type out = *x;
	for (int i = 0; i < naxes; i++) {
		int a = norm[i];
		if (pad_dim(m, op, (enum pad_mode)mode, a, x->dims[a], pads[i], pads[naxes + i],
			    &out.dims[a]) < 0)
			return -1;
	}
	return shape_set(m, op, 0, &out);
}
