/* k_movement.c: LLVM kernels of the movement family (see kernels.h) and the
 * toolkit they share (k_movement.h).
 *
 * Here: the ops that keep the row-major order of the elements and only
 * change the type's shape (Identity, Dropout, Flatten, Reshape, Squeeze,
 * Unsqueeze: one flat copy), and Shape (its result is known at compile time
 * and stored as constants). The other movement ops are in
 * k_movement_layout.c (Transpose, DepthToSpace, SpaceToDepth, Expand, Tile),
 * k_movement_parts.c (Concat, Split, Slice, Gather), k_pad.c and k_resize.c.
 *
 * Every copy is a loop nest written by mv_emit_copy over cg_load/cg_store,
 * so it works for every storage form (bit-packed constants included),
 * except that a run contiguous on both sides between values of one element
 * type becomes one memcpy (of constant size, which LLVM expands inline when
 * short).
 */
#include "k_movement.h"

#include <llvm-c/Target.h>

#include <stdlib.h>

/* ---- strided copies ----------------------------------------------------------- */

void mv_copy_init(struct mv_copy *c, const struct ir_type *t)
{
	c->n = t->rank;
	c->src_base = c->dst_base = 0;
	for (int k = 0; k < t->rank; k++)
		c->dims[k] = t->dims[k];
	cg_strides(t, c->dst);
}

LLVMValueRef mv_add(struct cg *g, LLVMValueRef a, LLVMValueRef b)
{
	return LLVMBuildNSWAdd(g->b, a, b, "");
}

LLVMValueRef mv_mul(struct cg *g, LLVMValueRef a, int64_t k)
{
	if (k == 1)
		return a;
	return LLVMBuildNSWMul(g->b, a, cg_i64(g, k), "");
}

/* Drops dims of size 1 and merges a dim into the next one when both
 * strides continue it; false when c has no element at all. */
static bool simplify(struct mv_copy *c)
{
	int n = 0;
	for (int k = 0; k < c->n; k++) {
		if (c->dims[k] == 0)
			return false;
		if (c->dims[k] == 1)
			continue;
		c->dims[n] = c->dims[k];
		c->src[n] = c->src[k];
		c->dst[n] = c->dst[k];
		n++;
	}
	c->n = n;
	for (int k = n - 2; k >= 0; k--) {
		if (c->src[k] != c->src[k + 1] * c->dims[k + 1] ||
		    c->dst[k] != c->dst[k + 1] * c->dims[k + 1])
			continue;
		c->dims[k] *= c->dims[k + 1];
		c->src[k] = c->src[k + 1];
		c->dst[k] = c->dst[k + 1];
		for (int j = k + 1; j + 1 < c->n; j++) {
			c->dims[j] = c->dims[j + 1];
			c->src[j] = c->src[j + 1];
			c->dst[j] = c->dst[j + 1];
		}
		c->n--;
	}
	return true;
}

/* The innermost dim of c can be one memcpy: dense on both sides, same
 * element type, and the source not a bit-packed constant (cg.h). */
static bool memcpy_run(struct cg *g, int dst, int src, const struct mv_copy *c)
{
	const struct ir_value *sv = &g->m->values[src];
	const struct ir_type *dt = &g->m->values[dst].type, *st = &sv->type;
	bool packed = sv->kind == IR_VALUE_CONST && st->elem == IR_ELEM_INT && st->bits < 8;
	return c->n > 0 && c->src[c->n - 1] == 1 && c->dst[c->n - 1] == 1 &&
	       ir_type_same_elem(st, dt) && !packed;
}

/* Copies n elements (n a constant) from element s of src to element d of dst. */
static void emit_memcpy(struct cg *g, int dst, int src, LLVMValueRef d, LLVMValueRef s, int64_t n)
{
	LLVMTypeRef et = cg_mem_type(g, &g->m->values[dst].type);
	LLVMTargetDataRef layout = LLVMGetModuleDataLayout(g->mod);
	unsigned align = LLVMABIAlignmentOfType(layout, et);
	uint64_t bytes = LLVMABISizeOfType(layout, et) * (uint64_t)n;
	LLVMValueRef dp = LLVMBuildInBoundsGEP2(g->b, et, cg_base(g, dst), &d, 1, "");
	LLVMValueRef sp = LLVMBuildInBoundsGEP2(g->b, et, cg_base(g, src), &s, 1, "");
	LLVMBuildMemCpy(g->b, dp, align, sp, align, cg_i64(g, (int64_t)bytes));
}

int mv_emit_copy(struct cg *g, int dst, int src, struct mv_copy *c)
{
	const struct ir_type *dt = &g->m->values[dst].type, *st = &g->m->values[src].type;
	struct cg_loop loops[MV_MAX_DIMS];
	if (!simplify(c))
		return 0;
	if (!cg_base(g, dst) || !cg_base(g, src))
		return -1;
	LLVMValueRef s = cg_i64(g, c->src_base), d = cg_i64(g, c->dst_base);
	if (memcpy_run(g, dst, src, c)) { /* values never overlap (plan.h) */
		int n = c->n - 1;
		for (int k = 0; k < n; k++) {
			LLVMValueRef i = cg_loop_begin(g, &loops[k], cg_i64(g, c->dims[k]), "i");
			if (c->src[k])
				s = mv_add(g, s, mv_mul(g, i, c->src[k]));
			if (c->dst[k])
				d = mv_add(g, d, mv_mul(g, i, c->dst[k]));
		}
		emit_memcpy(g, dst, src, d, s, c->dims[n]);
		for (int k = n - 1; k >= 0; k--)
			cg_loop_end(g, &loops[k]);
		return 0;
	}
	for (int k = 0; k < c->n; k++) {
		LLVMValueRef i = cg_loop_begin(g, &loops[k], cg_i64(g, c->dims[k]), "i");
		if (c->src[k])
			s = mv_add(g, s, mv_mul(g, i, c->src[k]));
		if (c->dst[k])
			d = mv_add(g, d, mv_mul(g, i, c->dst[k]));
	}
	LLVMValueRef x = cg_load(g, src, s);
	if (!ir_type_same_elem(st, dt))
		x = cg_convert(g, x, st, dt);
	cg_store(g, dst, d, x);
	for (int k = c->n - 1; k >= 0; k--)
		cg_loop_end(g, &loops[k]);
	return 0;
}

bool mv_live(struct cg *g, int v)
{
	if (g->m->values[v].nuses > 0)
		return true;
	for (int i = 0; i < g->m->noutputs; i++)
		if (g->m->outputs[i] == v)
			return true;
	return false;
}

/* ---- compile-time operands and tables --------------------------------------------- */

int mv_known_ints(struct cg *g, const struct ir_op *op, int k, const char *what, int max,
		  const int64_t **v, int *n)
{
	int val = k < op->noperands ? op->operands[k] : IR_NONE;
	if (val == IR_NONE)
		return ir_op_error(g->m, op, "%s is missing", what);
	const struct ir_type *t = &g->m->values[val].type;
	if (t->elem != IR_ELEM_INT || t->rank > 1 || ir_type_numel(t) > max)
		return ir_op_error(g->m, op, "%s must be a list of at most %d integers", what, max);
	*v = ir_known_data(g->m, val);
	if (!*v)
		return g->m->error[0] ? -1
				      : ir_op_error(g->m, op, "%s must be a constant for the LLVM backend",
						    what);
	*n = (int)ir_type_numel(t);
	return 0;
}

static LLVMValueRef table_of(struct cg *g, LLVMTypeRef ty, LLVMValueRef *vals, int64_t n)
{
	LLVMTypeRef at = LLVMArrayType2(ty, (uint64_t)n);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, at, "movement.table");
	LLVMSetInitializer(gv, LLVMConstArray2(ty, vals, (uint64_t)n));
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	return gv;
}

LLVMValueRef mv_table_i64(struct cg *g, const int64_t *v, int64_t n)
{
	LLVMValueRef *vals = malloc((size_t)(n ? n : 1) * sizeof *vals);
	if (!vals)
		abort(); /* out of memory is an environment failure (arena.h) */
	for (int64_t i = 0; i < n; i++)
		vals[i] = cg_i64(g, v[i]);
	LLVMValueRef t = table_of(g, g->t_i64, vals, n);
	free(vals);
	return t;
}

LLVMValueRef mv_table_f64(struct cg *g, const double *v, int64_t n)
{
	LLVMValueRef *vals = malloc((size_t)(n ? n : 1) * sizeof *vals);
	if (!vals)
		abort();
	for (int64_t i = 0; i < n; i++)
		vals[i] = cg_const_real(g->t_f64, v[i]);
	LLVMValueRef t = table_of(g, g->t_f64, vals, n);
	free(vals);
	return t;
}

LLVMValueRef mv_table_load(struct cg *g, LLVMValueRef table, LLVMTypeRef ty, LLVMValueRef index)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, ty, table, &index, 1, "");
	return LLVMBuildLoad2(g->b, ty, p, "");
}

/* ---- ops that keep the element order -------------------------------------------- */

/* Result 0 = operand 0, element by element in row-major order (converted
 * when Identity's types differ, as the interpreter does). */
static int flat_copy(struct cg *g, const struct ir_op *op)
{
	int x = op->operands[0], y = op->results[0];
	const struct ir_type *yt = &g->m->values[y].type;
	int64_t n = ir_type_numel(yt);
	if (ir_type_numel(&g->m->values[x].type) != n)
		return ir_op_error(g->m, op, "result has %lld elements, the input %lld", (long long)n,
				   (long long)ir_type_numel(&g->m->values[x].type));
	struct mv_copy c = {.n = 1, .dims = {n}, .src = {1}, .dst = {1}};
	return mv_emit_copy(g, y, x, &c);
}

/* Dropout (data, ratio, training_mode) -> (output, mask), inference only:
 * output = data, mask all true (shape inference has rejected a training
 * mode known true; one not known at compile time is rejected here). */
static int k_dropout(struct cg *g, const struct ir_op *op)
{
	int training = op->noperands > 2 ? op->operands[2] : IR_NONE;
	if (training != IR_NONE && ir_type_numel(&g->m->values[training].type) > 0) {
		const int64_t *v = ir_known_data(g->m, training);
		if (!v)
			return ir_op_error(g->m, op,
					   "training_mode must be a constant for the LLVM backend");
		if (v[0])
			return ir_op_error(g->m, op, "training_mode is not supported");
	}
	if (flat_copy(g, op) < 0)
		return -1;
	if (op->nresults < 2 || op->results[1] == IR_NONE || !mv_live(g, op->results[1]))
		return 0;
	int mask = op->results[1];
	const struct ir_type *mt = &g->m->values[mask].type;
	int64_t n = ir_type_numel(mt);
	if (n == 0)
		return 0;
	if (!cg_base(g, mask))
		return -1;
	struct cg_loop l;
	LLVMValueRef i = cg_loop_begin(g, &l, cg_i64(g, n), "i");
	cg_store(g, mask, i, cg_const_int(cg_reg_type(g, mt), 1));
	cg_loop_end(g, &l);
	return 0;
}

/* Shape: the result depends only on the operand's type, so it is known at
 * compile time (ir_known_data runs the interpreter's start/end rules). */
static int k_shape(struct cg *g, const struct ir_op *op)
{
	int y = op->results[0];
	const struct ir_type *yt = &g->m->values[y].type;
	const int64_t *v = ir_known_data(g->m, y);
	if (!v)
		return g->m->error[0] ? -1 : ir_op_error(g->m, op, "shape not known at compile time");
	if (yt->elem != IR_ELEM_INT)
		return ir_op_error(g->m, op, "result must be an integer tensor");
	int64_t n = ir_type_numel(yt);
	if (n > 0 && !cg_base(g, y))
		return -1;
	LLVMTypeRef rt = cg_reg_type(g, yt);
	for (int64_t i = 0; i < n; i++)
		cg_store(g, y, cg_i64(g, i), cg_const_int(rt, v[i]));
	return 0;
}

void cg_register_movement(cg_kernel **table)
{
	table[IR_OP_Identity] = flat_copy;
	table[IR_OP_Flatten] = flat_copy;
	table[IR_OP_Reshape] = flat_copy;
	table[IR_OP_Squeeze] = flat_copy;
	table[IR_OP_Unsqueeze] = flat_copy;
	table[IR_OP_Dropout] = k_dropout;
	table[IR_OP_Shape] = k_shape;
	table[IR_OP_Transpose] = mv_Transpose;
	table[IR_OP_DepthToSpace] = mv_DepthToSpace;
	table[IR_OP_SpaceToDepth] = mv_SpaceToDepth;
	table[IR_OP_Expand] = mv_Expand;
	table[IR_OP_Tile] = mv_Tile;
	table[IR_OP_Concat] = mv_Concat;
	table[IR_OP_Split] = mv_Split;
	table[IR_OP_Slice] = mv_Slice;
	table[IR_OP_Gather] = mv_Gather;
	table[IR_OP_Pad] = mv_Pad;
	table[IR_OP_Resize] = mv_Resize;
}
