/* jit.h: compiling a module in memory with LLVM's ORC JIT (LLJIT) and
 * running it, for `qonnxc run` and `qonnxc verify`.
 *
 * The code is the same the object would contain for the host (same code
 * generation, host CPU, the options' optimization level), called through
 * its P_run_v entry: float32 arrays in the model's input and output shapes.
 * A workspace is allocated with the compiled model; the code is reentrant,
 * so threads may run it at once, each with a workspace of its own.
 */
#ifndef QONNXC_BACKENDS_LLVM_JIT_H
#define QONNXC_BACKENDS_LLVM_JIT_H

#include "llvm_backend.h"

struct llvm_jit;

/* Compiles m (after the passes) for the host, with the host's features
 * changed by mattr (LLVM's "+feature,-feature" list, NULL for none); NULL
 * with m->error set. Turning features off is always safe on the host;
 * turning on one the host lacks gives code the host cannot run. */
struct llvm_jit *llvm_jit_compile(struct ir_module *m, int opt_level, const char *mattr);
/* Runs the compiled model once: inputs[i] holds M_IN<i>_SIZE floats,
 * outputs[i] room for M_OUT<i>_SIZE. Returns the entry point's status (0). */
int llvm_jit_run(struct llvm_jit *j, const float *const *inputs, float *const *outputs);
/* The same with a workspace from llvm_jit_workspace_new. */
int llvm_jit_run_in(struct llvm_jit *j, void *workspace, const float *const *inputs,
		    float *const *outputs);
void *llvm_jit_workspace_new(const struct llvm_jit *j);
void llvm_jit_workspace_free(void *workspace);
void llvm_jit_free(struct llvm_jit *j);

#endif
