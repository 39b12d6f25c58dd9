/* onnx_import.h: the ONNX front-end. Reads a .onnx file (QONNX operators
 * included) and builds an IR module in canonical form (ir/ops.def): older
 * opsets are rewritten into the opset-21 form, every result has its type.
 * The protobuf objects are dropped once the module is built.
 */
#ifndef QONNXC_ONNX_IMPORT_H
#define QONNXC_ONNX_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/arena.h"

struct ir_module;

struct onnx_import_options {
	int64_t batch;      /* value for a symbolic first dimension; default 1 */
	bool batch_given;   /* --batch was given: also overrides a fixed first dimension of every graph input */
	uint64_t max_bytes; /* largest tensor accepted, in bytes (default 4 GiB) */
};

/* Imports the model at path into a new module (shapes inferred, verified by caller).
 * On failure returns NULL and writes a one-line message (without the file name; the
 * driver prefixes "qonnxc: error: PATH: ") into err. */
struct ir_module *onnx_import(const char *path, const struct onnx_import_options *opt, char *err, size_t errlen);
/* The same for a serialized model in memory (len bytes at data, not kept);
 * external data is read relative to model_dir ("." when NULL). The module's
 * path is "<memory>". */
struct ir_module *onnx_import_buffer(const void *data, size_t len, const char *model_dir,
				     const struct onnx_import_options *opt, char *err, size_t errlen);

/* Reads a serialized TensorProto file (ONNX conformance test data, input_0.pb) into t,
 * with data allocated from a. 0, or -1 with a message in err. */
struct ir_tensor;
int onnx_read_tensor_file(const char *path, struct ir_tensor *t, struct arena *a, char *err, size_t errlen);

#endif
