/* run.h: what `qonnxc run` and `qonnxc verify` share: model inputs read
 * from files (all samples of each), one sample at a time, and the compiled
 * model's float32 view of tensors. */
#ifndef QONNXC_RUN_H
#define QONNXC_RUN_H

#include "cli.h"
#include "ir/interp/interp.h"

struct run_data {
	struct ir_tensor inputs[CLI_MAX_FILES];  /* whole files, converted to the input types */
	struct ir_tensor outputs[CLI_MAX_FILES]; /* [N] + output dims when batched */
	int64_t samples;
	bool batched;
};

/* Reads opt's --input files for m's inputs into rd (from a); -1 after
 * printing an error about the files. */
int run_load_inputs(struct ir_module *m, const struct cli_options *opt, struct run_data *rd,
		    struct arena *a);
/* Tensor holding sample s of a batched whole-file tensor (no copy). */
struct ir_tensor run_sample_of(const struct ir_tensor *whole, int64_t s, bool batched);
/* float32 copies of n storage-form tensors (the compiled entry's format);
 * f32 tensors are used in place. */
void run_to_f32(const struct ir_tensor *t, int n, const float **out, struct arena *a);

#endif
