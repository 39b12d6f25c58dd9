/* options.c: the documentation of qonnxc's command line, one table that
 * gives both `qonnxc --help` (cli_usage) and the man page qonnxc.1
 * (cli_man, `qonnxc --man`), so the two never disagree. The parser is in
 * cli.c; an option added there gets its line here.
 *
 * Each row is a section heading (option NULL), a paragraph of a section
 * (option ""), or an option: its spelling ("-o FILE"; upper-case words are
 * placeholders, set in italics in the man page) and what it does, one
 * paragraph that both printers wrap themselves.
 */
#include "cli.h"
#include "passes/pipeline.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define QONNXC_MAN_DATE "2025"

struct doc_row {
	const char *option; /* NULL: a section heading (text); "": a paragraph */
	const char *text;
};

static const char *const synopsis[] = {
	"qonnxc [options] model.onnx",
	"qonnxc run [--interp] [options] model.onnx --input x.npy ... [--output y.npy ...]",
	"qonnxc verify [options] model.onnx [--input x.npy ...]",
	"qonnxc cost [--json] [--per-layer] [--dense] [options] model.onnx",
};

static const struct doc_row rows[] = {
	{NULL, "options"},
	{"-o FILE", "write the output to FILE (atomically); without --emit, a relocatable object, "
		    "and its C header beside it (FILE with the extension .h)"},
	{"--emit=ir", "print the IR after the passes (to -o FILE or standard output)"},
	{"--emit=obj|asm|llvm|bc|header",
	 "compiled code: a relocatable object (the default with -o), assembly, LLVM IR or bitcode, "
	 "and its C header; or only the header"},
	{"--emit=onnx", "write the graph back as an ONNX model (-o FILE, or standard output) after "
			"the passes, by default cleanup,channels-last; QONNX operators stay in the "
			"qonnx.custom_op.general and qonnx.custom_op.channels_last domains. The "
			"integer ops of lower-integer have no ONNX form and are refused"},
	{"--expand-quant", "with --emit=onnx: write every quantizer as standard ONNX operators "
			   "(Div, Add, Min, Max, rounding, Sub, Mul) so that any ONNX runtime runs "
			   "the model with QONNX's semantics"},
	{"--emit=dot", "a Graphviz picture of the IR after the passes (default: the whole "
		       "pipeline): ops as boxes with their result types, integer tensors coloured "
		       "by bit width, requantizations labelled"},
	{"--batch N", "value of a symbolic first input dimension (default 1); also overrides a "
		      "fixed first dimension"},
	{"--max-memory=SIZE", "refuse tensors larger than SIZE bytes (K, M, G suffixes; default 4G)"},
	{"-v", "verify the IR and report what was done"},
	{"--passes=LIST", "run these passes (comma-separated, or none) instead of the default "
			  "pipeline (also before run)"},
	{"--print-after=PASS", "print the IR to standard error after PASS (comma list)"},
	{"--print-after-all", "print the IR to standard error after every pass"},
	{"--verify-each", "verify the IR after every pass (also done with -v)"},
	{"--io-layout=nhwc", "channels-last graph inputs and outputs too (default nchw: they keep "
			     "the model's layout)"},
	{"--help", "print this help"},
	{"--man", "print this help as a man page (roff)"},
	{"--version", "print qonnxc's version and the LLVM version it was built with"},

	{NULL, "code generation"},
	{"--header=FILE", "write the C header to FILE"},
	{"--name=PREFIX", "prefix of every global symbol (PREFIX_run, ...); default: the output "
			  "file's name made a C identifier"},
	{"-O0 .. -O3", "optimization level (default -O2)"},
	{"--target=TRIPLE", "target triple (default: the host)"},
	{"--mcpu=CPU", "target CPU (default: the host CPU when compiling for the host, else "
		       "generic)"},
	{"--mattr=FEATURES", "target features, e.g. +neon,-sse4.1"},
	{"--relocation-model=static|pic", "default: pic, static for bare-metal triples (OS none "
					  "or unknown)"},

	{NULL, "HLS (--target=hls)"},
	{"--target=hls -o DIR", "a C project for high-level synthesis in directory DIR (new, "
				"empty, or an earlier HLS project, which is replaced): the integer "
				"kernel, its host-side float parts, a bit-exact testbench with "
				"golden vectors, a Makefile and run_hls.tcl; --name=NAME (default "
				"model)"},
	{"--hls-reuse=N", "reuse factor: multiplications per multiplier (default 1)"},
	{"--hls-bitint", "the kernel's default types are C23 _BitInt(N)"},
	{"--hls-part=PART", "FPGA part for run_hls.tcl (default xczu7ev-ffvc1156-2-e)"},
	{"--hls-clock=NS", "clock period in ns (default 5)"},
	{"--hls-vectors=N", "random golden vectors in the testbench (default: by model size)"},
	{"--hls-input FILE", "float inputs (.npy, one per model input, in order) whose samples "
			     "become golden vectors too"},

	{NULL, "run"},
	{"", "the model is compiled in memory (LLVM's JIT, the host CPU, -O level as for "
	     "objects) and run"},
	{"--interp", "execute with the reference interpreter instead, on the imported graph "
		     "unless --passes is given"},
	{"--jobs=N", "run the samples on N threads at once, each with its own workspace "
		     "(default: one per processor online; the interpreter runs on one)"},
	{"--input FILE", "a model input, .npy or serialized TensorProto (.pb), in model order; "
			 "one extra leading dimension N runs N samples"},
	{"--output FILE", "write an output as .npy, in model order; without --output the outputs "
			  "are printed"},

	{NULL, "verify"},
	{"", "runs the compiled model (JIT) and the interpreter on the imported graph in float64 "
	     "on the same inputs (--input, or random ones in the input quantizers' ranges) and "
	     "reports per output the largest difference and the elements off by one quantization "
	     "step; exit 1 when more than 0.1% are, or any is further off"},

	{NULL, "cost"},
	{"", "the inference cost as qonnx-inference-cost computes it, on the imported graph (no "
	     "pass unless --passes is given): multiply-accumulates per pair of QONNX datatypes "
	     "(op_mac_INT8_INT2), weight and output elements per datatype (mem_w_INT2, "
	     "mem_o_INT32), their totals in elements and bits, bit operations (MACs times both "
	     "widths) and the op types qonnx has no cost for"},
	{"--json", "print qonnx's JSON (the same keys and datatype names, sorted, indented by 2)"},
	{"--per-layer", "add the cost per node and per op type (qonnx's node_cost and "
			"optype_cost; nodes named OpType_K as qonnx names them)"},
	{"--dense", "count zero weights too (by default MACs and weights are multiplied by the "
		    "share of nonzero weights)"},
};

/* llvm-c/Core.h (LLVM 16 and later); declared here so that the driver
 * needs no LLVM headers. */
void LLVMGetVersion(unsigned *major, unsigned *minor, unsigned *patch);

void cli_version(FILE *out, const char *version)
{
	unsigned major = 0, minor = 0, patch = 0;
	LLVMGetVersion(&major, &minor, &patch);
	fprintf(out, "qonnxc %s (LLVM %u.%u.%u)\n", version, major, minor, patch);
}

enum { HELP_WIDTH = 80, HELP_COLUMN = 22 };

/* Writes text wrapped to HELP_WIDTH, lines after the first (or all when
 * first_at is past the column) starting at HELP_COLUMN; col is where the
 * cursor is. */
static void wrap(FILE *out, const char *text, int col)
{
	if (col > HELP_COLUMN - 2) {
		fputc('\n', out);
		col = 0;
	}
	fprintf(out, "%*s", HELP_COLUMN - col, "");
	col = HELP_COLUMN;
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, " ");
		if (col > HELP_COLUMN && col + 1 + (int)n > HELP_WIDTH) {
			fprintf(out, "\n%*s", HELP_COLUMN, "");
			col = HELP_COLUMN;
		} else if (col > HELP_COLUMN) {
			fputc(' ', out);
			col++;
		}
		fwrite(p, 1, n, out);
		col += (int)n;
		p += n;
		while (*p == ' ')
			p++;
	}
	fputc('\n', out);
}

void cli_usage(FILE *out)
{
	for (size_t i = 0; i < sizeof synopsis / sizeof synopsis[0]; i++)
		fprintf(out, "%s%s\n", i ? "       " : "usage: ", synopsis[i]);
	fputs("\nCompiles a QONNX (or plain ONNX) model.\n", out);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct doc_row *r = &rows[i];
		if (!r->option)
			fprintf(out, "\n%s:\n", r->text);
		else if (!r->option[0])
			wrap(out, r->text, 0);
		else {
			fprintf(out, "  %s", r->option);
			wrap(out, r->text, 2 + (int)strlen(r->option));
		}
	}
	fputs("\npasses:\n", out);
	pipeline_describe(out);
	fputs("\n"
	      "Without -o or --emit, qonnxc imports the model, runs the passes and verifies.\n"
	      "Exit status: 0 success, 1 malformed or unsupported model, 2 usage error.\n",
	      out);
}

/* ---- the man page ---------------------------------------------------------- */

/* Text with roff's special characters escaped: '-' as \-, '\' as \e, and a
 * leading '.' or '\'' protected. */
static void roff_text(FILE *out, const char *s)
{
	if (*s == '.' || *s == '\'')
		fputs("\\&", out);
	for (; *s; s++) {
		if (*s == '-')
			fputs("\\-", out);
		else if (*s == '\\')
			fputs("\\e", out);
		else
			fputc(*s, out);
	}
}

/* An option's spelling: upper-case words after ' ', '=', '|' or '[' in
 * italics (placeholders), the rest in bold. */
static void roff_option(FILE *out, const char *s)
{
	bool italic = false;
	fputs("\\fB", out);
	for (const char *p = s; *p; p++) {
		bool starts = isupper((unsigned char)*p) && p > s && strchr(" =[|", p[-1]);
		if (starts && !italic) {
			fputs("\\fI", out);
			italic = true;
		} else if (italic && !isupper((unsigned char)*p) && *p != '_') {
			fputs("\\fB", out);
			italic = false;
		}
		char one[2] = {*p, 0};
		roff_text(out, one);
	}
	fputs("\\fR", out);
}

static void man_passes(FILE *out)
{
	char buf[4096];
	FILE *mem = fmemopen(buf, sizeof buf, "w");
	if (!mem)
		return;
	pipeline_describe(mem);
	fputc('\0', mem);
	fclose(mem);
	buf[sizeof buf - 1] = '\0';
	fputs(".nf\n", out);
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		roff_text(out, line);
		fputc('\n', out);
	}
	fputs(".fi\n", out);
}

void cli_man(FILE *out, const char *version)
{
	fprintf(out, ".TH QONNXC 1 \"%s\" \"qonnxc %s\" \"User Commands\"\n", QONNXC_MAN_DATE,
		version);
	fputs(".SH NAME\nqonnxc \\- ahead-of-time compiler for quantized neural networks in "
	      "QONNX format\n.SH SYNOPSIS\n.nf\n", out);
	for (size_t i = 0; i < sizeof synopsis / sizeof synopsis[0]; i++) {
		roff_text(out, synopsis[i]);
		fputc('\n', out);
	}
	fputs(".fi\n.SH DESCRIPTION\nqonnxc reads a QONNX (or plain ONNX) model, runs passes "
	      "over its graph and compiles it to a relocatable object and a C header (LLVM), to "
	      "a C project for high-level synthesis, or writes the graph back as ONNX or "
	      "Graphviz. \\fBrun\\fR executes a model, \\fBverify\\fR checks the compiled code "
	      "against a float64 evaluation, \\fBcost\\fR reports the inference cost.\n"
	      "Without \\fB\\-o\\fR or \\fB\\-\\-emit\\fR, qonnxc imports the model, runs the "
	      "passes and verifies.\n",
	      out);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const struct doc_row *r = &rows[i];
		if (!r->option) {
			fputs(".SH ", out);
			for (const char *c = r->text; *c; c++)
				fputc(toupper((unsigned char)*c), out);
			fputc('\n', out);
		} else if (!r->option[0]) {
			fputs(".PP\n", out);
			roff_text(out, r->text);
			fputc('\n', out);
		} else {
			fputs(".TP\n", out);
			roff_option(out, r->option);
			fputc('\n', out);
			roff_text(out, r->text);
			fputc('\n', out);
		}
	}
	fputs(".SH PASSES\n", out);
	man_passes(out);
	fputs(".SH EXIT STATUS\n0 success, 1 malformed or unsupported model, 2 usage error.\n"
	      ".SH DIAGNOSTICS\nErrors are one line on standard error, naming the file, the node "
	      "and the reason:\n.PP\n.nf\nqonnxc: error: model.onnx: node 'Quant_3' (Quant): bit "
	      "width must be a positive integer, got 0\n.fi\n"
	      ".SH EXAMPLES\n.nf\nqonnxc model.onnx \\-o model.o\nqonnxc run model.onnx \\-\\-input "
	      "x.npy\nqonnxc cost \\-\\-json model.onnx\nqonnxc \\-\\-emit=onnx \\-o clean.onnx "
	      "model.onnx\nqonnxc \\-\\-emit=dot model.onnx | dot \\-Tsvg \\-o model.svg\n.fi\n"
	      ".SH SEE ALSO\n\\fBdot\\fR(1), \\fBpkg-config\\fR(1) (package qonnxrt)\n",
	      out);
}
