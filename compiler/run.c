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
#include <stdlib.h>
#include <string.h>

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
	t->data = arena_alloc(a, (size_t)n * ir_storage_size(t->type.elem) + 1);
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
		rd->outputs[i].data = arena_alloc(a, (size_t)ir_type_numel(&whole) *
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

/* The samples through the model compiled in memory (backends/llvm/jit.h). */
static int run_samples_jit(struct ir_module *m, const struct cli_options *opt, struct run_data *rd)
{
	struct llvm_jit *j = llvm_jit_compile(m, opt->opt_level);
	if (!j) {
		driver_error(opt->model, "%s", m->error);
		return -1;
	}
	struct arena a = {0};
	float *outs[CLI_MAX_FILES];
	for (int i = 0; i < m->noutputs; i++)
		outs[i] = arena_alloc(&a, (size_t)ir_type_numel(&ir_val(m, m->outputs[i])->type) *
						  sizeof(float) + 1);
	int rc = 0;
	for (int64_t s = 0; s < rd->samples && rc == 0; s++) {
		struct arena per = {0};
		struct ir_tensor ins[CLI_MAX_FILES];
		const float *fins[CLI_MAX_FILES];
		for (int i = 0; i < m->ninputs; i++)
			ins[i] = run_sample_of(&rd->inputs[i], s, rd->batched);
		run_to_f32(ins, m->ninputs, fins, &per);
		if ((rc = llvm_jit_run(j, fins, outs)) != 0)
			driver_error(opt->model, "the compiled model returned %d", rc);
		for (int i = 0; i < m->noutputs && rc == 0; i++) {
			struct ir_tensor dst = run_sample_of(&rd->outputs[i], s, rd->batched);
			for (int64_t k = 0, n = ir_type_numel(&dst.type); k < n; k++)
				ir_tensor_set(&dst, k, outs[i][k]);
		}
		arena_free(&per);
	}
	arena_free(&a);
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
	struct ir_module *m = driver_load(opt);
	if (!m)
		return EXIT_BAD_MODEL;
	struct arena a = {0};
	struct run_data *rd = arena_alloc(&a, sizeof *rd);
	int rc = EXIT_BAD_MODEL;
	if (run_load_inputs(m, opt, rd, &a) < 0) {
		rc = EXIT_USAGE; /* the input files, not the model, are at fault */
		goto done;
	}
	alloc_outputs(m, rd, &a);
	if (run_samples(m, opt, rd) < 0)
		goto done;
	rc = emit_outputs(m, opt, rd) < 0 ? EXIT_USAGE : EXIT_OK;
done:
	arena_free(&a);
	ir_module_free(m);
	return rc;
}
