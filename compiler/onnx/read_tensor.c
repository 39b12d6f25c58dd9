/* read_tensor.c: one serialized TensorProto from a file, as the ONNX
 * conformance tests store their inputs and outputs (test_data_set_0/input_0.pb).
 * External data, if any, is looked up next to the file.
 */
#include "internal.h"
#include "ir/interp/interp.h"

#include <stdio.h>
#include <stdlib.h>

int onnx_read_tensor_file(const char *path, struct ir_tensor *t, struct arena *a, char *err,
			  size_t errlen)
{
	uint8_t *data = NULL;
	size_t len = 0;
	Onnx__TensorProto *proto = NULL;
	char *dir = NULL;
	struct onnx_tensor tensor = {0};
	int rc = -1;
	if (onnx_read_file(path, &data, &len, err, errlen) < 0)
		goto done;
	if (onnx_check_nesting(&onnx__tensor_proto__descriptor, data, len, err, errlen) < 0)
		goto done;
	proto = onnx__tensor_proto__unpack(NULL, len, data);
	if (!proto) {
		snprintf(err, errlen, "not a serialized ONNX tensor: protobuf parse failed");
		goto done;
	}
	dir = onnx_dirname(path);
	const char *name = proto->name && *proto->name ? proto->name : "(unnamed)";
	if (onnx_tensor_prepare(proto, name, dir, ONNX_DEFAULT_MAX_BYTES, &tensor, err, errlen) < 0)
		goto done;
	t->type = tensor.type;
	t->data = arena_alloc(a, (size_t)tensor.numel * ir_storage_size(tensor.type.elem) + 1);
	onnx_tensor_decode(&tensor, t->data);
	rc = 0;
done:
	onnx_tensor_release(&tensor);
	free(dir);
	if (proto)
		onnx__tensor_proto__free_unpacked(proto, NULL);
	free(data);
	return rc;
}
