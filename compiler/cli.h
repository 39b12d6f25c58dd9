/* cli.h: qonnxc's command line: the options every subcommand shares and
 * their parser. Parsing never exits; usage errors come back as a message. */
#ifndef QONNXC_CLI_H
#define QONNXC_CLI_H

#include <stdbool.h>
#include <stdint.h>

enum cli_command { CLI_COMPILE, CLI_RUN, CLI_VERIFY, CLI_COST, CLI_HELP, CLI_MAN, CLI_VERSION };
enum cli_emit {
	CLI_EMIT_NONE,
	CLI_EMIT_IR,
	/* through the LLVM backend (backends/llvm/llvm_backend.h) */
	CLI_EMIT_OBJ,
	CLI_EMIT_ASM,
	CLI_EMIT_LLVM,
	CLI_EMIT_BC,
	CLI_EMIT_HEADER,
	/* the graph written back (emit_onnx.h, emit_dot.h) */
	CLI_EMIT_ONNX,
	CLI_EMIT_DOT,
};
enum cli_reloc { CLI_RELOC_DEFAULT, CLI_RELOC_STATIC, CLI_RELOC_PIC };

enum { CLI_MAX_FILES = 64 };

struct cli_options {
	enum cli_command command;
	const char *model;
	const char *output;           /* -o */
	enum cli_emit emit;
	int64_t batch;                /* --batch, 1 when not given */
	bool batch_given;
	uint64_t max_memory;          /* --max-memory, bytes */
	bool verbose;                 /* -v */
	bool interp;                  /* run --interp */
	int jobs;                     /* run --jobs: threads for the samples, 0: one per processor */
	const char *passes;           /* --passes: comma list or "none"; NULL: the default
	                               * pipeline (compile) or no pass (run) */
	const char *print_after;      /* --print-after: comma list of passes */
	bool print_after_all;         /* --print-after-all */
	bool verify_each;             /* --verify-each */
	bool io_channels_last;        /* --io-layout=nhwc */
	bool expand_quant;            /* --expand-quant (--emit=onnx) */
	/* qonnxc cost (cost.h) */
	bool cost_json;               /* --json */
	bool cost_per_layer;          /* --per-layer */
	bool cost_dense;              /* --dense */
	/* code generation (--emit=obj|asm|llvm|bc|header) */
	const char *header;           /* --header: where the C header goes */
	const char *name;             /* --name: symbol prefix; NULL: from the output's name */
	int opt_level;                /* -O0..-O3, default 2 */
	const char *target;           /* --target triple, NULL: the host */
	const char *mcpu;             /* --mcpu, NULL: host CPU (host) or generic */
	const char *mattr;            /* --mattr */
	enum cli_reloc reloc;         /* --relocation-model */
	/* HLS project (--target=hls, backends/hls/hls_backend.h) */
	bool hls;                     /* --target=hls: a C project for HLS into -o DIR */
	int hls_reuse;                /* --hls-reuse, 1 when not given */
	bool hls_bitint;              /* --hls-bitint */
	const char *hls_part;         /* --hls-part, NULL: the default part */
	double hls_clock;             /* --hls-clock in ns, 0: the default */
	int hls_vectors;              /* --hls-vectors, 0: chosen by the model's size */
	const char *hls_inputs[CLI_MAX_FILES]; /* --hls-input, in model input order */
	int nhls_inputs;
	bool hls_given;               /* some --hls-* option was given */
	const char *inputs[CLI_MAX_FILES];
	int ninputs;
	const char *outputs[CLI_MAX_FILES];
	int noutputs;
};

/* Fills opt from argv; 0, or -1 with a one-line message in err. */
int cli_parse(int argc, char **argv, struct cli_options *opt, char *err, int errlen);
#include <stdio.h>
/* options.c: --help, and the same as a man page (--man). */
void cli_usage(FILE *out);
void cli_man(FILE *out, const char *version);
/* "qonnxc VERSION (LLVM X.Y.Z)" */
void cli_version(FILE *out, const char *version);

#endif
