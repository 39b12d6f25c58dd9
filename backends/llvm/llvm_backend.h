/* llvm_backend.h: the LLVM backend's interface to the driver.
 *
 * llvm_compile turns a module (after the passes) into a relocatable object
 * (or its assembly, LLVM IR or bitcode) and the C header describing it:
 *
 *   int P_run(const float *in0, ..., float *out0, ..., void *workspace);
 *   int P_run_v(const float *const *inputs, float *const *outputs, void *workspace);
 *   int P_run_q(...);   integers for the quantized inputs and outputs (abi.h)
 *   const struct qonnx_model_info *P_info(void);
 *
 * for the prefix P. The generated code needs no library (at most memcpy and
 * memset), keeps every other symbol private and has no writable data. The
 * output depends only on the module and the options: same input, same bytes.
 */
#ifndef QONNXC_BACKENDS_LLVM_BACKEND_H
#define QONNXC_BACKENDS_LLVM_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir/ir.h"

enum llvm_emit { LLVM_EMIT_OBJ, LLVM_EMIT_ASM, LLVM_EMIT_LLVM, LLVM_EMIT_BC, LLVM_EMIT_HEADER };
enum llvm_reloc { LLVM_RELOC_DEFAULT, LLVM_RELOC_STATIC, LLVM_RELOC_PIC };

struct llvm_options {
	const char *prefix;       /* of every global symbol; a C identifier */
	const char *triple;       /* NULL: the host's */
	const char *cpu;          /* NULL: the host CPU for the host, else "generic" */
	const char *features;     /* --mattr, NULL for none */
	int opt_level;            /* 0..3 */
	enum llvm_reloc reloc;    /* DEFAULT: static for bare-metal triples, else pic */
	enum llvm_emit emit;
	const char *source_name;  /* the model's base name, recorded in the output */
	uint8_t source_sha256[32];
	const char *version;      /* of the compiler */
	FILE *verbose;            /* the memory plan and a summary, or NULL */
};

struct llvm_result {
	char *code;               /* the object / assembly / IR / bitcode (NULL for HEADER) */
	size_t code_size;
	char *header;             /* the C header */
	size_t header_size;
};

/* 0 and *r filled (free with llvm_result_free); -1 with m->error set when
 * the model cannot be compiled (or an internal error, naming the model);
 * -2 with a message in err for options the target rejects (a usage error). */
int llvm_compile(struct ir_module *m, const struct llvm_options *o, struct llvm_result *r,
		 char *err, size_t errlen);
void llvm_result_free(struct llvm_result *r);
/* The default prefix for an output path: its file name without extension,
 * made a C identifier, into buf. */
void llvm_default_prefix(const char *path, char *buf, size_t len);
/* Whether s is usable as a prefix (a C identifier of at most 64 chars). */
bool llvm_valid_prefix(const char *s);

#endif
