/* norm.c: shapes of BatchNormalization (inference mode), InstanceNormalization,
 * Softmax and LogSoftmax. Each result has X's type.
 *
 * The normalization parameters are float vectors of length C, the channel
 * count: X's dim 1, or its last dim for a channels-last BatchNormalization.
 * Softmax normalizes along one axis (opset 13 semantics; older models are
 * rewritten by the front-end), which must be in range.
 */
#include "common.h"

#include <inttypes.h>

static int check_channel_params(struct ir_module *m, const struct ir_op *op, int64_t channels)
{
	static const char *const names[] = {"X", "scale", "bias", "mean", "variance"};
	for (int k = 1; k < op->noperands; k++) {
		const struct ir_type *t = ir_operand_type(m, op, k);
		if (!shape_is_float(t))
			return ir_op_error(m, op, "%s must be a float tensor", names[k]);
		if (t->rank != 1 || t->dims[0] != channels) {
			char buf[200];
			return ir_op_error(m, op, "%s has shape %s, expected [%" PRId64 "]", names[k],
					   ir_type_str(t, buf, sizeof buf), channels);
		}
	}
	return 0;
}

/* BatchNormalization (X, scale, B, input_mean, input_var) */
int shape_batch_norm(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int training;
	if (x->rank < 2)
		return ir_op_error(m, op, "input must have rank 2 or more, got %d", x->rank);
	if (shape_attr_flag(m, op, "training_mode", 0, &training) < 0)
		return -1;
	if (training)
		return ir_op_error(m, op, "training mode is not supported");
	if (check_channel_params(m, op, x->dims[shape_channel_axis(op, x->rank)]) < 0)
		return -1;
	return shape_set(m, op, 0, x);
}

/* InstanceNormalization (X, scale, B) */
int shape_instance_norm(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	if (x->rank < 3)
		return ir_op_error(m, op, "input must have rank 3 or more, got %d", x->rank);
	if (check_channel_params(m, op, x->dims[shape_channel_axis(op, x->rank)]) < 0)
		return -1;
	return shape_set(m, op, 0, x);
}

/* Softmax, LogSoftmax; axis=-1 */
int shape_softmax(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_type *x = ir_operand_type(m, op, 0);
	int axis;
	if (shape_attr_axis(m, op, -1, x->rank, &axis) < 0)
		return -1;
	return shape_set(m, op, 0, x);
}
