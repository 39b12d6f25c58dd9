/* emit.c: from an LLVM module to bytes: the target machine the options ask
 * for, the verifier, the optimization pipeline (LLVM's default<On>, a
 * shorter one at -O1 and -O2, see emit_optimize) and
 * emission of an object, assembly, textual IR or bitcode.
 *
 * The triple is normalized (LLVMNormalizeTargetTriple), so "arm-none-eabi"
 * reads as arch-vendor-os-environment; an OS of "none" or "unknown" is a
 * bare-metal target, compiled with the static relocation model by default,
 * everything else position-independent. The host gets the host CPU and its
 * features unless --mcpu says otherwise; a cross target "generic".
 *
 * LLVM reports an unknown --mcpu or --mattr by a warning on standard error
 * when it builds the target machine's subtarget; to turn that into our
 * one-line usage error, standard error is captured meanwhile.
 *
 * For ARM, the object's build attributes (readelf -A) state what
 * arm-none-eabi-gcc states for the same CPU, so that a vendor toolchain
 * links it without complaint: wchar_t of 4 bytes, enums as small as their
 * values on bare metal (GCC's AAPCS default there) and int-sized
 * elsewhere. The float ABI follows the triple: hard-float for "eabihf",
 * else soft (no FPU registers in calls). Tag_ABI_FP_exceptions, which
 * LLVM's C API cannot set, is set to GCC's "needed" in the emitted object
 * (arm_attributes.c).
 *
 * On ELF targets each function gets a section of its own (".text.NAME",
 * as -ffunction-sections does), so that a program linked with
 * --gc-sections keeps only the entry points it calls and the code they
 * reach: P_run_q has its own copy of the graph (codegen.c).
 */
#include "arm_attributes.h"
#include "backend.h"

#include <llvm-c/Analysis.h>
#include <llvm-c/BitWriter.h>
#include <llvm-c/Error.h>
#include <llvm-c/Target.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void emit_init_targets(void)
{
	static bool done;
	if (done)
		return;
	LLVMInitializeAllTargetInfos();
	LLVMInitializeAllTargets();
	LLVMInitializeAllTargetMCs();
	LLVMInitializeAllAsmPrinters();
	done = true;
}

/* Component k (0 arch, 1 vendor, 2 os, 3 environment) of a normalized triple. */
static void triple_part(const char *triple, int k, char *out, size_t len)
{
	const char *s = triple;
	for (int i = 0; i < k && s; i++) {
		s = strchr(s, '-');
		if (s)
			s++;
	}
	size_t n = s ? strcspn(s, "-") : 0;
	if (n >= len)
		n = len - 1;
	memcpy(out, s ? s : "", n);
	out[n] = 0;
}

static bool bare_metal(const char *triple)
{
	char os[64];
	triple_part(triple, 2, os, sizeof os);
	return !strcmp(os, "none") || !strcmp(os, "unknown") || !os[0];
}

static LLVMCodeGenOptLevel codegen_level(int level)
{
	static const LLVMCodeGenOptLevel levels[] = {LLVMCodeGenLevelNone, LLVMCodeGenLevelLess,
						      LLVMCodeGenLevelDefault,
						      LLVMCodeGenLevelAggressive};
	return levels[level < 0 ? 0 : level > 3 ? 3 : level];
}

/* Runs fn(arg) with standard error going to a temporary file; returns what
 * was written there (malloc'd, NUL-terminated; "" when nothing). */
static char *capture_stderr(void (*fn)(void *), void *arg)
{
	fflush(stderr);
	FILE *tmp = tmpfile();
	int saved = dup(2);
	if (!tmp || saved < 0 || dup2(fileno(tmp), 2) < 0) {
		if (tmp)
			fclose(tmp);
		if (saved >= 0)
			close(saved);
		fn(arg);
		return calloc(1, 1);
	}
	fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fseek(tmp, 0, SEEK_END);
	long n = ftell(tmp);
	char *text = calloc((size_t)(n > 0 ? n : 0) + 1, 1);
	if (!text)
		abort();
	rewind(tmp);
	if (n > 0 && fread(text, 1, (size_t)n, tmp) != (size_t)n)
		text[0] = 0;
	fclose(tmp);
	return text;
}

struct create_args {
	LLVMTargetRef target;
	const char *triple, *cpu, *features;
	LLVMCodeGenOptLevel level;
	LLVMRelocMode reloc;
	LLVMTargetMachineRef tm;
};

static void create(void *arg)
{
	struct create_args *c = arg;
	c->tm = LLVMCreateTargetMachine(c->target, c->triple, c->cpu, c->features, c->level,
					c->reloc, LLVMCodeModelDefault);
}

/* The first line of LLVM's complaint s, without "(ignoring ...)", in err. */
static void first_line(const char *s, const char *triple, char *err, size_t errlen)
{
	int n = (int)strcspn(s, "\n");
	const char *ignoring = strstr(s, " (ignoring");
	if (ignoring && ignoring - s < n)
		n = (int)(ignoring - s);
	snprintf(err, errlen, "%.*s '%s'", n, s, triple);
}

LLVMTargetMachineRef emit_target_machine(const struct llvm_options *o, char *err, size_t errlen)
{
	char *host = LLVMGetDefaultTargetTriple();
	char *host_norm = LLVMNormalizeTargetTriple(host);
	char *triple = LLVMNormalizeTargetTriple(o->triple ? o->triple : host);
	char *host_cpu = LLVMGetHostCPUName(), *host_features = LLVMGetHostCPUFeatures();
	char *features = NULL, *msg = NULL;
	LLVMTargetMachineRef tm = NULL;
	LLVMTargetRef target;
	bool is_host = !strcmp(triple, host_norm);
	if (LLVMGetTargetFromTriple(triple, &target, &msg)) {
		snprintf(err, errlen, "unknown --target '%s': %s", o->triple ? o->triple : triple,
			 msg ? msg : "no such target");
		goto done;
	}
	bool use_host_cpu = is_host && !o->cpu;
	const char *cpu = o->cpu ? o->cpu : use_host_cpu ? host_cpu : "generic";
	size_t n = strlen(host_features) + (o->features ? strlen(o->features) : 0) + 2;
	features = calloc(n, 1);
	if (!features)
		abort();
	if (use_host_cpu)
		strcat(features, host_features);
	if (o->features && o->features[0]) {
		if (features[0])
			strcat(features, ",");
		strcat(features, o->features);
	}
	LLVMRelocMode reloc = o->reloc == LLVM_RELOC_STATIC ? LLVMRelocStatic
			      : o->reloc == LLVM_RELOC_PIC  ? LLVMRelocPIC
			      : bare_metal(triple)          ? LLVMRelocStatic
							    : LLVMRelocPIC;
	struct create_args c = {target, triple, cpu, features, codegen_level(o->opt_level), reloc,
				NULL};
	char *complaint = capture_stderr(create, &c);
	tm = c.tm;
	if (complaint[0] || !tm) {
		if (complaint[0])
			first_line(complaint, triple, err, errlen);
		else
			snprintf(err, errlen, "cannot create a target machine for '%s'", triple);
		if (tm)
			LLVMDisposeTargetMachine(tm);
		tm = NULL;
	}
	free(complaint);
done:
	LLVMDisposeMessage(msg);
	free(features);
	LLVMDisposeMessage(host);
	LLVMDisposeMessage(host_norm);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(host_cpu);
	LLVMDisposeMessage(host_features);
	return tm;
}

/* The object format is ELF, judged by the normalized triple's OS. */
static bool is_elf(const char *triple)
{
	static const char *const other[] = {"darwin", "macos", "ios", "tvos", "watchos",
					    "windows", "uefi", "aix", "zos"};
	char arch[64], os[64];
	triple_part(triple, 0, arch, sizeof arch);
	triple_part(triple, 2, os, sizeof os);
	for (size_t k = 0; k < sizeof other / sizeof other[0]; k++)
		if (!strncmp(os, other[k], strlen(other[k])))
			return false;
	return strncmp(arch, "wasm", 4) != 0;
}

static bool is_arm(const char *triple)
{
	return !strncmp(triple, "arm", 3) || !strncmp(triple, "thumb", 5);
}

static void add_flag(LLVMModuleRef mod, const char *key, int value)
{
	LLVMContextRef ctx = LLVMGetModuleContext(mod);
	LLVMValueRef v = LLVMConstInt(LLVMInt32TypeInContext(ctx), (unsigned long long)value, 0);
	LLVMAddModuleFlag(mod, LLVMModuleFlagBehaviorError, key, strlen(key),
			  LLVMValueAsMetadata(v));
}

/* The ARM conventions of the header comment, as module flags (the ARM asm
 * printer turns them into build attributes). */
static void arm_conventions(LLVMModuleRef mod, const char *triple)
{
	if (!is_arm(triple))
		return;
	add_flag(mod, "wchar_size", 4);
	add_flag(mod, "min_enum_size", bare_metal(triple) ? 1 : 4);
}

static void function_sections(LLVMModuleRef mod, const char *triple)
{
	if (!is_elf(triple))
		return;
	for (LLVMValueRef fn = LLVMGetFirstFunction(mod); fn; fn = LLVMGetNextFunction(fn)) {
		const char *sec = LLVMGetSection(fn);
		if (LLVMIsDeclaration(fn) || (sec && sec[0]))
			continue;
		size_t n;
		const char *name = LLVMGetValueName2(fn, &n);
		char buf[200];
		snprintf(buf, sizeof buf, ".text.%.*s", (int)n, name);
		LLVMSetSection(fn, buf);
	}
}

void emit_set_target(LLVMModuleRef mod, LLVMTargetMachineRef tm)
{
	char *triple = LLVMGetTargetMachineTriple(tm);
	LLVMSetTarget(mod, triple);
	LLVMDisposeMessage(triple);
	LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
	LLVMSetModuleDataLayout(mod, td);
	LLVMDisposeTargetData(td);
}

int emit_verify(struct ir_module *m, LLVMModuleRef mod, const struct llvm_options *o)
{
	char *msg = NULL;
	if (LLVMVerifyModule(mod, LLVMReturnStatusAction, &msg)) {
		ir_error(m, "internal error: the LLVM backend made an invalid module for %s: %.*s",
			 o->source_name, (int)strcspn(msg ? msg : "", "\n"), msg ? msg : "");
		LLVMDisposeMessage(msg);
		return -1;
	}
	LLVMDisposeMessage(msg);
	return 0;
}

/* -O1 and -O2: the kernels that matter (integer dot products, see
 * k_dot.h) are written with explicit vector types, so a short pipeline
 * does: promote the stack slots, simplify, hoist invariants, and the loop
 * vectorizer for the plain elementwise loops. It compiles three to four
 * times faster than LLVM's default<O2> (whose unrolling and SLP
 * vectorization mostly grow the code), with about the same run time on
 * the shared models. -O0 and -O3 keep LLVM's default pipelines. */
static const char *const short_pipeline =
	"always-inline,function(sroa,early-cse,simplifycfg,instcombine<no-verify-fixpoint>,"
	"loop-mssa(licm),loop(loop-rotate,indvars),loop-vectorize,"
	"instcombine<no-verify-fixpoint>,simplifycfg)";

int emit_optimize(struct ir_module *m, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		  const struct llvm_options *o)
{
	char pipeline[256];
	int level = o->opt_level < 0 ? 0 : o->opt_level > 3 ? 3 : o->opt_level;
	if (level == 1 || level == 2)
		snprintf(pipeline, sizeof pipeline, "%s", short_pipeline);
	else
		snprintf(pipeline, sizeof pipeline, "default<O%d>", level);
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMPassBuilderOptionsSetLoopVectorization(po, level >= 2);
	LLVMPassBuilderOptionsSetSLPVectorization(po, level >= 2);
	LLVMPassBuilderOptionsSetLoopUnrolling(po, level >= 2);
	LLVMErrorRef e = LLVMRunPasses(mod, pipeline, tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (!e)
		return 0;
	char *msg = LLVMGetErrorMessage(e);
	ir_error(m, "internal error: optimizing the code of %s failed: %s", o->source_name, msg);
	LLVMDisposeErrorMessage(msg);
	return -1;
}

static void take_buffer(LLVMMemoryBufferRef buf, struct llvm_result *r)
{
	r->code_size = LLVMGetBufferSize(buf);
	r->code = malloc(r->code_size + 1);
	if (!r->code)
		abort();
	memcpy(r->code, LLVMGetBufferStart(buf), r->code_size);
	r->code[r->code_size] = 0;
	LLVMDisposeMemoryBuffer(buf);
}

/* ARM objects and assembly: Tag_ABI_FP_exceptions as GCC writes it
 * (arm_attributes.c). */
static void fix_arm_attributes(LLVMTargetMachineRef tm, struct llvm_result *r, bool assembly)
{
	char *triple = LLVMGetTargetMachineTriple(tm);
	if (is_arm(triple))
		arm_fp_exceptions_needed(r->code, r->code_size, assembly);
	LLVMDisposeMessage(triple);
}

/* The primary output of o->emit, in r->code, with the footprint when
 * the output is an object. */
static int emit_output(struct model_desc *d, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		       struct llvm_result *r, struct footprint *fp)
{
	const struct llvm_options *o = d->o;
	LLVMMemoryBufferRef buf = NULL;
	char *msg = NULL, *text;
	switch (o->emit) {
	case LLVM_EMIT_LLVM:
		/* LLVM's message memory is not ours to keep */
		text = LLVMPrintModuleToString(mod);
		r->code = strdup(text);
		LLVMDisposeMessage(text);
		if (!r->code)
			abort();
		r->code_size = strlen(r->code);
		return 0;
	case LLVM_EMIT_BC:
		take_buffer(LLVMWriteBitcodeToMemoryBuffer(mod), r);
		return 0;
	case LLVM_EMIT_OBJ:
	case LLVM_EMIT_ASM:
		if (footprint_emit(mod, tm, o->emit == LLVM_EMIT_OBJ ? LLVMObjectFile
								     : LLVMAssemblyFile,
				   &msg, &buf, fp)) {
			ir_error(d->m, "internal error: emitting code for %s failed: %s",
				 o->source_name, msg ? msg : "");
			LLVMDisposeMessage(msg);
			return -1;
		}
		take_buffer(buf, r);
		fix_arm_attributes(tm, r, o->emit == LLVM_EMIT_ASM);
		return 0;
	case LLVM_EMIT_HEADER:
		break;
	}
	return 0;
}

int emit_module(struct model_desc *d, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		struct llvm_result *r)
{
	const struct llvm_options *o = d->o;
	struct footprint fp = {-1, -1};
	char *triple = LLVMGetTargetMachineTriple(tm);
	int rc = -1;
	if (emit_verify(d->m, mod, o) < 0)
		goto done;
	arm_conventions(mod, triple);
	if (emit_optimize(d->m, mod, tm, o) < 0)
		goto done;
	function_sections(mod, triple);
	/* an object's footprint comes with it; other outputs measure one */
	if (o->emit != LLVM_EMIT_OBJ && footprint_measure(mod, tm, &fp) < 0) {
		ir_error(d->m, "internal error: emitting code for %s failed", o->source_name);
		goto done;
	}
	if (emit_output(d, mod, tm, r, o->emit == LLVM_EMIT_ASM ? &(struct footprint){-1, -1}
								  : &fp) < 0)
		goto done;
	d->code_size = fp.code_size;
	d->stack_size = fp.stack_size;
	rc = 0;
done:
	LLVMDisposeMessage(triple);
	return rc;
}
