/* k_movement_layout.c: LLVM kernels that reorder or repeat a whole tensor:
 * Transpose, DepthToSpace, SpaceToDepth, Expand and Tile (ONNX opset 21).
 *
 * Each is one strided copy (k_movement.h) walking the result in row-major
 * order, with input strides precomputed at compile time, exactly the walks
 * of the interpreter (ir/interp/movement.c, pad.c). DepthToSpace and
 * SpaceToDepth follow op->layout: channels-last ops read and write [N, H, W, C].
 * The checks below are the ones that keep every generated index in bounds
 * for a module whose types disagree with the op's attributes.
 */
#include "k_movement.h"

#include <string.h>

static bool same_numel(struct cg *g, const struct ir_op *op)
{
	return ir_type_numel(&g->m->values[op->operands[0]].type) ==
	       ir_type_numel(&g->m->values[op->results[0]].type);
}

/* Transpose: Y dims[k] = X dims[perm[k]]; perm defaults to reversing. */
int mv_Transpose(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	int r = xt->rank, n;
	int64_t xs[IR_MAX_RANK];
	bool seen[IR_MAX_RANK] = {false};
	const int64_t *p = ir_attr_ints(op, "perm", &n);
	if ((p && n != r) || yt->rank != r)
		return ir_op_error(g->m, op, "perm has %d entries for rank %d", p ? n : r, r);
	struct mv_copy c;
	mv_copy_init(&c, yt);
	cg_strides(xt, xs);
	for (int k = 0; k < r; k++) {
		int64_t pk = p ? p[k] : r - 1 - k;
		if (pk < 0 || pk >= r || seen[pk] || yt->dims[k] != xt->dims[pk])
			return ir_op_error(g->m, op, "perm is not a permutation of the input's axes");
		seen[pk] = true;
		c.src[k] = xs[pk];
	}
	return mv_emit_copy(g, y, x, &c);
}

/* The 4-D activation of a block op in its layout. */
struct block4 {
	int64_t n, c, h, w;
	bool nhwc;
};

static struct block4 block4_of(const struct ir_op *op, const struct ir_type *t)
{
	bool nhwc = op->layout == IR_LAYOUT_NHWC;
	return (struct block4){t->dims[0], t->dims[nhwc ? 3 : 1], t->dims[nhwc ? 1 : 2],
			       t->dims[nhwc ? 2 : 3], nhwc};
}

static int block_size(struct cg *g, const struct ir_op *op, int64_t *b)
{
	const struct ir_type *xt = &g->m->values[op->operands[0]].type;
	const struct ir_type *yt = &g->m->values[op->results[0]].type;
	*b = ir_attr_int(op, "blocksize", 0);
	if (xt->rank != 4 || yt->rank != 4 || !same_numel(g, op))
		return ir_op_error(g->m, op, "input and result must be 4-D of one size");
	if (*b < 1 || *b > ((int64_t)1 << 20))
		return ir_op_error(g->m, op, "blocksize must be positive");
	return 0;
}

/* Fills c with n dims and their input strides (the result is dense). */
static void set_walk(struct mv_copy *c, int n, const int64_t *dims, const int64_t *strides)
{
	int64_t s = 1;
	c->n = n;
	c->src_base = c->dst_base = 0;
	for (int k = n - 1; k >= 0; k--) {
		c->dims[k] = dims[k];
		c->src[k] = strides[k];
		c->dst[k] = s;
		s *= dims[k];
	}
}

/* DepthToSpace: Y[n, c, h * b + i, w * b + j] = X[n, channel, h, w] with
 * channel = (i * b + j) * C' + c (DCR) or c * b * b + i * b + j (CRD); the
 * copy walks Y as [N, C', H, b, W, b] (channels-last [N, H, b, W, b, C']). */
int mv_DepthToSpace(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	int64_t b;
	if (block_size(g, op, &b) < 0)
		return -1;
	const char *mode = ir_attr_string(op, "mode", "DCR");
	bool crd = strcmp(mode, "CRD") == 0;
	if (!crd && strcmp(mode, "DCR") != 0)
		return ir_op_error(g->m, op, "unknown mode '%.20s'", mode);
	struct block4 s = block4_of(op, &g->m->values[x].type), d = block4_of(op, &g->m->values[y].type);
	if (s.c % (b * b) != 0 || d.n != s.n || d.c != s.c / (b * b) || d.h != s.h * b ||
	    d.w != s.w * b)
		return ir_op_error(g->m, op, "result shape does not match blocksize %lld", (long long)b);
	int64_t cp = d.c;
	int64_t cs = s.nhwc ? 1 : s.h * s.w, hs = s.nhwc ? s.w * s.c : s.w, ws = s.nhwc ? s.c : 1;
	int64_t sc = crd ? b * b * cs : cs, si = crd ? b * cs : b * cp * cs, sj = crd ? cs : cp * cs;
	int64_t ns = s.c * s.h * s.w;
	int64_t dims_nchw[6] = {s.n, cp, s.h, b, s.w, b}, str_nchw[6] = {ns, sc, hs, si, ws, sj};
	int64_t dims_nhwc[6] = {s.n, s.h, b, s.w, b, cp}, str_nhwc[6] = {ns, hs, si, ws, sj, sc};
	struct mv_copy c;
	set_walk(&c, 6, s.nhwc ? dims_nhwc : dims_nchw, s.nhwc ? str_nhwc : str_nchw);
	return mv_emit_copy(g, y, x, &c);
}

/* SpaceToDepth: Y[n, (i * b + j) * C + c, h, w] = X[n, c, h * b + i, w * b + j];
 * the copy walks Y as [N, b, b, C, H', W'] (channels-last [N, H', W', b, b, C]). */
int mv_SpaceToDepth(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	int64_t b;
	if (block_size(g, op, &b) < 0)
		return -1;
	struct block4 s = block4_of(op, &g->m->values[x].type), d = block4_of(op, &g->m->values[y].type);
	if (s.h % b != 0 || s.w % b != 0 || d.n != s.n || d.c != s.c * b * b || d.h != s.h / b ||
	    d.w != s.w / b)
		return ir_op_error(g->m, op, "result shape does not match blocksize %lld", (long long)b);
	int64_t cs = s.nhwc ? 1 : s.h * s.w, hs = s.nhwc ? s.w * s.c : s.w, ws = s.nhwc ? s.c : 1;
	int64_t ns = s.c * s.h * s.w;
	int64_t dims_nchw[6] = {s.n, b, b, s.c, d.h, d.w}, str_nchw[6] = {ns, hs, ws, cs, b * hs, b * ws};
	int64_t dims_nhwc[6] = {s.n, d.h, d.w, b, b, s.c}, str_nhwc[6] = {ns, b * hs, b * ws, hs, ws, cs};
	struct mv_copy c;
	set_walk(&c, 6, s.nhwc ? dims_nhwc : dims_nchw, s.nhwc ? str_nhwc : str_nchw);
	return mv_emit_copy(g, y, x, &c);
}

/* Expand: Y = X broadcast (numpy rule) to Y's shape; the shape operand is
 * already in Y's type. */
int mv_Expand(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	if (xt->rank > yt->rank)
		return ir_op_error(g->m, op, "result has a lower rank than the input");
	for (int d = 0; d < xt->rank; d++)
		if (xt->dims[d] != 1 && xt->dims[d] != yt->dims[d + yt->rank - xt->rank])
			return ir_op_error(g->m, op, "input does not broadcast to the result's shape");
	struct mv_copy c;
	mv_copy_init(&c, yt);
	cg_broadcast_strides(xt, yt, c.src);
	return mv_emit_copy(g, y, x, &c);
}

/* Tile: Y[i] = X[i mod X dims], Y dims = X dims * repeats. The repeats are in
 * Y's type already; the copy walks Y as [repeats0, dims0, repeats1, dims1, ...]
 * with the repeat dims reading X with stride 0. */
int mv_Tile(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *xt = &g->m->values[x].type, *yt = &g->m->values[y].type;
	int64_t xs[IR_MAX_RANK], dims[MV_MAX_DIMS], strides[MV_MAX_DIMS];
	if (xt->rank != yt->rank)
		return ir_op_error(g->m, op, "result must have the input's rank");
	if (ir_type_numel(yt) == 0)
		return 0;
	cg_strides(xt, xs);
	for (int d = 0; d < xt->rank; d++) {
		if (xt->dims[d] == 0 || yt->dims[d] % xt->dims[d] != 0)
			return ir_op_error(g->m, op, "result dim %d is not a multiple of the input's", d);
		dims[2 * d] = yt->dims[d] / xt->dims[d];
		dims[2 * d + 1] = xt->dims[d];
		strides[2 * d] = 0;
		strides[2 * d + 1] = xs[d];
	}
	struct mv_copy c;
	set_walk(&c, 2 * xt->rank, dims, strides);
	return mv_emit_copy(g, y, x, &c);
}
