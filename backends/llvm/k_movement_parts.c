/* k_movement_parts.c: LLVM kernels that join, cut or pick parts of tensors:
 * Concat, Split, Slice and Gather (ONNX opset 21; semantics of
 * ir/interp/movement.c and gather.c).
 *
 * Concat and Split are one strided copy per part; Slice is one strided copy
 * whose starts, ends, axes and steps must be known at compile time. Gather
 * reads its indices from a constant table when they are known (checked at
 * compile time like the interpreter does), otherwise from memory at run time:
 * a run-time index counts from the end when negative and is then clamped to
 * [0, d - 1], since generated code has no way to report an error (the
 * interpreter rejects such an index).
 */
#include "k_movement.h"

/* The op's axis attribute (default 0) normalized for rank r. */
static int read_axis(struct cg *g, const struct ir_op *op, int r, int *axis)
{
	int64_t a = ir_attr_int(op, "axis", 0);
	if (a < -r || a >= r)
		return ir_op_error(g->m, op, "axis %lld out of range for rank %d", (long long)a, r);
	*axis = (int)(a < 0 ? a + r : a);
	return 0;
}

/* Copies part value p into (join) or out of (split) value w along axis, at
 * offset along that axis. */
static int copy_part(struct cg *g, const struct ir_op *op, int w, int p, int axis, int64_t offset,
		     bool join)
{
	const struct ir_type *wt = &g->m->values[w].type, *pt = &g->m->values[p].type;
	int64_t ws[IR_MAX_RANK], ps[IR_MAX_RANK];
	if (!ir_type_same_elem(pt, wt) || pt->rank != wt->rank)
		return ir_op_error(g->m, op, "parts must have the element type and rank of the whole");
	for (int d = 0; d < wt->rank; d++)
		if (d != axis && pt->dims[d] != wt->dims[d])
			return ir_op_error(g->m, op, "parts differ in a dimension other than the axis");
	cg_strides(wt, ws);
	cg_strides(pt, ps);
	struct mv_copy c = {.n = wt->rank};
	for (int d = 0; d < wt->rank; d++) {
		c.dims[d] = pt->dims[d];
		c.src[d] = join ? ps[d] : ws[d];
		c.dst[d] = join ? ws[d] : ps[d];
	}
	int64_t base = offset * ws[axis];
	c.src_base = join ? 0 : base;
	c.dst_base = join ? base : 0;
	return join ? mv_emit_copy(g, w, p, &c) : mv_emit_copy(g, p, w, &c);
}

/* Concat: Y = the operands joined along axis. */
int mv_Concat(struct cg *g, const struct ir_op *op)
{
	int y = op->results[0], axis;
	const struct ir_type *yt = &g->m->values[y].type;
	int64_t offset = 0;
	if (read_axis(g, op, yt->rank, &axis) < 0)
		return -1;
	for (int k = 0; k < op->noperands; k++) {
		int p = op->operands[k];
		if (p == IR_NONE)
			return ir_op_error(g->m, op, "missing operand %d", k);
		int64_t len = g->m->values[p].type.rank == yt->rank ? g->m->values[p].type.dims[axis] : 0;
		if (offset + len > yt->dims[axis])
			return ir_op_error(g->m, op, "operands are longer than the result along the axis");
		if (copy_part(g, op, y, p, axis, offset, true) < 0)
			return -1;
		offset += len;
	}
	if (offset != yt->dims[axis])
		return ir_op_error(g->m, op, "operands add up to %lld along the axis, the result has %lld",
				   (long long)offset, (long long)yt->dims[axis]);
	return 0;
}

/* Split: the results are consecutive pieces of the input along axis, of the
 * sizes in their types (a result nobody reads is not written). */
int mv_Split(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], axis;
	const struct ir_type *xt = &g->m->values[x].type;
	int64_t offset = 0;
	if (read_axis(g, op, xt->rank, &axis) < 0)
		return -1;
	for (int k = 0; k < op->nresults; k++) {
		int p = op->results[k];
		int64_t len = g->m->values[p].type.rank == xt->rank ? g->m->values[p].type.dims[axis] : 0;
		if (offset + len > xt->dims[axis])
			return ir_op_error(g->m, op, "results are longer than the input along the axis");
		if (mv_live(g, p) && copy_part(g, op, x, p, axis, offset, false) < 0)
			return -1;
		offset += len;
	}
	if (offset != xt->dims[axis])
		return ir_op_error(g->m, op, "results add up to %lld along the axis, the input has %lld",
				   (long long)offset, (long long)xt->dims[axis]);
	return 0;
}

/* ---- Slice ------------------------------------------------------------------------ */

/* One sliced axis: its first element, step and element count. */
struct slice_axis {
	int64_t start, step, count;
};

/* ONNX clamping for one axis of size d: negative starts/ends count from the
 * end; a positive step clamps start and end to [0, d], a negative one start
 * to [0, d-1] and end to [-1, d-1]; ceil((end - start) / step) elements. */
static struct slice_axis slice_clamp(int64_t start, int64_t end, int64_t step, int64_t d)
{
	struct slice_axis s = {.step = step};
	if (d == 0)
		return s;
	start += start < 0 ? d : 0;
	end += end < 0 ? d : 0;
	int64_t lo = 0, hi = step > 0 ? d : d - 1;
	start = start < lo ? lo : start > hi ? hi : start;
	lo = step > 0 ? 0 : -1;
	end = end < lo ? lo : end > hi ? hi : end;
	int64_t diff = step > 0 ? end - start : start - end;
	int64_t mag = step > 0 ? step : step < -INT64_MAX ? INT64_MAX : -step;
	s.start = start;
	s.count = diff <= 0 ? 0 : 1 + (diff - 1) / mag;
	return s;
}

static int slice_axes(struct cg *g, const struct ir_op *op, const struct ir_type *t,
		      struct slice_axis *ax)
{
	const int64_t *starts, *ends, *axes = NULL, *steps = NULL;
	int n, ne, na = 0, ns = 0;
	bool seen[IR_MAX_RANK] = {false};
	bool has_axes = op->noperands > 3 && op->operands[3] != IR_NONE;
	bool has_steps = op->noperands > 4 && op->operands[4] != IR_NONE;
	if (mv_known_ints(g, op, 1, "starts", t->rank, &starts, &n) < 0 ||
	    mv_known_ints(g, op, 2, "ends", t->rank, &ends, &ne) < 0 ||
	    (has_axes && mv_known_ints(g, op, 3, "axes", t->rank, &axes, &na) < 0) ||
	    (has_steps && mv_known_ints(g, op, 4, "steps", t->rank, &steps, &ns) < 0))
		return -1;
	if (ne != n || (axes && na != n) || (steps && ns != n))
		return ir_op_error(g->m, op, "starts, ends, axes and steps differ in length");
	for (int d = 0; d < t->rank; d++)
		ax[d] = (struct slice_axis){0, 1, t->dims[d]};
	for (int i = 0; i < n; i++) {
		int64_t a = axes ? axes[i] : i, step = steps ? steps[i] : 1;
		if (a < -t->rank || a >= t->rank)
			return ir_op_error(g->m, op, "axis %lld out of range", (long long)a);
		a += a < 0 ? t->rank : 0;
		if (seen[a])
			return ir_op_error(g->m, op, "axis %lld listed twice", (long long)a);
		seen[a] = true;
		if (step == 0)
			return ir_op_error(g->m, op, "step must not be 0");
		ax[a] = slice_clamp(starts[i], ends[i], step, t->dims[a]);
	}
	return 0;
}

/* Slice: Y[i] = X[start + i * step] on every axis. */
int mv_Slice(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	struct slice_axis ax[IR_MAX_RANK];
	int64_t xs[IR_MAX_RANK];
	if (yt->rank != xt->rank)
		return ir_op_error(g->m, op, "result must have the input's rank");
	if (slice_axes(g, op, xt, ax) < 0)
		return -1;
	for (int d = 0; d < xt->rank; d++)
		if (ax[d].count != yt->dims[d])
			return ir_op_error(g->m, op, "result dim %d is %lld, the slice has %lld", d,
					   (long long)yt->dims[d], (long long)ax[d].count);
	if (ir_type_numel(yt) == 0)
		return 0;
	struct mv_copy c;
	mv_copy_init(&c, yt);
	cg_strides(xt, xs);
	for (int d = 0; d < xt->rank; d++) {
		c.src_base += ax[d].start * xs[d];
		/* a step larger than the axis leaves one element: no stride */
		c.src[d] = ax[d].count > 1 ? ax[d].step * xs[d] : 0;
	}
	return mv_emit_copy(g, y, x, &c);
}

/* ---- Gather ---------------------------------------------------------------------- */

/* Index j of a run-time indices value, counted from the end when negative,
 * clamped to [0, d - 1]. */
static LLVMValueRef runtime_index(struct cg *g, int ind, LLVMValueRef j, int64_t d)
{
	const struct ir_type *it = &g->m->values[ind].type;
	LLVMValueRef i = cg_widen(g, cg_load(g, ind, j), it, 64), last = cg_i64(g, d - 1);
	LLVMValueRef zero = cg_i64(g, 0);
	if (!it->is_signed) /* never negative: an unsigned 64-bit one above 2^63 is too large */
		return LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntUGT, i, last, ""), last, i, "");
	LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, i, zero, "");
	i = LLVMBuildSelect(g->b, neg, LLVMBuildAdd(g->b, i, cg_i64(g, d), ""), i, "");
	i = LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, i, zero, ""), zero, i, "");
	return LLVMBuildSelect(g->b, LLVMBuildICmp(g->b, LLVMIntSGT, i, last, ""), last, i, "");
}

/* Known indices checked and normalized as the interpreter does (into idx,
 * nind entries); 1 when they are known, 0 when not, -1 after an error. */
static int known_indices(struct cg *g, const struct ir_op *op, int ind, int64_t d, int64_t *idx)
{
	const struct ir_type *it = &g->m->values[ind].type;
	const int64_t *v = ir_known_data(g->m, ind);
	if (!v)
		return g->m->error[0] ? -1 : 0;
	bool u64 = !it->is_signed && it->bits >= 64;
	for (int64_t j = 0; j < ir_type_numel(it); j++) {
		int64_t i = v[j] < 0 && !u64 ? v[j] + d : v[j];
		if (i < 0 || i >= d)
			return ir_op_error(g->m, op, "index %lld out of range for a dimension of %lld",
					   (long long)v[j], (long long)d);
		idx[j] = i;
	}
	return 1;
}

/* Gather: Y[o, j, i] = X[o, indices[j], i] over the flattened outer (before
 * axis), index and inner (after axis) parts. */
int mv_Gather(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], ind = op->operands[1], y = op->results[0], axis, r = 0;
	const struct ir_type *xt = &g->m->values[x].type, *it = &g->m->values[ind].type;
	const struct ir_type *yt = &g->m->values[y].type;
	if (it->elem != IR_ELEM_INT)
		return ir_op_error(g->m, op, "indices must be integers");
	if (xt->rank < 1 || read_axis(g, op, xt->rank, &axis) < 0)
		return xt->rank < 1 ? ir_op_error(g->m, op, "data must have a rank of 1 or more") : -1;
	bool ok = ir_type_same_elem(xt, yt) && yt->rank == xt->rank - 1 + it->rank;
	for (int d = 0; ok && d < xt->rank; d++)
		for (int k = 0; ok && k < (d == axis ? it->rank : 1); k++)
			ok = yt->dims[r++] == (d == axis ? it->dims[k] : xt->dims[d]);
	if (!ok)
		return ir_op_error(g->m, op, "result type is not data[:axis] + indices.shape + data[axis+1:]");
	int64_t outer = 1, inner = 1, d = xt->dims[axis], nind = ir_type_numel(it);
	for (int k = 0; k < axis; k++)
		outer *= xt->dims[k];
	for (int k = axis + 1; k < xt->rank; k++)
		inner *= xt->dims[k];
	if (ir_type_numel(yt) == 0)
		return 0;
	int64_t *idx = arena_alloc(&g->m->arena, (size_t)nind * sizeof *idx);
	int known = known_indices(g, op, ind, d, idx);
	if (known < 0)
		return -1;
	if (known && nind == 1) { /* one slab: a strided copy */
		struct mv_copy c = {.n = 2, .dims = {outer, inner}, .src = {d * inner, 1},
				    .dst = {inner, 1}, .src_base = idx[0] * inner};
		return mv_emit_copy(g, y, x, &c);
	}
	if (!cg_base(g, x) || !cg_base(g, y) || (!known && !cg_base(g, ind)))
		return -1;
	LLVMValueRef table = known ? mv_table_i64(g, idx, nind) : NULL;
	struct cg_loop lo, lj, li;
	LLVMValueRef o = cg_loop_begin(g, &lo, cg_i64(g, outer), "o");
	LLVMValueRef j = cg_loop_begin(g, &lj, cg_i64(g, nind), "j");
	LLVMValueRef at = known ? mv_table_load(g, table, g->t_i64, j) : runtime_index(g, ind, j, d);
	LLVMValueRef src = mv_mul(g, mv_add(g, mv_mul(g, o, d), at), inner);
	LLVMValueRef dst = mv_mul(g, mv_add(g, mv_mul(g, o, nind), j), inner);
	LLVMValueRef i = cg_loop_begin(g, &li, cg_i64(g, inner), "i");
	cg_store(g, y, mv_add(g, dst, i), cg_load(g, x, mv_add(g, src, i)));
	cg_loop_end(g, &li);
	cg_loop_end(g, &lj);
	cg_loop_end(g, &lo);
	return 0;
}
