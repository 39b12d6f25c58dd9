/* fuzz_mutate.c: structure-aware libFuzzer target.
 *
 * Inputs are .onnx files, as for fuzz_model, and run the same path
 * (target.h). The difference is the mutator: LLVMFuzzerCustomMutator
 * unpacks the model with protobuf-c, applies a few mutations of
 * mutate.h driven by libFuzzer's seed and packs it again, so most mutants
 * are well-formed protobuf and reach the importer's semantic checks, shape
 * inference, the passes and the interpreter rather than the parser.
 * Inputs that do not unpack, and one mutation in ten, go to libFuzzer's
 * own byte-level mutator. LLVMFuzzerCustomCrossOver carries a node (with
 * its initializers) from one model into another.
 */
#include "mutate.h"
#include "target.h"
#include "compiler/onnx/internal.h" /* onnx_check_nesting: protobuf-c recurses without a limit */

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_init();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_run(data, size);
	return 0;
}

static Onnx__ModelProto *unpack(const uint8_t *data, size_t size)
{
	char err[256];
	if (onnx_check_nesting(&onnx__model_proto__descriptor, data, size, err, sizeof err) < 0)
		return NULL;
	return onnx__model_proto__unpack(NULL, size, data);
}

/* Packs model into out when it fits; its length, or 0. Frees model. */
static size_t pack(Onnx__ModelProto *model, uint8_t *out, size_t max_size)
{
	size_t len = onnx__model_proto__get_packed_size(model);
	if (len > max_size || len == 0)
		len = 0;
	else
		onnx__model_proto__pack(model, out);
	onnx__model_proto__free_unpacked(model, NULL);
	return len;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
	struct mut_rng r = {seed};
	if (mut_chance(&r, 10))
		return LLVMFuzzerMutate(data, size, max_size);
	Onnx__ModelProto *model = unpack(data, size);
	if (!model)
		return LLVMFuzzerMutate(data, size, max_size);
	if (!mut_model(model, &r)) {
		onnx__model_proto__free_unpacked(model, NULL);
		return LLVMFuzzerMutate(data, size, max_size);
	}
	size_t len = pack(model, data, max_size);
	return len ? len : LLVMFuzzerMutate(data, size, max_size);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *data1, size_t size1, const uint8_t *data2,
				 size_t size2, uint8_t *out, size_t max_out_size, unsigned int seed)
{
	struct mut_rng r = {seed};
	Onnx__ModelProto *dst = unpack(data1, size1), *src = unpack(data2, size2);
	size_t len = 0;
	if (dst && src && mut_crossover(dst, src, &r)) {
		len = pack(dst, out, max_out_size);
		dst = NULL;
	}
	if (dst)
		onnx__model_proto__free_unpacked(dst, NULL);
	if (src)
		onnx__model_proto__free_unpacked(src, NULL);
	return len;
}
