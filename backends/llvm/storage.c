/* storage.c: reading and writing elements of IR values in generated code
 * (cg_base, cg_load, cg_store of cg.h), and the read-only globals that hold
 * constants. The layout of elements is described in storage.h; where each
 * value lives is decided by codegen.c. Constant globals are made the first
 * time a kernel touches a constant, so constants read only at compile time
 * (shapes, axes) never reach the object.
 */
#include "fuse.h"
#include "storage.h"

#include <llvm-c/Target.h>

#include <assert.h>
#include <stdlib.h>
#include <string.h>

LLVMTypeRef cg_mem_type(struct cg *g, const struct ir_type *t)
{
	return t->elem == IR_ELEM_BOOL ? g->t_i8 : cg_reg_type(g, t);
}

static int elem_bytes(const struct ir_type *t)
{
	switch (t->elem) {
	case IR_ELEM_F32:
		return 4;
	case IR_ELEM_F64:
		return 8;
	case IR_ELEM_BOOL:
		return 1;
	case IR_ELEM_INT:
		break;
	}
	return cg_container_bits(t->bits) / 8;
}

int64_t cg_storage_bytes(const struct ir_type *t)
{
	return ir_type_numel(t) * elem_bytes(t);
}

bool cg_packed_type(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT && t->bits < 8;
}

/* ---- constant globals ----------------------------------------------------- */

/* Writes the low `size` bytes of bits at p in the target's byte order. */
static void put_bytes(uint8_t *p, uint64_t bits, int size, bool big_endian)
{
	for (int k = 0; k < size; k++)
		p[big_endian ? size - 1 - k : k] = (uint8_t)(bits >> (8 * k));
}

/* Element i of constant data (storage form, ir.h) as raw bits of its
 * memory layout. */
static uint64_t elem_bits(const struct ir_type *t, const void *data, int64_t i)
{
	if (t->elem == IR_ELEM_F32) {
		uint32_t u;
		memcpy(&u, (const float *)data + i, 4);
		return u;
	}
	if (t->elem == IR_ELEM_F64) {
		uint64_t u;
		memcpy(&u, (const double *)data + i, 8);
		return u;
	}
	int64_t v = ((const int64_t *)data)[i];
	return t->elem == IR_ELEM_BOOL ? (uint64_t)(v != 0) : (uint64_t)v;
}

static int64_t packed_bytes(const struct ir_type *t)
{
	int64_t bits = ir_type_numel(t) * t->bits;
	return (bits + 7) / 8 + (8 % t->bits != 0);
}

static void pack(const struct ir_type *t, const int64_t *data, uint8_t *out)
{
	uint64_t mask = (1u << t->bits) - 1;
	for (int64_t i = 0, n = ir_type_numel(t); i < n; i++) {
		uint64_t pos = (uint64_t)i * t->bits, v = (uint64_t)data[i] & mask;
		out[pos / 8] |= (uint8_t)(v << (pos % 8));
		if (pos % 8 + t->bits > 8)
			out[pos / 8 + 1] |= (uint8_t)(v >> (8 - pos % 8));
	}
}

static LLVMValueRef make_const(struct cg *g, int v)
{
	struct ir_value *val = &g->m->values[v];
	const struct ir_type *t = &val->type;
	struct cg_storage *s = &g->storage[v];
	/* a constant's data, or a folded op result's (codegen.c) */
	const void *data = val->kind == IR_VALUE_CONST ? val->data : ir_known_data(g->m, v);
	bool big = LLVMByteOrder(LLVMGetModuleDataLayout(g->mod)) == LLVMBigEndian;
	int64_t n = ir_type_numel(t), size = s->packed ? packed_bytes(t) : cg_storage_bytes(t);
	int width = elem_bytes(t);
	uint8_t *bytes = calloc((size_t)size + 1, 1);
	if (!bytes)
		abort();
	if (s->packed)
		pack(t, data, bytes);
	else
		for (int64_t i = 0; i < n; i++)
			put_bytes(bytes + i * width, elem_bits(t, data, i), width, big);
	LLVMValueRef init = LLVMConstStringInContext2(g->ctx, (const char *)bytes, (size_t)size, 1);
	free(bytes);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), val->name);
	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(gv, size >= 16 ? 16 : (unsigned)(s->packed ? 1 : width));
	s->ptr = gv;
	return gv;
}

/* ---- element access ------------------------------------------------------- */

LLVMValueRef cg_base(struct cg *g, int v)
{
	struct cg_storage *s = &g->storage[v];
	LLVMValueRef p = NULL;
	switch (s->place) {
	case CG_PLACE_NONE:
		ir_error(g->m, "internal error: value '%s' has no storage", g->m->values[v].name);
		return NULL;
	case CG_PLACE_ARG:
		p = s->ptr;
		break;
	case CG_PLACE_WORKSPACE: {
		LLVMValueRef off = cg_i64(g, s->offset);
		p = LLVMBuildInBoundsGEP2(g->b, g->t_i8, s->ptr, &off, 1, "");
		break;
	}
	case CG_PLACE_CONST:
		p = s->ptr ? s->ptr : make_const(g, v);
		break;
	case CG_PLACE_FUSED:
		return cg_base(g, fuse_source(g->m, &g->m->ops[s->fused_op]));
	}
	if (s->q_ptr)
		p = LLVMBuildSelect(g->b, s->q_flag, s->q_ptr, p, "");
	return p;
}

static LLVMValueRef load_at(struct cg *g, LLVMTypeRef ty, LLVMValueRef base, LLVMValueRef index,
			    unsigned align)
{
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, ty, base, &index, 1, "");
	LLVMValueRef x = LLVMBuildLoad2(g->b, ty, p, "");
	LLVMSetAlignment(x, align);
	return x;
}

/* Element `index` of a bit-packed constant, as an i8 extended from its bits. */
static LLVMValueRef load_packed(struct cg *g, const struct ir_type *t, LLVMValueRef base,
				LLVMValueRef index)
{
	int b = t->bits;
	LLVMValueRef pos = LLVMBuildNUWMul(g->b, index, cg_i64(g, b), "");
	LLVMValueRef byte = LLVMBuildLShr(g->b, pos, cg_i64(g, 3), "");
	LLVMValueRef shift = LLVMBuildAnd(g->b, pos, cg_i64(g, 7), "");
	LLVMValueRef x;
	if (8 % b == 0) {
		x = load_at(g, g->t_i8, base, byte, 1);
		x = LLVMBuildLShr(g->b, x, LLVMBuildTrunc(g->b, shift, g->t_i8, ""), "");
	} else {
		/* the element may straddle bytes byte and byte + 1 */
		LLVMValueRef lo = load_at(g, g->t_i8, base, byte, 1);
		LLVMValueRef next = LLVMBuildNUWAdd(g->b, byte, cg_i64(g, 1), "");
		LLVMValueRef hi = load_at(g, g->t_i8, base, next, 1);
		LLVMValueRef w = LLVMBuildOr(g->b, LLVMBuildZExt(g->b, lo, g->t_i16, ""),
					     LLVMBuildShl(g->b, LLVMBuildZExt(g->b, hi, g->t_i16, ""),
							  cg_const_int(g->t_i16, 8), ""), "");
		w = LLVMBuildLShr(g->b, w, LLVMBuildTrunc(g->b, shift, g->t_i16, ""), "");
		x = LLVMBuildTrunc(g->b, w, g->t_i8, "");
	}
	LLVMValueRef up = cg_const_int(g->t_i8, 8 - b);
	x = LLVMBuildShl(g->b, x, up, "");
	return t->is_signed ? LLVMBuildAShr(g->b, x, up, "") : LLVMBuildLShr(g->b, x, up, "");
}

/* Re-extends an integer read from a caller's array from its type's bits:
 * the caller may pass values outside the type's range, and kernels rely on
 * extended register values. */
static LLVMValueRef fit(struct cg *g, const struct ir_type *t, LLVMValueRef x)
{
	int width = cg_container_bits(t->bits);
	if (t->bits >= width)
		return x;
	LLVMValueRef sh = cg_const_int(LLVMTypeOf(x), width - t->bits);
	x = LLVMBuildShl(g->b, x, sh, "");
	return t->is_signed ? LLVMBuildAShr(g->b, x, sh, "") : LLVMBuildLShr(g->b, x, sh, "");
}

LLVMValueRef cg_load(struct cg *g, int v, LLVMValueRef index)
{
	const struct ir_type *t = &g->m->values[v].type;
	struct cg_storage *s = &g->storage[v];
	if (s->place == CG_PLACE_FUSED)
		return fuse_load(g, &g->m->ops[s->fused_op], index);
	LLVMValueRef base = cg_base(g, v);
	if (!base)
		return LLVMGetUndef(cg_reg_type(g, t));
	if (s->place == CG_PLACE_CONST && s->packed)
		return load_packed(g, t, base, index);
	LLVMValueRef x = load_at(g, cg_mem_type(g, t), base, index, (unsigned)elem_bytes(t));
	if (t->elem == IR_ELEM_BOOL)
		return LLVMBuildICmp(g->b, LLVMIntNE, x, cg_const_int(g->t_i8, 0), "");
	if (s->q_ptr)
		x = fit(g, t, x);
	return x;
}

void cg_store(struct cg *g, int v, LLVMValueRef index, LLVMValueRef x)
{
	const struct ir_type *t = &g->m->values[v].type;
	assert(g->storage[v].place != CG_PLACE_CONST);
	LLVMValueRef base = cg_base(g, v);
	if (!base)
		return;
	if (t->elem == IR_ELEM_BOOL)
		x = LLVMBuildZExt(g->b, x, g->t_i8, "");
	LLVMTypeRef ty = cg_mem_type(g, t);
	LLVMValueRef p = LLVMBuildInBoundsGEP2(g->b, ty, base, &index, 1, "");
	LLVMValueRef st = LLVMBuildStore(g->b, x, p);
	LLVMSetAlignment(st, (unsigned)elem_bytes(t));
}
