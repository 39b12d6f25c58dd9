/* main.c: qonnxc's entry point: parse the command line, dispatch to the
 * subcommand, map failures to exit codes (0 ok, 1 bad model, 2 usage).
 * Loading a model (driver_load) imports and verifies it, then runs the pass
 * pipeline (compiler/passes/pipeline.h) the subcommand asks for; compiling
 * it is compile.c's job, running it run.c's. */
#include "cli.h"
#include "cost.h"
#include "driver.h"
#include "emit_dot.h"
#include "emit_onnx.h"
#include "hls_target.h"
#include "onnx/onnx_import.h"
#include "passes/pipeline.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void driver_error(const char *prefix, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	if (prefix)
		fprintf(stderr, "qonnxc: error: %s: %s\n", prefix, msg);
	else
		fprintf(stderr, "qonnxc: error: %s\n", msg);
}

/* The passes after import: --passes, else the default pipeline, except for
 * `run --interp` (the interpreter is the oracle for the imported graph). */
static int run_passes(struct ir_module *m, const struct cli_options *opt)
{
	struct pipeline_options po = {
		.passes = opt->passes,
		.verify_each = opt->verify_each,
		.print_after_all = opt->print_after_all,
		.print_after = opt->print_after,
		.verbose = opt->verbose,
		.dump = stderr,
	};
	if (opt->command == CLI_RUN && opt->interp && !opt->passes)
		po.passes = "none";
	m->io_channels_last = opt->io_channels_last;
	m->double_sums_when_quantized = opt->hls;
	if (pipeline_run(m, &po) < 0) {
		driver_error(opt->model, "%s", m->error);
		return -1;
	}
	return 0;
}

struct ir_module *driver_load(const struct cli_options *opt)
{
	char err[1024] = "";
	struct onnx_import_options io = {
		.batch = opt->batch,
		.batch_given = opt->batch_given,
		.max_bytes = opt->max_memory,
	};
	struct ir_module *m = onnx_import(opt->model, &io, err, sizeof err);
	if (!m) {
		driver_error(opt->model, "%s", err[0] ? err : "import failed");
		return NULL;
	}
	ir_rebuild_uses(m);
	if (ir_verify(m) < 0) {
		driver_error(opt->model, "%s", m->error);
		ir_module_free(m);
		return NULL;
	}
	if (opt->verbose)
		fprintf(stderr, "qonnxc: %s: %d ops, %d values, %d inputs, %d outputs; verified\n",
			opt->model, m->nops, m->nvalues, m->ninputs, m->noutputs);
	if (run_passes(m, opt) < 0) {
		ir_module_free(m);
		return NULL;
	}
	return m;
}

int main(int argc, char **argv)
{
	struct cli_options opt;
	char err[512];
	if (cli_parse(argc, argv, &opt, err, sizeof err) < 0) {
		driver_error(NULL, "%s (see qonnxc --help)", err);
		return EXIT_USAGE;
	}
	switch (opt.command) {
	case CLI_HELP:
		cli_usage(stdout);
		return EXIT_OK;
	case CLI_MAN:
		cli_man(stdout, QONNXC_VERSION);
		return EXIT_OK;
	case CLI_VERSION:
		cli_version(stdout, QONNXC_VERSION);
		return EXIT_OK;
	case CLI_COST:
		return driver_cost(&opt);
	case CLI_RUN:
		return driver_run(&opt);
	case CLI_VERIFY:
		return driver_verify(&opt);
	case CLI_COMPILE:
		if (opt.hls)
			return driver_hls(&opt);
		if (opt.emit == CLI_EMIT_ONNX)
			return driver_emit_onnx(&opt);
		if (opt.emit == CLI_EMIT_DOT)
			return driver_emit_dot(&opt);
		break;
	}
	return driver_compile(&opt);
}
