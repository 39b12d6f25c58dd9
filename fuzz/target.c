/* target.c: fuzz_run, the compiler path shared by the fuzz targets (see
 * target.h for what it runs and what counts as a finding).
 *
 * Interpretation is skipped when it would be slow rather than wrong: the
 * tensors of all values together over TENSOR_BUDGET bytes, or the ops'
 * estimated elementary operations (result elements times the length of the
 * reduction behind each: K of a MatMul, the kernel volume of a Conv or pool)
 * over WORK_BUDGET. The backends run only where interpretation does and
 * the graph has at most BACKEND_MAX_OPS live ops and BACKEND_MAX_BYTES of
 * tensors.
 */
#define _XOPEN_SOURCE 700 /* mkdtemp */

#include "target.h"
#include "compiler/onnx/onnx_import.h"
#include "compiler/passes/pipeline.h"
#include "ir/interp/interp.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { EXTERNAL_BYTES = 4096 };
#define MAX_BYTES ((uint64_t)64 << 20)
#define TENSOR_BUDGET ((uint64_t)64 << 20)
#define WORK_BUDGET ((uint64_t)4 << 20)
/* The backends (backends.c) are slow: only for graphs this small. */
enum { BACKEND_MAX_OPS = 48 };
#define BACKEND_MAX_BYTES ((uint64_t)256 << 10)

static char model_dir[64];
static char weights_path[96];
static int diff_mode; /* 0 off, 1 print, 2 abort */
static FILE *null_out;  /* where the IR is printed */

void fuzz_finding(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "fuzz finding: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

static void remove_model_dir(void)
{
	unlink(weights_path);
	rmdir(model_dir);
}

void fuzz_init(void)
{
	snprintf(model_dir, sizeof model_dir, "/tmp/qonnxc-fuzz-XXXXXX");
	if (!mkdtemp(model_dir))
		fuzz_finding("cannot create a folder in /tmp");
	snprintf(weights_path, sizeof weights_path, "%s/weights.bin", model_dir);
	FILE *f = fopen(weights_path, "wb");
	if (!f)
		fuzz_finding("cannot write %s", weights_path);
	for (int i = 0; i < EXTERNAL_BYTES; i++)
		fputc((i * 37 + 11) & 0xff, f);
	fclose(f);
	atexit(remove_model_dir);
	null_out = fopen("/dev/null", "w");
	if (!null_out)
		fuzz_finding("cannot open /dev/null");
	const char *d = getenv("FUZZ_DIFF");
	diff_mode = !d || !*d || !strcmp(d, "0") ? 0 : !strcmp(d, "abort") ? 2 : 1;
}

/* Every error the user can see is one non-empty line, and about the input:
 * a message starting "internal error" is a bug of qonnxc's (a pass that
 * failed silently, an invalid LLVM module), whatever the input. */
void fuzz_check_message(const char *stage, const char *msg)
{
	if (!msg[0])
		fuzz_finding("%s failed without an error message", stage);
	if (!strncmp(msg, "internal error", 14))
		fuzz_finding("%s: %s", stage, msg);
	if (strchr(msg, '\n') || strchr(msg, '\r'))
		fuzz_finding("%s error spans several lines: %s", stage, msg);
}

/* ---- budget ----------------------------------------------------------------- */

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }
static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

static uint64_t numel(const struct ir_type *t)
{
	uint64_t n = 1;
	for (int k = 0; k < t->rank; k++)
		n = sat_mul(n, t->dims[k] < 0 ? UINT64_MAX : (uint64_t)t->dims[k]);
	return n;
}

static uint64_t operand_numel(struct ir_module *m, const struct ir_op *op, int k)
{
	const struct ir_type *t = k < op->noperands ? ir_operand_type(m, op, k) : NULL;
	return t ? numel(t) : 0;
}

static uint64_t attr_volume(const struct ir_op *op, const char *name)
{
	int n;
	const int64_t *v = ir_attr_ints(op, name, &n);
	uint64_t vol = 1;
	for (int i = 0; i < n; i++)
		vol = sat_mul(vol, v[i] > 0 ? (uint64_t)v[i] : 1);
	return vol;
}

/* Elementary operations per result element beyond the first. */
static uint64_t reduction_length(struct ir_module *m, const struct ir_op *op)
{
	const struct ir_type *a = op->noperands > 0 ? ir_operand_type(m, op, 0) : NULL;
	const struct ir_type *w = op->noperands > 1 ? ir_operand_type(m, op, 1) : NULL;
	switch (op->code) {
	case IR_OP_MatMul:
	case IR_OP_Gemm:
		return a && a->rank ? (uint64_t)(a->dims[a->rank - 1] > a->dims[0] ? a->dims[a->rank - 1]
										     : a->dims[0])
				    : 1;
	case IR_OP_Conv:
	case IR_OP_ConvTranspose:
		return w && w->rank && w->dims[0] > 0 ? numel(w) / (uint64_t)w->dims[0] + 1 : 1;
	case IR_OP_MaxPool:
	case IR_OP_AveragePool:
		return attr_volume(op, "kernel_shape");
	case IR_OP_Resize:
		return 256; /* coordinates per axis in double, taps, clamping */
	default:
		return 1;
	}
}

static uint64_t tensor_bytes(struct ir_module *m)
{
	uint64_t bytes = 0;
	for (int v = 0; v < m->nvalues; v++)
		bytes = sat_add(bytes, sat_mul(numel(&m->values[v].type),
					       ir_storage_size(m->values[v].type.elem)));
	return bytes;
}

static bool backends_fit(struct ir_module *m)
{
	int live = 0;
	for (int o = 0; o < m->nops; o++)
		live += !m->ops[o].dead;
	return live <= BACKEND_MAX_OPS && tensor_bytes(m) <= BACKEND_MAX_BYTES;
}

static bool within_budget(struct ir_module *m)
{
	uint64_t bytes = tensor_bytes(m), work = 0;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		uint64_t in = 0, out = 0;
		for (int k = 0; k < op->noperands; k++)
			in = sat_add(in, operand_numel(m, op, k));
		for (int k = 0; k < op->nresults; k++)
			out = sat_add(out, numel(&m->values[op->results[k]].type));
		work = sat_add(work, sat_mul(in > out ? in : out, reduction_length(m, op)));
	}
	return bytes <= TENSOR_BUDGET && work <= WORK_BUDGET;
}

/* ---- interpretation ----------------------------------------------------------- */

/* Small values of every sign, in range for the element type, varying with
 * the element index and the input. */
static double input_element(const struct ir_type *t, int64_t i, int input)
{
	int64_t k = (i * 7 + input * 3) % 17;
	switch (t->elem) {
	case IR_ELEM_F32:
	case IR_ELEM_F64: return (double)(k - 8) * 0.375;
	case IR_ELEM_BOOL: return (double)((i + input) & 1);
	case IR_ELEM_INT: break;
	}
	int bits = t->bits < 6 ? t->bits : 6;
	int64_t span = (int64_t)1 << bits;
	return t->is_signed ? (double)(k % span - span / 2) : (double)(k % span);
}

static struct ir_tensor *make_inputs(struct ir_module *m, struct arena *a)
{
	struct ir_tensor *in = arena_alloc(a, ((size_t)m->ninputs + 1) * sizeof *in);
	for (int i = 0; i < m->ninputs; i++) {
		in[i].type = ir_val(m, m->inputs[i])->type;
		int64_t n = ir_type_numel(&in[i].type);
		in[i].data = arena_alloc(a, (size_t)n * ir_storage_size(in[i].type.elem) + 1);
		for (int64_t e = 0; e < n; e++)
			ir_tensor_set(&in[i], e, input_element(&in[i].type, e, i));
	}
	return in;
}

/* One interpreter run; the outputs (allocated from a) or NULL after an
 * error, which is moved from m->error to run_error so that later stages
 * report their own. */
static char run_error[sizeof ((struct ir_module *)0)->error];

static struct ir_tensor *interpret(struct ir_module *m, struct arena *a, const char *stage)
{
	struct ir_tensor *out = arena_alloc(a, ((size_t)m->noutputs + 1) * sizeof *out);
	if (interp_run(m, make_inputs(m, a), out, a) < 0) {
		fuzz_check_message(stage, m->error);
		memcpy(run_error, m->error, sizeof run_error);
		m->error[0] = 0;
		return NULL;
	}
	return out;
}

static bool close_enough(double x, double y)
{
	if (isnan(x) || isnan(y))
		return isnan(x) && isnan(y);
	if (x == y)
		return true;
	double scale = fabs(x) > fabs(y) ? fabs(x) : fabs(y);
	return fabs(x - y) <= 1e-4 * (scale > 1 ? scale : 1);
}

/* Outputs before and after the pipeline (NULL: the run failed), compared
 * element by element. */
static void compare(struct ir_module *m, const struct ir_tensor *before, const struct ir_tensor *after)
{
	if (!after) {
		fprintf(stderr, "fuzz diff: runs before the pipeline, fails after: %s\n", run_error);
		goto differ;
	}
	for (int i = 0; i < m->noutputs; i++) {
		int64_t n = ir_type_numel(&after[i].type);
		struct ir_type shape = ir_type_with_dims(before[i].type, after[i].type.rank, after[i].type.dims);
		if (!ir_type_equal(&before[i].type, &shape)) { /* promote-f64 changes the element type */
			fprintf(stderr, "fuzz diff: output %d changed shape\n", i);
			goto differ;
		}
		for (int64_t e = 0; e < n; e++) {
			double x = ir_tensor_get(&before[i], e), y = ir_tensor_get(&after[i], e);
			if (!close_enough(x, y)) {
				fprintf(stderr, "fuzz diff: output %d element %lld: %.9g before the pipeline, %.9g after\n",
					i, (long long)e, x, y);
				goto differ;
			}
		}
	}
	return;
differ:
	if (diff_mode == 2)
		fuzz_finding("the pipeline changed the model's results");
}

/* ---- the path --------------------------------------------------------------- */

/* The pipelines an input may get, chosen by a hash of its bytes: mostly the
 * default one, also the opt-in passes, and --io-layout=nhwc. FUZZ_DIFF
 * compares results only where the pipeline keeps the model's layout and
 * arithmetic (promote-f64 rounds differently on purpose). */
static const struct {
	const char *passes;
	bool io_channels_last;
	bool comparable;
} pipelines[] = {
	{NULL, false, true}, {NULL, false, true}, {NULL, false, true}, {NULL, true, false},
	{"cleanup,lower-integer", false, true}, {"cleanup,channels-last,lower-integer", false, true},
	{"promote-f64,cleanup", false, false}, {"cleanup", false, true},
};

static unsigned hash(const uint8_t *data, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < len; i++)
		h = (h ^ data[i]) * 16777619u;
	return h;
}

static void run_pipeline(struct ir_module *m, bool interpreted, unsigned choice)
{
	unsigned choice_hash = choice;
	struct arena a = {0};
	struct ir_tensor *before = interpreted ? interpret(m, &a, "interpretation") : NULL;
	const char *forced = getenv("FUZZ_PASSES");
	choice %= sizeof pipelines / sizeof *pipelines;
	struct pipeline_options po = {
		.passes = forced ? forced : pipelines[choice].passes,
		.verify_each = true,
	};
	m->io_channels_last = !forced && pipelines[choice].io_channels_last;
	if (pipeline_run(m, &po) < 0) {
		fuzz_check_message("the pass pipeline", m->error);
		if (strstr(m->error, "after pass '"))
			fuzz_finding("a pass broke the IR: %s", m->error);
		goto done;
	}
	ir_print(m, null_out); /* what --emit=ir writes */
	if (!interpreted)
		goto done;
	struct ir_tensor *after = interpret(m, &a, "interpretation after the pipeline");
	if (diff_mode && before && (forced || pipelines[choice].comparable))
		compare(m, before, after);
	if (backends_fit(m))
		fuzz_backends(m, choice_hash >> 16);
done:
	arena_free(&a);
}

void fuzz_run(const uint8_t *data, size_t len)
{
	char err[1024] = "";
	struct onnx_import_options opt = {.batch = 1, .max_bytes = MAX_BYTES};
	struct ir_module *m = onnx_import_buffer(data, len, model_dir, &opt, err, sizeof err);
	if (!m) {
		fuzz_check_message("import", err);
		return;
	}
	ir_rebuild_uses(m);
	if (ir_verify(m) < 0)
		fuzz_finding("import accepted a module the verifier rejects: %s", m->error);
	run_pipeline(m, within_budget(m), hash(data, len));
	ir_module_free(m);
}
