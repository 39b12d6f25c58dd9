/* backends.c: fuzz_backends, the last stage of the fuzz targets' path: the
 * module after the pass pipeline compiled by the LLVM backend into an object
 * and header in memory (llvm_compile), then turned into an HLS project
 * handed to an in-memory sink (hls_options.sink) instead of a directory.
 * Nothing is written to the file system; the .npy golden vectors go through
 * the npy writer to /dev/null, which it writes in place.
 *
 * Cost: LLVM code generation and emission take tens of milliseconds even
 * for a tiny graph (the front-end and passes take about one), and the HLS
 * golden vectors run the interpreter once more, so both run only on small
 * graphs (BACKEND_MAX_OPS live ops, BACKEND_MAX_BYTES of tensors in all)
 * that the interpreter's budget admits (the caller decides that); bigger
 * inputs stop after the passes. Under ASan one llvm_compile of a tiny graph costs about
 * 40 ms at -O0 (most of it creating the target machine and LLVM's own
 * allocations, whatever is emitted) and 200 ms at -O2, so -O2 is kept to
 * one input in eight (llvm_runs).
 *
 * FUZZ_BACKENDS in the environment names the backends to run ("llvm",
 * "hls", both, or "none"); all by default.
 *
 * Findings (abort, so that libFuzzer keeps the input): a backend failing
 * without a message or with an internal error, the LLVM backend rejecting
 * the host target's fixed options (a usage error), the HLS backend reporting
 * a file error with a sink that never fails, a file path that is absolute or
 * climbs out of the project, an empty object or header.
 */
#include "target.h"
#include "backends/hls/hls_backend.h"
#include "backends/llvm/llvm_backend.h"
#include "runtime/npy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every byte of a buffer read once, so that ASan checks its whole extent. */
static unsigned touch(const void *data, size_t size)
{
	const unsigned char *p = data;
	unsigned sum = 0;
	for (size_t i = 0; i < size; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static volatile unsigned sink_sum; /* keeps touch() from being optimized away */

static void check_project_path(const char *path)
{
	if (!path || !path[0] || path[0] == '/' || strstr(path, "..") || strstr(path, "//"))
		fuzz_finding("HLS project file with path '%s'", path ? path : "(null)");
}

static int sink_file(void *ctx, const char *path, const void *data, size_t size)
{
	(void)ctx;
	check_project_path(path);
	sink_sum += touch(data, size);
	return 0;
}

static int sink_array(void *ctx, const char *path, const struct qrt_array *a)
{
	(void)ctx;
	check_project_path(path);
	char err[256];
	if (qrt_npy_write("/dev/null", a, err, sizeof err) < 0)
		fuzz_finding("HLS golden vector '%s' not writable: %s", path, err);
	return 0;
}

/* What LLVM emits, by the caller's hash: mostly an object at -O0; one
 * input in eight at -O2 (five times slower), one each as assembly, textual
 * IR and bitcode. */
static const struct {
	enum llvm_emit emit;
	int opt_level;
} llvm_runs[8] = {
	{LLVM_EMIT_OBJ, 2}, {LLVM_EMIT_OBJ, 0}, {LLVM_EMIT_OBJ, 0}, {LLVM_EMIT_OBJ, 0},
	{LLVM_EMIT_OBJ, 0}, {LLVM_EMIT_ASM, 0}, {LLVM_EMIT_LLVM, 0}, {LLVM_EMIT_BC, 0},
};

static void run_llvm(struct ir_module *m, unsigned choice)
{
	char err[512] = "";
	struct llvm_options lo = {
		.prefix = "m",
		.opt_level = llvm_runs[choice % 8].opt_level,
		.emit = llvm_runs[choice % 8].emit,
		.source_name = "fuzz.onnx",
		.version = "fuzz",
	};
	struct llvm_result r;
	int rc = llvm_compile(m, &lo, &r, err, sizeof err);
	if (rc == -2)
		fuzz_finding("the LLVM backend rejects the host target: %s", err);
	if (rc < 0) {
		fuzz_check_message("the LLVM backend", m->error);
		m->error[0] = 0;
		return;
	}
	if (!r.code_size || !r.header_size)
		fuzz_finding("the LLVM backend gave an empty object or header");
	sink_sum += touch(r.code, r.code_size) + touch(r.header, r.header_size);
	llvm_result_free(&r);
}

static void run_hls(struct ir_module *m)
{
	char err[512] = "";
	char *msg = NULL;
	const struct hls_sink sink = {.file = sink_file, .array = sink_array};
	struct hls_options ho = {
		.name = "model",
		.source_name = "fuzz.onnx",
		.reuse = 1,
		.part = HLS_DEFAULT_PART,
		.clock_ns = HLS_DEFAULT_CLOCK_NS,
		.vectors = 1,
		.sink = &sink,
	};
	int rc = hls_generate(m, &ho, NULL, &msg, err, sizeof err);
	if (rc == -2)
		fuzz_finding("the HLS backend reports a file error with a sink: %s", err);
	if (rc == -1) {
		/* The cannot-map list may span lines; the driver joins them. */
		const char *text = msg ? msg : m->error;
		if (!text[0] || !strncmp(text, "internal error", 14))
			fuzz_finding("the HLS backend: '%s'", text);
	}
	free(msg);
	m->error[0] = 0;
}

void fuzz_backends(struct ir_module *m, unsigned choice)
{
	const char *only = getenv("FUZZ_BACKENDS");
	if (!only || strstr(only, "llvm"))
		run_llvm(m, choice);
	if (!only || strstr(only, "hls"))
		run_hls(m);
}
