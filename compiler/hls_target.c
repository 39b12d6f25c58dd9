/* hls_target.c: `qonnxc --target=hls model.onnx -o DIR [--name=NAME]
 * [--hls-reuse=N] [--hls-bitint] [--hls-part=P] [--hls-clock=NS]
 * [--hls-vectors=N]`: checks the output directory first, loads the model
 * as every subcommand does (driver_load: import, verify, the pass
 * pipeline), then hands it to the HLS backend. A model that cannot be
 * mapped gives one error line listing every node and why, and nothing is
 * written; the line can exceed driver_error's buffer, so it is printed here
 * in the same format.
 */
#include "driver.h"
#include "hls_target.h"
#include "backends/hls/hls_backend.h"

#include <stdlib.h>
#include <string.h>

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

int driver_hls(const struct cli_options *opt)
{
	char err[1024];
	if (hls_check_outdir(opt->output, err, sizeof err) < 0) {
		driver_error(NULL, "%s", err);
		return EXIT_USAGE;
	}
	struct ir_module *m = driver_load(opt);
	if (!m)
		return EXIT_BAD_MODEL;
	struct hls_options ho = {
		.name = opt->name ? opt->name : "model",
		.source_name = base_name(opt->model),
		.reuse = opt->hls_reuse > 0 ? opt->hls_reuse : 1,
		.bitint = opt->hls_bitint,
		.part = opt->hls_part ? opt->hls_part : HLS_DEFAULT_PART,
		.clock_ns = opt->hls_clock > 0 ? opt->hls_clock : HLS_DEFAULT_CLOCK_NS,
		.vectors = opt->hls_vectors,
		.inputs = opt->hls_inputs,
		.ninputs = opt->nhls_inputs,
		.summary = stdout,
	};
	char *msg = NULL;
	int rc = hls_generate(m, &ho, opt->output, &msg, err, sizeof err);
	if (rc == -1) {
		const char *text = msg ? msg : m->error[0] ? m->error : "generation failed";
		fprintf(stderr, "qonnxc: error: %s: ", opt->model);
		for (const char *c = text; *c; c++)
			fputc(*c == '\n' || *c == '\r' ? ' ' : *c, stderr);
		fputc('\n', stderr);
	} else if (rc == -2) {
		driver_error(NULL, "%s", err);
	}
	free(msg);
	ir_module_free(m);
	return rc == 0 ? EXIT_OK : rc == -1 ? EXIT_BAD_MODEL : EXIT_USAGE;
}
