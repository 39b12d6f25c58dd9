/* glue.c: the model-specific half of the test harness (harness.c). It is
 * compiled once per model with
 *
 *   -DMODEL_HEADER='"model.h"' -DPREFIX=model -DPREFIX_UP=MODEL
 *
 * and uses nothing but the generated header: its macros and the four entry
 * points, called with the fixed argument lists the header declares (up to 8
 * inputs and 8 outputs). Compiled with -std=c99 -pedantic -Werror, it is
 * also a check that the header is clean C99.
 */
#include MODEL_HEADER

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define FN(s) CAT(PREFIX, s)
#define M(s) CAT(PREFIX_UP, s)

#define NIN M(_NUM_INPUTS)
#define NOUT M(_NUM_OUTPUTS)

#if NIN > 8 || NOUT > 8
#error "the harness passes at most 8 inputs and 8 outputs"
#endif

#define IN_0
#define IN_1 in[0],
#define IN_2 IN_1 in[1],
#define IN_3 IN_2 in[2],
#define IN_4 IN_3 in[3],
#define IN_5 IN_4 in[4],
#define IN_6 IN_5 in[5],
#define IN_7 IN_6 in[6],
#define IN_8 IN_7 in[7],
#define OUT_0
#define OUT_1 out[0],
#define OUT_2 OUT_1 out[1],
#define OUT_3 OUT_2 out[2],
#define OUT_4 OUT_3 out[3],
#define OUT_5 OUT_4 out[4],
#define OUT_6 OUT_5 out[5],
#define OUT_7 OUT_6 out[6],
#define OUT_8 OUT_7 out[7],

const long long h_workspace_size = M(_WORKSPACE_SIZE);
const long long h_workspace_align = M(_WORKSPACE_ALIGN);
const long long h_weights_size = M(_WEIGHTS_SIZE);
const int h_num_inputs = NIN, h_num_outputs = NOUT, h_abi_version = M(_ABI_VERSION);

const struct qonnx_model_info *h_info(void)
{
	return FN(_info)();
}

/* entry 0: P_run, 1: P_run_v, 2: P_run_q */
int h_run(int entry, void *const *in, void *const *out, void *workspace)
{
	(void)in;
	(void)out;
	switch (entry) {
	case 0:
		return FN(_run)(CAT(IN_, NIN) CAT(OUT_, NOUT) workspace);
	case 1:
		return FN(_run_v)((const float *const *)in, (float *const *)out, workspace);
	default:
		return FN(_run_q)(CAT(IN_, NIN) CAT(OUT_, NOUT) workspace);
	}
}
