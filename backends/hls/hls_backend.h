/* hls_backend.h: the HLS backend's interface to the driver.
 *
 * hls_generate turns a module after the default passes (cleanup,
 * channels-last, lower-integer) into a C project for high-level synthesis:
 * the integer part of the model (from its Quantize ops to its Dequantize ops)
 * becomes a synthesizable fixed-point C kernel, the float parts around it a
 * host-side helper, and a testbench with golden vectors computed by the
 * interpreter proves the kernel bit-exact. How it is done: backends/hls/hls.h;
 * the project's layout and the C it contains: the README.md written into
 * every project (project.c).
 *
 * Nothing is written when the model cannot be mapped: every node that cannot
 * is listed in one error message. The project directory appears whole or not
 * at all. Same module and options, same bytes.
 */
#ifndef QONNXC_BACKENDS_HLS_BACKEND_H
#define QONNXC_BACKENDS_HLS_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ir/ir.h"

#define HLS_DEFAULT_PART "xczu7ev-ffvc1156-2-e"
#define HLS_DEFAULT_CLOCK_NS 5.0
#define HLS_MAX_REUSE 1000000

struct qrt_array;

/* Where the project goes instead of a directory (tests and fuzzing): one call
 * per file, with its path inside the project; text and build files as bytes,
 * the golden vectors (.npy) as arrays. A negative return stops generation
 * with a file error (-2). */
struct hls_sink {
	int (*file)(void *ctx, const char *path, const void *data, size_t size);
	int (*array)(void *ctx, const char *path, const struct qrt_array *a);
	void *ctx;
};

struct hls_options {
	const char *name;        /* prefix of every file and symbol; a C identifier */
	const char *source_name; /* the model file's base name, recorded in comments */
	int reuse;               /* reuse factor: multiplications per multiplier, >= 1 */
	bool bitint;             /* the kernel's default types are C23 _BitInt(N) */
	const char *part;        /* FPGA part for run_hls.tcl */
	double clock_ns;         /* clock period for run_hls.tcl and the estimates */
	int vectors;             /* random golden vectors; 0: chosen by the model's size
	                          * (1 when there are user inputs) */
	const char *const *inputs; /* --hls-input: float .npy per graph input, more golden
	                            * vectors */
	int ninputs;
	FILE *summary;           /* a short summary is printed here, or NULL */
	const struct hls_sink *sink; /* NULL: the project is the directory outdir; else
	                              * the files go to the sink, outdir is not checked
	                              * and only named in the summary */
};

/* Generates the project into directory outdir (see above). 0; -1 with
 * m->error set when the model cannot be mapped (the whole list); -2 with a
 * message in err for a problem with the output directory. *msg_out receives
 * a malloc'd copy of the full cannot-map message (longer than m->error can
 * hold), or NULL; the caller frees it. */
int hls_generate(struct ir_module *m, const struct hls_options *o, const char *outdir,
		 char **msg_out, char *err, size_t errlen);

/* Whether outdir may receive a project: it does not exist, is an empty
 * directory, or holds a project qonnxc wrote before (which is replaced).
 * 0, or -1 with a message in err. */
int hls_check_outdir(const char *outdir, char *err, size_t errlen);

#endif
