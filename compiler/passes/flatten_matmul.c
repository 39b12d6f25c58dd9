/* flatten_matmul.c: a channels-last tensor flattened into a fully connected
 * layer needs no Transpose (channels_last.h).
 *
 * Flatten(Transpose(x, p)) (or a Reshape to the same 2-D shape) orders the
 * columns c, h, w; Flatten(x) orders the same elements h, w, c. The two
 * differ by a permutation of the columns, idx[j] = the column of
 * Flatten(Transpose(x, p)) that column j of Flatten(x) holds. When every use
 * of the flattened tensor is
 *   MatMul(flat, B) or Gemm(flat, B, C) with transA = 0, B computed from
 *     constants (a weight and its quantizer): B's rows (columns with transB)
 *     are permuted at compile time, since flat * B = flat[:, idx] * B[idx, :];
 *   an element-wise op with constant other operands (a bias, a quantizer):
 *     their per-column values are permuted and its uses checked in turn;
 * then x is flattened directly and the Transpose is no longer needed there.
 * The Flatten must keep the leading axes (p fixes the axes before the
 * flattening axis), which holds for the NCHW <-> NHWC permutations.
 */
#include "channels_last.h"

#include <string.h>

enum { MAX_DEPTH = 16 };

static bool fixes_prefix(const struct chl_perm *p, int a)
{
	for (int k = 0; k < a; k++)
		if (p->p[k] != k)
			return false;
	return true;
}

/* The flattening axis a of op f on logical (Transpose-d) input type t with
 * 2-D result out: out = [prod(t[0:a]), prod(t[a:])] and p fixes t[0:a]; -1
 * if there is none. */
static int split_point(const struct ir_op *f, const struct ir_type *t, const struct chl_perm *p,
		       const struct ir_type *out)
{
	int r = t->rank;
	if (out->rank != 2)
		return -1;
	if (f->code == IR_OP_Flatten) {
		int64_t a = ir_attr_int(f, "axis", 1);
		a = a < 0 ? a + r : a;
		return a >= 0 && a < r && fixes_prefix(p, (int)a) ? (int)a : -1;
	}
	for (int a = r - 1; a >= 0; a--) {
		int64_t rows = 1;
		for (int k = 0; k < a; k++)
			rows *= t->dims[k];
		if (rows == out->dims[0] && fixes_prefix(p, a))
			return a;
	}
	return -1;
}

/* ---- permuting a weight's rows at compile time ------------------------------------ */

static bool gather_ok(struct ir_module *m, int v, int axis, int depth)
{
	int src;
	struct chl_perm r;
	if (m->values[v].type.quant)
		return false;
	if (m->values[v].kind == IR_VALUE_CONST)
		return true;
	if (depth > MAX_DEPTH)
		return false;
	if (chl_transpose_of(m, v, &src, &r))
		return gather_ok(m, src, r.p[axis], depth + 1);
	int o = chl_def(m, v);
	if (o == IR_NONE || chl_move_kind(&m->ops[o]) != MOVE_ELEMENTWISE || m->ops[o].nresults != 1)
		return false;
	int re = m->values[v].type.rank;
	for (int k = 0; k < m->ops[o].noperands; k++) {
		int u = m->ops[o].operands[k];
		if (u == IR_NONE)
			continue;
		const struct ir_type *t = &m->values[u].type;
		int au = axis - (re - t->rank);
		if (au >= 0 && t->dims[au] != 1 && !gather_ok(m, u, au, depth + 1))
			return false;
	}
	return true;
}

/* A new constant: constant c with index j along axis taken from idx[j]. */
static int gathered_const(struct ir_module *m, int c, int axis, const int64_t *idx)
{
	struct ir_type t = m->values[c].type;
	size_t esz = ir_storage_size(t.elem);
	int64_t outer = 1, len = t.dims[axis], inner = 1;
	for (int k = 0; k < axis; k++)
		outer *= t.dims[k];
	for (int k = axis + 1; k < t.rank; k++)
		inner *= t.dims[k];
	int n = ir_add_const(m, arena_printf(&m->arena, "%s_cl", m->values[c].name), &t, NULL);
	if (n < 0)
		return -1;
	const char *src = m->values[c].data;
	char *dst = m->values[n].data;
	for (int64_t o = 0; o < outer; o++)
		for (int64_t j = 0; j < len; j++)
			memcpy(dst + (size_t)((o * len + j) * inner) * esz,
			       src + (size_t)((o * len + idx[j]) * inner) * esz, (size_t)inner * esz);
	return n;
}

/* A value equal to v with index j along axis taken from idx[j]; v passed
 * gather_ok. -1 after an error. */
static int gather_value(struct ir_module *m, int v, int axis, const int64_t *idx)
{
	int src;
	struct chl_perm r;
	if (m->values[v].kind == IR_VALUE_CONST)
		return gathered_const(m, v, axis, idx);
	if (chl_transpose_of(m, v, &src, &r)) {
		int g = gather_value(m, src, r.p[axis], idx);
		return g < 0 ? -1 : chl_form(m, g, &r);
	}
	int o = chl_def(m, v), re = m->values[v].type.rank, n = m->ops[o].noperands;
	int *operands = arena_alloc(&m->arena, (size_t)n * sizeof *operands + 1);
	for (int k = 0; k < n; k++) {
		int u = m->ops[o].operands[k];
		operands[k] = u;
		if (u == IR_NONE)
			continue;
		const struct ir_type *t = &m->values[u].type;
		int au = axis - (re - t->rank);
		if (au >= 0 && t->dims[au] != 1 && (operands[k] = gather_value(m, u, au, idx)) < 0)
			return -1;
	}
	return chl_clone_op(m, o, operands, "cl");
}

/* ---- the uses of the flattened tensor ----------------------------------------------- */

/* Operand 1 of MatMul/Gemm op, and the axis of it that meets the columns. */
static bool weight_axis(const struct ir_op *op, int *axis)
{
	if (op->code == IR_OP_MatMul) {
		*axis = 0;
		return true;
	}
	if (op->code != IR_OP_Gemm || ir_attr_int(op, "transA", 0) != 0)
		return false;
	*axis = ir_attr_int(op, "transB", 0) ? 1 : 0;
	return true;
}

static bool cols_ok(struct ir_module *m, int v, int depth)
{
	int n;
	const struct ir_type *vt = &m->values[v].type;
	if (depth > MAX_DEPTH || chl_is_output(m, v) || m->values[v].nuses == 0)
		return false;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int i = 0; i < n; i++) {
		const struct ir_op *op = &m->ops[u[i].op];
		int axis;
		if (weight_axis(op, &axis)) {
			int b = op->operands[1];
			if (u[i].operand != 0 || m->values[b].type.rank != 2 ||
			    m->values[b].type.dims[axis] != vt->dims[1] || !chl_const_rooted(m, b) ||
			    !gather_ok(m, b, axis, 0))
				return false;
			continue;
		}
		if (chl_move_kind(op) != MOVE_ELEMENTWISE || op->nresults != 1 ||
		    !ir_type_equal(&m->values[op->results[0]].type, vt))
			return false;
		for (int k = 0; k < op->noperands; k++) {
			int c = op->operands[k];
			if (c != IR_NONE && c != v && m->values[c].kind != IR_VALUE_CONST &&
			    ir_type_numel(&m->values[c].type) != 1)
				return false;
		}
		if (!cols_ok(m, op->results[0], depth + 1))
			return false;
	}
	return true;
}

/* Permutes what the uses of v (checked by cols_ok) hold per column. */
static int rewrite_cols(struct ir_module *m, int v, const int64_t *idx, int64_t ncols)
{
	int n;
	const struct ir_use *u = ir_uses(m, v, &n);
	int *users = arena_alloc(&m->arena, (size_t)n * sizeof *users + 1);
	for (int i = 0; i < n; i++)
		users[i] = u[i].op;
	for (int i = 0; i < n; i++) {
		int o = users[i], axis, w;
		if (i > 0 && users[i] == users[i - 1])
			continue;
		if (weight_axis(&m->ops[o], &axis)) {
			if ((w = gather_value(m, m->ops[o].operands[1], axis, idx)) < 0)
				return -1;
			m->ops[o].operands[1] = w;
			ir_rebuild_uses(m);
			continue;
		}
		for (int k = 0; k < m->ops[o].noperands; k++) {
			int c = m->ops[o].operands[k];
			if (c == IR_NONE || c == v || m->values[c].kind != IR_VALUE_CONST)
				continue;
			const struct ir_type *t = &m->values[c].type;
			if (t->rank < 1 || t->dims[t->rank - 1] != ncols || ncols == 1)
				continue;
			if ((w = gathered_const(m, c, t->rank - 1, idx)) < 0)
				return -1;
			m->ops[o].operands[k] = w;
		}
		ir_rebuild_uses(m);
		if (rewrite_cols(m, m->ops[o].results[0], idx, ncols) < 0)
			return -1;
	}
	return 0;
}

/* idx for x (physical) and p, flattened from axis a: column j of Flatten(x)
 * is column idx[j] of Flatten(Transpose(x, p)). */
static int64_t *column_map(struct ir_module *m, const struct ir_type *x, const struct chl_perm *p,
			   int a, int64_t *ncols)
{
	struct chl_perm inner = {.rank = p->rank - a};
	int64_t dims[IR_MAX_RANK];
	for (int k = a; k < p->rank; k++) {
		inner.p[k - a] = p->p[k] - a;
		dims[k - a] = x->dims[p->p[k]];
	}
	struct ir_type logical = ir_type_int(64, true, inner.rank, dims);
	*ncols = ir_type_numel(&logical);
	int64_t *iota = arena_alloc(&m->arena, (size_t)*ncols * sizeof *iota + 1);
	int64_t *idx = arena_alloc(&m->arena, (size_t)*ncols * sizeof *idx + 1);
	for (int64_t j = 0; j < *ncols; j++)
		iota[j] = j;
	struct chl_perm back = chl_perm_inverse(&inner);
	chl_perm_data(&logical, iota, &back, idx);
	return idx;
}

/* Rewrites Flatten/Reshape op f of Transpose(x, p) into Flatten(x) when its
 * uses can take permuted columns: 1, 0 when not, -1 after an error. */
static int flatten(struct ir_module *m, int f)
{
	int t = m->ops[f].operands[0], y = m->ops[f].results[0], x;
	struct chl_perm p;
	if (!chl_transpose_of(m, t, &x, &p) || chl_perm_is_trivial(&m->values[x].type, &p) ||
	    !chl_plain_types(m, &m->ops[f]))
		return 0;
	int a = split_point(&m->ops[f], &m->values[t].type, &p, &m->values[y].type);
	if (a < 0 || !cols_ok(m, y, 0))
		return 0;
	int64_t ncols;
	const int64_t *idx = column_map(m, &m->values[x].type, &p, a, &ncols);
	struct ir_type want = m->values[y].type;
	struct ir_op *op = &m->ops[f];
	op->code = IR_OP_Flatten;
	op->noperands = 1;
	op->operands[0] = x;
	op->nattrs = 0;
	ir_set_attr_int(m, f, "axis", a);
	ir_rebuild_uses(m);
	if (ir_infer_op(m, &m->ops[f]) < 0)
		return -1;
	if (!ir_type_equal(&m->values[y].type, &want))
		return ir_op_error(m, &m->ops[f], "channels-last: flattening changed the shape");
	return rewrite_cols(m, y, idx, ncols) < 0 ? -1 : 1;
}

int chl_flatten_matmul(struct ir_module *m)
{
	int count = 0;
	ir_rebuild_uses(m);
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || (op->code != IR_OP_Flatten && op->code != IR_OP_Reshape))
			continue;
		int r = flatten(m, o);
		if (r < 0)
			return -1;
		count += r;
	}
	return count;
}
