/* compile.c: `qonnxc model.onnx [-o FILE] [--emit=KIND]`: the model after
 * the passes, printed as IR or compiled by the LLVM backend.
 *
 * Compiled output is an object (assembly, LLVM IR, bitcode) and a C header.
 * The header goes to --header, else beside the output (its name with the
 * extension replaced by .h); with --emit=header it is the output. Both files
 * are written to temporaries and renamed over their targets only once both
 * are complete, so a failed compilation leaves no partial output.
 */
#include "driver.h"
#include "outfile.h"
#include "backends/llvm/llvm_backend.h"
#include "backends/llvm/sha256.h"

#include <stdlib.h>
#include <string.h>

static int emit_ir(struct ir_module *m, const struct cli_options *opt)
{
	char err[512];
	struct outfile out;
	if (outfile_open(&out, opt->output, err, sizeof err) < 0) {
		driver_error(NULL, "%s", err);
		return EXIT_USAGE;
	}
	ir_print(m, out.f);
	if (outfile_commit(&out, err, sizeof err) < 0) {
		driver_error(NULL, "%s", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

/* path with its extension (if any) replaced by .h; malloc'd. */
static char *header_beside(const char *path)
{
	const char *base = base_name(path), *dot = strrchr(base, '.');
	size_t n = dot && dot != base ? (size_t)(dot - path) : strlen(path);
	char *h = malloc(n + 3);
	if (!h)
		abort();
	memcpy(h, path, n);
	memcpy(h + n, ".h", 3);
	return h;
}

static enum llvm_emit backend_emit(enum cli_emit e)
{
	switch (e) {
	case CLI_EMIT_ASM:
		return LLVM_EMIT_ASM;
	case CLI_EMIT_LLVM:
		return LLVM_EMIT_LLVM;
	case CLI_EMIT_BC:
		return LLVM_EMIT_BC;
	case CLI_EMIT_HEADER:
		return LLVM_EMIT_HEADER;
	default:
		return LLVM_EMIT_OBJ;
	}
}

static bool is_stdout(const char *path)
{
	return !path || !strcmp(path, "-");
}

/* Writes the files of r: code to code_path, header to header_path (either
 * may be NULL: not written). Both or neither appear. */
static int write_outputs(const struct llvm_result *r, const char *code_path,
			 const char *header_path)
{
	char err[512];
	struct outfile out[2];
	int n = 0;
	const char *paths[2] = {code_path, header_path};
	const char *data[2] = {r->code, r->header};
	size_t size[2] = {r->code_size, r->header_size};
	for (int i = 0; i < 2; i++) {
		if (!paths[i])
			continue;
		if (outfile_open(&out[n], paths[i], err, sizeof err) < 0)
			goto fail;
		fwrite(data[i], 1, size[i], out[n++].f);
	}
	if (outfile_commit_all(out, n, err, sizeof err) < 0) {
		n = 0;
		goto fail;
	}
	return EXIT_OK;
fail:
	driver_error(NULL, "%s", err);
	for (int i = 0; i < n; i++)
		outfile_abort(&out[i]);
	return EXIT_USAGE;
}

static int emit_code(struct ir_module *m, const struct cli_options *opt)
{
	char prefix[80], err[512];
	struct llvm_options lo = {
		.prefix = opt->name,
		.triple = opt->target,
		.cpu = opt->mcpu,
		.features = opt->mattr,
		.opt_level = opt->opt_level,
		.reloc = opt->reloc == CLI_RELOC_STATIC ? LLVM_RELOC_STATIC
			 : opt->reloc == CLI_RELOC_PIC  ? LLVM_RELOC_PIC
							: LLVM_RELOC_DEFAULT,
		.emit = backend_emit(opt->emit),
		.source_name = base_name(opt->model),
		.version = QONNXC_VERSION,
		.verbose = opt->verbose ? stderr : NULL,
	};
	const char *code_path = opt->emit == CLI_EMIT_HEADER ? NULL : opt->output;
	char *header_path = NULL;
	if (opt->emit == CLI_EMIT_HEADER)
		header_path = strdup(opt->output ? opt->output : "-");
	else if (opt->header)
		header_path = strdup(opt->header);
	else if (!is_stdout(opt->output))
		header_path = header_beside(opt->output);
	if (!code_path && opt->emit != CLI_EMIT_HEADER)
		code_path = "-";
	if (header_path && code_path && !is_stdout(code_path) && !strcmp(header_path, code_path)) {
		driver_error(NULL, "the header would overwrite the output '%s'; choose --header=FILE",
			     code_path);
		free(header_path);
		return EXIT_USAGE;
	}
	if (!lo.prefix) {
		const char *from = !is_stdout(opt->output) ? opt->output : opt->model;
		llvm_default_prefix(from, prefix, sizeof prefix);
		lo.prefix = prefix;
	}
	if (sha256_file(opt->model, lo.source_sha256) < 0) {
		driver_error(opt->model, "cannot read the model file again to hash it");
		free(header_path);
		return EXIT_BAD_MODEL;
	}
	struct llvm_result r;
	int rc = llvm_compile(m, &lo, &r, err, sizeof err);
	if (rc == -2)
		driver_error(NULL, "%s", err);
	else if (rc < 0)
		driver_error(opt->model, "%s", m->error);
	else
		rc = write_outputs(&r, code_path, header_path);
	llvm_result_free(&r);
	free(header_path);
	return rc == -2 ? EXIT_USAGE : rc < 0 ? EXIT_BAD_MODEL : rc;
}

int driver_compile(const struct cli_options *opt)
{
	struct ir_module *m = driver_load(opt);
	if (!m)
		return EXIT_BAD_MODEL;
	int rc = EXIT_OK;
	if (opt->emit == CLI_EMIT_IR)
		rc = emit_ir(m, opt);
	else if (opt->emit != CLI_EMIT_NONE)
		rc = emit_code(m, opt);
	ir_module_free(m);
	return rc;
}
