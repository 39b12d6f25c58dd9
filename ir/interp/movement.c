/* movement.c: data-movement kernels that rearrange whole tensors (ONNX
 * opset 21): Reshape, Flatten, Squeeze, Unsqueeze (the elements are copied
 * unchanged, the result type already has the new shape), Transpose,
 * DepthToSpace, SpaceToDepth, Concat and Split.
 *
 * Every kernel works for every element type, copying elements by their
 * storage size (ir_storage_size), and checks that the result type is
 * consistent with its operands before copying, so a malformed module cannot
 * make it read or write out of bounds. Slice and Gather are in gather.c, Pad,
 * Expand and Tile in pad.c.
 */
#include "kernels.h"
#include "kernel_util.h"

#include <string.h>

/* x and y must have one element type and, when same_numel, as many elements. */
static int check_copy(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *x,
		      const struct ir_tensor *y, bool same_numel)
{
	if (!x || !ir_type_same_elem(&x->type, &y->type))
		return ir_op_error(m, op, "result element type differs from the input's");
	if (same_numel && ir_tensor_numel(x) != ir_tensor_numel(y))
		return ir_op_error(m, op, "result has %lld elements, the input %lld",
				   (long long)ir_tensor_numel(y), (long long)ir_tensor_numel(x));
	return 0;
}

static int copy_all(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *x,
		    struct ir_tensor *y)
{
	if (check_copy(m, op, x, y, true) < 0)
		return -1;
	memcpy(y->data, x->data, (size_t)ir_tensor_numel(y) * ir_storage_size(y->type.elem));
	return 0;
}

int interp_Reshape(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		   struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	return copy_all(m, op, in[0], out[0]);
}

int interp_Flatten(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		   struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	return copy_all(m, op, in[0], out[0]);
}

int interp_Squeeze(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		   struct ir_tensor *const *out, struct arena *scratch)
{
	(void)scratch;
	return copy_all(m, op, in[0], out[0]);
}

int interp_Unsqueeze(struct ir_module *m, const struct ir_op *op,
		     const struct ir_tensor *const *in, struct ir_tensor *const *out,
		     struct arena *scratch)
{
	(void)scratch;
	return copy_all(m, op, in[0], out[0]);
}

/* ---- Transpose ----------------------------------------------------------- */

/* Transpose: Y dims[k] = X dims[perm[k]]; perm defaults to reversing. */
int interp_Transpose(struct ir_module *m, const struct ir_op *op,
		     const struct ir_tensor *const *in, struct ir_tensor *const *out,
		     struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	int n, r;
	int64_t xs[IR_MAX_RANK], strides[IR_MAX_RANK], perm[IR_MAX_RANK];
	bool seen[IR_MAX_RANK] = {false};
	if (check_copy(m, op, x, y, true) < 0)
		return -1;
	r = x->type.rank;
	const int64_t *p = ir_attr_ints(op, "perm", &n);
	if (p && n != r)
		return ir_op_error(m, op, "perm has %d entries for rank %d", n, r);
	for (int k = 0; k < r; k++) {
		perm[k] = p ? p[k] : r - 1 - k;
		if (perm[k] < 0 || perm[k] >= r || seen[perm[k]])
			return ir_op_error(m, op, "perm is not a permutation of 0..%d", r - 1);
		seen[perm[k]] = true;
	}
	if (y->type.rank != r)
		return ir_op_error(m, op, "result rank differs from the input's");
	ir_type_strides(&x->type, xs);
	for (int k = 0; k < r; k++) {
		if (y->type.dims[k] != x->type.dims[perm[k]])
			return ir_op_error(m, op, "result shape is not the permuted input shape");
		strides[k] = xs[perm[k]];
	}
	interp_strided_copy(y->data, x->data, ir_storage_size(y->type.elem), r, y->type.dims,
			    strides, 0);
	return 0;
}

/* ---- DepthToSpace, SpaceToDepth -------------------------------------------- */

/* The 4-D activation of a block op: batch, channels, height, width, and
 * whether it is channels-last. */
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

/* Checks ranks and the blocksize attribute, and that y is [n, c, h, w] of
 * x's layout. */
static int block_check(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *x,
		       const struct ir_tensor *y, int64_t *b)
{
	if (check_copy(m, op, x, y, true) < 0)
		return -1;
	if (x->type.rank != 4 || y->type.rank != 4)
		return ir_op_error(m, op, "input and result must be 4-D");
	*b = ir_attr_int(op, "blocksize", 0);
	if (*b < 1 || *b > ((int64_t)1 << 20))
		return ir_op_error(m, op, "blocksize must be positive");
	return 0;
}

/* DepthToSpace: Y[n, c, h * b + i, w * b + j] = X[n, channel, h, w] with
 * channel = (i * b + j) * C' + c (DCR) or c * b * b + i * b + j (CRD). The
 * copy walks Y as [N, C', H, b, W, b] (or [N, H, b, W, b, C'] channels-last). */
int interp_DepthToSpace(struct ir_module *m, const struct ir_op *op,
			const struct ir_tensor *const *in, struct ir_tensor *const *out,
			struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	int64_t b;
	if (block_check(m, op, x, y, &b) < 0)
		return -1;
	const char *mode = ir_attr_string(op, "mode", "DCR");
	bool crd = strcmp(mode, "CRD") == 0;
	if (!crd && strcmp(mode, "DCR") != 0)
		return ir_op_error(m, op, "unknown mode '%.20s'", mode);
	struct block4 s = block4_of(op, &x->type), d = block4_of(op, &y->type);
	if (s.c % (b * b) != 0 || d.n != s.n || d.c != s.c / (b * b) || d.h != s.h * b ||
	    d.w != s.w * b)
		return ir_op_error(m, op, "result shape does not match blocksize %lld", (long long)b);
	int64_t cp = d.c;
	/* input strides of the channel components c', i, j and of h, w */
	int64_t cs = s.nhwc ? 1 : s.h * s.w, hs = s.nhwc ? s.w * s.c : s.w, ws = s.nhwc ? s.c : 1;
	int64_t sc = crd ? b * b * cs : cs, si = crd ? b * cs : b * cp * cs, sj = crd ? cs : cp * cs;
	int64_t ns = s.c * s.h * s.w;
	int64_t dims_nchw[6] = {s.n, cp, s.h, b, s.w, b}, str_nchw[6] = {ns, sc, hs, si, ws, sj};
	int64_t dims_nhwc[6] = {s.n, s.h, b, s.w, b, cp}, str_nhwc[6] = {ns, hs, si, ws, sj, sc};
	interp_strided_copy(y->data, x->data, ir_storage_size(y->type.elem), 6,
			    s.nhwc ? dims_nhwc : dims_nchw, s.nhwc ? str_nhwc : str_nchw, 0);
	return 0;
}

/* SpaceToDepth: Y[n, (i * b + j) * C + c, h, w] = X[n, c, h * b + i, w * b + j].
 * The copy walks Y as [N, b, b, C, H', W'] (or [N, H', W', b, b, C]). */
int interp_SpaceToDepth(struct ir_module *m, const struct ir_op *op,
			const struct ir_tensor *const *in, struct ir_tensor *const *out,
			struct arena *scratch)
{
	(void)scratch;
	const struct ir_tensor *x = in[0];
	struct ir_tensor *y = out[0];
	int64_t b;
	if (block_check(m, op, x, y, &b) < 0)
		return -1;
	struct block4 s = block4_of(op, &x->type), d = block4_of(op, &y->type);
	if (s.h % b != 0 || s.w % b != 0 || d.n != s.n || d.c != s.c * b * b || d.h != s.h / b ||
	    d.w != s.w / b)
		return ir_op_error(m, op, "result shape does not match blocksize %lld", (long long)b);
	int64_t cs = s.nhwc ? 1 : s.h * s.w, hs = s.nhwc ? s.w * s.c : s.w, ws = s.nhwc ? s.c : 1;
	int64_t ns = s.c * s.h * s.w;
	int64_t dims_nchw[6] = {s.n, b, b, s.c, d.h, d.w}, str_nchw[6] = {ns, hs, ws, cs, b * hs, b * ws};
	int64_t dims_nhwc[6] = {s.n, d.h, d.w, b, b, s.c}, str_nhwc[6] = {ns, b * hs, b * ws, hs, ws, cs};
	interp_strided_copy(y->data, x->data, ir_storage_size(y->type.elem), 6,
			    s.nhwc ? dims_nhwc : dims_nchw, s.nhwc ? str_nhwc : str_nchw, 0);
	return 0;
}

/* ---- Concat, Split ---------------------------------------------------------- */

/* Normalizes the op's axis attribute (default def) for rank r. */
static int read_axis(struct ir_module *m, const struct ir_op *op, int r, int64_t def, int *axis)
{
	int64_t a = ir_attr_int(op, "axis", def);
	if (a < -r || a >= r)
		return ir_op_error(m, op, "axis %lld out of range for rank %d", (long long)a, r);
	*axis = (int)(a < 0 ? a + r : a);
	return 0;
}

/* part has whole's rank and element type and its dims except along axis. */
static int check_part(struct ir_module *m, const struct ir_op *op, const struct ir_type *part,
		      const struct ir_type *whole, int axis)
{
	if (!ir_type_same_elem(part, whole) || part->rank != whole->rank)
		return ir_op_error(m, op, "parts must have the element type and rank of the whole");
	for (int d = 0; d < whole->rank; d++)
		if (d != axis && part->dims[d] != whole->dims[d])
			return ir_op_error(m, op, "parts differ in a dimension other than the axis");
	return 0;
}

/* The whole is outer blocks of dims[axis] * inner elements; part k is
 * outer blocks of its own dims[axis] * inner at offset (sum of earlier parts'
 * dims[axis]) * inner within each block. Copies in either direction. */
static void copy_parts(char *whole, const struct ir_type *wt, char *const *parts,
		       const struct ir_type *const *pt, int nparts, int axis, bool gather)
{
	size_t esz = ir_storage_size(wt->elem);
	int64_t outer = 1, inner = 1, offset = 0;
	for (int d = 0; d < axis; d++)
		outer *= wt->dims[d];
	for (int d = axis + 1; d < wt->rank; d++)
		inner *= wt->dims[d];
	for (int k = 0; k < nparts; k++) {
		int64_t chunk = pt[k]->dims[axis] * inner;
		for (int64_t o = 0; o < outer; o++) {
			char *w = whole + (size_t)((o * wt->dims[axis]) * inner + offset) * esz;
			char *p = parts[k] + (size_t)(o * chunk) * esz;
			if (gather)
				memcpy(w, p, (size_t)chunk * esz);
			else
				memcpy(p, w, (size_t)chunk * esz);
		}
		offset += chunk;
	}
}

/* Concat: Y = the operands joined along axis. */
int interp_Concat(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		  struct ir_tensor *const *out, struct arena *scratch)
{
	struct ir_tensor *y = out[0];
	int axis = 0, n = op->noperands;
	int64_t total = 0;
	if (read_axis(m, op, y->type.rank, 0, &axis) < 0)
		return -1;
	char **parts = arena_alloc(scratch, (size_t)n * sizeof *parts);
	const struct ir_type **types = arena_alloc(scratch, (size_t)n * sizeof *types);
	for (int k = 0; k < n; k++) {
		if (!in[k])
			return ir_op_error(m, op, "missing operand %d", k);
		if (check_part(m, op, &in[k]->type, &y->type, axis) < 0)
			return -1;
		total += in[k]->type.dims[axis];
		parts[k] = in[k]->data;
		types[k] = &in[k]->type;
	}
	if (total != y->type.dims[axis])
		return ir_op_error(m, op, "operands add up to %lld along the axis, the result has %lld",
				   (long long)total, (long long)y->type.dims[axis]);
	copy_parts(y->data, &y->type, parts, types, n, axis, true);
	return 0;
}

/* Split: the results are consecutive pieces of the input along axis (their
 * sizes are in their types; the optional split operand agrees with them). */
int interp_Split(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
		 struct ir_tensor *const *out, struct arena *scratch)
{
	const struct ir_tensor *x = in[0];
	int axis = 0, n = op->nresults;
	int64_t total = 0;
	if (!x)
		return ir_op_error(m, op, "missing operand");
	if (read_axis(m, op, x->type.rank, 0, &axis) < 0)
		return -1;
	char **parts = arena_alloc(scratch, (size_t)n * sizeof *parts);
	const struct ir_type **types = arena_alloc(scratch, (size_t)n * sizeof *types);
	for (int k = 0; k < n; k++) {
		if (check_part(m, op, &out[k]->type, &x->type, axis) < 0)
			return -1;
		total += out[k]->type.dims[axis];
		parts[k] = out[k]->data;
		types[k] = &out[k]->type;
	}
	if (total != x->type.dims[axis])
		return ir_op_error(m, op, "results add up to %lld along the axis, the input has %lld",
				   (long long)total, (long long)x->type.dims[axis]);
	copy_parts(x->data, &x->type, parts, types, n, axis, false);
	return 0;
}
