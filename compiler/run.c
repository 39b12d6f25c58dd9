/* run.c: `qonnxc run`: execute a model on inputs from files.
 *
 * Inputs are .npy arrays or serialized TensorProto files (.pb, the ONNX
 * conformance tests' format), given in model input order and converted to the
 * model's input element types. An input whose rank is the model input's rank
 * plus one holds N samples: the model runs on each and every output gets the
 * same leading dimension N. Outputs go to .npy files (--output, in model
 * output order) or are printed. The model is compiled in memory with the
 * LLVM backend's JIT after the default pipeline (or --passes) and run through
 * its float32 entry point; --interp executes with the reference interpreter
 * instead, on the imported graph or on the IR after --passes (driver_load).
 */
#include "driver.h"
#include "run.h"
#include "outfile.h"
#include "backends/llvm/jit.h"
#include "ir/interp/interp.h"
#include "onnx/onnx_import.h"
#include "runtime/npy.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { MAX_JOBS = 256 };

/* Milliseconds of the monotonic clock, for -v's account of where time went. */
static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void report_phase(const struct cli_options *opt, const char *what, double *since)
{
	double t = now_ms();
	if (opt->verbose)
		fprintf(stderr, "qonnxc: run: %s in %.1f ms\n", what, t - *since);
	*since = t;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static struct ir_type type_of_npy(const struct qrt_array *a)
{
	static const struct { int bits; bool is_signed; } ints[] = {
		[QRT_I8] = {8, true}, [QRT_I16] = {16, true}, [QRT_I32] = {32, true},
		[QRT_I64] = {64, true}, [QRT_U8] = {8, false}, [QRT_U16] = {16, false},
		[QRT_U32] = {32, false}, [QRT_U64] = {64, false},
	};
	struct ir_type t = ir_type_f32(a->rank, a->dims);
	if (a->dtype == QRT_F64)
		t.elem = IR_ELEM_F64, t.bits = 64;
	else if (a->dtype == QRT_BOOL)
		t.elem = IR_ELEM_BOOL, t.bits = 1;
	else if (a->dtype != QRT_F32)
		t = ir_type_int(ints[a->dtype].bits, ints[a->dtype].is_signed, a->rank, a->dims);
	return t;
}

/* Reads a .npy file into a tensor of the file's own type, in storage form. */
static int read_npy(const char *path, struct ir_tensor *t, struct arena *a)
{
	char err[512];
	struct qrt_array arr;
	if (qrt_npy_read(path, &arr, err, sizeof err) < 0) {
		driver_error(path, "%s", err);
		return -1;
	}
	t->type = type_of_npy(&arr);
	int64_t n = qrt_array_numel(&arr);
	size_t bytes = (size_t)n * ir_storage_size(t->type.elem);
	t->data = arena_alloc_uninit(a, bytes + 1);
	if (arr.dtype == QRT_F32 || arr.dtype == QRT_F64) /* storage form already */
		memcpy(t->data, arr.data, bytes);
	else
		for (int64_t i = 0; i < n; i++)
			ir_tensor_set(t, i, qrt_array_get(&arr, i));
	qrt_array_free(&arr);
	return 0;
}

static int read_input_file(const char *path, struct ir_tensor *t, struct arena *a)
{
	if (has_suffix(path, ".pb")) {
		char err[512];
		if (onnx_read_tensor_file(path, t, a, err, sizeof err) < 0) {
			driver_error(path, "%s", err);
			return -1;
		}
		return 0;
	}
	return read_npy(path, t, a);
}

/* Checks the file's shape against the model input and converts its elements
 * to the input's element type. Sets *samples (1 when unbatched). */
static int conform_input(struct ir_module *m, int i, const char *path, struct ir_tensor *t,
			 int64_t *samples, bool *batched, struct arena *a)
{
	const struct ir_value *in = ir_val(m, m->inputs[i]);
	const struct ir_type *want = &in->type;
	int extra = t->type.rank - want->rank;
	bool ok = extra == 0 || extra == 1;
	for (int d = 0; ok && d < want->rank; d++)
		ok = t->type.dims[d + extra] == want->dims[d];
	if (!ok) {
		char w[200], g[200];
		driver_error(path, "input '%s' expects %s (optionally with a leading sample dimension), got %s",
			     in->name, ir_type_str(want, w, sizeof w), ir_type_str(&t->type, g, sizeof g));
		return -1;
	}
	int64_t n = extra ? t->type.dims[0] : 1;
	if (i > 0 && (n != *samples || (extra == 1) != *batched)) {
		driver_error(path, "input '%s' has %" PRId64 " samples, the first input %" PRId64,
			     in->name, n, *samples);
		return -1;
	}
	*samples = n;
	*batched = extra == 1;
	if (t->type.elem == want->elem && t->type.elem != IR_ELEM_INT)
		return 0; /* f32, f64 or bool already */
	struct ir_tensor conv = {.type = t->type};
	conv.type.elem = want->elem;
	conv.type.bits = want->bits;
	conv.type.is_signed = want->is_signed;
	int64_t total = ir_type_numel(&t->type);
	conv.data = arena_alloc(a, (size_t)total * ir_storage_size(want->elem) + 1);
	for (int64_t k = 0; k < total; k++)
		ir_tensor_set(&conv, k, ir_tensor_get(t, k));
	*t = conv;
	return 0;
}

int run_load_inputs(struct ir_module *m, const struct cli_options *opt, struct run_data *rd,
		    struct arena *a)
{
	if (opt->ninputs != m->ninputs) {
		driver_error(opt->model, "the model has %d inputs, %d --input files given", m->ninputs,
			     opt->ninputs);
		return -1;
	}
	if (opt->noutputs > m->noutputs) {
		driver_error(opt->model, "the model has %d outputs, %d --output files given",
			     m->noutputs, opt->noutputs);
		return -1;
	}
	for (int i = 0; i < m->ninputs; i++)
		if (read_input_file(opt->inputs[i], &rd->inputs[i], a) < 0 ||
		    conform_input(m, i, opt->inputs[i], &rd->inputs[i], &rd->samples, &rd->batched, a) < 0)
			return -1;
	return 0;
}

struct ir_tensor run_sample_of(const struct ir_tensor *whole, int64_t s, bool batched)
{
	if (!batched)
		return *whole;
	struct ir_tensor t = {.type = ir_type_with_dims(whole->type, whole->type.rank - 1,
							 whole->type.dims + 1)};
	size_t bytes = (size_t)ir_type_numel(&t.type) * ir_storage_size(t.type.elem);
	t.data = (char *)whole->data + (size_t)s * bytes;
	return t;
}

static void alloc_outputs(struct ir_module *m, struct run_data *rd, struct arena *a)
{
	for (int i = 0; i < m->noutputs; i++) {
		const struct ir_type *t = &ir_val(m, m->outputs[i])->type;
		struct ir_type whole = *t;
		if (rd->batched) {
			int64_t dims[IR_MAX_RANK + 1] = {rd->samples};
			memcpy(dims + 1, t->dims, (size_t)t->rank * sizeof *dims);
			whole = ir_type_with_dims(*t, t->rank + 1, dims);
		}
		rd->outputs[i].type = whole;
		rd->outputs[i].data = arena_alloc_uninit(a, (size_t)ir_type_numel(&whole) *
							     ir_storage_size(whole.elem) + 1);
	}
}

void run_to_f32(const struct ir_tensor *t, int n, const float **out, struct arena *a)
{
	for (int i = 0; i < n; i++) {
		if (t[i].type.elem == IR_ELEM_F32) {
			out[i] = t[i].data;
			continue;
		}
		int64_t count = ir_type_numel(&t[i].type);
		float *f = arena_alloc(a, (size_t)count * sizeof *f + 1);
		for (int64_t k = 0; k < count; k++)
			f[k] = (float)ir_tensor_get(&t[i], k);
		out[i] = f;
	}
}

/* One thread's share of the samples through the compiled model: samples
 * first, first + step, ..., each run with the thread's own workspace. */
struct jit_share {
	struct ir_module *m;
	const struct cli_options *opt;
	struct run_data *rd;
	struct llvm_jit *j;
	int64_t first, step;
	int rc;
};

/* Sample s; outputs stored as f32 are written in place, others through tmp. */
static int run_one_sample(struct jit_share *sh, void *ws, float *const *tmp, int64_t s)
{
	struct ir_module *m = sh->m;
	struct arena per = {0};
	struct ir_tensor ins[CLI_MAX_FILES], dst[CLI_MAX_FILES];
	const float *fins[CLI_MAX_FILES];
	float *outs[CLI_MAX_FILES];
	for (int i = 0; i < m->ninputs; i++)
		ins[i] = run_sample_of(&sh->rd->inputs[i], s, sh->rd->batched);
	run_to_f32(ins, m->ninputs, fins, &per);
	for (int i = 0; i < m->noutputs; i++) {
		dst[i] = run_sample_of(&sh->rd->outputs[i], s, sh->rd->batched);
		outs[i] = dst[i].type.elem == IR_ELEM_F32 ? dst[i].data : tmp[i];
	}
	int rc = llvm_jit_run_in(sh->j, ws, fins, outs);
	if (rc != 0)
		driver_error(sh->opt->model, "the compiled model returned %d", rc);
	for (int i = 0; i < m->noutputs && rc == 0; i++)
		if (outs[i] == tmp[i])
			for (int64_t k = 0, n = ir_type_numel(&dst[i].type); k < n; k++)
				ir_tensor_set(&dst[i], k, tmp[i][k]);
	arena_free(&per);
	return rc;
}

static void *run_share(void *arg)
{
	struct jit_share *sh = arg;
	struct ir_module *m = sh->m;
	struct arena a = {0};
	float *tmp[CLI_MAX_FILES];
	for (int i = 0; i < m->noutputs; i++)
		tmp[i] = arena_alloc(&a, (size_t)ir_type_numel(&ir_val(m, m->outputs[i])->type) *
						 sizeof(float) + 1);
	void *ws = llvm_jit_workspace_new(sh->j);
	for (int64_t s = sh->first; s < sh->rd->samples && sh->rc == 0; s += sh->step)
		sh->rc = run_one_sample(sh, ws, tmp, s);
	llvm_jit_workspace_free(ws);
	arena_free(&a);
	return NULL;
}

/* Threads for the samples: --jobs, else one per processor online, never
 * more than the samples. */
static int64_t thread_count(const struct cli_options *opt, int64_t samples)
{
	int64_t n = opt->jobs ? opt->jobs : sysconf(_SC_NPROCESSORS_ONLN);
	n = n < 1 ? 1 : n > MAX_JOBS ? MAX_JOBS : n;
	return n < samples ? n : samples > 0 ? samples : 1;
}

/* The samples through the model compiled in memory (backends/llvm/jit.h),
 * spread over threads: the compiled code is reentrant. */
static int run_samples_jit(struct ir_module *m, const struct cli_options *opt, struct run_data *rd)
{
	double t = now_ms();
	struct llvm_jit *j = llvm_jit_compile(m, opt->opt_level, opt->mattr);
	if (!j) {
		driver_error(opt->model, "%s", m->error);
		return -1;
	}
	report_phase(opt, "compiled in memory", &t);
	int64_t n = thread_count(opt, rd->samples);
	struct jit_share sh[MAX_JOBS];
	pthread_t th[MAX_JOBS];
	int64_t started = 1;
	for (int64_t k = 0; k < n; k++)
		sh[k] = (struct jit_share){m, opt, rd, j, k, n, 0};
	for (; started < n; started++)
		if (pthread_create(&th[started], NULL, run_share, &sh[started]) != 0)
			break;
	for (int64_t k = started; k < n; k++) /* threads refused: run their shares here */
		run_share(&sh[k]);
	run_share(&sh[0]);
	int rc = 0;
	for (int64_t k = 1; k < n; k++) {
		if (k < started)
			pthread_join(th[k], NULL);
		rc |= sh[k].rc;
	}
	rc |= sh[0].rc;
	if (opt->verbose)
		fprintf(stderr, "qonnxc: run: %" PRId64 " samples on %" PRId64 " threads\n",
			rd->samples, n);
	report_phase(opt, "ran the samples", &t);
	llvm_jit_free(j);
	return rc ? -1 : 0;
}

static int run_samples(struct ir_module *m, const struct cli_options *opt, struct run_data *rd)
{
	if (!opt->interp)
		return run_samples_jit(m, opt, rd);
	struct ir_tensor ins[CLI_MAX_FILES], outs[CLI_MAX_FILES];
	for (int64_t s = 0; s < rd->samples; s++) {
		struct arena a = {0};
		for (int i = 0; i < m->ninputs; i++)
			ins[i] = run_sample_of(&rd->inputs[i], s, rd->batched);
		if (interp_run(m, ins, outs, &a) < 0) {
			driver_error(opt->model, "%s", m->error);
			arena_free(&a);
			return -1;
		}
		for (int i = 0; i < m->noutputs; i++) {
			struct ir_tensor dst = run_sample_of(&rd->outputs[i], s, rd->batched);
			memcpy(dst.data, outs[i].data,
			       (size_t)ir_type_numel(&dst.type) * ir_storage_size(dst.type.elem));
		}
		arena_free(&a);
	}
	return 0;
}

/* Storage form -> .npy array: f32, f64 and bool keep their type, integers
 * are written as int64 (their storage form). */
static int write_npy(const char *path, const struct ir_tensor *t)
{
	struct qrt_array arr = {.rank = t->type.rank};
	memcpy(arr.dims, t->type.dims, (size_t)t->type.rank * sizeof *arr.dims);
	int64_t n = ir_type_numel(&t->type);
	uint8_t *bools = NULL;
	switch (t->type.elem) {
	case IR_ELEM_F32: arr.dtype = QRT_F32; arr.data = t->data; break;
	case IR_ELEM_F64: arr.dtype = QRT_F64; arr.data = t->data; break;
	case IR_ELEM_INT: arr.dtype = QRT_I64; arr.data = t->data; break;
	case IR_ELEM_BOOL:
		arr.dtype = QRT_BOOL;
		bools = malloc((size_t)n + 1);
		if (!bools)
			abort();
		for (int64_t i = 0; i < n; i++)
			bools[i] = ((const int64_t *)t->data)[i] != 0;
		arr.data = bools;
		break;
	}
	char err[512];
	outfile_hold(); /* the writer's temporary never outlives a kill */
	int rc = qrt_npy_write(path, &arr, err, sizeof err);
	outfile_release();
	free(bools);
	if (rc < 0)
		driver_error(NULL, "%s", err);
	return rc;
}

static void print_tensor(const char *name, const struct ir_tensor *t)
{
	char buf[200];
	printf("output %s : %s\n", name, ir_type_str(&t->type, buf, sizeof buf));
	int64_t n = ir_type_numel(&t->type);
	int64_t row = t->type.rank ? t->type.dims[t->type.rank - 1] : 1;
	for (int64_t i = 0; i < n; i++) {
		double v = ir_tensor_get(t, i);
		if (t->type.elem == IR_ELEM_F32)
			printf("%s%.9g", i % row ? " " : "  ", v);
		else if (t->type.elem == IR_ELEM_F64)
			printf("%s%.17g", i % row ? " " : "  ", v);
		else
			printf("%s%" PRId64, i % row ? " " : "  ", ((const int64_t *)t->data)[i]);
		if (row == 0 || (i + 1) % row == 0)
			putchar('\n');
	}
}

static int emit_outputs(struct ir_module *m, const struct cli_options *opt, const struct run_data *rd)
{
	for (int i = 0; i < m->noutputs; i++) {
		if (i < opt->noutputs) {
			if (write_npy(opt->outputs[i], &rd->outputs[i]) < 0)
				return -1;
		} else if (!opt->noutputs) {
			print_tensor(ir_val(m, m->outputs[i])->name, &rd->outputs[i]);
		}
	}
	return 0;
}

int driver_run(const struct cli_options *opt)
{
	double t = now_ms();
	struct ir_module *m = driver_load(opt);
	if (!m)
		return EXIT_BAD_MODEL;
	report_phase(opt, "loaded the model and ran the passes", &t);
	struct arena a = {0};
	struct run_data *rd = arena_alloc(&a, sizeof *rd);
	int rc = EXIT_BAD_MODEL;
	if (run_load_inputs(m, opt, rd, &a) < 0) {
		rc = EXIT_USAGE; /* the input files, not the model, are at fault */
		goto done;
	}
	alloc_outputs(m, rd, &a);
	report_phase(opt, "read the inputs", &t);
	if (run_samples(m, opt, rd) < 0)
		goto done;
	t = now_ms();
	rc = emit_outputs(m, opt, rd) < 0 ? EXIT_USAGE : EXIT_OK;
	report_phase(opt, "wrote the outputs", &t);
done:
	arena_free(&a);
	ir_module_free(m);
	return rc;
}
