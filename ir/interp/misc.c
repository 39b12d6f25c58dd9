/* misc.c: Cast, Identity, Dropout (inference), Shape, Clip and Where
 * (ONNX opset 21).
 *
 * Cast converts to the result's element type (the "to" attribute says the
 * same): float to integer truncates toward zero and wraps to the width
 * (ONNX leaves out-of-range values undefined; NaN gives 0 here), anything to
 * bool is "nonzero". Shape reads only its operand's type, never its data, so
 * ir_known_data may call it with data == NULL.
 */
#include "kernels.h"
#include "tensor_util.h"

#include <math.h>

static void convert_all(const struct ir_tensor *x, struct ir_tensor *y)
{
	int64_t n = ir_tensor_numel(y);
	assert(ir_tensor_numel(x) == n);
	for (int64_t i = 0; i < n; i++)
		ir_tensor_convert_elem(y, i, x, i);
}

int interp_Cast(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		struct ir_tensor *const *out, struct arena *scratch)
{
	(void)m;
	(void)op;
	(void)scratch;
	convert_all(in[0], out[0]);
	return 0;
}

int interp_Identity(struct ir_module *m, const struct ir_op *op,
		    const struct ir_tensor *const *in, struct ir_tensor *const *out,
		    struct arena *scratch)
{
	(void)m;
	(void)op;
	(void)scratch;
	convert_all(in[0], out[0]);
	return 0;
}

/* Dropout (data, ratio, training_mode) -> (output, mask): in inference the
 * output is the data and the mask all true, whatever the ratio. */
int interp_Dropout(struct ir_module *m, const struct ir_op *op,
		   const struct ir_tensor *const *in, struct ir_tensor *const *out,
		   struct arena *scratch)
{
	(void)scratch;
	if (op->noperands > 2 && in[2] && ir_tensor_numel(in[2]) > 0 && ir_load_f64(in[2], 0) != 0)
		return ir_op_error(m, op, "training_mode is not supported");
	convert_all(in[0], out[0]);
	if (op->nresults > 1) {
		int64_t n = ir_tensor_numel(out[1]);
		for (int64_t i = 0; i < n; i++)
			ir_tensor_set(out[1], i, 1);
	}
	return 0;
}

/* Shape: dims[start:end] of the operand, start=0, end=rank, negative values
 * counting from the end, both clamped to [0, rank]. */
int interp_Shape(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		 struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	int64_t rank = in[0]->type.rank;
	int64_t start = ir_attr_int(op, "start", 0), end = ir_attr_int(op, "end", rank);
	start = start < 0 ? start + rank : start;
	end = end < 0 ? end + rank : end;
	start = start < 0 ? 0 : start > rank ? rank : start;
	end = end < 0 ? 0 : end > rank ? rank : end;
	int64_t n = end > start ? end - start : 0;
	if (n != ir_tensor_numel(out[0]))
		return ir_op_error(m, op, "result has %lld elements, the shape slice %lld",
				   (long long)ir_tensor_numel(out[0]), (long long)n);
	for (int64_t i = 0; i < n; i++)
		ir_tensor_set(out[0], i, (double)in[0]->type.dims[start + i]);
	return 0;
}

/* A Clip bound: absent (*has = false), or a tensor of one element, converted
 * into *bound, a one-element tensor of y's type backed by storage. */
union scalar_storage {
	float f;
	double d;
	int64_t i;
};

static int clip_bound(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *b,
		      const struct ir_tensor *y, struct ir_tensor *bound,
		      union scalar_storage *storage, bool *has)
{
	*has = b && ir_tensor_numel(b) > 0;
	if (!*has)
		return 0;
	if (ir_tensor_numel(b) != 1)
		return ir_op_error(m, op, "min and max must be scalars");
	bound->type = ir_type_with_dims(y->type, 0, NULL);
	bound->data = storage;
	ir_tensor_convert_elem(bound, 0, b, 0);
	return 0;
}

/* true when element i of a is less than element j of b (same element type). */
static bool less(const struct ir_tensor *a, int64_t i, const struct ir_tensor *b, int64_t j)
{
	switch (a->type.elem) {
	case IR_ELEM_F32: return ir_tensor_f32(a)[i] < ir_tensor_f32(b)[j];
	case IR_ELEM_F64: return ir_tensor_f64(a)[i] < ir_tensor_f64(b)[j];
	case IR_ELEM_BOOL: break;
	case IR_ELEM_INT:
		if (!a->type.is_signed && a->type.bits >= 64)
			return (uint64_t)ir_tensor_i64(a)[i] < (uint64_t)ir_tensor_i64(b)[j];
		break;
	}
	return ir_tensor_i64(a)[i] < ir_tensor_i64(b)[j];
}

/* Clip (x, min, max): y = min(max(x, min), max); with min > max every
 * element becomes max, as the ONNX spec says. NaN stays NaN. */
int interp_Clip(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	struct ir_tensor *y = out[0], lo, hi;
	union scalar_storage lo_storage, hi_storage;
	bool has_lo, has_hi;
	if (clip_bound(m, op, op->noperands > 1 ? in[1] : NULL, y, &lo, &lo_storage, &has_lo) < 0 ||
	    clip_bound(m, op, op->noperands > 2 ? in[2] : NULL, y, &hi, &hi_storage, &has_hi) < 0)
		return -1;
	int64_t n = ir_tensor_numel(y);
	assert(ir_tensor_numel(in[0]) == n);
	for (int64_t i = 0; i < n; i++) {
		ir_tensor_convert_elem(y, i, in[0], i);
		if (has_lo && less(y, i, &lo, 0))
			ir_tensor_copy_elem(y, i, &lo, 0);
		if (has_hi && less(&hi, 0, y, i))
			ir_tensor_copy_elem(y, i, &hi, 0);
	}
	return 0;
}

/* Where (condition, x, y): out = condition ? x : y, broadcast. */
int interp_Where(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		 struct ir_tensor *const *out, struct arena *scratch)
{
	(void)m;
	(void)op;
	(void)scratch;
	const struct ir_type *types[3] = {&in[0]->type, &in[1]->type, &in[2]->type};
	struct ir_bcast it;
	ir_bcast_init(&it, &out[0]->type, 3, types);
	int64_t n = ir_tensor_numel(out[0]);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		bool c = ir_load_f64(in[0], it.pos[0]) != 0;
		ir_tensor_convert_elem(out[0], i, c ? in[1] : in[2], c ? it.pos[1] : it.pos[2]);
	}
	return 0;
}
