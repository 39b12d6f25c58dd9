/* backend.h: the parts of the LLVM backend (private to backends/llvm/).
 *
 *   llvm_backend.c  llvm_compile: the sequence below
 *   abi.c           which inputs/outputs the _q entry passes as integers
 *   codegen.c       the LLVM module: storage places, plan, body, entry points
 *   storage.c       element access (cg_base/cg_load/cg_store) and constants
 *   plan.c          workspace offsets
 *   info.c          the P_info description bytes
 *   header.c        the C header
 *   emit.c          target machine, verification, optimization, emission
 *   footprint.c     code and worst-case stack bytes of the emitted code
 */
#ifndef QONNXC_BACKENDS_LLVM_BACKEND_INTERNAL_H
#define QONNXC_BACKENDS_LLVM_BACKEND_INTERNAL_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "abi.h"
#include "llvm_backend.h"

/* What the header and P_info describe. */
struct model_desc {
	struct ir_module *m;
	const struct llvm_options *o;
	struct abi abi;
	int64_t workspace_size;
	int64_t weights_size;     /* bytes of constant data in the object */
	int64_t code_size;        /* bytes of code in the object, -1 unknown */
	int64_t stack_size;       /* worst-case stack bytes of an entry point, -1 unknown */
};

/* footprint.c */
struct footprint {
	int64_t code_size;        /* bytes of executable sections, -1 unknown */
	int64_t stack_size;       /* worst case over the entry points, -1 unknown */
};
/* Emits mod as LLVMTargetMachineEmitToMemoryBuffer does (same arguments
 * and result) and fills *fp (code_size only for an object). Adds the
 * attribute "warn-stack-size" to mod's functions. */
LLVMBool footprint_emit(LLVMModuleRef mod, LLVMTargetMachineRef tm, LLVMCodeGenFileType kind,
			char **msg, LLVMMemoryBufferRef *out, struct footprint *fp);
/* The footprint of an object made from a copy of mod (mod unchanged):
 * 0, or -1 when the code generator failed. */
int footprint_measure(LLVMModuleRef mod, LLVMTargetMachineRef tm, struct footprint *fp);

/* codegen.c: fills mod (whose data layout and triple are set) with the
 * model's functions; sets d->workspace_size and d->weights_size. 0, or -1
 * with m->error set. */
int codegen_module(struct model_desc *d, LLVMContextRef ctx, LLVMModuleRef mod);

/* info.c: the bytes of struct qonnx_model_info and its tensor records, in
 * the target's byte order; *n bytes, malloc'd. */
uint8_t *info_bytes(const struct model_desc *d, bool big_endian, size_t *n);

/* header.c: the header text (malloc'd, NUL-terminated, *n bytes). */
char *header_text(const struct model_desc *d, size_t *n);
/* The struct definitions the header shares with runtime/qonnx_runtime.h. */
extern const char header_shared_block[];

/* emit.c */
void emit_init_targets(void);
/* The target machine the options ask for; NULL with a message in err. */
LLVMTargetMachineRef emit_target_machine(const struct llvm_options *o, char *err, size_t errlen);
/* Gives mod the triple and data layout of tm. */
void emit_set_target(LLVMModuleRef mod, LLVMTargetMachineRef tm);
/* Checks mod with LLVM's verifier: 0, or -1 with an internal error. */
int emit_verify(struct ir_module *m, LLVMModuleRef mod, const struct llvm_options *o);
/* Runs the optimization pipeline of o->opt_level on mod: 0, or -1. */
int emit_optimize(struct ir_module *m, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		  const struct llvm_options *o);
/* Verifies, optimizes and emits mod as o->emit asks into r->code, and
 * measures the object's code and stack into d (whatever o->emit is): 0, or
 * -1 with m->error set (an internal error naming the model). */
int emit_module(struct model_desc *d, LLVMModuleRef mod, LLVMTargetMachineRef tm,
		struct llvm_result *r);

#endif
