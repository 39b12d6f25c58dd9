/* pad.c: Pad, Expand and Tile kernels (ONNX opset 21), for every element
 * type: each result element is a copy of one input element (or Pad's
 * constant), found by a per-axis index mapping.
 *
 * Pad: (data, pads, constant_value, axes), mode constant | reflect | edge |
 * wrap. pads is [begin..., end...] over the listed axes (all by default,
 * negative axes count from the end); a negative pad crops. Result index o
 * along an axis of size d reads c = o - begin when 0 <= c < d, else:
 *   constant: constant_value (0 when absent);
 *   edge:     the nearest end, clamp(c, 0, d - 1);
 *   reflect:  the mirror image without repeating the edge element
 *             (numpy's "reflect"), repeated as often as needed;
 *   wrap:     c mod d.
 * Expand: the input broadcast (numpy rule) to the result's shape.
 * Tile: Y[i] = X[i mod dims] with Y dims = X dims * repeats.
 */
#include "kernels.h"
#include "kernel_util.h"

#include <string.h>

#define PAD_LIMIT ((int64_t)1 << 40)

enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

static int pad_mode(struct ir_module *m, const struct ir_op *op, enum pad_mode *mode)
{
	static const char *const names[] = {"constant", "reflect", "edge", "wrap"};
	const char *s = ir_attr_string(op, "mode", "constant");
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum pad_mode)i;
			return 0;
		}
	}
	return ir_op_error(m, op, "unknown mode '%.20s'", s);
}

/* Reads pads and axes into begin[] and end[] per axis of rank r. */
static int pad_amounts(struct ir_module *m, const struct ir_op *op,
		       const struct ir_tensor *const *in, int r, int64_t *begin, int64_t *end)
{
	const struct ir_tensor *pads = in[1], *axes = interp_operand(op, in, 3);
	int64_t list[IR_MAX_RANK];
	int n = r;
	bool seen[IR_MAX_RANK] = {false};
	for (int d = 0; d < r; d++)
		list[d] = d;
	if (axes) {
		if (axes->type.elem != IR_ELEM_INT || axes->type.rank > 1 || ir_tensor_numel(axes) > r)
			return ir_op_error(m, op, "axes must be a list of at most %d integers", r);
		n = (int)ir_tensor_numel(axes);
		for (int i = 0; i < n; i++)
			list[i] = ir_tensor_i64(axes)[i];
	}
	if (!pads || pads->type.elem != IR_ELEM_INT || pads->type.rank > 1 ||
	    ir_tensor_numel(pads) != 2 * n)
		return ir_op_error(m, op, "pads must be a list of %d integers", 2 * n);
	for (int d = 0; d < r; d++)
		begin[d] = end[d] = 0;
	for (int i = 0; i < n; i++) {
		int64_t a = list[i], b = ir_tensor_i64(pads)[i], e = ir_tensor_i64(pads)[n + i];
		if (a < -r || a >= r || seen[a < 0 ? a + r : a])
			return ir_op_error(m, op, "axis %lld out of range or repeated", (long long)a);
		a = a < 0 ? a + r : a;
		seen[a] = true;
		if (b < -PAD_LIMIT || b > PAD_LIMIT || e < -PAD_LIMIT || e > PAD_LIMIT)
			return ir_op_error(m, op, "pad out of range");
		begin[a] = b;
		end[a] = e;
	}
	return 0;
}

/* Input coordinate read by result coordinate o, or -1 for the constant. */
static int64_t pad_source(enum pad_mode mode, int64_t o, int64_t begin, int64_t d)
{
	int64_t c = o - begin;
	if (c >= 0 && c < d)
		return c;
	switch (mode) {
	case PAD_CONSTANT:
		return -1;
	case PAD_EDGE:
		return c < 0 ? 0 : d - 1;
	case PAD_WRAP:
		return (c % d + d) % d;
	case PAD_REFLECT:
		break;
	}
	if (d == 1)
		return 0;
	int64_t period = 2 * (d - 1), r = (c % period + period) % period;
	return r < d ? r : period - r;
}

/* Pad: (data, pads, constant_value, axes) -> Y. */
int interp_Pad(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
	       struct ir_tensor *const *out, struct arena *scratch)
{
	const struct ir_tensor *x = in[0], *cv = interp_operand(op, in, 2);
	struct ir_tensor *y = out[0];
	enum pad_mode mode = PAD_CONSTANT;
	int64_t begin[IR_MAX_RANK], end[IR_MAX_RANK], xs[IR_MAX_RANK], idx[IR_MAX_RANK] = {0};
	int64_t *map[IR_MAX_RANK];
	size_t esz;
	if (!x || !ir_type_same_elem(&x->type, &y->type) || y->type.rank != x->type.rank)
		return ir_op_error(m, op, "result must have the input's element type and rank");
	int r = x->type.rank;
	esz = ir_storage_size(x->type.elem);
	if (pad_mode(m, op, &mode) < 0 || pad_amounts(m, op, in, r, begin, end) < 0)
		return -1;
	if (cv && ir_tensor_numel(cv) > 0 && cv->type.elem != x->type.elem)
		return ir_op_error(m, op, "constant_value has another element type than data");
	/* map[d][o]: the input coordinate read by result coordinate o along d
	 * (none for an empty result, whose other dims may be huge) */
	int64_t n = ir_tensor_numel(y);
	for (int d = 0; d < r; d++) {
		int64_t dx = x->type.dims[d], dy = y->type.dims[d];
		if (dy != dx + begin[d] + end[d])
			return ir_op_error(m, op, "result dim %d is %lld, padding gives %lld", d,
					   (long long)dy, (long long)(dx + begin[d] + end[d]));
		if (dx == 0 && dy > 0 && mode != PAD_CONSTANT)
			return ir_op_error(m, op, "cannot pad an empty axis in this mode");
		if (n == 0)
			continue;
		map[d] = arena_alloc(scratch, (size_t)(dy ? dy : 1) * sizeof **map);
		for (int64_t o = 0; o < dy; o++)
			map[d][o] = pad_source(mode, o, begin[d], dx);
	}
	ir_type_strides(&x->type, xs);
	for (int64_t i = 0; i < n; i++, ir_index_next(&y->type, idx)) {
		int64_t off = 0;
		bool inside = true;
		for (int d = 0; d < r && inside; d++) {
			inside = map[d][idx[d]] >= 0;
			off += map[d][idx[d]] * xs[d];
		}
		char *dst = (char *)y->data + (size_t)i * esz;
		if (inside)
			memcpy(dst, (const char *)x->data + (size_t)off * esz, esz);
		else if (cv && ir_tensor_numel(cv) > 0)
			memcpy(dst, cv->data, esz);
		/* else the storage is already zero */
	}
	return 0;
}

/* Expand: Y = X broadcast to Y's shape. */
int interp_Expand(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		  struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	int64_t strides[IR_MAX_RANK];
	if (!x || !ir_type_same_elem(&x->type, &y->type) || x->type.rank > y->type.rank)
		return ir_op_error(m, op, "result must have the input's element type and at least its rank");
	int shift = y->type.rank - x->type.rank;
	for (int d = 0; d < x->type.rank; d++)
		if (x->type.dims[d] != 1 && x->type.dims[d] != y->type.dims[d + shift])
			return ir_op_error(m, op, "input does not broadcast to the result's shape");
	ir_broadcast_strides(&x->type, y->type.rank, strides);
	interp_strided_copy(y->data, x->data, ir_storage_size(y->type.elem), y->type.rank,
			    y->type.dims, strides, 0);
	return 0;
}

/* Tile: Y dims = X dims * repeats. The copy walks Y as [repeats0, dims0,
 * repeats1, dims1, ...], the repeat dims reading X with stride 0. */
int interp_Tile(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0], *rep = in[1];
	struct ir_tensor *y = out[0];
	int64_t xs[IR_MAX_RANK], dims[2 * IR_MAX_RANK], strides[2 * IR_MAX_RANK];
	if (!x || !ir_type_same_elem(&x->type, &y->type) || y->type.rank != x->type.rank)
		return ir_op_error(m, op, "result must have the input's element type and rank");
	int r = x->type.rank;
	if (!rep || rep->type.elem != IR_ELEM_INT || rep->type.rank != 1 || rep->type.dims[0] != r)
		return ir_op_error(m, op, "repeats must be a list of %d integers", r);
	ir_type_strides(&x->type, xs);
	for (int d = 0; d < r; d++) {
		int64_t k = ir_tensor_i64(rep)[d];
		if (k < 0 || (k > 0 && x->type.dims[d] > y->type.dims[d] / k) ||
		    x->type.dims[d] * k != y->type.dims[d])
			return ir_op_error(m, op, "result dim %d is not the input's times %lld", d,
					   (long long)k);
		dims[2 * d] = k;
		dims[2 * d + 1] = x->type.dims[d];
		strides[2 * d] = 0;
		strides[2 * d + 1] = xs[d];
	}
	interp_strided_copy(y->data, x->data, ir_storage_size(y->type.elem), 2 * r, dims, strides, 0);
	return 0;
}
