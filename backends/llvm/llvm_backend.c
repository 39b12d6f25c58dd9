/* llvm_backend.c: llvm_compile, the LLVM backend's one entry point (see
 * llvm_backend.h): target machine, interface description, module, code
 * generation, emission and header, in that order. Each step reports its
 * own errors; this file only sequences them and releases what they made. */
#include "backend.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

bool llvm_valid_prefix(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || isdigit((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_') || (unsigned char)s[i] >= 0x80)
			return false;
	return true;
}

void llvm_default_prefix(const char *path, char *buf, size_t len)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - base) : strlen(base), k = 0;
	if (n > 0 && isdigit((unsigned char)base[0]))
		k = (size_t)snprintf(buf, len, "model_");
	for (size_t i = 0; i < n && k + 1 < len && k < 63; i++) {
		unsigned char c = (unsigned char)base[i];
		buf[k++] = c < 0x80 && (isalnum(c) || c == '_') ? (char)c : '_';
	}
	buf[k] = 0;
	if (k == 0)
		snprintf(buf, len, "model");
}

void llvm_result_free(struct llvm_result *r)
{
	free(r->code);
	free(r->header);
	memset(r, 0, sizeof *r);
}

static int count_quantized(const struct abi_tensor *t, int n)
{
	int c = 0;
	for (int k = 0; k < n; k++)
		c += t[k].quantized;
	return c;
}

/* The footprint line of -v: what the model takes on its target. */
static void print_footprint(const struct model_desc *d, LLVMTargetMachineRef tm)
{
	char *triple = LLVMGetTargetMachineTriple(tm), *cpu = LLVMGetTargetMachineCPU(tm);
	fprintf(d->o->verbose,
		"qonnxc: %s: footprint on %s (%s): code %lld bytes, weights %lld bytes, "
		"workspace %lld bytes, stack %lld bytes\n",
		d->o->prefix, triple, cpu, (long long)d->code_size, (long long)d->weights_size,
		(long long)d->workspace_size, (long long)d->stack_size);
	LLVMDisposeMessage(triple);
	LLVMDisposeMessage(cpu);
}

int llvm_compile(struct ir_module *m, const struct llvm_options *o, struct llvm_result *r,
		 char *err, size_t errlen)
{
	memset(r, 0, sizeof *r);
	emit_init_targets();
	LLVMTargetMachineRef tm = emit_target_machine(o, err, errlen);
	if (!tm)
		return -2;
	ir_rebuild_uses(m);
	struct model_desc d = {.m = m, .o = o, .code_size = -1, .stack_size = -1};
	abi_describe(m, &d.abi);
	LLVMContextRef ctx = LLVMContextCreate();
	LLVMModuleRef mod = LLVMModuleCreateWithNameInContext(o->source_name, ctx);
	LLVMSetSourceFileName(mod, o->source_name, strlen(o->source_name));
	emit_set_target(mod, tm);
	int rc = codegen_module(&d, ctx, mod);
	if (rc == 0)
		rc = emit_module(&d, mod, tm, r);
	if (rc == 0) {
		r->header = header_text(&d, &r->header_size);
		if (o->verbose)
			fprintf(o->verbose,
				"qonnxc: %s: workspace %lld bytes, weights %lld bytes, %d inputs "
				"(%d quantized), %d outputs\n",
				o->prefix, (long long)d.workspace_size, (long long)d.weights_size,
				d.abi.ninputs, count_quantized(d.abi.inputs, d.abi.ninputs),
				d.abi.noutputs);
		if (o->verbose)
			print_footprint(&d, tm);
	} else {
		llvm_result_free(r);
	}
	LLVMDisposeModule(mod);
	LLVMContextDispose(ctx);
	LLVMDisposeTargetMachine(tm);
	return rc;
}
