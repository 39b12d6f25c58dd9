/* codegen.c: the LLVM module of a model.
 *
 * One private function runs the whole graph:
 *
 *   i32 graph(ptr in0, ..., ptr out0, ..., ptr workspace, i1 quantized)
 *
 * It checks its pointers (QONNX_ERR_NULL, QONNX_ERR_ALIGN), converts graph
 * inputs that are not f32 into the workspace, runs every op of m->ops in
 * order through its kernel (cg_emit_op), then copies into the output
 * arguments whatever was not computed there directly. With `quantized` set
 * (the _q entry, abi.h) the Quantize of a quantized input is skipped, its
 * result being the caller's integer array, and the Dequantize of a
 * quantized output becomes a copy of its integer operand into the caller's
 * array. The public entry points are thin wrappers around it; P_info returns
 * a read-only description (info.c).
 *
 * Where values live (storage.h): constants in read-only globals; f32 graph
 * inputs in the caller's arrays; f32 results that are graph outputs in the
 * caller's output array; the result of a view (Reshape, Flatten, Squeeze,
 * Unsqueeze, Identity) where its operand lives, the op emitting nothing;
 * everything else in the workspace, at the offsets of the memory plan
 * (plan.c).
 */
#include "backend.h"
#include "kernels.h"
#include "epilogue.h"
#include "float_epilogue.h"
#include "fuse.h"
#include "k_dot.h"
#include "plan.h"
#include "storage.h"

#include <llvm-c/Target.h>
#include <stdlib.h>
#include <string.h>

/* Role of an op in the entry points (see above); a view is not emitted at
 * all, its result sharing its operand's memory. */
enum op_role {
	ROLE_PLAIN, ROLE_QUANTIZE_INPUT, ROLE_DEQUANTIZE_OUTPUT, ROLE_VIEW, ROLE_FUSED, ROLE_FOLDED,
	ROLE_CHAINED
};

struct body {
	LLVMValueRef fn;
	LLVMTypeRef type;
	LLVMValueRef *in, *out, ws, quantized;
	enum op_role *role; /* per op */
	int *role_arg;      /* per op: the input or output index of its role */
};

static void add_attr(struct cg *g, LLVMValueRef fn, unsigned index, const char *name)
{
	unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
	LLVMAddAttributeAtIndex(fn, index, LLVMCreateEnumAttribute(g->ctx, kind, 0));
}

static void init_cg(struct cg *g, struct model_desc *d, LLVMContextRef ctx, LLVMModuleRef mod,
		    struct arena *a)
{
	memset(g, 0, sizeof *g);
	g->m = d->m;
	g->ctx = ctx;
	g->mod = mod;
	g->prefix = d->o->prefix;
	g->b = LLVMCreateBuilderInContext(ctx);
	g->t_i1 = LLVMInt1TypeInContext(ctx);
	g->t_i8 = LLVMInt8TypeInContext(ctx);
	g->t_i16 = LLVMInt16TypeInContext(ctx);
	g->t_i32 = LLVMInt32TypeInContext(ctx);
	g->t_i64 = LLVMInt64TypeInContext(ctx);
	g->t_f32 = LLVMFloatTypeInContext(ctx);
	g->t_f64 = LLVMDoubleTypeInContext(ctx);
	g->t_ptr = LLVMPointerTypeInContext(ctx, 0);
	g->t_void = LLVMVoidTypeInContext(ctx);
	g->storage = arena_alloc(a, sizeof *g->storage * (size_t)(d->m->nvalues + 1));
	g->epilogue_ok = arena_alloc(a, sizeof *g->epilogue_ok * (size_t)(d->m->nops + 1));
	g->epilogue_done = arena_alloc(a, sizeof *g->epilogue_done * (size_t)(d->m->nops + 1));
	g->chained = arena_alloc(a, sizeof *g->chained * (size_t)(d->m->nops + 1));
	g->features = cg_features(a, d->o->triple, d->o->cpu, d->o->features);
	g->verbose = d->o->verbose;
}

/* ---- places and the memory plan ------------------------------------------- */

static void assign_places(struct cg *g, const struct abi *abi, struct body *bd)
{
	struct ir_module *m = g->m;
	for (int v = 0; v < m->nvalues; v++) {
		struct ir_value *val = &m->values[v];
		struct cg_storage *s = &g->storage[v];
		if (val->kind == IR_VALUE_CONST) {
			s->place = CG_PLACE_CONST;
			s->packed = cg_packed_type(&val->type);
		} else if (val->kind == IR_VALUE_RESULT && val->def != IR_NONE &&
			   !m->ops[val->def].dead) {
			s->place = CG_PLACE_WORKSPACE;
		}
	}
	for (int k = 0; k < abi->ninputs; k++) {
		struct cg_storage *s = &g->storage[abi->inputs[k].value];
		bool f32 = abi->inputs[k].type->elem == IR_ELEM_F32;
		s->place = f32 ? CG_PLACE_ARG : CG_PLACE_WORKSPACE;
		s->ptr = f32 ? bd->in[k] : NULL;
		if (abi->inputs[k].quantized) {
			struct cg_storage *q = &g->storage[abi->inputs[k].q_value];
			q->q_ptr = bd->in[k];
			q->q_flag = bd->quantized;
		}
	}
	for (int k = 0; k < abi->noutputs; k++) {
		int v = abi->outputs[k].value;
		struct cg_storage *s = &g->storage[v];
		if (m->values[v].kind == IR_VALUE_RESULT && s->place == CG_PLACE_WORKSPACE &&
		    abi->outputs[k].type->elem == IR_ELEM_F32) {
			s->place = CG_PLACE_ARG;
			s->ptr = bd->out[k];
		}
	}
}

/* Ops whose result is their operand's elements in the same order. */
static bool is_view(const struct ir_op *op)
{
	switch (op->code) {
	case IR_OP_Reshape:
	case IR_OP_Flatten:
	case IR_OP_Squeeze:
	case IR_OP_Unsqueeze:
	case IR_OP_Identity:
		return true;
	default:
		return false;
	}
}

/* Views whose result would go to the workspace share their operand's
 * memory instead when that is the workspace (alias[result] = the root
 * value planned for both) or a caller's array (the result reads it). */
static void find_views(struct cg *g, struct body *bd, int *alias)
{
	struct ir_module *m = g->m;
	for (int v = 0; v < m->nvalues; v++)
		alias[v] = -1;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || !is_view(op) || bd->role[o] != ROLE_PLAIN)
			continue;
		int x = op->operands[0], r = op->results[0];
		struct cg_storage *sx = &g->storage[x], *sr = &g->storage[r];
		if (sr->place != CG_PLACE_WORKSPACE ||
		    !ir_type_same_elem(&m->values[x].type, &m->values[r].type) ||
		    (sx->place != CG_PLACE_WORKSPACE && sx->place != CG_PLACE_ARG))
			continue;
		*sr = *sx;
		if (sx->place == CG_PLACE_WORKSPACE)
			alias[r] = alias[x] >= 0 ? alias[x] : x;
		bd->role[o] = ROLE_VIEW;
	}
}

/* Float scaling chains read only by a Quantize are computed on load
 * (fuse.c): their results take no workspace and their ops emit nothing.
 * The chain must start from a caller's array (a graph input or a view of
 * one), which stays intact until the Quantize reads through the chain: a
 * workspace tensor's bytes could be reused after its last planned reader. */
static void find_fused(struct cg *g, struct body *bd, struct arena *a)
{
	struct ir_module *m = g->m;
	bool *fused = arena_alloc(a, sizeof *fused * (size_t)(m->nops + 1));
	fuse_find(m, fused);
	for (int o = 0; o < m->nops; o++) {
		if (!fused[o]) /* other ops (dead ones too) may lack the operands fuse_source reads */
			continue;
		struct cg_storage *s = &g->storage[m->ops[o].results[0]];
		enum cg_place from = g->storage[fuse_source(m, &m->ops[o])].place;
		if (bd->role[o] != ROLE_PLAIN || s->place != CG_PLACE_WORKSPACE ||
		    (from != CG_PLACE_ARG && from != CG_PLACE_FUSED))
			continue;
		s->place = CG_PLACE_FUSED;
		s->fused_op = o;
		bd->role[o] = ROLE_FUSED;
	}
}

/* Every reader of v is a MatMul taking it as its B operand. */
static bool only_matmul_weights(struct ir_module *m, int v)
{
	int n;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int k = 0; k < n; k++)
		if (m->ops[u[k].op].code != IR_OP_MatMul || m->ops[u[k].op].operands[1] != v ||
		    m->ops[u[k].op].operands[0] == v)
			return false;
	for (int k = 0; k < m->noutputs; k++)
		if (m->outputs[k] == v)
			return false;
	return n > 0;
}

/* A Dequantize of constant integer weights read only by MatMuls (as a
 * float MatMul's B) is itself a constant: the MatMul kernel builds its
 * table of B from the interpreter's evaluation (ir_known_data), so the op
 * need not recompute the floats into the workspace on every run; should a
 * kernel read the value itself, it becomes a read-only global of that
 * evaluation. Other readers keep the integers, stored at their bit width,
 * and the Dequantize. */
static void find_folded(struct cg *g, struct body *bd)
{
	struct ir_module *m = g->m;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead || op->code != IR_OP_Dequantize || bd->role[o] != ROLE_PLAIN ||
		    m->values[op->operands[0]].kind != IR_VALUE_CONST ||
		    !only_matmul_weights(m, op->results[0]))
			continue;
		struct cg_storage *s = &g->storage[op->results[0]];
		if (s->place != CG_PLACE_WORKSPACE || !ir_known_data(m, op->results[0]))
			continue;
		s->place = CG_PLACE_CONST;
		s->packed = false;
		bd->role[o] = ROLE_FOLDED;
	}
}

/* MultiThresholds their producer may compute (epilogue.h): both plain ops,
 * the sums in the workspace, the result in the workspace or a caller's
 * array. The result is then live from the producer on (earliest). */
static void find_epilogues(struct cg *g, struct body *bd, int *earliest)
{
	struct ir_module *m = g->m;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		g->epilogue_ok[o] = g->epilogue_done[o] = false;
		if (bd->role[o] != ROLE_PLAIN || !epilogue_candidate(m, op))
			continue;
		int x = op->operands[0], y = op->results[0], p = m->values[x].def;
		enum cg_place yp = g->storage[y].place;
		if (bd->role[p] != ROLE_PLAIN || g->storage[x].place != CG_PLACE_WORKSPACE ||
		    (yp != CG_PLACE_WORKSPACE && yp != CG_PLACE_ARG))
			continue;
		g->epilogue_ok[o] = true;
		earliest[y] = p + 1;
	}
}

/* Whether the ops from `last` back to its chain's Conv root can be
 * computed by the Conv: all plain, the values between them in the
 * workspace, the last result in the workspace or a caller's array. */
static bool chain_ok(struct cg *g, struct body *bd, int last, int root)
{
	struct ir_module *m = g->m;
	enum cg_place yp = g->storage[m->ops[last].results[0]].place;
	if (bd->role[root] != ROLE_PLAIN || (yp != CG_PLACE_WORKSPACE && yp != CG_PLACE_ARG))
		return false;
	for (int o = last; o != root; o = m->values[m->ops[o].operands[0]].def)
		if (bd->role[o] != ROLE_PLAIN ||
		    g->storage[m->ops[o].operands[0]].place != CG_PLACE_WORKSPACE)
			return false;
	return true;
}

/* Conv -> BatchNormalization/Relu chains (float_epilogue.h): the Conv's
 * kernel computes the chain, whose ops then emit nothing; the values
 * before the chain's last are never stored, and the last is live from the
 * Conv on (earliest). A chain ends where its last result is not read by
 * an op continuing it. */
static void find_chains(struct cg *g, struct body *bd, int *earliest)
{
	struct ir_module *m = g->m;
	for (int o = 0; o < m->nops; o++) {
		int root = fepi_root(m, &m->ops[o]);
		if (root < 0)
			continue;
		int next = ir_single_reader(m, m->ops[o].results[0]);
		if ((next >= 0 && fepi_root(m, &m->ops[next]) == root) || !chain_ok(g, bd, o, root))
			continue;
		earliest[m->ops[o].results[0]] = root + 1;
		for (int c = o; c != root; c = m->values[m->ops[c].operands[0]].def) {
			g->chained[c] = true;
			bd->role[c] = ROLE_CHAINED;
			g->storage[m->ops[c].operands[0]].place = CG_PLACE_NONE;
		}
	}
}

static void plan_workspace(struct cg *g, struct body *bd, struct plan *p, struct arena *a)
{
	struct ir_module *m = g->m;
	int64_t *bytes = arena_alloc(a, sizeof *bytes * (size_t)(m->nvalues + 1));
	int *alias = arena_alloc(a, sizeof *alias * (size_t)(m->nvalues + 1));
	int *earliest = arena_alloc(a, sizeof *earliest * (size_t)(m->nvalues + 1));
	for (int v = 0; v < m->nvalues; v++)
		earliest[v] = -1;
	find_folded(g, bd);
	find_views(g, bd, alias);
	find_fused(g, bd, a);
	find_epilogues(g, bd, earliest);
	find_chains(g, bd, earliest);
	for (int v = 0; v < m->nvalues; v++)
		bytes[v] = g->storage[v].place == CG_PLACE_WORKSPACE
				   ? cg_storage_bytes(&m->values[v].type) : -1;
	plan_build(m, bytes, alias, earliest, p, a);
	for (int v = 0; v < m->nvalues; v++)
		if (g->storage[v].place == CG_PLACE_WORKSPACE) {
			g->storage[v].ptr = bd->ws;
			g->storage[v].offset = p->offset[v];
		}
}

/* ---- copies between the caller's arrays and IR values --------------------- */

/* dst[i] = v[i] converted to type dt, dst an array of dt's memory type. */
static void copy_out(struct cg *g, int v, LLVMValueRef dst, const struct ir_type *dt)
{
	const struct ir_type *t = &g->m->values[v].type;
	struct cg_loop l;
	LLVMValueRef i = cg_loop_begin(g, &l, cg_i64(g, ir_type_numel(t)), "out");
	LLVMValueRef x = cg_convert(g, cg_load(g, v, i), t, dt);
	if (dt->elem == IR_ELEM_BOOL)
		x = LLVMBuildZExt(g->b, x, g->t_i8, "");
	LLVMTypeRef mt = cg_mem_type(g, dt);
	LLVMValueRef st = LLVMBuildStore(g->b, x, LLVMBuildInBoundsGEP2(g->b, mt, dst, &i, 1, ""));
	struct ir_type one = ir_type_with_dims(*dt, 0, NULL);
	LLVMSetAlignment(st, (unsigned)cg_storage_bytes(&one));
	cg_loop_end(g, &l);
}

/* v[i] = src[i] converted from float32. */
static void copy_in(struct cg *g, LLVMValueRef src, int v)
{
	const struct ir_type *t = &g->m->values[v].type;
	struct ir_type f32 = ir_type_f32(0, NULL);
	struct cg_loop l;
	LLVMValueRef i = cg_loop_begin(g, &l, cg_i64(g, ir_type_numel(t)), "in");
	LLVMValueRef x = LLVMBuildLoad2(g->b, g->t_f32,
					LLVMBuildInBoundsGEP2(g->b, g->t_f32, src, &i, 1, ""), "");
	LLVMSetAlignment(x, 4);
	cg_store(g, v, i, cg_convert(g, x, &f32, t));
	cg_loop_end(g, &l);
}

/* ---- the graph function ---------------------------------------------------- */

static void make_body(struct cg *g, const struct abi *abi, struct body *bd, struct arena *a)
{
	int nptr = abi->ninputs + abi->noutputs + 1;
	LLVMTypeRef *params = arena_alloc(a, sizeof *params * (size_t)(nptr + 1));
	for (int k = 0; k < nptr; k++)
		params[k] = g->t_ptr;
	params[nptr] = g->t_i1;
	bd->type = LLVMFunctionType(g->t_i32, params, (unsigned)nptr + 1, 0);
	bd->fn = LLVMAddFunction(g->mod, "graph", bd->type);
	LLVMSetLinkage(bd->fn, LLVMPrivateLinkage);
	add_attr(g, bd->fn, LLVMAttributeFunctionIndex, "nounwind");
	add_attr(g, bd->fn, LLVMAttributeFunctionIndex, "noinline");
	for (int k = 0; k < nptr; k++)
		add_attr(g, bd->fn, (unsigned)k + 1, "noalias");
	bd->in = arena_alloc(a, sizeof *bd->in * (size_t)(abi->ninputs + 1));
	bd->out = arena_alloc(a, sizeof *bd->out * (size_t)(abi->noutputs + 1));
	for (int k = 0; k < abi->ninputs; k++)
		bd->in[k] = LLVMGetParam(bd->fn, (unsigned)k);
	for (int k = 0; k < abi->noutputs; k++)
		bd->out[k] = LLVMGetParam(bd->fn, (unsigned)(abi->ninputs + k));
	bd->ws = LLVMGetParam(bd->fn, (unsigned)nptr - 1);
	bd->quantized = LLVMGetParam(bd->fn, (unsigned)nptr);
	LLVMSetValueName2(bd->ws, "workspace", 9);
	LLVMSetValueName2(bd->quantized, "quantized", 9);
	g->fn = bd->fn;
}

/* The argument checks; leaves the builder where the graph starts. */
static void emit_checks(struct cg *g, const struct abi *abi, struct body *bd, int64_t ws_size)
{
	g->entry = LLVMAppendBasicBlockInContext(g->ctx, bd->fn, "entry");
	LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->ctx, bd->fn, "bad_args");
	LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(g->ctx, bd->fn, "run");
	LLVMPositionBuilderAtEnd(g->b, g->entry);
	LLVMValueRef null = LLVMConstNull(g->t_ptr), bad = LLVMConstInt(g->t_i1, 0, 0);
	for (int k = 0; k < abi->ninputs + abi->noutputs; k++) {
		LLVMValueRef p = k < abi->ninputs ? bd->in[k] : bd->out[k - abi->ninputs];
		bad = LLVMBuildOr(g->b, bad, LLVMBuildICmp(g->b, LLVMIntEQ, p, null, ""), "");
	}
	LLVMValueRef code = LLVMBuildSelect(g->b, bad, cg_i32(g, -1), cg_i32(g, 0), "");
	if (ws_size > 0) {
		LLVMTypeRef ity = LLVMIntPtrTypeInContext(g->ctx, LLVMGetModuleDataLayout(g->mod));
		LLVMValueRef addr = LLVMBuildPtrToInt(g->b, bd->ws, ity, "");
		LLVMValueRef low = LLVMBuildAnd(g->b, addr, LLVMConstInt(ity, PLAN_ALIGN - 1, 0), "");
		LLVMValueRef misaligned = LLVMBuildICmp(g->b, LLVMIntNE, low, LLVMConstInt(ity, 0, 0), "");
		LLVMValueRef ws_null = LLVMBuildICmp(g->b, LLVMIntEQ, bd->ws, null, "");
		code = LLVMBuildSelect(g->b, misaligned, cg_i32(g, -2), code, "");
		code = LLVMBuildSelect(g->b, LLVMBuildOr(g->b, bad, ws_null, ""), cg_i32(g, -1), code, "");
	}
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntNE, code, cg_i32(g, 0), ""), fail, run);
	LLVMPositionBuilderAtEnd(g->b, fail);
	LLVMBuildRet(g->b, code);
	LLVMPositionBuilderAtEnd(g->b, run);
}

static void find_roles(struct ir_module *m, const struct abi *abi, struct body *bd, struct arena *a)
{
	bd->role = arena_alloc(a, sizeof *bd->role * (size_t)(m->nops + 1));
	bd->role_arg = arena_alloc(a, sizeof *bd->role_arg * (size_t)(m->nops + 1));
	for (int k = 0; k < abi->ninputs; k++)
		if (abi->inputs[k].quantized) {
			bd->role[abi->inputs[k].q_op] = ROLE_QUANTIZE_INPUT;
			bd->role_arg[abi->inputs[k].q_op] = k;
		}
	for (int k = 0; k < abi->noutputs; k++)
		if (abi->outputs[k].quantized) {
			bd->role[abi->outputs[k].q_op] = ROLE_DEQUANTIZE_OUTPUT;
			bd->role_arg[abi->outputs[k].q_op] = k;
		}
}

/* One op, with the _q entry's variations. */
static int emit_op(struct cg *g, const struct abi *abi, struct body *bd, int o)
{
	const struct ir_op *op = &g->m->ops[o];
	struct cg_if c;
	switch (bd->role[o]) {
	case ROLE_PLAIN:
		return cg_emit_op(g, op);
	case ROLE_VIEW:
	case ROLE_FUSED:
	case ROLE_FOLDED:
		return 0;
	case ROLE_CHAINED:
		kd_note(g, op, "fused", "computed by the Conv it follows, before the Conv's store");
		return 0;
	case ROLE_QUANTIZE_INPUT:
		break;
	case ROLE_DEQUANTIZE_OUTPUT: {
		const struct abi_tensor *t = &abi->outputs[bd->role_arg[o]];
		cg_if_begin(g, &c, bd->quantized);
		copy_out(g, t->q_value, bd->out[bd->role_arg[o]], t->q_type);
		cg_if_end(g, &c);
		break;
	}
	}
	cg_if_begin(g, &c, LLVMBuildNot(g->b, bd->quantized, ""));
	int rc = cg_emit_op(g, op);
	cg_if_end(g, &c);
	return rc;
}

static int emit_graph(struct cg *g, const struct abi *abi, struct body *bd)
{
	struct ir_module *m = g->m;
	for (int k = 0; k < abi->ninputs; k++)
		if (abi->inputs[k].type->elem != IR_ELEM_F32)
			copy_in(g, LLVMGetParam(bd->fn, (unsigned)k), abi->inputs[k].value);
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && emit_op(g, abi, bd, o) < 0)
			return -1;
	struct ir_type f32 = ir_type_f32(0, NULL);
	for (int k = 0; k < abi->noutputs; k++) {
		struct cg_storage *s = &g->storage[abi->outputs[k].value];
		if (s->place != CG_PLACE_ARG || s->ptr != bd->out[k])
			copy_out(g, abi->outputs[k].value, bd->out[k], &f32);
	}
	LLVMBuildRet(g->b, cg_i32(g, 0));
	return 0;
}

/* ---- entry points ---------------------------------------------------------- */

static LLVMValueRef public_fn(struct cg *g, const char *suffix, LLVMTypeRef type)
{
	char name[160];
	snprintf(name, sizeof name, "%s_%s", g->prefix, suffix);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, type);
	add_attr(g, fn, LLVMAttributeFunctionIndex, "nounwind");
	LLVMPositionBuilderAtEnd(g->b, LLVMAppendBasicBlockInContext(g->ctx, fn, "entry"));
	return fn;
}

static LLVMValueRef ret_call(struct cg *g, struct body *bd, LLVMValueRef *args, int nargs)
{
	LLVMValueRef r = LLVMBuildCall2(g->b, bd->type, bd->fn, args, (unsigned)nargs, "");
	LLVMSetTailCall(r, 1);
	LLVMBuildRet(g->b, r);
	return r;
}

static bool any_quantized(const struct abi *abi)
{
	for (int k = 0; k < abi->ninputs; k++)
		if (abi->inputs[k].quantized)
			return true;
	for (int k = 0; k < abi->noutputs; k++)
		if (abi->outputs[k].quantized)
			return true;
	return false;
}

/* P_run and P_run_q: the graph function's parameters but the flag. When
 * the flag matters (some tensor is quantized), P_run_q gets its own copy of
 * the graph, inlined with the flag set: the float quantization of its
 * integer inputs and dequantization of its integer outputs are then gone
 * from the code it reaches, so on a core without FPU an integer-only model
 * calls no soft-float routine through P_run_q. */
static void entry_direct(struct cg *g, const struct abi *abi, struct body *bd, const char *suffix,
			 bool quantized, struct arena *a)
{
	int nptr = abi->ninputs + abi->noutputs + 1;
	LLVMTypeRef *params = arena_alloc(a, sizeof *params * (size_t)(nptr + 1));
	for (int k = 0; k < nptr; k++)
		params[k] = g->t_ptr;
	LLVMValueRef fn = public_fn(g, suffix, LLVMFunctionType(g->t_i32, params, (unsigned)nptr, 0));
	LLVMValueRef *args = arena_alloc(a, sizeof *args * (size_t)(nptr + 1));
	for (int k = 0; k < nptr; k++)
		args[k] = LLVMGetParam(fn, (unsigned)k);
	args[nptr] = LLVMConstInt(g->t_i1, quantized, 0);
	LLVMValueRef call = ret_call(g, bd, args, nptr + 1);
	if (quantized && any_quantized(abi)) {
		const char *name = "alwaysinline";
		unsigned kind = LLVMGetEnumAttributeKindForName(name, strlen(name));
		LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex,
					 LLVMCreateEnumAttribute(g->ctx, kind, 0));
	}
}

/* P_run_v(inputs, outputs, workspace): pointers from two arrays. */
static void entry_vector(struct cg *g, const struct abi *abi, struct body *bd, struct arena *a)
{
	LLVMTypeRef params[3] = {g->t_ptr, g->t_ptr, g->t_ptr};
	LLVMValueRef fn = public_fn(g, "run_v", LLVMFunctionType(g->t_i32, params, 3, 0));
	LLVMValueRef ins = LLVMGetParam(fn, 0), outs = LLVMGetParam(fn, 1);
	LLVMValueRef null = LLVMConstNull(g->t_ptr), bad = LLVMConstInt(g->t_i1, 0, 0);
	if (abi->ninputs)
		bad = LLVMBuildOr(g->b, bad, LLVMBuildICmp(g->b, LLVMIntEQ, ins, null, ""), "");
	if (abi->noutputs)
		bad = LLVMBuildOr(g->b, bad, LLVMBuildICmp(g->b, LLVMIntEQ, outs, null, ""), "");
	LLVMBasicBlockRef fail = LLVMAppendBasicBlockInContext(g->ctx, fn, "bad_args");
	LLVMBasicBlockRef run = LLVMAppendBasicBlockInContext(g->ctx, fn, "run");
	LLVMBuildCondBr(g->b, bad, fail, run);
	LLVMPositionBuilderAtEnd(g->b, fail);
	LLVMBuildRet(g->b, cg_i32(g, -1));
	LLVMPositionBuilderAtEnd(g->b, run);
	int nptr = abi->ninputs + abi->noutputs;
	LLVMValueRef *args = arena_alloc(a, sizeof *args * (size_t)(nptr + 2));
	for (int k = 0; k < nptr; k++) {
		LLVMValueRef idx = cg_i64(g, k < abi->ninputs ? k : k - abi->ninputs);
		LLVMValueRef at = LLVMBuildInBoundsGEP2(g->b, g->t_ptr, k < abi->ninputs ? ins : outs,
							&idx, 1, "");
		args[k] = LLVMBuildLoad2(g->b, g->t_ptr, at, "");
	}
	args[nptr] = LLVMGetParam(fn, 2);
	args[nptr + 1] = LLVMConstInt(g->t_i1, 0, 0);
	ret_call(g, bd, args, nptr + 2);
}

/* P_info: the address of the read-only description. */
static void entry_info(struct cg *g, const struct model_desc *d)
{
	bool big = LLVMByteOrder(LLVMGetModuleDataLayout(g->mod)) == LLVMBigEndian;
	size_t n;
	uint8_t *bytes = info_bytes(d, big, &n);
	LLVMValueRef init = LLVMConstStringInContext2(g->ctx, (const char *)bytes, n, 1);
	free(bytes);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(init), "info");
	LLVMSetInitializer(gv, init);
	LLVMSetGlobalConstant(gv, 1);
	LLVMSetLinkage(gv, LLVMPrivateLinkage);
	LLVMSetAlignment(gv, 8);
	public_fn(g, "info", LLVMFunctionType(g->t_ptr, NULL, 0, 0));
	LLVMBuildRet(g->b, gv);
}

/* Bytes of constant data in the module so far: the constants storage.c
 * made, and any table a kernel made itself (e.g. weights in another
 * layout). Called before the description is added. */
static int64_t weights_bytes(struct cg *g)
{
	LLVMTargetDataRef td = LLVMGetModuleDataLayout(g->mod);
	int64_t n = 0;
	for (LLVMValueRef gv = LLVMGetFirstGlobal(g->mod); gv; gv = LLVMGetNextGlobal(gv))
		if (LLVMIsGlobalConstant(gv) && LLVMGetInitializer(gv))
			n += (int64_t)LLVMABISizeOfType(td, LLVMGlobalGetValueType(gv));
	return n;
}

int codegen_module(struct model_desc *d, LLVMContextRef ctx, LLVMModuleRef mod)
{
	struct arena a = {0};
	struct cg g;
	struct body bd = {0};
	struct plan plan;
	int rc = -1;
	init_cg(&g, d, ctx, mod, &a);
	make_body(&g, &d->abi, &bd, &a);
	find_roles(d->m, &d->abi, &bd, &a);
	assign_places(&g, &d->abi, &bd);
	plan_workspace(&g, &bd, &plan, &a);
	d->workspace_size = plan.size;
	if (d->o->verbose)
		plan_print(d->m, &plan, d->o->verbose);
	emit_checks(&g, &d->abi, &bd, plan.size);
	if (emit_graph(&g, &d->abi, &bd) < 0)
		goto fail;
	d->weights_size = weights_bytes(&g);
	entry_direct(&g, &d->abi, &bd, "run", false, &a);
	entry_vector(&g, &d->abi, &bd, &a);
	entry_direct(&g, &d->abi, &bd, "run_q", true, &a);
	entry_info(&g, d);
	rc = 0;
fail:
	LLVMDisposeBuilder(g.b);
	arena_free(&a);
	return rc;
}
