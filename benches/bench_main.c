/* bench_main.c: times one model compiled by qonnxc, through its header.
 *
 * Built once per model by benches/bench.sh against that model's object
 * (compiled with --name=m, so the header is m.h and the entry points m_*):
 *
 *   bench_main inputs.npy RUNS [WARMUP]
 *
 * The inputs are the samples of inputs.npy (the model's own input shape
 * after the first, sample, dimension). So that nothing can be folded or
 * cached between runs, the driver cycles through VARIANTS distinct input
 * arrays: the samples one after the other (a batch-64 model takes 64 at
 * once), and when they run out, copies scaled by a factor that differs per
 * copy. Each run calls m_run_v
 * once and is timed alone with CLOCK_MONOTONIC; the outputs of every run
 * are folded into a checksum that is printed, so no run is dead code.
 *
 * Prints one line: median_ns p10_ns min_ns max_ns runs checksum.
 * Assumes one model input and output of f32 (the shared models all are);
 * others are refused with a message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "m.h"
#include "runtime/npy.h"

#define VARIANTS 16

static double now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* VARIANTS input arrays of n floats from the samples of a (see above). */
static float *make_inputs(const struct qrt_array *a, int64_t n)
{
	int64_t total = 1;
	for (int d = 0; d < a->rank; d++)
		total *= a->dims[d];
	float *in = malloc(sizeof *in * (size_t)(n * VARIANTS));
	if (!in || total < 1)
		return NULL;
	const float *src = a->data;
	for (int64_t j = 0; j < n * VARIANTS; j++) /* j / total: how often the samples wrapped */
		in[j] = src[j % total] * (1.0f - 0.03125f * (float)(j / total % 16));
	return in;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_main inputs.npy RUNS [WARMUP]\n");
		return 2;
	}
	if (M_NUM_INPUTS != 1 || M_NUM_OUTPUTS != 1) {
		fprintf(stderr, "bench_main: models with one input and one output only\n");
		return 1;
	}
	int runs = atoi(argv[2]), warmup = argc > 3 ? atoi(argv[3]) : runs / 10 + 10;
	struct qrt_array a;
	char err[256];
	if (runs < 1 || qrt_npy_read(argv[1], &a, err, sizeof err) < 0 || a.dtype != QRT_F32) {
		fprintf(stderr, "bench_main: %s\n", runs < 1 ? "RUNS must be positive" : err);
		return 1;
	}
	float *in = make_inputs(&a, M_IN0_SIZE);
	float *out = malloc(sizeof *out * M_OUT0_SIZE);
	void *ws = aligned_alloc(M_WORKSPACE_ALIGN, (M_WORKSPACE_SIZE + M_WORKSPACE_ALIGN - 1) /
							    M_WORKSPACE_ALIGN * M_WORKSPACE_ALIGN +
						    M_WORKSPACE_ALIGN);
	double *t = malloc(sizeof *t * (size_t)runs);
	if (!in || !out || !ws || !t) {
		fprintf(stderr, "bench_main: out of memory or inputs.npy smaller than one sample\n");
		return 1;
	}
	double checksum = 0;
	for (int r = -warmup; r < runs; r++) {
		const float *ins[1] = {in + (size_t)((r + warmup) % VARIANTS) * M_IN0_SIZE};
		float *outs[1] = {out};
		double s = now_ns();
		if (m_run_v(ins, outs, ws) != 0) {
			fprintf(stderr, "bench_main: m_run_v failed\n");
			return 1;
		}
		double e = now_ns();
		if (r >= 0)
			t[r] = e - s;
		checksum += out[0] + out[M_OUT0_SIZE - 1];
	}
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	printf("median_ns %.0f p10_ns %.0f min_ns %.0f max_ns %.0f runs %d checksum %g\n",
	       t[runs / 2], t[runs / 10], t[0], t[runs - 1], runs, checksum);
	return 0;
}
