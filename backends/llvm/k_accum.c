/* k_accum.c: accumulators, stack buffers, constant tables and small loop
 * and index helpers of the linalg/pool kernel family (see k_linalg.h).
 *
 * Tables are built from the raw bytes of the elements in their register
 * type (a constant data array), which stays cheap for large weights; this
 * assumes the generated code runs on a little-endian target, the host's
 * byte order (x86-64 and AArch64 both are).
 */
#include "k_linalg.h"

#include <stdlib.h>
#include <string.h>

/* ---- accumulators --------------------------------------------------------- */

bool kl_acc_for(struct cg *g, const struct ir_type *t, struct kl_acc *a)
{
	switch (t->elem) {
	case IR_ELEM_F32:
	case IR_ELEM_F64:
		a->kind = t->elem == IR_ELEM_F32 ? KL_F32 : KL_F64;
		a->ty = g->t_f64;
		a->it = (struct ir_type){.elem = IR_ELEM_F64, .bits = 64};
		a->fma = false;
		return true;
	case IR_ELEM_INT: {
		int bits = t->bits <= 32 ? 32 : 64;
		a->kind = KL_INT;
		a->ty = bits == 32 ? g->t_i32 : g->t_i64;
		a->it = ir_type_int(bits, true, 0, NULL);
		a->fma = false;
		return true;
	}
	case IR_ELEM_BOOL:
		break;
	}
	return false;
}

void kl_acc_sums(struct cg *g, const struct ir_op *op, struct kl_acc *a)
{
	if (a->kind != KL_F32 || op->sums != IR_SUMS_F32_FMA)
		return;
	a->fma = true;
	a->ty = g->t_f32;
	a->it = (struct ir_type){.elem = IR_ELEM_F32, .bits = 32};
}

bool kl_acc_fits(const struct kl_acc *a, const struct ir_type *t)
{
	switch (a->kind) {
	case KL_F32:
		return t->elem == IR_ELEM_F32;
	case KL_F64:
		return t->elem == IR_ELEM_F64;
	case KL_INT:
		return t->elem == IR_ELEM_INT;
	}
	return false;
}

LLVMValueRef kl_acc_in(struct cg *g, const struct kl_acc *a, LLVMValueRef x,
		       const struct ir_type *t)
{
	if (a->kind == KL_INT)
		return cg_widen(g, x, t, a->ty == g->t_i32 ? 32 : 64);
	if (t->elem == IR_ELEM_F32 && !a->fma)
		return LLVMBuildFPExt(g->b, x, g->t_f64, "");
	return x;
}

LLVMValueRef kl_acc_out(struct cg *g, const struct kl_acc *a, LLVMValueRef v,
			const struct ir_type *t)
{
	if (a->kind == KL_INT)
		return cg_convert(g, v, &a->it, t);
	if (t->elem == IR_ELEM_F32 && !a->fma)
		return LLVMBuildFPTrunc(g->b, v, g->t_f32, "");
	return v;
}

LLVMValueRef kl_acc_zero(const struct kl_acc *a)
{
	return a->kind == KL_INT ? cg_const_int(a->ty, 0) : cg_const_real(a->ty, 0.0);
}

LLVMValueRef kl_add(struct cg *g, const struct kl_acc *a, LLVMValueRef x, LLVMValueRef y)
{
	return a->kind == KL_INT ? LLVMBuildAdd(g->b, x, y, "") : LLVMBuildFAdd(g->b, x, y, "");
}

LLVMValueRef kl_mul(struct cg *g, const struct kl_acc *a, LLVMValueRef x, LLVMValueRef y)
{
	return a->kind == KL_INT ? LLVMBuildMul(g->b, x, y, "") : LLVMBuildFMul(g->b, x, y, "");
}

LLVMValueRef kl_muladd(struct cg *g, const struct kl_acc *a, LLVMValueRef acc, LLVMValueRef x,
		       LLVMValueRef y)
{
	if (!a->fma)
		return kl_add(g, a, acc, kl_mul(g, a, x, y));
	return cg_fma(g, x, y, acc);
}

/* ---- buffers -------------------------------------------------------------- */

/* Bytes of one element of a register type (float, double or iN). */
static int64_t elem_bytes(struct cg *g, LLVMTypeRef ty)
{
	if (ty == g->t_f32)
		return 4;
	if (ty == g->t_f64)
		return 8;
	return (LLVMGetIntTypeWidth(ty) + 7) / 8;
}

static void lifetime(struct cg *g, const char *name, LLVMValueRef ptr, int64_t bytes)
{
	LLVMTypeRef tys[1] = {g->t_ptr};
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, tys, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, tys, 1);
	LLVMValueRef args[2] = {cg_i64(g, bytes), ptr};
	LLVMBuildCall2(g->b, fty, fn, args, 2, "");
}

void kl_buf_begin(struct cg *g, struct kl_buf *b, LLVMTypeRef ty, int64_t n, const char *name)
{
	b->ty = ty;
	b->n = n > 0 ? n : 1;
	b->ptr = cg_alloca(g, LLVMArrayType2(ty, (uint64_t)b->n), name);
	LLVMSetAlignment(b->ptr, 32);
	lifetime(g, "llvm.lifetime.start", b->ptr, b->n * elem_bytes(g, ty));
}

void kl_buf_end(struct cg *g, struct kl_buf *b)
{
	lifetime(g, "llvm.lifetime.end", b->ptr, b->n * elem_bytes(g, b->ty));
}

static LLVMValueRef elem_ptr(struct cg *g, LLVMTypeRef ty, LLVMValueRef base, LLVMValueRef i)
{
	return LLVMBuildInBoundsGEP2(g->b, ty, base, &i, 1, "");
}

LLVMValueRef kl_buf_load(struct cg *g, const struct kl_buf *b, LLVMValueRef i)
{
	return LLVMBuildLoad2(g->b, b->ty, elem_ptr(g, b->ty, b->ptr, i), "");
}

void kl_buf_store(struct cg *g, const struct kl_buf *b, LLVMValueRef i, LLVMValueRef x)
{
	LLVMBuildStore(g->b, x, elem_ptr(g, b->ty, b->ptr, i));
}

/* ---- tables --------------------------------------------------------------- */

/* Writes element s of storage-form data of type t at dst, in the register
 * type's bytes (integers truncated to their container). */
static void put_elem(const struct ir_type *t, const void *data, int64_t s, char *dst, int64_t size)
{
	if (t->elem == IR_ELEM_F32) {
		memcpy(dst, (const float *)data + s, 4);
	} else if (t->elem == IR_ELEM_F64) {
		memcpy(dst, (const double *)data + s, 8);
	} else {
		uint64_t v = (uint64_t)((const int64_t *)data)[s];
		for (int64_t b = 0; b < size; b++)
			dst[b] = (char)(unsigned char)(v >> (8 * b));
	}
}

int kl_table_make(struct cg *g, struct kl_table *t, int v, int64_t n, const int64_t *src,
		  const char *name)
{
	const struct ir_type *vt = &g->m->values[v].type;
	if (vt->elem == IR_ELEM_BOOL)
		return -1;
	const void *data = ir_known_data(g->m, v);
	if (!data)
		return -1;
	t->ty = cg_reg_type(g, vt);
	int64_t size = elem_bytes(g, t->ty), bytes = (n > 0 ? n : 1) * size;
	char *buf = calloc((size_t)bytes, 1);
	if (!buf)
		return ir_error(g->m, "out of memory building a table of %lld bytes", (long long)bytes);
	for (int64_t j = 0; j < n; j++)
		put_elem(vt, data, src ? src[j] : j, buf + j * size, size);
	LLVMValueRef init = LLVMConstStringInContext2(g->ctx, buf, (size_t)bytes, 1);
	free(buf);
	t->ptr = LLVMAddGlobal(g->mod, LLVMTypeOf(init), name);
	LLVMSetInitializer(t->ptr, init);
	LLVMSetGlobalConstant(t->ptr, 1);
	LLVMSetLinkage(t->ptr, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(t->ptr, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(t->ptr, 64);
	return 0;
}

LLVMValueRef kl_table_load(struct cg *g, const struct kl_table *t, LLVMValueRef i)
{
	return LLVMBuildLoad2(g->b, t->ty, elem_ptr(g, t->ty, t->ptr, i), "");
}

/* ---- loops and index arithmetic --------------------------------------------- */

LLVMValueRef kl_for_begin(struct cg *g, struct kl_for *f, int64_t n, const char *name)
{
	f->real = n != 1;
	if (!f->real)
		return cg_i64(g, 0);
	return cg_loop_begin(g, &f->l, cg_i64(g, n), name);
}

void kl_for_end(struct cg *g, struct kl_for *f)
{
	if (f->real)
		cg_loop_end(g, &f->l);
}

LLVMValueRef kl_imul(struct cg *g, LLVMValueRef x, int64_t c)
{
	if (c == 0)
		return cg_i64(g, 0);
	if (c == 1)
		return x;
	return LLVMBuildNSWMul(g->b, x, cg_i64(g, c), "");
}

LLVMValueRef kl_iadd(struct cg *g, LLVMValueRef x, LLVMValueRef y)
{
	if (LLVMIsAConstantInt(y) && LLVMConstIntGetSExtValue(y) == 0)
		return x;
	if (LLVMIsAConstantInt(x) && LLVMConstIntGetSExtValue(x) == 0)
		return y;
	return LLVMBuildNSWAdd(g->b, x, y, "");
}

LLVMValueRef kl_iaddc(struct cg *g, LLVMValueRef x, int64_t c)
{
	return kl_iadd(g, x, cg_i64(g, c));
}
