/* arm_attributes.h: ARM build attributes LLVM's C API cannot set
 * (arm_attributes.c). */
#ifndef QONNXC_BACKENDS_LLVM_ARM_ATTRIBUTES_H
#define QONNXC_BACKENDS_LLVM_ARM_ATTRIBUTES_H

#include <stdbool.h>
#include <stddef.h>

/* Sets Tag_ABI_FP_exceptions to "needed" in an ARM object of size bytes
 * (ELF) or in its assembly (a NUL-terminated text). */
void arm_fp_exceptions_needed(char *code, size_t size, bool assembly);

#endif
