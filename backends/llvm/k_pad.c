/* k_pad.c: the LLVM kernel of Pad (ONNX opset 21): (data, pads,
 * constant_value, axes), mode constant | reflect | edge | wrap, with the
 * semantics of ir/interp/pad.c (pads [begin..., end...] over the listed
 * axes, a negative pad crops). pads and axes must be known at compile time.
 *
 * Result index o along an axis of size d reads c = o - begin when
 * 0 <= c < d; otherwise constant mode writes constant_value and the other
 * modes read the mapped coordinate (edge: clamped; reflect: mirrored without
 * repeating the edge element; wrap: c mod d). Constant mode fills the result
 * with the constant and then copies the input's window into it; the other
 * modes walk the result with one compile-time table per padded axis mapping
 * result coordinates to input ones. Pad is per axis, so channels-last ops
 * (their pads already in NHWC order) need nothing special.
 */
#include "k_movement.h"

#include <string.h>

#define PAD_LIMIT ((int64_t)1 << 40)

enum pad_mode { PAD_CONSTANT, PAD_REFLECT, PAD_EDGE, PAD_WRAP };

static int pad_mode(struct cg *g, const struct ir_op *op, enum pad_mode *mode)
{
	static const char *const names[] = {"constant", "reflect", "edge", "wrap"};
	const char *s = ir_attr_string(op, "mode", "constant");
	for (int i = 0; i < 4; i++) {
		if (strcmp(s, names[i]) == 0) {
			*mode = (enum pad_mode)i;
			return 0;
		}
	}
	return ir_op_error(g->m, op, "unknown mode '%.20s'", s);
}

/* pads and axes -> begin[] and end[] per axis of rank r. */
static int pad_amounts(struct cg *g, const struct ir_op *op, int r, int64_t *begin, int64_t *end)
{
	const int64_t *pads, *axes = NULL;
	int n = r, np;
	bool seen[IR_MAX_RANK] = {false};
	if (op->noperands > 3 && op->operands[3] != IR_NONE &&
	    mv_known_ints(g, op, 3, "axes", r, &axes, &n) < 0)
		return -1;
	if (mv_known_ints(g, op, 1, "pads", 2 * r, &pads, &np) < 0)
		return -1;
	if (np != 2 * n)
		return ir_op_error(g->m, op, "pads must be a list of %d integers", 2 * n);
	for (int d = 0; d < r; d++)
		begin[d] = end[d] = 0;
	for (int i = 0; i < n; i++) {
		int64_t a = axes ? axes[i] : i, b = pads[i], e = pads[n + i];
		if (a < -r || a >= r || seen[a < 0 ? a + r : a])
			return ir_op_error(g->m, op, "axis %lld out of range or repeated", (long long)a);
		a += a < 0 ? r : 0;
		seen[a] = true;
		if (b < -PAD_LIMIT || b > PAD_LIMIT || e < -PAD_LIMIT || e > PAD_LIMIT)
			return ir_op_error(g->m, op, "pad out of range");
		begin[a] = b;
		end[a] = e;
	}
	return 0;
}

/* Input coordinate read by result coordinate o (not constant mode). */
static int64_t pad_source(enum pad_mode mode, int64_t o, int64_t begin, int64_t d)
{
	int64_t c = o - begin;
	if (c >= 0 && c < d)
		return c;
	if (mode == PAD_EDGE)
		return c < 0 ? 0 : d - 1;
	if (mode == PAD_WRAP)
		return (c % d + d) % d;
	if (d == 1)
		return 0;
	int64_t period = 2 * (d - 1), r = (c % period + period) % period;
	return r < d ? r : period - r;
}

/* Constant mode: every element = the constant (0 when absent or empty),
 * then the input's part that survives cropping copied to its place. */
static int pad_constant(struct cg *g, const struct ir_op *op, const int64_t *begin)
{
	int x = op->operands[0], y = op->results[0];
	int cv = op->noperands > 2 ? op->operands[2] : IR_NONE;
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	LLVMValueRef fill;
	if (cv != IR_NONE && ir_type_numel(&g->m->values[cv].type) > 0) {
		const struct ir_type *ct = &g->m->values[cv].type;
		if (ct->elem != yt->elem)
			return ir_op_error(g->m, op, "constant_value has another element type than data");
		if (!cg_base(g, cv))
			return -1;
		fill = cg_load(g, cv, cg_i64(g, 0));
		if (!ir_type_same_elem(ct, yt))
			fill = cg_convert(g, fill, ct, yt);
	} else {
		LLVMTypeRef rt = cg_reg_type(g, yt);
		fill = yt->elem == IR_ELEM_F32 || yt->elem == IR_ELEM_F64 ? cg_const_real(rt, 0)
									  : cg_const_int(rt, 0);
	}
	int64_t n = ir_type_numel(yt);
	if (!cg_base(g, y))
		return -1;
	struct cg_loop l;
	LLVMValueRef i = cg_loop_begin(g, &l, cg_i64(g, n), "i");
	cg_store(g, y, i, fill);
	cg_loop_end(g, &l);
	/* the window: result o = c + begin for input c in [max(0, -begin), ...) */
	struct mv_copy c;
	int64_t xs[IR_MAX_RANK];
	mv_copy_init(&c, yt);
	cg_strides(xt, xs);
	for (int d = 0; d < yt->rank; d++) {
		int64_t first = begin[d] < 0 ? -begin[d] : 0;
		int64_t last = xt->dims[d] < yt->dims[d] - begin[d] ? xt->dims[d] : yt->dims[d] - begin[d];
		c.dims[d] = last > first ? last - first : 0;
		c.src[d] = xs[d];
		c.src_base += first * xs[d];
		c.dst_base += (first + begin[d]) * c.dst[d];
	}
	return mv_emit_copy(g, y, x, &c);
}

/* Other modes: per result element, the input element at the mapped
 * coordinates (a table per axis that is padded or cropped). */
static int pad_mapped(struct cg *g, const struct ir_op *op, enum pad_mode mode,
		      const int64_t *begin, const int64_t *end)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	int64_t xs[IR_MAX_RANK];
	LLVMValueRef table[IR_MAX_RANK] = {NULL};
	struct cg_nest nest;
	cg_strides(xt, xs);
	for (int d = 0; d < yt->rank; d++) {
		if (xt->dims[d] == 0)
			return ir_op_error(g->m, op, "cannot pad an empty axis in this mode");
		if (begin[d] == 0 && end[d] == 0)
			continue;
		int64_t *map = arena_alloc(&g->m->arena, (size_t)yt->dims[d] * sizeof *map);
		for (int64_t o = 0; o < yt->dims[d]; o++)
			map[o] = pad_source(mode, o, begin[d], xt->dims[d]) * xs[d];
		table[d] = mv_table_i64(g, map, yt->dims[d]);
	}
	if (!cg_base(g, x) || !cg_base(g, y))
		return -1;
	int64_t ys[IR_MAX_RANK];
	cg_strides(yt, ys);
	cg_nest_begin(g, &nest, yt->rank, yt->dims);
	LLVMValueRef src = cg_i64(g, 0);
	for (int d = 0; d < yt->rank; d++) {
		LLVMValueRef at = table[d] ? mv_table_load(g, table[d], g->t_i64, nest.iv[d])
					   : mv_mul(g, nest.iv[d], xs[d]);
		src = mv_add(g, src, at);
	}
	LLVMValueRef dst = cg_linear(g, yt->rank, ys, nest.iv);
	cg_store(g, y, dst, cg_load(g, x, src));
	cg_nest_end(g, &nest);
	return 0;
}

/* Pad: (data, pads, constant_value, axes) -> Y. */
int mv_Pad(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	int64_t begin[IR_MAX_RANK], end[IR_MAX_RANK];
	enum pad_mode mode = PAD_CONSTANT;
	if (!ir_type_same_elem(xt, yt) || yt->rank != xt->rank)
		return ir_op_error(g->m, op, "result must have the input's element type and rank");
	if (pad_mode(g, op, &mode) < 0 || pad_amounts(g, op, xt->rank, begin, end) < 0)
		return -1;
	for (int d = 0; d < xt->rank; d++)
		if (yt->dims[d] != xt->dims[d] + begin[d] + end[d])
			return ir_op_error(g->m, op, "result dim %d is %lld, padding gives %lld", d,
					   (long long)yt->dims[d],
					   (long long)(xt->dims[d] + begin[d] + end[d]));
	if (ir_type_numel(yt) == 0)
		return 0;
	return mode == PAD_CONSTANT ? pad_constant(g, op, begin) : pad_mapped(g, op, mode, begin, end);
}
