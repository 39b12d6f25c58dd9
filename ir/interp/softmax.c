/* softmax.c: Softmax and LogSoftmax along one axis (ONNX opset 13 and later;
 * older opsets' "flatten to 2-D" form is rewritten by the importer).
 *
 *   Softmax:    y = exp(x - max) / sum(exp(x - max))
 *   LogSoftmax: y = (x - max) - log(sum(exp(x - max)))
 *
 * max and sum run over the axis. Computed in the tensor's float type with the
 * float library functions for f32 (expf, logf), like ONNX Runtime; the max is
 * subtracted first so exp cannot overflow.
 */
#include "kernels.h"
#include "tensor_util.h"

#include <tgmath.h>

/* The tensor seen as [outer, len, inner] around the axis. */
struct axis_view {
	int64_t outer, len, inner;
};

static int axis_view(struct ir_module *m, const struct ir_op *op, const struct ir_type *t,
		     struct axis_view *v)
{
	int rank = t->rank;
	int64_t axis = ir_attr_int(op, "axis", -1);
	if (axis < -(rank ? rank : 1) || axis >= (rank ? rank : 1))
		return ir_op_error(m, op, "axis %lld is out of range for rank %d", (long long)axis,
				   rank);
	if (axis < 0)
		axis += rank ? rank : 1;
	*v = (struct axis_view){1, 1, 1};
	for (int k = 0; k < rank; k++) {
		if (k < axis)
			v->outer *= t->dims[k];
		else if (k == axis)
			v->len = t->dims[k];
		else
			v->inner *= t->dims[k];
	}
	return 0;
}

/* Defines softmax_T(x, y, view, log) for one float type T. */
#define SOFTMAX_FN(T)                                                                  \
	static void softmax_##T(const T *x, T *y, const struct axis_view *v, bool is_log) \
	{                                                                              \
		for (int64_t o = 0; o < v->outer; o++)                                 \
			for (int64_t in = 0; in < v->inner; in++) {                    \
				int64_t base = o * v->len * v->inner + in;             \
				T max = -INFINITY, sum = 0;                            \
				for (int64_t k = 0; k < v->len; k++)                   \
					if (x[base + k * v->inner] > max)              \
						max = x[base + k * v->inner];          \
				for (int64_t k = 0; k < v->len; k++)                   \
					sum += exp(x[base + k * v->inner] - max);      \
				T log_sum = log(sum);                                  \
				for (int64_t k = 0; k < v->len; k++) {                 \
					T d = x[base + k * v->inner] - max;            \
					y[base + k * v->inner] =                       \
						is_log ? d - log_sum : exp(d) / sum;   \
				}                                                      \
			}                                                              \
	}
SOFTMAX_FN(float)
SOFTMAX_FN(double)

static int softmax(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *x,
		   struct ir_tensor *y)
{
	struct axis_view v = {1, 1, 1};
	if (axis_view(m, op, &x->type, &v) < 0)
		return -1;
	bool is_log = op->code == IR_OP_LogSoftmax;
	assert(ir_type_numel(&y->type) == ir_type_numel(&x->type));
	if (x->type.elem == IR_ELEM_F32 && y->type.elem == IR_ELEM_F32)
		softmax_float(ir_tensor_f32(x), ir_tensor_f32(y), &v, is_log);
	else if (x->type.elem == IR_ELEM_F64 && y->type.elem == IR_ELEM_F64)
		softmax_double(ir_tensor_f64(x), ir_tensor_f64(y), &v, is_log);
	else
		return ir_op_error(m, op, "input and result must be the same float type");
	return 0;
}

int interp_Softmax(struct ir_module *m, const struct ir_op *op,
		   const struct ir_tensor *const *in, struct ir_tensor *const *out,
		   struct arena *scratch)
{
	(void)scratch;
	return softmax(m, op, in[0], out[0]);
}

int interp_LogSoftmax(struct ir_module *m, const struct ir_op *op,
		      const struct ir_tensor *const *in, struct ir_tensor *const *out,
		      struct arena *scratch)
{
	(void)scratch;
	return softmax(m, op, in[0], out[0]);
}
