/* jit.c: the in-memory compilation of jit.h. The module is generated into
 * a thread-safe context owned by the JIT, optimized for the host target
 * machine, and handed to an LLJIT whose symbols resolve against the
 * process (memcpy, memset). Assumes the host is a target LLVM was built for. */
#include "jit.h"
#include "backend.h"

#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define JIT_PREFIX "qonnxc_jit"

typedef int run_v_fn(const float *const *inputs, float *const *outputs, void *workspace);

struct llvm_jit {
	LLVMOrcLLJITRef jit;
	run_v_fn *run_v;
	size_t workspace_bytes;
	void *workspace;
};

static int take_error(struct ir_module *m, LLVMErrorRef e, const char *what)
{
	char *msg = LLVMGetErrorMessage(e);
	ir_error(m, "internal error: %s: %.*s", what, (int)strcspn(msg, "\n"), msg);
	LLVMDisposeErrorMessage(msg);
	return -1;
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path ? path : "model";
}

/* Drops the entry points the JIT never calls (all but _run_v): each would
 * otherwise be optimized and compiled with its own inlined copy of the
 * graph. */
static void keep_run_v(LLVMModuleRef mod)
{
	static const char *const unused[] = {JIT_PREFIX "_run", JIT_PREFIX "_run_q",
					     JIT_PREFIX "_info"};
	for (size_t i = 0; i < sizeof unused / sizeof unused[0]; i++) {
		LLVMValueRef fn = LLVMGetNamedFunction(mod, unused[i]);
		if (fn && !LLVMGetFirstUse(fn))
			LLVMDeleteFunction(fn);
	}
}

/* The optimized module in tsc's context; NULL after an error. */
static LLVMModuleRef build_module(struct ir_module *m, const struct llvm_options *o,
				  LLVMTargetMachineRef tm, LLVMContextRef ctx, int64_t *workspace)
{
	struct model_desc d = {.m = m, .o = o};
	ir_rebuild_uses(m);
	abi_describe(m, &d.abi);
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext(o->source_name, ctx);
	emit_set_target(mod, tm);
	if (codegen_module(&d, ctx, mod) < 0 || emit_verify(m, mod, o) < 0) {
		LLVMDisposeModule(mod);
		return NULL;
	}
	keep_run_v(mod);
	if (emit_optimize(m, mod, tm, o) < 0) {
		LLVMDisposeModule(mod);
		return NULL;
	}
	*workspace = d.workspace_size;
	return mod;
}

/* An LLJIT for tm's target (tm is consumed) that also finds the process's
 * symbols. */
static LLVMOrcLLJITRef make_jit(struct ir_module *m, LLVMTargetMachineRef tm)
{
	LLVMOrcLLJITBuilderRef b = LLVMOrcCreateLLJITBuilder();
	LLVMOrcLLJITBuilderSetJITTargetMachineBuilder(
		b, LLVMOrcJITTargetMachineBuilderCreateFromTargetMachine(tm));
	LLVMOrcLLJITRef jit = NULL;
	LLVMErrorRef e = LLVMOrcCreateLLJIT(&jit, b);
	if (e) {
		take_error(m, e, "starting the JIT");
		return NULL;
	}
	LLVMOrcDefinitionGeneratorRef gen = NULL;
	e = LLVMOrcCreateDynamicLibrarySearchGeneratorForProcess(
		&gen, LLVMOrcLLJITGetGlobalPrefix(jit), NULL, NULL);
	if (e) {
		take_error(m, e, "looking up the process's symbols");
		LLVMOrcDisposeLLJIT(jit);
		return NULL;
	}
	LLVMOrcJITDylibAddGenerator(LLVMOrcLLJITGetMainJITDylib(jit), gen);
	return jit;
}

/* Adds the generated module to jit and finds the entry point. */
static int load(struct ir_module *m, struct llvm_jit *j, const struct llvm_options *o,
		LLVMTargetMachineRef tm, int64_t *workspace)
{
	LLVMOrcThreadSafeContextRef tsc = LLVMOrcCreateNewThreadSafeContext();
	LLVMModuleRef mod =
		build_module(m, o, tm, LLVMOrcThreadSafeContextGetContext(tsc), workspace);
	if (!mod) {
		LLVMOrcDisposeThreadSafeContext(tsc);
		return -1;
	}
	LLVMOrcThreadSafeModuleRef tsm = LLVMOrcCreateNewThreadSafeModule(mod, tsc);
	LLVMOrcDisposeThreadSafeContext(tsc); /* the module keeps it alive */
	LLVMErrorRef e = LLVMOrcLLJITAddLLVMIRModule(j->jit, LLVMOrcLLJITGetMainJITDylib(j->jit), tsm);
	if (e)
		return take_error(m, e, "adding the model to the JIT");
	LLVMOrcExecutorAddress addr = 0;
	e = LLVMOrcLLJITLookup(j->jit, &addr, JIT_PREFIX "_run_v");
	if (e)
		return take_error(m, e, "compiling the model in the JIT");
	j->run_v = (run_v_fn *)(uintptr_t)addr;
	return 0;
}

/* A workspace of `bytes`; a large one in huge pages where the system
 * grants them, so that the first run does not fault in thousands of small
 * pages (an 8 MB workspace: about 2000). */
static void *alloc_workspace(size_t bytes)
{
	enum { HUGE = 2 << 20 };
	size_t align = bytes >= HUGE ? HUGE : 64;
	bytes = (bytes + align - 1) / align * align;
	void *p = aligned_alloc(align, bytes ? bytes : align);
	if (!p)
		abort();
#ifdef MADV_HUGEPAGE
	if (align == HUGE)
		madvise(p, bytes, MADV_HUGEPAGE); /* only advice: failure changes nothing */
#endif
	return p;
}

struct llvm_jit *llvm_jit_compile(struct ir_module *m, int opt_level, const char *mattr)
{
	struct llvm_options o = {
		.prefix = JIT_PREFIX,
		.opt_level = opt_level,
		.features = mattr,
		.emit = LLVM_EMIT_OBJ,
		.source_name = base_name(m->path),
		.version = "jit",
	};
	char err[512] = "";
	emit_init_targets();
	LLVMTargetMachineRef tm = emit_target_machine(&o, err, sizeof err);
	LLVMTargetMachineRef jit_tm = emit_target_machine(&o, err, sizeof err);
	if (!tm || !jit_tm) {
		ir_error(m, "internal error: no target machine for the host: %s", err);
		goto fail_tm;
	}
	struct llvm_jit *j = calloc(1, sizeof *j);
	if (!j)
		abort();
	int64_t workspace = 0;
	if (!(j->jit = make_jit(m, jit_tm)) || load(m, j, &o, tm, &workspace) < 0)
		goto fail;
	LLVMDisposeTargetMachine(tm);
	j->workspace_bytes = (size_t)workspace;
	j->workspace = alloc_workspace(j->workspace_bytes);
	return j;
fail: /* make_jit consumed jit_tm */
	if (j->jit)
		LLVMOrcDisposeLLJIT(j->jit);
	free(j);
	LLVMDisposeTargetMachine(tm);
	return NULL;
fail_tm:
	if (tm)
		LLVMDisposeTargetMachine(tm);
	if (jit_tm)
		LLVMDisposeTargetMachine(jit_tm);
	return NULL;
}

int llvm_jit_run(struct llvm_jit *j, const float *const *inputs, float *const *outputs)
{
	return j->run_v(inputs, outputs, j->workspace);
}

int llvm_jit_run_in(struct llvm_jit *j, void *workspace, const float *const *inputs,
		    float *const *outputs)
{
	return j->run_v(inputs, outputs, workspace);
}

void *llvm_jit_workspace_new(const struct llvm_jit *j)
{
	return alloc_workspace(j->workspace_bytes);
}

void llvm_jit_workspace_free(void *workspace)
{
	free(workspace);
}

void llvm_jit_free(struct llvm_jit *j)
{
	if (!j)
		return;
	LLVMErrorRef e = LLVMOrcDisposeLLJIT(j->jit);
	if (e)
		LLVMConsumeError(e);
	free(j->workspace);
	free(j);
}
