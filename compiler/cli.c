/* cli.c: parsing qonnxc's command line (see cli.h).
 *
 *   qonnxc [options] model.onnx
 *   qonnxc run [--interp] [options] model.onnx --input x.npy ... [--output y.npy ...]
 *   qonnxc verify [options] model.onnx [--input x.npy ...]
 *   qonnxc cost [--json] [--per-layer] [--dense] [options] model.onnx
 *
 * What each option means is documented in options.c (--help and the man
 * page); a new option gets its line there.
 * Options take their value either as `--opt=value` or as the next argument.
 */
#include "cli.h"
#include "passes/pipeline.h"

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_MEMORY (4ull << 30)

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	uint64_t mult = 1;
	if (*end == 'K' || *end == 'k')
		mult = 1ull << 10, end++;
	else if (*end == 'M' || *end == 'm')
		mult = 1ull << 20, end++;
	else if (*end == 'G' || *end == 'g')
		mult = 1ull << 30, end++;
	if (*end || v == 0 || v > UINT64_MAX / mult)
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_batch(const char *s, int64_t *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > (1ll << 31))
		return -1;
	*out = v;
	return 0;
}

static int parse_emit(const char *s, enum cli_emit *out)
{
	static const struct { const char *name; enum cli_emit emit; } kinds[] = {
		{"ir", CLI_EMIT_IR},     {"obj", CLI_EMIT_OBJ}, {"asm", CLI_EMIT_ASM},
		{"llvm", CLI_EMIT_LLVM}, {"bc", CLI_EMIT_BC},   {"header", CLI_EMIT_HEADER},
		{"onnx", CLI_EMIT_ONNX}, {"dot", CLI_EMIT_DOT},
	};
	for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
		if (!strcmp(s, kinds[k].name)) {
			*out = kinds[k].emit;
			return 0;
		}
	return -1;
}

/* [A-Za-z_][A-Za-z0-9_]*, at most 63 characters (the length the model
 * description keeps). */
static bool is_identifier(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 63 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_'))
			return false;
	}
	return true;
}

/* Matches "--name=value" or "--name value"; advances *i over a separate value. */
static const char *option_value(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t n = strlen(name);
	const char *a = argv[*i];
	if (strncmp(a, name, n))
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n])
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

static int add_file(const char **list, int *n, const char *path, const char *what, char *err,
		    int errlen)
{
	if (*n >= CLI_MAX_FILES) {
		snprintf(err, (size_t)errlen, "too many %s files (at most %d)", what, CLI_MAX_FILES);
		return -1;
	}
	list[(*n)++] = path;
	return 0;
}

/* --hls-reuse, --hls-part, --hls-clock, --hls-vectors. */
static int parse_hls(int argc, char **argv, int *i, struct cli_options *opt, char *err, int errlen)
{
	const char *a = argv[*i], *v;
	int missing = 0;
	char *end;
	long n;
	opt->hls_given = true;
	if ((v = option_value(argc, argv, i, "--hls-reuse", &missing))) {
		n = strtol(v, &end, 10);
		if (end == v || *end || n < 1 || n > 1000000)
			return snprintf(err, (size_t)errlen, "--hls-reuse needs an integer from 1 to 1000000, "
				       "got '%s'", v), -1;
		opt->hls_reuse = (int)n;
	} else if ((v = option_value(argc, argv, i, "--hls-vectors", &missing))) {
		n = strtol(v, &end, 10);
		if (end == v || *end || n < 1 || n > 1000)
			return snprintf(err, (size_t)errlen, "--hls-vectors needs an integer from 1 to 1000, "
				       "got '%s'", v), -1;
		opt->hls_vectors = (int)n;
	} else if ((v = option_value(argc, argv, i, "--hls-clock", &missing))) {
		double ns = strtod(v, &end);
		if (end == v || *end || !(ns >= 0.1 && ns <= 1000))
			return snprintf(err, (size_t)errlen, "--hls-clock needs a period in ns from 0.1 to "
				       "1000, got '%s'", v), -1;
		opt->hls_clock = ns;
	} else if ((v = option_value(argc, argv, i, "--hls-input", &missing))) {
		return add_file(opt->hls_inputs, &opt->nhls_inputs, v, "--hls-input", err, errlen);
	} else if ((v = option_value(argc, argv, i, "--hls-part", &missing))) {
		for (const char *c = v; *c; c++)
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
				return snprintf(err, (size_t)errlen, "--hls-part needs a part name such as "
					       "xczu7ev-ffvc1156-2-e, got '%s'", v), -1;
		if (!*v)
			return snprintf(err, (size_t)errlen, "--hls-part needs a part name"), -1;
		opt->hls_part = v;
	} else if (missing) {
		return snprintf(err, (size_t)errlen, "option '%s' needs a value", a), -1;
	} else {
		return snprintf(err, (size_t)errlen, "unknown option '%s'", a), -1;
	}
	return 0;
}

/* --target=hls: compiling into a project directory; nothing of the LLVM
 * code generation applies. */
static int check_hls(struct cli_options *opt, char *err, int errlen)
{
	if (opt->command != CLI_COMPILE)
		return snprintf(err, (size_t)errlen, "--target=hls belongs to compiling, not to run or "
			       "verify"), -1;
	if (!opt->output || !strcmp(opt->output, "-"))
		return snprintf(err, (size_t)errlen, "--target=hls needs -o DIR (the project directory)"), -1;
	if (opt->emit != CLI_EMIT_NONE || opt->header || opt->mcpu || opt->mattr ||
	    opt->reloc != CLI_RELOC_DEFAULT)
		return snprintf(err, (size_t)errlen, "--emit, --header, --mcpu, --mattr and "
			       "--relocation-model do not apply to --target=hls"), -1;
	if (!opt->hls_reuse)
		opt->hls_reuse = 1;
	return 0;
}

static int parse_one(int argc, char **argv, int *i, struct cli_options *opt, char *err, int errlen)
{
	const char *a = argv[*i], *v;
	int missing = 0;
#define FAIL(...) return snprintf(err, (size_t)errlen, __VA_ARGS__), -1
	if (!strcmp(a, "--help") || !strcmp(a, "-h"))
		opt->command = CLI_HELP;
	else if (!strcmp(a, "--version"))
		opt->command = CLI_VERSION;
	else if (!strcmp(a, "--man"))
		opt->command = CLI_MAN;
	else if (!strcmp(a, "--expand-quant"))
		opt->expand_quant = true;
	else if (!strcmp(a, "--json"))
		opt->cost_json = true;
	else if (!strcmp(a, "--per-layer"))
		opt->cost_per_layer = true;
	else if (!strcmp(a, "--dense"))
		opt->cost_dense = true;
	else if (!strcmp(a, "-v"))
		opt->verbose = true;
	else if (!strcmp(a, "--interp"))
		opt->interp = true;
	else if (!strcmp(a, "--print-after-all"))
		opt->print_after_all = true;
	else if (!strcmp(a, "--verify-each"))
		opt->verify_each = true;
	else if (!strcmp(a, "--hls-bitint"))
		opt->hls_bitint = opt->hls_given = true;
	else if (!strncmp(a, "--hls-", 6))
		return parse_hls(argc, argv, i, opt, err, errlen);
	else if ((v = option_value(argc, argv, i, "-o", &missing)))
		opt->output = v;
	else if ((v = option_value(argc, argv, i, "--io-layout", &missing))) {
		if (strcmp(v, "nchw") && strcmp(v, "nhwc"))
			FAIL("--io-layout must be nchw or nhwc, got '%s'", v);
		opt->io_channels_last = !strcmp(v, "nhwc");
	}
	else if (a[0] == '-' && a[1] == 'O' && a[2] >= '0' && a[2] <= '3' && !a[3])
		opt->opt_level = a[2] - '0';
	else if (a[0] == '-' && a[1] == 'O')
		FAIL("unknown optimization level '%s' (known: -O0 to -O3)", a);
	else if ((v = option_value(argc, argv, i, "--emit", &missing))) {
		if (parse_emit(v, &opt->emit) < 0)
			FAIL("unknown --emit kind '%s' (known: ir, obj, asm, llvm, bc, header, onnx, dot)", v);
	} else if ((v = option_value(argc, argv, i, "--header", &missing))) {
		if (!*v)
			FAIL("--header needs a file name");
		opt->header = v;
	} else if ((v = option_value(argc, argv, i, "--name", &missing))) {
		if (!is_identifier(v))
			FAIL("--name needs a C identifier of at most 63 characters, got '%s'", v);
		opt->name = v;
	} else if ((v = option_value(argc, argv, i, "--target", &missing))) {
		if (!*v)
			FAIL("--target needs a triple");
		opt->target = v;
	} else if ((v = option_value(argc, argv, i, "--mcpu", &missing))) {
		if (!*v)
			FAIL("--mcpu needs a CPU name");
		opt->mcpu = v;
	} else if ((v = option_value(argc, argv, i, "--mattr", &missing))) {
		opt->mattr = v;
	} else if ((v = option_value(argc, argv, i, "--relocation-model", &missing))) {
		if (strcmp(v, "static") && strcmp(v, "pic"))
			FAIL("--relocation-model must be static or pic, got '%s'", v);
		opt->reloc = !strcmp(v, "static") ? CLI_RELOC_STATIC : CLI_RELOC_PIC;
	} else if ((v = option_value(argc, argv, i, "--jobs", &missing))) {
		int64_t jobs;
		if (parse_batch(v, &jobs) < 0 || jobs > 256)
			FAIL("--jobs needs an integer from 1 to 256, got '%s'", v);
		opt->jobs = (int)jobs;
	} else if ((v = option_value(argc, argv, i, "--batch", &missing))) {
		if (parse_batch(v, &opt->batch) < 0)
			FAIL("--batch needs a positive integer, got '%s'", v);
		opt->batch_given = true;
	} else if ((v = option_value(argc, argv, i, "--max-memory", &missing))) {
		if (parse_size(v, &opt->max_memory) < 0)
			FAIL("--max-memory needs a positive size such as 512M, got '%s'", v);
	} else if ((v = option_value(argc, argv, i, "--passes", &missing))) {
		if (pipeline_check(v, true, err, (size_t)errlen) < 0)
			return -1;
		opt->passes = v;
	} else if ((v = option_value(argc, argv, i, "--print-after", &missing))) {
		if (pipeline_check(v, false, err, (size_t)errlen) < 0)
			return -1;
		opt->print_after = v;
	} else if ((v = option_value(argc, argv, i, "--input", &missing))) {
		return add_file(opt->inputs, &opt->ninputs, v, "input", err, errlen);
	} else if ((v = option_value(argc, argv, i, "--output", &missing))) {
		return add_file(opt->outputs, &opt->noutputs, v, "output", err, errlen);
	} else if (missing)
		FAIL("option '%s' needs a value", a);
	else if (a[0] == '-' && a[1])
		FAIL("unknown option '%s'", a);
	else if (opt->model)
		FAIL("more than one model given ('%s' and '%s')", opt->model, a);
	else
		opt->model = a;
	if (missing)
		FAIL("option '%s' needs a value", a);
	return 0;
#undef FAIL
}

int cli_parse(int argc, char **argv, struct cli_options *opt, char *err, int errlen)
{
	memset(opt, 0, sizeof *opt);
	opt->batch = 1;
	opt->max_memory = DEFAULT_MAX_MEMORY;
	opt->opt_level = 2;
	int i = 1;
	if (argc > 1 && !strcmp(argv[1], "run")) {
		opt->command = CLI_RUN;
		i = 2;
	} else if (argc > 1 && !strcmp(argv[1], "verify")) {
		opt->command = CLI_VERIFY;
		i = 2;
	} else if (argc > 1 && !strcmp(argv[1], "cost")) {
		opt->command = CLI_COST;
		i = 2;
	}
	enum cli_command cmd = opt->command;
	for (; i < argc; i++)
		if (parse_one(argc, argv, &i, opt, err, errlen) < 0)
			return -1;
	if (opt->command == CLI_HELP || opt->command == CLI_MAN || opt->command == CLI_VERSION)
		return 0;
	opt->command = cmd;
	if (!opt->model)
		return snprintf(err, (size_t)errlen, "no model given"), -1;
	if (cmd == CLI_RUN && (opt->emit != CLI_EMIT_NONE || opt->output))
		return snprintf(err, (size_t)errlen, "run takes --output, not -o or --emit"), -1;
	if (cmd == CLI_VERIFY && (opt->emit != CLI_EMIT_NONE || opt->output || opt->noutputs ||
				  opt->interp || opt->io_channels_last || opt->jobs))
		return snprintf(err, (size_t)errlen,
				"verify takes --input files and pass options only"), -1;
	if (cmd == CLI_COMPILE && (opt->ninputs || opt->noutputs || opt->interp || opt->jobs))
		return snprintf(err, (size_t)errlen,
				"--input, --output, --interp and --jobs belong to 'qonnxc run'"), -1;
	if (cmd == CLI_COST && (opt->emit != CLI_EMIT_NONE || opt->output || opt->ninputs ||
				opt->noutputs || opt->interp || opt->jobs))
		return snprintf(err, (size_t)errlen, "cost takes --json, --per-layer, --dense and "
				"pass options only"), -1;
	if (cmd != CLI_COST && (opt->cost_json || opt->cost_per_layer || opt->cost_dense))
		return snprintf(err, (size_t)errlen,
				"--json, --per-layer and --dense belong to 'qonnxc cost'"), -1;
	if (opt->expand_quant && opt->emit != CLI_EMIT_ONNX)
		return snprintf(err, (size_t)errlen, "--expand-quant goes with --emit=onnx"), -1;
	if (opt->target && !strcmp(opt->target, "hls")) {
		opt->hls = true;
		opt->target = NULL;
		return check_hls(opt, err, errlen);
	}
	if (opt->hls_given)
		return snprintf(err, (size_t)errlen, "the --hls-* options need --target=hls"), -1;
	if (cmd == CLI_COMPILE && opt->output && opt->emit == CLI_EMIT_NONE)
		opt->emit = CLI_EMIT_OBJ;
	if ((opt->emit == CLI_EMIT_OBJ || opt->emit == CLI_EMIT_BC) && !opt->output)
		return snprintf(err, (size_t)errlen, "--emit=%s needs -o FILE",
				opt->emit == CLI_EMIT_OBJ ? "obj" : "bc"), -1;
	if (opt->header && (opt->emit == CLI_EMIT_NONE || opt->emit == CLI_EMIT_IR ||
			    opt->emit == CLI_EMIT_ONNX || opt->emit == CLI_EMIT_DOT))
		return snprintf(err, (size_t)errlen, "--header goes with compiled output (-o FILE)"), -1;
	return 0;
}
