/* ir.h: qonnxc's intermediate representation, shared by every stage.
 *
 * A module is one graph in SSA form. Values and ops live in per-module arrays
 * and refer to each other by index (never by pointer, since the arrays grow).
 * Every value is defined exactly once: by a graph input, as a constant, or as
 * result k of one op. Ops are kept in program (topological) order in m->ops.
 * Use lists are derived data, rebuilt by ir_rebuild_uses.
 *
 * Types are static: every dimension is known after import (a symbolic batch
 * dimension is bound by the front-end). Element data of constants is kept in
 * "storage form": float for f32, double for f64, int64_t for bool and for every
 * integer width; see ir_storage_size.
 *
 * Memory: strings, attributes and constant data come from m->arena; the value,
 * op and use arrays are owned by the module; ir_module_free releases all.
 *
 * Errors from bad input are reported with ir_error/ir_op_error, which record
 * the first message in m->error and return -1. Internal invariants use assert.
 */
#ifndef QONNXC_IR_H
#define QONNXC_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"

#define IR_NONE (-1)
#define IR_MAX_RANK 8

/* ---- element types and tensor types ------------------------------------ */

enum ir_elem {
	IR_ELEM_F32,
	IR_ELEM_F64,
	IR_ELEM_BOOL,
	IR_ELEM_INT, /* any width 1..64, signed or unsigned */
};

/* ---- quantized integer types (ir/quant.h) ---- */
struct ir_quant;

struct ir_type {
	enum ir_elem elem;
	uint8_t bits;      /* IR_ELEM_INT: 1..64; otherwise 32, 64 or 1 */
	bool is_signed;    /* IR_ELEM_INT only */
	uint8_t rank;
	int64_t dims[IR_MAX_RANK];
	/* IR_ELEM_INT only: real = scale * (q - zero_point), see ir/quant.h;
	 * NULL for a plain integer. In the module's arena, compared by value. */
	const struct ir_quant *quant;
};

enum ir_layout {
	IR_LAYOUT_NONE, /* no spatial layout, or the ONNX default (NCHW / NCW) */
	IR_LAYOUT_NHWC, /* channels-last (NHWC, NWC) */
};

struct ir_type ir_type_f32(int rank, const int64_t *dims);
struct ir_type ir_type_int(int bits, bool is_signed, int rank, const int64_t *dims);
struct ir_type ir_type_with_dims(struct ir_type elem_from, int rank, const int64_t *dims);
bool ir_type_same_elem(const struct ir_type *a, const struct ir_type *b);
bool ir_type_equal(const struct ir_type *a, const struct ir_type *b);
int64_t ir_type_numel(const struct ir_type *t); /* product of dims, 1 for scalars */
size_t ir_storage_size(enum ir_elem e);          /* bytes per element in storage form */
/* Writes e.g. "f32[1,64]", "i8[3]", "u2[]", "bool[2,2]"; returns buf. */
char *ir_type_str(const struct ir_type *t, char *buf, size_t len);
const char *ir_elem_str(const struct ir_type *t, char *buf, size_t len);

/* ---- values ------------------------------------------------------------ */

enum ir_value_kind {
	IR_VALUE_INPUT,
	IR_VALUE_CONST,
	IR_VALUE_RESULT,
};

struct ir_value {
	const char *name;   /* unique in the module; the ONNX tensor name when there is one */
	struct ir_type type;
	enum ir_value_kind kind;
	int def;            /* IR_VALUE_RESULT: index of the defining op, else IR_NONE */
	int def_result;     /* which result of def */
	void *data;         /* IR_VALUE_CONST: ir_type_numel elements in storage form */
	void *folded;       /* IR_VALUE_RESULT: elements computed from constants by
	                     * ir_known_data, cached; NULL until asked for */
	int first_use, nuses; /* slice of m->uses, valid after ir_rebuild_uses */
};

struct ir_use {
	int op;      /* the using op */
	int operand; /* operand position in it */
};

/* ---- attributes -------------------------------------------------------- */

enum ir_attr_kind {
	IR_ATTR_INT,
	IR_ATTR_FLOAT,
	IR_ATTR_STRING,
	IR_ATTR_INTS,
	IR_ATTR_FLOATS,
};

struct ir_attr {
	const char *name;
	enum ir_attr_kind kind;
	int64_t i;
	double f;
	const char *s;
	int n;           /* element count of ints / floats */
	int64_t *ints;
	double *floats;
};

/* ---- ops --------------------------------------------------------------- */

#define OP(id, onnx_name, min_in, max_in, min_out, max_out, flags) IR_OP_##id,
enum ir_opcode {
#include "ops.def"
	IR_OP_COUNT
};
#undef OP

enum {
	OPF_ELEMENTWISE = 1 << 0,
	OPF_BOOL_RESULT = 1 << 1,
	OPF_QONNX = 1 << 2,
	OPF_FLOAT = 1 << 3,
	OPF_INTERNAL = 1 << 4,
};

struct ir_opinfo {
	const char *name;
	int min_operands, max_operands; /* max -1: variadic */
	int min_results, max_results;   /* max -1: variadic */
	unsigned flags;
};

extern const struct ir_opinfo ir_opinfo[IR_OP_COUNT];

/* How a Conv or MatMul on float32 operands sums its products (the other
 * element types ignore it). IR_SUMS_DOUBLE: each product exactly in double,
 * summed in double, the result rounded once to float (the default, and what
 * a quantized model's MatMuls keep: it is the closest to the real-valued
 * sum). IR_SUMS_F32_FMA: float32 fused multiply-adds, in the same order of
 * terms, as float32 runtimes sum (set by the f32-sums pass, see
 * compiler/passes/f32_sums.c). The order of terms is each kernel's own; see
 * ir/interp/conv.c and linalg.c. */
enum ir_sums { IR_SUMS_DOUBLE = 0, IR_SUMS_F32_FMA };

struct ir_op {
	enum ir_opcode code;
	const char *name;     /* ONNX node name, or a generated one; unique */
	const char *onnx_type; /* op type as written in the model ("Quant"), for
	                        * diagnostics; NULL for ops created by qonnxc */
	int opset;            /* opset version of its domain in the source model */
	enum ir_layout layout;
	enum ir_sums sums;    /* Conv and MatMul on float32 only */
	int noperands;
	int *operands;        /* value indices, IR_NONE for an absent optional operand */
	int nresults;
	int *results;         /* value indices, each with kind IR_VALUE_RESULT */
	int nattrs;
	struct ir_attr *attrs;
	bool dead;            /* removed; dropped by ir_compact */
};

/* ---- the module -------------------------------------------------------- */

struct ir_names;

struct ir_module {
	struct arena arena;
	const char *path;        /* source file, for diagnostics */
	struct ir_value *values;
	int nvalues, cap_values;
	struct ir_op *ops;       /* program order */
	int nops, cap_ops;
	int *inputs, ninputs;    /* graph inputs, in model order */
	int *outputs, noutputs;  /* graph outputs, in model order */
	struct ir_use *uses;
	int nuses, cap_uses;
	uint64_t max_bytes;      /* largest tensor or constant accepted (bytes) */
	struct ir_names *value_names, *op_names; /* name -> index, private to module.c */
	unsigned long name_serial; /* suffix of the last generated name */
	/* channels-last pass option: graph inputs and outputs of rank 3 to 5
	 * become channels-last too (false: they keep the layout of the model) */
	bool io_channels_last;
	/* f32-sums pass option: a quantized model's float Convs keep double
	 * sums too (the HLS backend computes float sums only in double) */
	bool double_sums_when_quantized;
	char error[512];         /* first error reported, "" if none */
};

struct ir_module *ir_module_new(const char *path);
void ir_module_free(struct ir_module *m);

static inline struct ir_value *ir_val(struct ir_module *m, int v) { return &m->values[v]; }
static inline struct ir_op *ir_op_at(struct ir_module *m, int o) { return &m->ops[o]; }
/* Type of operand k of op, or NULL when that optional operand is absent. */
const struct ir_type *ir_operand_type(struct ir_module *m, const struct ir_op *op, int k);

/* Builder. Names are copied. A NULL or empty name gets a generated unique one.
 * ir_add_const copies numel elements of storage-form data (data may be NULL
 * for zeros). Results of ir_add_op start with an empty f32 type until shape
 * inference sets them. All return the new index, or -1 after ir_error (e.g. a
 * tensor larger than m->max_bytes). */
int ir_add_input(struct ir_module *m, const char *name, const struct ir_type *t);
int ir_add_const(struct ir_module *m, const char *name, const struct ir_type *t,
		 const void *data);
int ir_add_op(struct ir_module *m, enum ir_opcode code, const char *name,
	      int noperands, const int *operands, int nresults,
	      const char *const *result_names);
void ir_add_output(struct ir_module *m, int v);
void ir_set_attr(struct ir_module *m, int op, const struct ir_attr *a); /* copied; replaces same name */
void ir_set_attr_int(struct ir_module *m, int op, const char *name, int64_t v);
void ir_set_attr_float(struct ir_module *m, int op, const char *name, double v);
void ir_set_attr_string(struct ir_module *m, int op, const char *name, const char *s);
void ir_set_attr_ints(struct ir_module *m, int op, const char *name, int n, const int64_t *v);
/* A name not yet taken: base itself when free, else "base_K" with a fresh K
 * (each call may give a new K). In the arena. */
const char *ir_unique_name(struct ir_module *m, const char *base);
int ir_find_value(struct ir_module *m, const char *name); /* -1 if none */

/* Attribute lookup with defaults. */
const struct ir_attr *ir_attr_find(const struct ir_op *op, const char *name);
int64_t ir_attr_int(const struct ir_op *op, const char *name, int64_t def);
double ir_attr_float(const struct ir_op *op, const char *name, double def);
const char *ir_attr_string(const struct ir_op *op, const char *name, const char *def);
/* Returns the ints and their count in *n, or NULL and *n = 0 when absent. */
const int64_t *ir_attr_ints(const struct ir_op *op, const char *name, int *n);
const double *ir_attr_floats(const struct ir_op *op, const char *name, int *n);

/* Uses and rewriting. */
void ir_rebuild_uses(struct ir_module *m);
const struct ir_use *ir_uses(struct ir_module *m, int v, int *n);
/* The single live op reading value v once (v no graph output), or -1. */
int ir_single_reader(struct ir_module *m, int v);
void ir_replace_all_uses(struct ir_module *m, int from, int to); /* incl. graph outputs */
/* Drops dead ops; indices of ops change, and their results are left
 * detached (kind IR_VALUE_RESULT, def IR_NONE) until ir_prune drops them. */
void ir_compact(struct ir_module *m);
/* After ops moved in m->ops (new_of[old] = new index, or IR_NONE for an op
 * dropped): updates value definitions, the op name table and use lists. */
void ir_renumber_ops(struct ir_module *m, const int *new_of);
/* Restores program order (ir/edit.c): drops dead ops, then keeps every op
 * where it is except that an op needed earlier moves (with what it needs in
 * turn) to just before its first user; an already ordered module is
 * unchanged. -1 and an error naming a node on a cycle. */
int ir_toposort(struct ir_module *m);

/* ---- shapes ------------------------------------------------------------ */

/* Sets the type of result k of op, after checking dims >= 0 and the size
 * limit; -1 after an error naming the op. */
int ir_set_result_type(struct ir_module *m, struct ir_op *op, int k, const struct ir_type *t);
/* Runs op's shape function (ir/shape/); -1 after an error. */
int ir_infer_op(struct ir_module *m, struct ir_op *op);
int ir_infer_all(struct ir_module *m);
/* Elements of value v when they can be computed at compile time: a constant's
 * data, or an op result whose operands are all known (Shape needs only its
 * operand's type); computed with the interpreter and cached in value->folded.
 * NULL when not known; on an evaluation error, NULL with m->error set. */
const void *ir_known_data(struct ir_module *m, int v);

/* ---- diagnostics ------------------------------------------------------- */

/* Record "fmt..." (first error wins) and return -1. */
int ir_error(struct ir_module *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record "node 'NAME' (OpType): fmt..." and return -1. */
int ir_op_error(struct ir_module *m, const struct ir_op *op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- printer and verifier ---------------------------------------------- */

#include <stdio.h>
void ir_print(struct ir_module *m, FILE *out);
void ir_print_op(struct ir_module *m, const struct ir_op *op, FILE *out);
/* Checks SSA (single definition, defined before use, op order), operand and
 * result counts against ir_opinfo, use lists, and that every result type is what
 * shape inference gives. 0, or -1 with an error. */
int ir_verify(struct ir_module *m);

/* ---- edits for passes (edit.c) ----------------------------------------- */

/* Turns result v into a constant holding a copy of data (storage form, v's
 * type); v keeps its name, type and uses. The caller kills the op that
 * defined v once all its results are handled. 0, or -1 after an error when
 * the data exceeds m->max_bytes. */
int ir_make_const(struct ir_module *m, int v, const void *data);
/* Makes v result k of op o, in place of the value there (whose type must
 * equal v's; it is left undefined and dropped by ir_prune). v keeps its name
 * and uses. The caller kills the op that defined v before. */
void ir_redefine(struct ir_module *m, int v, int o, int k);
/* Drops dead ops (ir_compact), then every value nothing refers to: results
 * without a live defining op and constants used by no live op and no graph
 * output. Value indices change; use lists are rebuilt. */
void ir_prune(struct ir_module *m);

#endif
