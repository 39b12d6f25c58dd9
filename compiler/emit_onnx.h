/* emit_onnx.h: `qonnxc --emit=onnx`: the IR written back as an ONNX model.
 *
 * Standard ops go to the default domain (opset 21, the IR's canonical form),
 * QONNX quantizers to qonnx.custom_op.general (Quant, BipolarQuant, Trunc),
 * ops on channels-last data that QONNX defines (Conv, MaxPool,
 * BatchNormalization) to qonnx.custom_op.channels_last. With --expand-quant
 * each quantizer becomes standard ONNX arithmetic instead. The integer ops
 * that lower-integer creates (Quantize, Dequantize, MultiThreshold, integer
 * tensors) have no ONNX form and are refused with an error naming the op.
 */
#ifndef QONNXC_EMIT_ONNX_H
#define QONNXC_EMIT_ONNX_H

#include "cli.h"
#include "ir/ir.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The serialized ModelProto of m in *data (malloc'd, *len bytes). 0, or -1
 * with m->error set (an op or type with no ONNX form). */
int emit_onnx(struct ir_module *m, bool expand_quant, uint8_t **data, size_t *len);

/* The subcommand: loads opt->model with --passes (default
 * cleanup,channels-last) and writes the model to -o (or standard output). */
int driver_emit_onnx(const struct cli_options *opt);

#endif
