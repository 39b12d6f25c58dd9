/* hls.h: the HLS backend's private declarations, shared by the files of
 * backends/hls/ and seen by no one else (the driver sees hls_backend.h).
 *
 * Generation runs in memory in this order (hls_backend.c):
 *   partition.c  every op is a constant, part of the float head (before the
 *                Quantize ops), of the integer kernel, or of the float tail
 *                (from the Dequantize ops on); kernel inputs are the Quantize
 *                results, kernel outputs the Dequantize operands;
 *   kernel.c     one C function per kernel op (a "layer"), the top function,
 *                NAME.h with the types and NAME_weights.h with the tables;
 *   io.c         the head and tail as host C (NAME_io.c): float ops, the
 *                Quantize and Dequantize arithmetic;
 *   golden.c     golden vectors: the kernel evaluated by the interpreter;
 *   testbench.c  tb/NAME_tb.c and its .npy reader and writer;
 *   project.c    Makefile, run_hls.tcl, README.md, report.json and the
 *                directory written whole (a temporary one renamed into place).
 * Each op becomes a static C function `void f(const T0 x0[N0], ..., T y[M])`
 * over flat row-major arrays (constant operands are tables, not
 * parameters); the op emitters (l_*.c) write its body and are shared by the
 * kernel (integers, with pragmas) and the io file (floats, no pragmas). An op
 * that cannot be mapped records a reason instead; every such op is listed
 * before anything is written.
 */
#ifndef QONNXC_BACKENDS_HLS_H
#define QONNXC_BACKENDS_HLS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "hls_backend.h"
#include "ir/arena.h"
#include "ir/ir.h"
#include "runtime/npy.h"

/* ---- text.c: growable text, literals, names ------------------------------ */

struct sb {
	char *s;
	size_t len, cap;
};

void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vprintf(struct sb *b, const char *fmt, va_list ap);
void sb_puts(struct sb *b, const char *s);
void sb_indent(struct sb *b, int depth); /* depth tabs */
void sb_free(struct sb *b);
/* s made safe inside a C comment (no comment end, no newline). */
void sb_comment_text(struct sb *b, const char *s);
/* s as a C string literal, quotes included; also valid JSON for printable ASCII. */
void sb_c_string(struct sb *b, const char *s);
void sb_json_string(struct sb *b, const char *s);

/* C literals: an integer of any int64 value, an exact float / double (hex). */
const char *hls_lit_int(int64_t v, char *buf, size_t len);
const char *hls_lit_f32(float v, char *buf, size_t len);
const char *hls_lit_f64(double v, char *buf, size_t len);
/* "i10", "u4", "f32": the IR element type in short. */
const char *hls_type_short(const struct ir_type *t, char *buf, size_t len);

/* ---- partition.c --------------------------------------------------------- */

enum hls_part {
	HLS_NONE,   /* unused, or a dead op's */
	HLS_CONST,  /* known at compile time */
	HLS_HEAD,   /* float, before the kernel */
	HLS_KERNEL, /* integer, in the kernel */
	HLS_TAIL,   /* float, after the kernel */
};

struct hls_value {
	enum hls_part part;
	bool known;         /* data available (ir_known_data) */
	int in_port;        /* index among the kernel inputs, or -1 */
	int out_port;       /* index among the kernel outputs, or -1 */
	int alias;          /* the value whose array holds this one (itself if its own) */
	const char *array;  /* C name of its array where it is computed */
	int partition;      /* cyclic partition factor the reading layers want */
	bool direct_out;    /* a layer writes it straight into its output port */
	bool ranged;        /* lo, hi hold a proven range (else: the type's) */
	int64_t lo, hi;     /* integers: every value it can hold */
};

/* One op emitted as a C function, with its estimates (kernel layers). */
struct hls_layer {
	int op;
	bool in_kernel;
	bool alias;         /* a view of its operand: no function, no buffer */
	int trace;          /* index among traced layers (kernel, not alias), or -1 */
	const char *fn;     /* the function's name */
	/* estimates (kernel layers) */
	int64_t macs;       /* multiply-accumulates per run */
	int64_t per;        /* MACs per output element (the unrolled loop's length) */
	int unroll;         /* unroll factor of that loop = multipliers */
	int64_t weight_bits;
	int64_t cycles;
	int acc_bits;       /* accumulator width, 0 when none */
};

struct hls_table {
	const char *name;
	struct ir_type type;   /* element type: exact int width, f32 or f64 */
	int rank;
	int64_t dims[IR_MAX_RANK];
	int64_t n;
	const int64_t *ints;   /* integer tables */
	const float *f32;      /* f32 tables */
	const double *f64;     /* f64 tables */
	bool io;               /* written into NAME_io.c, else NAME_weights.h */
	int layer;             /* the layer it belongs to, -1 */
};

struct hls {
	struct ir_module *m;
	const struct hls_options *o;
	const char *p;              /* the prefix (--name) */
	const char *P;              /* the prefix in upper case (macros) */
	struct arena a;             /* everything generation allocates */
	struct hls_value *v;        /* per value */
	int *kin, nkin;             /* kernel inputs (Quantize results), in op order */
	int *kout, nkout;           /* kernel outputs (Dequantize operands), in op order */
	struct hls_layer *layers;   /* one per non-constant op, program order */
	int nlayers, ntraced;
	int *layer_of_op;           /* op -> layer, -1 */
	struct hls_table *tables;
	int ntables, cap_tables;
	bool int_types[2][65];      /* [signed][bits]: integer typedefs used */
	bool need_wrap;             /* the kernel uses the wrapping macros */
	unsigned io_needs;          /* IO_NEED_* helpers the io file uses */
	struct sb errors;           /* model-level reasons, "; "-separated */
	const char **reason;        /* per op: why it cannot be mapped, or NULL */
	int nerrors;
	/* the generated texts */
	struct sb header, kernel, weights, io, io_header;
};

enum {
	IO_NEED_ROUND_EVEN = 1 << 0,
	IO_NEED_HALF_DOWN = 1 << 1,
	IO_NEED_UP = 1 << 2,
};

/* Records that op cannot be mapped (first reason per op kept by the caller). */
void hls_cannot_map(struct hls *h, const struct ir_op *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void hls_cannot_map_model(struct hls *h, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

int hls_partition(struct hls *h);

/* ---- types (text.c) ------------------------------------------------------ */

/* The C type of an element of t: "float", "double", or the typedef of an
 * integer type (NAME_i10_t), registered for NAME.h. NULL for bool. */
const char *hls_ctype(struct hls *h, const struct ir_type *t);
const char *hls_int_ctype(struct hls *h, int bits, bool is_signed);
/* Narrowest signed width holding both ranges, registered; 0 when > 64. */
int hls_signed_width(int64_t lo, int64_t hi);
/* The <stdint.h> container of an exact width. */
const char *hls_stdint_name(int bits, bool is_signed);

/* ---- tables (kernel.c) --------------------------------------------------- */

/* A constant table named base (made unique), in the kernel's weights or in
 * the io file; data is copied. Returns the name. */
const char *hls_table_int(struct hls *h, const char *base, const struct ir_type *t, int rank,
			  const int64_t *dims, const int64_t *data, bool io, int layer);
const char *hls_table_float(struct hls *h, const char *base, const struct ir_type *t, int rank,
			    const int64_t *dims, const void *data, bool io, int layer);
/* The table holding constant value v, flat (row-major), in its own type. */
const char *hls_table_value(struct hls *h, int v, bool io, int layer);
void hls_emit_tables(struct hls *h, struct sb *b, bool io);

/* ---- op emitters (l_*.c) ------------------------------------------------- */

enum { HLS_MAX_OPERANDS = 16 };

/* The op being written as a C function. */
struct hls_fn {
	struct hls *h;
	const struct ir_op *op;
	struct hls_layer *layer;
	bool kernel;                       /* kernel (integers, pragmas) or io */
	struct sb *b;                      /* the body goes here */
	const char *x[HLS_MAX_OPERANDS];   /* operand arrays or tables; NULL if absent */
	bool x_const[HLS_MAX_OPERANDS];
	const char *y;                     /* the result array */
	const char *why;                   /* set when the op cannot be mapped */
};

typedef int hls_emit_fn(struct hls_fn *f);

struct hls_op_emitter {
	hls_emit_fn *emit;
	bool alias;        /* a view: the result shares its operand's array */
};

/* The emitter of an op (NULL: not supported), from l_table.c. */
const struct hls_op_emitter *hls_emitter(enum ir_opcode code);

hls_emit_fn hls_emit_matmul, hls_emit_conv;                       /* l_linalg.c */
hls_emit_fn hls_emit_binary, hls_emit_unary, hls_emit_cast;       /* l_elementwise.c */
hls_emit_fn hls_emit_clip, hls_emit_multithreshold, hls_emit_batchnorm;
hls_emit_fn hls_emit_quantize, hls_emit_dequantize;               /* l_quant.c */
hls_emit_fn hls_emit_requantize;                                  /* l_requant.c */
hls_emit_fn hls_emit_gather, hls_emit_concat;                     /* l_movement.c */
hls_emit_fn hls_emit_maxpool, hls_emit_softmax;                   /* l_pool.c */

/* Shared by the emitters (l_util.c). */
const struct ir_type *hls_xtype(struct hls_fn *f, int k); /* operand k's type */
const struct ir_type *hls_ytype(struct hls_fn *f);
int hls_fail(struct hls_fn *f, const char *why);
/* Row-major strides of t into s. */
void hls_strides(const struct ir_type *t, int64_t *s);
/* Opens one loop per dim of extent > 1 (named PREFIX0, PREFIX1...);
 * returns the number opened (to close with hls_close_loops). Loops stay
 * rolled: constant trip counts. */
int hls_open_loops(struct hls_fn *f, int depth, int rank, const int64_t *dims, const char *prefix);
void hls_close_loops(struct hls_fn *f, int depth, int opened);
/* "PREFIX0 * s0 + PREFIX2 * s2 + base" over the dims of extent > 1 and
 * nonzero stride; "0" when empty. */
const char *hls_index(struct hls_fn *f, int rank, const int64_t *dims, const int64_t *strides,
		      int64_t base, const char *prefix);
/* Appends coef * var (var NULL: the constant coef) to a sum in b, with its
 * sign; nothing when coef is 0. */
void hls_term(struct sb *b, int64_t coef, const char *var);
/* QONNX_HLS_PRAGMA(text) line in kernel code, nothing in io code. */
void hls_pragma(struct hls_fn *f, int depth, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Integer range of t. */
void hls_range(const struct ir_type *t, int64_t *lo, int64_t *hi);
/* The proven range of integer operand k: a constant's smallest and largest
 * element, what the layer computing it proved, or its type's range. */
void hls_xrange(struct hls_fn *f, int k, int64_t *lo, int64_t *hi);
/* Records the range of the result (kept only when inside its type's range:
 * beyond it the store wraps and any value of the type may result). */
void hls_set_yrange(struct hls_fn *f, int64_t lo, int64_t hi);
void hls_value_range(struct hls *h, int v, int64_t *lo, int64_t *hi);
/* Stores expression expr (of a range [lo, hi]) into an element of type t:
 * a cast when the range fits t, else wrapped to t's width (NAME_WRAP*). */
const char *hls_store_int(struct hls_fn *f, const struct ir_type *t, int64_t lo, int64_t hi,
			  const char *expr);
/* Loops over t seen as [outer, channels, inner] around axis (-1: one
 * channel); *index is the element's index, *channel its channel ("0" when
 * one). Returns the loops opened. */
int hls_open_channel_loops(struct hls_fn *f, int depth, const struct ir_type *t, int axis,
			   const char **index, const char **channel);
/* Known data of operand k (NULL when not known). */
const void *hls_known(struct hls_fn *f, int k);
/* An integer scalar operand k known at compile time: 0 and *v, else -1. */
int hls_known_int_scalar(struct hls_fn *f, int k, int64_t *v);
/* arena_printf into the generation arena. */
char *hls_str(struct hls *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- kernel.c, io.c ------------------------------------------------------ */

int hls_emit_functions(struct hls *h); /* every op's function; errors recorded */
void hls_write_kernel(struct hls *h);  /* NAME.c, NAME_weights.h */
void hls_write_header(struct hls *h);  /* NAME.h, after everything registered its types */
void hls_write_io(struct hls *h);      /* NAME_io.c, NAME_io.h */

/* ---- golden.c ------------------------------------------------------------ */

/* samples * numel integers in the narrowest .npy dtype of their IR type */
struct hls_garray {
	enum qrt_dtype dtype;
	int64_t numel;      /* per sample */
	void *data;
};

struct hls_golden {
	int samples;
	struct hls_garray *in;     /* per kernel input */
	struct hls_garray *out;    /* per kernel output */
	struct hls_garray *layer;  /* per traced layer */
};

/* 0; -1 with m->error (an evaluation error); -2 with err (--hls-input). */
int hls_golden_run(struct hls *h, struct hls_golden *g, char *err, size_t errlen);
void hls_golden_free(struct hls *h, struct hls_golden *g);

/* ---- testbench.c, project.c ---------------------------------------------- */

void hls_write_testbench(struct hls *h, struct sb *tb, struct sb *npy_c, struct sb *npy_h);
void hls_write_npy_sources(struct sb *c, struct sb *h); /* tb_npy.c */
void hls_write_makefile(struct hls *h, struct sb *b);
void hls_write_tcl(struct hls *h, struct sb *b);
void hls_write_readme(struct hls *h, struct sb *b);
void hls_write_report(struct hls *h, struct sb *b);
void hls_print_summary(struct hls *h, const char *outdir, FILE *f);
/* Writes the files into a temporary directory beside outdir and renames it
 * into place; -1 with a message in err. */
struct hls_file {
	const char *path;         /* relative to the project */
	const struct sb *text;    /* or */
	const void *data;
	size_t size;
};
int hls_write_project(const char *outdir, const struct hls_file *files, int nfiles,
		      const struct hls_golden *g, struct hls *h, char *err, size_t errlen);
/* The same files handed to a sink (hls_options.sink) instead. */
int hls_sink_project(const struct hls_sink *sink, const struct hls_file *files, int nfiles,
		     const struct hls_golden *g, struct hls *h, char *err, size_t errlen);

#endif
