/* harness.c: runs a model compiled by qonnxc on .npy inputs and writes its
 * outputs as float32 .npy files. Linked with glue.c (compiled for the
 * model, the only part that sees its header), the model's object and
 * libqonnxrt.a (npy files, quantization).
 *
 *   harness MODE in0.npy ... out0.npy ...
 *
 * One file per model input and output, in model order. An input with one
 * more dimension than the model's holds N samples, run one after the other;
 * every output then gets the leading dimension N (as `qonnxc run`).
 *
 * MODE check: P_run with a zeroed 64-byte aligned workspace writes the
 *   outputs. Also checked, each a failure (exit 3) when it does not hold:
 *   the description P_info agrees with the header's macros; null and
 *   misaligned arguments give QONNX_ERR_NULL / QONNX_ERR_ALIGN and leave
 *   the outputs alone; P_run_v gives the same bits; so does a workspace
 *   filled with random bytes (twice, different bytes); and so does a run
 *   where every input, output and the workspace is a buffer of exactly its
 *   size ending at an inaccessible page (so a read or write past the end of
 *   any of them faults, whatever instrumentation the object lacks).
 * MODE q: P_run_q; quantized inputs are converted with qrt_quantize and
 *   quantized outputs back with qrt_dequantize.
 * MODE malloc: P_run with a workspace malloc'ed at exactly
 *   P_WORKSPACE_SIZE bytes (for a run under AddressSanitizer).
 *
 * Exit status: 0 ok, 1 usage or file error, 2 the model returned an error,
 * 3 a check failed.
 */
#include "runtime/qonnx_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

extern const long long h_workspace_size, h_workspace_align, h_weights_size;
extern const int h_num_inputs, h_num_outputs, h_abi_version;
const struct qonnx_model_info *h_info(void);
int h_run(int entry, void *const *in, void *const *out, void *workspace);

enum { ENTRY_RUN, ENTRY_RUN_V, ENTRY_RUN_Q, MAX_IO = 8 };

struct io {
	const struct qonnx_tensor_info *t;
	float *data; /* samples * t->size */
};

static const struct qonnx_model_info *info;
static struct io ins[MAX_IO], outs[MAX_IO];
static int nin, nout;
static long long samples = 1;
static int batched;

static void fail(int code, const char *fmt, const char *arg)
{
	fprintf(stderr, "harness: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(code);
}

static void *xmalloc(size_t n)
{
	void *p = calloc(n ? n : 1, 1);
	if (!p)
		fail(1, "%s", "out of memory");
	return p;
}

static void check_description(void)
{
	if (info->abi_version != QONNX_ABI_VERSION || h_abi_version != QONNX_ABI_VERSION)
		fail(3, "%s", "ABI version differs from QONNX_ABI_VERSION");
	if ((long long)info->workspace_size != h_workspace_size ||
	    (long long)info->workspace_align != h_workspace_align ||
	    (long long)info->weights_size != h_weights_size)
		fail(3, "%s", "P_info sizes differ from the header's macros");
	if ((int)info->num_inputs != h_num_inputs || (int)info->num_outputs != h_num_outputs)
		fail(3, "%s", "P_info tensor counts differ from the header's macros");
	if (info->tensor_size != sizeof(struct qonnx_tensor_info) ||
	    info->size != info->tensor_offset + (info->num_inputs + info->num_outputs) * info->tensor_size)
		fail(3, "%s", "P_info record layout is inconsistent");
	if (h_workspace_size % h_workspace_align)
		fail(3, "%s", "workspace size is not a multiple of its alignment");
}

static void load_input(int k, const char *path)
{
	char err[256];
	struct qrt_array a;
	const struct qonnx_tensor_info *t = qonnx_input_info(info, (uint32_t)k);
	if (qrt_npy_read(path, &a, err, sizeof err) < 0)
		fail(1, "%s", err);
	int extra = a.rank - t->rank;
	int ok = extra == 0 || extra == 1;
	for (int d = 0; ok && d < t->rank; d++)
		ok = a.dims[d + extra] == t->shape[d];
	if (!ok)
		fail(1, "input %s does not have the model's shape", path);
	long long n = extra ? a.dims[0] : 1;
	if (k > 0 && (n != samples || extra != batched))
		fail(1, "input %s has another number of samples", path);
	samples = n;
	batched = extra;
	ins[k].t = t;
	ins[k].data = xmalloc((size_t)(n * t->size) * sizeof(float));
	for (long long i = 0; i < n * t->size; i++)
		ins[k].data[i] = (float)qrt_array_get(&a, i);
	qrt_array_free(&a);
}

static void write_output(int k, const char *path)
{
	char err[256];
	const struct qonnx_tensor_info *t = outs[k].t;
	struct qrt_array a = {.dtype = QRT_F32, .rank = t->rank + batched, .data = outs[k].data};
	if (batched)
		a.dims[0] = samples;
	for (int d = 0; d < t->rank; d++)
		a.dims[d + batched] = t->shape[d];
	if (qrt_npy_write(path, &a, err, sizeof err) < 0)
		fail(1, "%s", err);
}

/* ---- workspaces ------------------------------------------------------------ */

static void *aligned_zeroed(size_t bytes)
{
	void *p = NULL;
	if (posix_memalign(&p, 64, bytes ? bytes : 64))
		fail(1, "%s", "out of memory");
	memset(p, 0, bytes ? bytes : 64);
	return p;
}

static unsigned long long rng = 88172645463325252ull;

static void fill_random(void *p, size_t n)
{
	unsigned char *b = p;
	for (size_t i = 0; i < n; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		b[i] = (unsigned char)rng;
	}
}

/* A buffer of exactly `bytes` bytes whose end touches an inaccessible page
 * (and whose start follows one). */
static void *guarded(size_t bytes)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t span = (bytes + page - 1) / page * page;
	char *p = mmap(NULL, span + 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		fail(1, "%s", "mmap failed");
	if (mprotect(p, page, PROT_NONE) || mprotect(p + page + span, page, PROT_NONE))
		fail(1, "%s", "mprotect failed");
	return p + page + span - bytes;
}

/* ---- runs ------------------------------------------------------------------- */

/* Runs sample s with entry through the given buffers: in[k], out[k] hold
 * one sample each. */
static int run_sample(int entry, void **in, void **out, void *ws)
{
	return h_run(entry, in, out, ws);
}

/* Every sample into dst (per output, samples * size floats), the inputs
 * and outputs passed in buffers made by `make` (NULL: point into the
 * arrays directly). */
static void run_all(int entry, float **dst, void *ws, size_t ws_bytes, int random_ws,
		    void *(*make)(size_t))
{
	void *in[MAX_IO], *out[MAX_IO];
	for (int k = 0; k < nin; k++)
		in[k] = make ? make((size_t)ins[k].t->size * sizeof(float)) : NULL;
	for (int k = 0; k < nout; k++)
		out[k] = make ? make((size_t)outs[k].t->size * sizeof(float)) : NULL;
	for (long long s = 0; s < samples; s++) {
		for (int k = 0; k < nin; k++) {
			float *src = ins[k].data + s * ins[k].t->size;
			if (make)
				memcpy(in[k], src, (size_t)ins[k].t->size * sizeof(float));
			else
				in[k] = src;
		}
		for (int k = 0; k < nout; k++)
			if (!make)
				out[k] = dst[k] + s * outs[k].t->size;
		if (random_ws)
			fill_random(ws, ws_bytes);
		int rc = run_sample(entry, in, out, ws);
		if (rc != QONNX_OK) {
			fprintf(stderr, "harness: the model returned %d\n", rc);
			exit(2);
		}
		for (int k = 0; k < nout && make; k++)
			memcpy(dst[k] + s * outs[k].t->size, out[k],
			       (size_t)outs[k].t->size * sizeof(float));
	}
}

static float **new_outputs(void)
{
	float **o = xmalloc(sizeof *o * MAX_IO);
	for (int k = 0; k < nout; k++)
		o[k] = xmalloc((size_t)(samples * outs[k].t->size) * sizeof(float));
	return o;
}

static void same_bits(float **a, float **b, const char *what)
{
	for (int k = 0; k < nout; k++)
		if (memcmp(a[k], b[k], (size_t)(samples * outs[k].t->size) * sizeof(float)))
			fail(3, "%s changes the outputs", what);
}

/* Bad arguments are refused without touching the outputs. */
static void check_refusals(char *ws)
{
	void *in[MAX_IO], *out[MAX_IO];
	float *sentinel[MAX_IO];
	for (int k = 0; k < nin; k++)
		in[k] = ins[k].data;
	for (int k = 0; k < nout; k++) {
		size_t n = (size_t)outs[k].t->size;
		sentinel[k] = xmalloc(n * sizeof(float) + 1);
		memset(sentinel[k], 0x5a, n * sizeof(float));
		out[k] = sentinel[k];
	}
	if (h_workspace_size > 0) {
		if (h_run(ENTRY_RUN, in, out, NULL) != QONNX_ERR_NULL)
			fail(3, "%s", "a null workspace is not refused with QONNX_ERR_NULL");
		if (h_run(ENTRY_RUN, in, out, ws + 1) != QONNX_ERR_ALIGN)
			fail(3, "%s", "a misaligned workspace is not refused with QONNX_ERR_ALIGN");
		if (h_run(ENTRY_RUN_Q, in, out, ws + 32) != QONNX_ERR_ALIGN)
			fail(3, "%s", "P_run_q accepts a misaligned workspace");
	}
	if (nout > 0) {
		void *keep = out[nout - 1];
		out[nout - 1] = NULL;
		if (h_run(ENTRY_RUN_V, in, out, ws) != QONNX_ERR_NULL)
			fail(3, "%s", "a null output is not refused with QONNX_ERR_NULL");
		out[nout - 1] = keep;
		if (h_run(ENTRY_RUN_V, in, NULL, ws) != QONNX_ERR_NULL)
			fail(3, "%s", "a null output array is not refused with QONNX_ERR_NULL");
	}
	if (nin > 0 && h_run(ENTRY_RUN, (void *[MAX_IO]){NULL}, out, ws) != QONNX_ERR_NULL)
		fail(3, "%s", "a null input is not refused with QONNX_ERR_NULL");
	for (int k = 0; k < nout; k++) {
		unsigned char *p = (unsigned char *)sentinel[k];
		for (long long i = 0; i < outs[k].t->size * (long long)sizeof(float); i++)
			if (p[i] != 0x5a)
				fail(3, "%s", "a refused call wrote an output");
		free(sentinel[k]);
	}
}

static float **mode_check(void)
{
	size_t ws_bytes = (size_t)h_workspace_size;
	char *ws = aligned_zeroed(ws_bytes + 64);
	check_refusals(ws);
	memset(ws, 0, ws_bytes + 64);
	float **result = new_outputs(), **other = new_outputs();
	run_all(ENTRY_RUN, result, ws, ws_bytes, 0, NULL);
	run_all(ENTRY_RUN_V, other, ws, ws_bytes, 0, NULL);
	same_bits(result, other, "P_run_v instead of P_run");
	run_all(ENTRY_RUN, other, ws, ws_bytes, 1, NULL);
	same_bits(result, other, "a workspace of random bytes");
	run_all(ENTRY_RUN, other, ws, ws_bytes, 1, NULL);
	same_bits(result, other, "another workspace of random bytes");
	char *exact = ws_bytes ? guarded(ws_bytes) : NULL;
	run_all(ENTRY_RUN, other, exact, ws_bytes, 1, guarded);
	same_bits(result, other, "exactly sized buffers");
	return result;
}

static float **mode_malloc(void)
{
	size_t ws_bytes = (size_t)h_workspace_size;
	void *ws = NULL;
	if (ws_bytes && posix_memalign(&ws, (size_t)h_workspace_align, ws_bytes))
		fail(1, "%s", "out of memory");
	float **result = new_outputs();
	run_all(ENTRY_RUN, result, ws, ws_bytes, 1, NULL);
	free(ws);
	return result;
}

/* P_run_q, one sample at a time, converting the quantized tensors. */
static float **mode_q(void)
{
	size_t ws_bytes = (size_t)h_workspace_size;
	void *ws = aligned_zeroed(ws_bytes);
	float **result = new_outputs();
	void *in[MAX_IO], *out[MAX_IO];
	for (int k = 0; k < nout; k++)
		out[k] = outs[k].t->quantized ? xmalloc((size_t)outs[k].t->size * 8) : NULL;
	for (int k = 0; k < nin; k++)
		in[k] = ins[k].t->quantized ? xmalloc((size_t)ins[k].t->size * 8) : NULL;
	for (long long s = 0; s < samples; s++) {
		for (int k = 0; k < nin; k++) {
			float *x = ins[k].data + s * ins[k].t->size;
			if (!ins[k].t->quantized)
				in[k] = x;
			else if (qrt_quantize(ins[k].t, x, in[k]) < 0)
				fail(2, "%s", "qrt_quantize refused an input");
		}
		for (int k = 0; k < nout; k++)
			if (!outs[k].t->quantized)
				out[k] = result[k] + s * outs[k].t->size;
		int rc = run_sample(ENTRY_RUN_Q, in, out, ws);
		if (rc != QONNX_OK) {
			fprintf(stderr, "harness: the model returned %d\n", rc);
			exit(2);
		}
		for (int k = 0; k < nout; k++)
			if (outs[k].t->quantized &&
			    qrt_dequantize(outs[k].t, out[k], result[k] + s * outs[k].t->size) < 0)
				fail(2, "%s", "qrt_dequantize refused an output");
	}
	return result;
}

int main(int argc, char **argv)
{
	info = h_info();
	check_description();
	nin = (int)info->num_inputs;
	nout = (int)info->num_outputs;
	if (nin > MAX_IO || nout > MAX_IO)
		fail(1, "%s", "too many inputs or outputs");
	if (argc != 2 + nin + nout) {
		fprintf(stderr, "usage: %s check|q|malloc IN.npy x %d OUT.npy x %d\n", argv[0], nin,
			nout);
		return 1;
	}
	for (int k = 0; k < nin; k++)
		load_input(k, argv[2 + k]);
	for (int k = 0; k < nout; k++)
		outs[k].t = qonnx_output_info(info, (uint32_t)k);
	float **result = NULL;
	if (!strcmp(argv[1], "check"))
		result = mode_check();
	else if (!strcmp(argv[1], "q"))
		result = mode_q();
	else if (!strcmp(argv[1], "malloc"))
		result = mode_malloc();
	else
		fail(1, "unknown mode '%s'", argv[1]);
	for (int k = 0; k < nout; k++) {
		outs[k].data = result[k];
		write_output(k, argv[2 + nin + k]);
	}
	return 0;
}
