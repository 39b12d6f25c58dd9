/* abi.h: the interface of a generated object, as seen from C.
 *
 * Entry points take one pointer per graph input and output, in model order,
 * to float32 arrays of the tensors' own shapes (whatever their element type
 * inside the model), then the workspace. The _q entry point differs for
 * quantized tensors only:
 * - a graph input is quantized when it is f32, used by nothing but operand 0
 *   of one Quantize op, is not also a graph output, and that Quantize is per
 *   tensor with a known rounding mode: _q takes that Quantize's integers
 *   (the container of its result type) and skips the op;
 * - a graph output is quantized when an f32 Dequantize op of a per-tensor
 *   type produces it, no op uses it and it appears once among the outputs:
 *   _q returns the Dequantize's integer operand instead.
 * Everything else stays float32 in _q.
 *
 * The description computed here feeds the code generator (codegen.c), the
 * header (header.c) and the run-time description (m_info).
 */
#ifndef QONNXC_BACKENDS_LLVM_ABI_H
#define QONNXC_BACKENDS_LLVM_ABI_H

#include "ir/ir.h"

/* QONNX rounding modes, numbered as QONNX_ROUND_* of runtime/qonnx_runtime.h. */
enum abi_rounding {
	ABI_ROUND_HALF_EVEN,
	ABI_ROUND_CEIL,
	ABI_ROUND_FLOOR,
	ABI_ROUND_UP,
	ABI_ROUND_DOWN,
	ABI_ROUND_HALF_UP,
	ABI_ROUND_HALF_DOWN,
};

struct abi_tensor {
	int value;                  /* the graph input or output */
	const struct ir_type *type; /* its type inside the model */
	bool quantized;             /* _q passes integers, see above */
	int q_op;                   /* the Quantize (input) or Dequantize (output) */
	int q_value;                /* its integer result (input) or operand (output) */
	const struct ir_type *q_type; /* type of q_value */
	int bits;                   /* the quantizer's bit width (1: bipolar when signed) */
	bool is_signed;
	double scale;
	int64_t zero_point;
	bool narrow;                /* input: the Quantize's narrow range */
	enum abi_rounding rounding; /* input: its rounding mode */
};

struct abi {
	int ninputs, noutputs;
	struct abi_tensor *inputs, *outputs; /* in m's arena */
};

/* Describes m's interface (m's use lists must be current). */
void abi_describe(struct ir_module *m, struct abi *a);
/* Bytes of the container of an integer type of `bits` bits: 1, 2, 4 or 8. */
int abi_container_bytes(int bits);
/* The C type of the container ("int8_t", "uint16_t", ...). */
const char *abi_c_int_type(int bits, bool is_signed);

#endif
