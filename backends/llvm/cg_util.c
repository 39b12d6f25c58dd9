/* cg_util.c: the kernel toolkit of cg.h that does not depend on how values
 * are stored: register types and conversions, constants, index arithmetic,
 * loops and conditionals. Assumes g->b is positioned inside g->fn. */
#include "cg.h"

#include <llvm-c/TargetMachine.h>
#include <stdlib.h>
#include <string.h>

/* ---- types ---------------------------------------------------------------- */

int cg_container_bits(int bits)
{
	return bits <= 8 ? 8 : bits <= 16 ? 16 : bits <= 32 ? 32 : 64;
}

LLVMTypeRef cg_reg_type(struct cg *g, const struct ir_type *t)
{
	switch (t->elem) {
	case IR_ELEM_F32:
		return g->t_f32;
	case IR_ELEM_F64:
		return g->t_f64;
	case IR_ELEM_BOOL:
		return g->t_i1;
	case IR_ELEM_INT:
		break;
	}
	return LLVMIntTypeInContext(g->ctx, (unsigned)cg_container_bits(t->bits));
}

static bool is_float(const struct ir_type *t)
{
	return t->elem == IR_ELEM_F32 || t->elem == IR_ELEM_F64;
}

/* Re-extends the low `bits` bits of integer x (held in a wider container)
 * by signedness, so the container holds exactly the value of a b-bit int. */
static LLVMValueRef fit_bits(struct cg *g, LLVMValueRef x, int bits, bool is_signed)
{
	unsigned width = LLVMGetIntTypeWidth(LLVMTypeOf(x));
	if ((unsigned)bits >= width)
		return x;
	LLVMTypeRef ty = LLVMTypeOf(x);
	LLVMValueRef sh = cg_const_int(ty, (int64_t)(width - (unsigned)bits));
	LLVMValueRef up = LLVMBuildShl(g->b, x, sh, "");
	return is_signed ? LLVMBuildAShr(g->b, up, sh, "") : LLVMBuildLShr(g->b, up, sh, "");
}

static LLVMValueRef int_resize(struct cg *g, LLVMValueRef x, bool is_signed, LLVMTypeRef to)
{
	unsigned from_w = LLVMGetIntTypeWidth(LLVMTypeOf(x)), to_w = LLVMGetIntTypeWidth(to);
	if (from_w == to_w)
		return x;
	if (from_w > to_w)
		return LLVMBuildTrunc(g->b, x, to, "");
	return is_signed ? LLVMBuildSExt(g->b, x, to, "") : LLVMBuildZExt(g->b, x, to, "");
}

/* float to integer: truncation toward zero, saturating at the container's
 * range (llvm.fpto[su]i.sat), then fitted to the type's bits. */
static LLVMValueRef float_to_int(struct cg *g, LLVMValueRef x, const struct ir_type *to)
{
	LLVMTypeRef rt = cg_reg_type(g, to);
	const char *name = to->is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat";
	LLVMTypeRef tys[2] = {rt, LLVMTypeOf(x)};
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, tys, 2);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, tys, 2);
	LLVMValueRef r = LLVMBuildCall2(g->b, fty, fn, &x, 1, "");
	return fit_bits(g, r, to->bits, to->is_signed);
}

LLVMValueRef cg_convert(struct cg *g, LLVMValueRef x, const struct ir_type *from,
			const struct ir_type *to)
{
	LLVMTypeRef rt = cg_reg_type(g, to);
	if (to->elem == IR_ELEM_BOOL) {
		if (from->elem == IR_ELEM_BOOL)
			return x;
		if (is_float(from))
			return LLVMBuildFCmp(g->b, LLVMRealUNE, x, cg_const_real(LLVMTypeOf(x), 0), "");
		return LLVMBuildICmp(g->b, LLVMIntNE, x, cg_const_int(LLVMTypeOf(x), 0), "");
	}
	if (is_float(to)) {
		if (is_float(from))
			return from->elem == to->elem ? x
			       : to->elem == IR_ELEM_F64 ? LLVMBuildFPExt(g->b, x, rt, "")
							 : LLVMBuildFPTrunc(g->b, x, rt, "");
		if (from->elem == IR_ELEM_BOOL || !from->is_signed)
			return LLVMBuildUIToFP(g->b, x, rt, "");
		return LLVMBuildSIToFP(g->b, x, rt, "");
	}
	if (is_float(from))
		return float_to_int(g, x, to);
	bool from_signed = from->elem == IR_ELEM_INT && from->is_signed;
	LLVMValueRef r = int_resize(g, x, from_signed, rt);
	int from_bits = from->elem == IR_ELEM_BOOL ? 1 : from->bits;
	if (to->bits < from_bits || to->is_signed != from_signed)
		r = fit_bits(g, r, to->bits, to->is_signed);
	return r;
}

LLVMValueRef cg_splat(struct cg *g, LLVMValueRef x, int n)
{
	LLVMTypeRef vt = LLVMVectorType(LLVMTypeOf(x), (unsigned)n);
	LLVMValueRef v = LLVMBuildInsertElement(g->b, LLVMGetUndef(vt), x, cg_i32(g, 0), "");
	LLVMValueRef zero = LLVMConstNull(LLVMVectorType(g->t_i32, (unsigned)n));
	return LLVMBuildShuffleVector(g->b, v, LLVMGetUndef(vt), zero, "");
}

/* True when the target surely has a fused multiply-add instruction for
 * floats, so llvm.fma does not become a call to fmaf: AArch64, or a feature
 * saying so in the feature list (on 32-bit ARM only when given with
 * --mattr: features a --mcpu implies are not in the list). */
static bool native_fma(const struct cg *g)
{
	const char *triple = LLVMGetTarget(g->mod);
	if (triple && (!strncmp(triple, "aarch64", 7) || !strncmp(triple, "arm64", 5)))
		return true; /* FMADD/FMLA are part of the base instruction set */
	return cg_has_feature(g, "fma") || cg_has_feature(g, "avx512f") ||
	       cg_has_feature(g, "fp-armv8") || cg_has_feature(g, "vfp4") ||
	       cg_has_feature(g, "vfp4sp") || cg_has_feature(g, "vfp4d16sp");
}

/* x * y + z for floats with one rounding, without an FMA instruction and
 * without libm: the product of two floats is exact in double; s = p + z
 * rounded to double and its exact error e (TwoSum) give the sum rounded to
 * odd (when e != 0 and s is even, the neighbour of s toward e, one step of
 * its bit pattern), and rounding that to float is the correctly rounded
 * result, double having more than two bits beyond float's. Infinities and
 * NaN (s not finite) pass through unchanged. */
static LLVMValueRef fma_by_double(struct cg *g, LLVMValueRef x, LLVMValueRef y, LLVMValueRef z)
{
	LLVMTypeRef fty = LLVMTypeOf(x);
	bool vec = LLVMGetTypeKind(fty) == LLVMVectorTypeKind;
	unsigned n = vec ? LLVMGetVectorSize(fty) : 1;
	LLVMTypeRef dty = vec ? LLVMVectorType(g->t_f64, n) : g->t_f64;
	LLVMTypeRef ity = vec ? LLVMVectorType(g->t_i64, n) : g->t_i64;
	LLVMBuilderRef b = g->b;
	LLVMValueRef zd = LLVMBuildFPExt(b, z, dty, "");
	LLVMValueRef p = LLVMBuildFMul(b, LLVMBuildFPExt(b, x, dty, ""), LLVMBuildFPExt(b, y, dty, ""), "");
	LLVMValueRef s = LLVMBuildFAdd(b, p, zd, "");
	LLVMValueRef bv = LLVMBuildFSub(b, s, p, "");
	LLVMValueRef e = LLVMBuildFAdd(b, LLVMBuildFSub(b, p, LLVMBuildFSub(b, s, bv, ""), ""),
				       LLVMBuildFSub(b, zd, bv, ""), "");
	LLVMValueRef zero = LLVMConstNull(dty), izero = LLVMConstNull(ity);
	LLVMValueRef one = vec ? cg_splat(g, cg_i64(g, 1), (int)n) : cg_i64(g, 1);
	LLVMValueRef minus = vec ? cg_splat(g, cg_i64(g, -1), (int)n) : cg_i64(g, -1);
	LLVMValueRef big = LLVMConstReal(g->t_f64, 1.7976931348623157e308);
	if (vec)
		big = cg_splat(g, big, (int)n);
	LLVMValueRef si = LLVMBuildBitCast(b, s, ity, "");
	LLVMValueRef inexact = LLVMBuildFCmp(b, LLVMRealUNE, e, zero, "");
	LLVMValueRef even = LLVMBuildICmp(b, LLVMIntEQ, LLVMBuildAnd(b, si, one, ""), izero, "");
	LLVMValueRef finite = LLVMBuildAnd(b, LLVMBuildFCmp(b, LLVMRealOLE, s, big, ""),
					   LLVMBuildFCmp(b, LLVMRealOGE, s, LLVMBuildFNeg(b, big, ""), ""), "");
	LLVMValueRef signs = LLVMBuildXor(b, si, LLVMBuildBitCast(b, e, ity, ""), "");
	LLVMValueRef same = LLVMBuildICmp(b, LLVMIntSGE, signs, izero, "");
	LLVMValueRef step = LLVMBuildSelect(b, same, one, minus, "");
	LLVMValueRef fix = LLVMBuildAnd(b, LLVMBuildAnd(b, inexact, even, ""), finite, "");
	LLVMValueRef odd = LLVMBuildSelect(b, fix, LLVMBuildAdd(b, si, step, ""), si, "");
	return LLVMBuildFPTrunc(b, LLVMBuildBitCast(b, odd, dty, ""), fty, "");
}

LLVMValueRef cg_fma(struct cg *g, LLVMValueRef x, LLVMValueRef y, LLVMValueRef z)
{
	LLVMTypeRef ty = LLVMTypeOf(x);
	LLVMTypeRef el = LLVMGetTypeKind(ty) == LLVMVectorTypeKind ? LLVMGetElementType(ty) : ty;
	if (el == g->t_f32 && !native_fma(g))
		return fma_by_double(g, x, y, z);
	unsigned id = LLVMLookupIntrinsicID("llvm.fma", strlen("llvm.fma"));
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &ty, 1);
	LLVMTypeRef fty = LLVMIntrinsicGetType(g->ctx, id, &ty, 1);
	LLVMValueRef args[3] = {x, y, z};
	return LLVMBuildCall2(g->b, fty, fn, args, 3, "");
}

LLVMValueRef cg_widen(struct cg *g, LLVMValueRef x, const struct ir_type *t, int n)
{
	LLVMTypeRef ty = n == 32 ? g->t_i32 : g->t_i64;
	if (t->elem == IR_ELEM_BOOL)
		return LLVMBuildZExt(g->b, x, ty, "");
	return int_resize(g, x, t->is_signed, ty);
}

/* ---- constants ------------------------------------------------------------ */

LLVMValueRef cg_const_int(LLVMTypeRef ty, int64_t v)
{
	return LLVMConstInt(ty, (unsigned long long)v, v < 0);
}

LLVMValueRef cg_const_int_array(struct cg *g, LLVMTypeRef ty, const int64_t *v, size_t n,
				const char *name)
{
	LLVMValueRef *vals = malloc((n ? n : 1) * sizeof *vals);
	if (!vals)
		abort();
	for (size_t i = 0; i < n; i++)
		vals[i] = cg_const_int(ty, v[i]);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMArrayType2(ty, n), name);
	LLVMSetInitializer(gv, LLVMConstArray2(ty, vals, n));
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetUnnamedAddress(gv, LLVMGlobalUnnamedAddr);
	LLVMSetAlignment(gv, 64);
	free(vals);
	return gv;
}

LLVMValueRef cg_const_real(LLVMTypeRef ty, double v)
{
	return LLVMConstReal(ty, v);
}

LLVMValueRef cg_i64(struct cg *g, int64_t v)
{
	return cg_const_int(g->t_i64, v);
}

LLVMValueRef cg_i32(struct cg *g, int32_t v)
{
	return cg_const_int(g->t_i32, v);
}

LLVMValueRef cg_alloca(struct cg *g, LLVMTypeRef ty, const char *name)
{
	LLVMBuilderRef b = LLVMCreateBuilderInContext(g->ctx);
	LLVMValueRef first = LLVMGetFirstInstruction(g->entry);
	if (first)
		LLVMPositionBuilderBefore(b, first);
	else
		LLVMPositionBuilderAtEnd(b, g->entry);
	LLVMValueRef slot = LLVMBuildAlloca(b, ty, name);
	LLVMDisposeBuilder(b);
	return slot;
}

/* ---- index arithmetic ----------------------------------------------------- */

void cg_strides(const struct ir_type *t, int64_t *strides)
{
	int64_t s = 1;
	for (int k = t->rank - 1; k >= 0; k--) {
		strides[k] = s;
		s *= t->dims[k];
	}
}

void cg_broadcast_strides(const struct ir_type *from, const struct ir_type *to, int64_t *strides)
{
	int64_t own[IR_MAX_RANK];
	cg_strides(from, own);
	int shift = to->rank - from->rank;
	for (int k = 0; k < to->rank; k++) {
		int j = k - shift;
		strides[k] = j < 0 || from->dims[j] == 1 ? 0 : own[j];
	}
}

LLVMValueRef cg_linear(struct cg *g, int rank, const int64_t *strides, LLVMValueRef const *idx)
{
	LLVMValueRef sum = NULL;
	for (int k = 0; k < rank; k++) {
		if (!strides[k])
			continue;
		LLVMValueRef term = strides[k] == 1 ? idx[k]
						    : LLVMBuildNUWMul(g->b, idx[k], cg_i64(g, strides[k]), "");
		sum = sum ? LLVMBuildNUWAdd(g->b, sum, term, "") : term;
	}
	return sum ? sum : cg_i64(g, 0);
}

/* ---- loops ---------------------------------------------------------------- */

LLVMValueRef cg_loop_begin(struct cg *g, struct cg_loop *l, LLVMValueRef n, const char *name)
{
	LLVMBasicBlockRef pre = LLVMGetInsertBlock(g->b);
	l->head = LLVMAppendBasicBlockInContext(g->ctx, g->fn, name);
	l->body = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "");
	l->latch = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "");
	l->exit = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "");
	LLVMBuildBr(g->b, l->head);
	LLVMPositionBuilderAtEnd(g->b, l->head);
	l->iv = LLVMBuildPhi(g->b, g->t_i64, name);
	LLVMValueRef zero = cg_i64(g, 0);
	LLVMAddIncoming(l->iv, &zero, &pre, 1);
	LLVMValueRef more = LLVMBuildICmp(g->b, LLVMIntSLT, l->iv, n, "");
	LLVMBuildCondBr(g->b, more, l->body, l->exit);
	LLVMPositionBuilderAtEnd(g->b, l->body);
	return l->iv;
}

void cg_loop_end(struct cg *g, struct cg_loop *l)
{
	LLVMBuildBr(g->b, l->latch);
	LLVMPositionBuilderAtEnd(g->b, l->latch);
	LLVMValueRef next = LLVMBuildNSWAdd(g->b, l->iv, cg_i64(g, 1), "");
	LLVMAddIncoming(l->iv, &next, &l->latch, 1);
	LLVMBuildBr(g->b, l->head);
	LLVMPositionBuilderAtEnd(g->b, l->exit);
}

void cg_nest_begin(struct cg *g, struct cg_nest *n, int rank, const int64_t *dims)
{
	n->rank = rank;
	for (int k = 0; k < rank; k++)
		n->iv[k] = cg_loop_begin(g, &n->loop[k], cg_i64(g, dims[k]), "i");
}

void cg_nest_end(struct cg *g, struct cg_nest *n)
{
	for (int k = n->rank - 1; k >= 0; k--)
		cg_loop_end(g, &n->loop[k]);
}

void cg_if_begin(struct cg *g, struct cg_if *c, LLVMValueRef cond)
{
	c->then = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "then");
	c->done = LLVMAppendBasicBlockInContext(g->ctx, g->fn, "endif");
	LLVMBuildCondBr(g->b, cond, c->then, c->done);
	LLVMPositionBuilderAtEnd(g->b, c->then);
}

void cg_if_end(struct cg *g, struct cg_if *c)
{
	LLVMBuildBr(g->b, c->done);
	LLVMPositionBuilderAtEnd(g->b, c->done);
}

/* ---- target features ------------------------------------------------------ */

const char *cg_features(struct arena *a, const char *triple, const char *cpu, const char *mattr)
{
	char *host = LLVMGetDefaultTargetTriple(), *host_norm = LLVMNormalizeTargetTriple(host);
	char *norm = triple ? LLVMNormalizeTargetTriple(triple) : NULL;
	bool is_host = !norm || !strcmp(norm, host_norm);
	char *host_features = is_host && !cpu ? LLVMGetHostCPUFeatures() : NULL;
	size_t n = (host_features ? strlen(host_features) : 0) + (mattr ? strlen(mattr) : 0) + 2;
	char *s = arena_alloc(a, n);
	snprintf(s, n, "%s,%s", host_features ? host_features : "", mattr ? mattr : "");
	LLVMDisposeMessage(host_features);
	LLVMDisposeMessage(norm);
	LLVMDisposeMessage(host_norm);
	LLVMDisposeMessage(host);
	return s;
}

bool cg_has_feature(const struct cg *g, const char *name)
{
	bool on = false;
	size_t len = strlen(name);
	for (const char *s = g->features; s && *s;) {
		size_t n = strcspn(s, ",");
		if (n == len + 1 && (s[0] == '+' || s[0] == '-') && !strncmp(s + 1, name, len))
			on = s[0] == '+';
		s += n + (s[n] == ',');
	}
	return on;
}
