/* classify.c: a program that uses a model compiled by qonnxc, the way
 * firmware would: it includes only the generated header, keeps the
 * workspace in a static buffer of the size the header states, and calls
 * the entry point on one sample. Build (see `make examples`):
 *
 *   qonnxc examples/mlp_w2a2.onnx -o mlp.o    # writes mlp.o and mlp.h
 *   cc -std=c11 -I. examples/classify.c mlp.o -o classify
 */
#include <stdio.h>

#include "mlp.h"

static _Alignas(MLP_WORKSPACE_ALIGN) unsigned char workspace[MLP_WORKSPACE_SIZE];

int main(void)
{
	float input[MLP_IN0_SIZE];
	float scores[MLP_OUT0_SIZE];
	for (int i = 0; i < MLP_IN0_SIZE; i++) /* a made-up sample in [-1, 1) */
		input[i] = (float)((i * 7) % 16 - 8) / 8.0f;
	int rc = mlp_run(input, scores, workspace);
	if (rc != 0) {
		fprintf(stderr, "mlp_run failed: %d\n", rc);
		return 1;
	}
	int best = 0;
	for (int k = 0; k < MLP_OUT0_SIZE; k++) {
		printf("class %d: %g\n", k, scores[k]);
		if (scores[k] > scores[best])
			best = k;
	}
	printf("best: class %d (workspace %d bytes, weights %d bytes)\n", best,
	       (int)MLP_WORKSPACE_SIZE, (int)MLP_WEIGHTS_SIZE);
	return 0;
}
