/* fuzz_model.c: libFuzzer target taking its input as a whole .onnx file.
 *
 * libFuzzer's byte-level mutations (with fuzz/onnx.dict for operator,
 * attribute and domain names) reach the protobuf parser, the nesting check
 * and every import error path; see target.h for the path each input runs.
 */
#include "target.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
