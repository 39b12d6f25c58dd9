/* storage.h: where each IR value lives in generated code (the storage part
 * of cg.h), shared by storage.c, which reads and writes elements, and
 * codegen.c, which decides the places.
 *
 * Memory layout of elements (cg_mem_type): f32 float, f64 double, bool one
 * byte (0 or 1), an integer of b bits its container (i8, i16, i32, i64)
 * holding the value sign- or zero-extended, in the target's byte order.
 * Integer constants of 1 to 7 bits are bit-packed instead: element i takes
 * bits [i*b, i*b + b) of the constant, bit k of the stream being bit k % 8
 * of byte k / 8 (least significant first), two's complement; one byte of
 * padding follows when b does not divide 8, so an element straddling two
 * bytes can always be read as a pair.
 */
#ifndef QONNXC_BACKENDS_LLVM_STORAGE_H
#define QONNXC_BACKENDS_LLVM_STORAGE_H

#include "cg.h"

enum cg_place {
	CG_PLACE_NONE,      /* never read nor written */
	CG_PLACE_ARG,       /* a caller's array (graph input or output argument) */
	CG_PLACE_WORKSPACE, /* offset bytes into the workspace */
	CG_PLACE_CONST,     /* a read-only global, made on first use */
	CG_PLACE_FUSED,     /* not stored: computed on cg_load by op fused_op from
			     * its operand (fuse.c); cg_base gives the operand's */
};

struct cg_storage {
	enum cg_place place;
	LLVMValueRef ptr;     /* ARG: the parameter; WORKSPACE: the workspace parameter;
			       * CONST: the global, NULL until first used */
	int64_t offset;       /* WORKSPACE */
	bool packed;          /* CONST: bit-packed integers (above) */
	int fused_op;         /* FUSED */
	/* In the _q entry the value is the caller's integer array q_ptr instead
	 * (a quantized graph input's Quantize result, see abi.h): the address
	 * is chosen by q_flag, the body's i1 "quantized entry" parameter. */
	LLVMValueRef q_ptr, q_flag;
};

/* Bytes of a tensor of type t stored unpacked. */
int64_t cg_storage_bytes(const struct ir_type *t);
/* Integer constants of this type are bit-packed. */
bool cg_packed_type(const struct ir_type *t);

#endif
