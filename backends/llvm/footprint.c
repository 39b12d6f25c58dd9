/* footprint.c: what a compiled model costs on its target besides its
 * weights and workspace: bytes of code and worst-case bytes of stack.
 *
 * Code: the sizes of the object's executable sections (".text*" in ELF and
 * COFF, "__text" in Mach-O).
 *
 * Stack: the code generator knows each function's frame size (the figure
 * LLVM's stack-size section records), but the C API cannot ask for that
 * section. So every defined function gets the attribute
 * "warn-stack-size"="0": the code generator then reports each function
 * with a frame through the context's diagnostic handler, as "stack frame
 * size (N) exceeds limit (0) in function 'F'", and the handler installed
 * here collects N per function (no report: no frame). The worst case of an
 * entry point is the largest sum of frames along a call path from it, the
 * call graph being read from the module as it goes to the code generator
 * (generated code has no recursion and no variable-sized allocas: every
 * alloca sits in an entry block). On top of that: the return address each
 * call pushes on x86 (elsewhere it is saved inside the frame), and
 * FOOTPRINT_LIBCALL_STACK bytes for one call into code outside the object
 * at the end of a path (memcpy, memset, the compiler runtime's soft-float
 * and division routines), which are leaf routines; tests/firmware measures
 * the real use on the targets, those routines included.
 */
#include "backend.h"

#include <llvm-c/Object.h>

#include <stdlib.h>
#include <string.h>

/* One call into a library routine (newlib's memcpy/memset, libgcc's
 * soft-float routines take well under this on Cortex-M0). */
#define FOOTPRINT_LIBCALL_STACK 256

struct frames {
	LLVMValueRef *fn;   /* the module's defined functions */
	int64_t *frame;     /* their frame bytes */
	int64_t *worst;     /* worst case from each, -1 not yet known */
	int n;
	bool bad;           /* a diagnostic we could not read, or recursion */
};

static int index_of(const struct frames *f, LLVMValueRef fn)
{
	for (int k = 0; k < f->n; k++)
		if (f->fn[k] == fn)
			return k;
	return -1;
}

static int index_by_name(const struct frames *f, const char *name, size_t len)
{
	for (int k = 0; k < f->n; k++) {
		size_t n;
		const char *s = LLVMGetValueName2(f->fn[k], &n);
		if (n == len && !memcmp(s, name, len))
			return k;
	}
	return -1;
}

/* Reads "stack frame size (N) exceeds limit (L) in function 'F'"; other
 * diagnostics go to standard error as LLVM would print them. */
static void on_diagnostic(LLVMDiagnosticInfoRef di, void *arg)
{
	struct frames *f = arg;
	char *text = LLVMGetDiagInfoDescription(di);
	const char *size = strstr(text, "stack frame size (");
	const char *quote = size ? strstr(size, "function '") : NULL;
	if (size && quote) {
		long long bytes = strtoll(size + strlen("stack frame size ("), NULL, 10);
		const char *name = quote + strlen("function '");
		const char *end = strchr(name, '\'');
		int k = end ? index_by_name(f, name, (size_t)(end - name)) : -1;
		if (k >= 0 && bytes >= 0)
			f->frame[k] = bytes;
		else
			f->bad = true;
	} else if (LLVMGetDiagInfoSeverity(di) <= LLVMDSWarning) {
		fprintf(stderr, "%s: %s\n",
			LLVMGetDiagInfoSeverity(di) == LLVMDSError ? "error" : "warning", text);
	}
	LLVMDisposeMessage(text);
}

static void collect_functions(LLVMModuleRef mod, struct frames *f)
{
	int n = 0;
	for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
		n += !LLVMIsDeclaration(fn);
	f->n = n;
	f->fn = calloc((size_t)n + 1, sizeof *f->fn);
	f->frame = calloc((size_t)n + 1, sizeof *f->frame);
	f->worst = calloc((size_t)n + 1, sizeof *f->worst);
	if (!f->fn || !f->frame || !f->worst)
		abort();
	n = 0;
	for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn))
		if (!LLVMIsDeclaration(fn)) {
			f->worst[n] = -1;
			f->fn[n++] = fn;
		}
}

static void free_frames(struct frames *f)
{
	free(f->fn);
	free(f->frame);
	free(f->worst);
}

/* Worst-case stack from function k down: its frame, the return address
 * pushed by the call that entered it, and the deepest of its callees (or a
 * library routine). */
static int64_t worst_from(struct frames *f, int k, int64_t ret_addr, int depth)
{
	if (f->worst[k] >= 0)
		return f->worst[k];
	if (depth > f->n) {
		f->bad = true;
		return 0;
	}
	int64_t deepest = FOOTPRINT_LIBCALL_STACK + ret_addr;
	for (LLVMBasicBlockRef b = LLVMGetFirstBasicBlock(f->fn[k]); b; b = LLVMGetNextBasicBlock(b))
		for (LLVMValueRef i = LLVMGetFirstInstruction(b); i; i = LLVMGetNextInstruction(i)) {
			if (!LLVMIsACallInst(i) && !LLVMIsAInvokeInst(i))
				continue;
			int c = index_of(f, LLVMGetCalledValue(i));
			if (c >= 0) {
				int64_t w = worst_from(f, c, ret_addr, depth + 1);
				deepest = w > deepest ? w : deepest;
			}
		}
	f->worst[k] = f->frame[k] + ret_addr + deepest;
	return f->worst[k];
}

static bool is_code_section(const char *name)
{
	return !strncmp(name, ".text", 5) || !strcmp(name, "__text");
}

static int64_t code_bytes(LLVMMemoryBufferRef obj)
{
	char *msg = NULL;
	LLVMBinaryRef bin = LLVMCreateBinary(obj, NULL, &msg);
	LLVMDisposeMessage(msg);
	if (!bin)
		return -1;
	int64_t n = 0;
	LLVMSectionIteratorRef s = LLVMObjectFileCopySectionIterator(bin);
	for (; s && !LLVMObjectFileIsSectionIteratorAtEnd(bin, s); LLVMMoveToNextSection(s)) {
		const char *name = LLVMGetSectionName(s);
		if (name && is_code_section(name))
			n += (int64_t)LLVMGetSectionSize(s);
	}
	if (s)
		LLVMDisposeSectionIterator(s);
	LLVMDisposeBinary(bin);
	return n;
}

static int64_t return_address_bytes(LLVMTargetMachineRef tm)
{
	char *triple = LLVMGetTargetMachineTriple(tm);
	int64_t n = !strncmp(triple, "x86_64", 6)                              ? 8
		    : triple[0] == 'i' && !strncmp(triple + 2, "86", 2) ? 4
									  : 0;
	LLVMDisposeMessage(triple);
	return n;
}

LLVMBool footprint_emit(LLVMModuleRef mod, LLVMTargetMachineRef tm, LLVMCodeGenFileType kind,
			char **msg, LLVMMemoryBufferRef *out, struct footprint *fp)
{
	struct frames f = {0};
	collect_functions(mod, &f);
	for (int k = 0; k < f.n; k++)
		LLVMAddTargetDependentFunctionAttr(f.fn[k], "warn-stack-size", "0");
	LLVMContextRef ctx = LLVMGetModuleContext(mod);
	LLVMContextSetDiagnosticHandler(ctx, on_diagnostic, &f);
	LLVMBool failed = LLVMTargetMachineEmitToMemoryBuffer(tm, mod, kind, msg, out);
	LLVMContextSetDiagnosticHandler(ctx, NULL, NULL);
	fp->code_size = !failed && kind == LLVMObjectFile ? code_bytes(*out) : -1;
	fp->stack_size = -1;
	int64_t ret_addr = return_address_bytes(tm), worst = 0;
	for (int k = 0; k < f.n && !failed; k++)
		if (LLVMGetLinkage(f.fn[k]) == LLVMExternalLinkage) {
			int64_t w = worst_from(&f, k, ret_addr, 0);
			worst = w > worst ? w : worst;
		}
	if (!failed && !f.bad)
		fp->stack_size = worst;
	free_frames(&f);
	return failed;
}

int footprint_measure(LLVMModuleRef mod, LLVMTargetMachineRef tm, struct footprint *fp)
{
	LLVMModuleRef copy = LLVMCloneModule(mod);
	LLVMMemoryBufferRef buf = NULL;
	char *msg = NULL;
	LLVMBool failed = footprint_emit(copy, tm, LLVMObjectFile, &msg, &buf, fp);
	LLVMDisposeMessage(msg);
	if (buf)
		LLVMDisposeMemoryBuffer(buf);
	LLVMDisposeModule(copy);
	return failed ? -1 : 0;
}
