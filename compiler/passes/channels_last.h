/* channels_last.h: what the files of the channels-last pass share.
 *
 * The pass (channels_last.c) is built from permutations of tensor axes and
 * from rewrites that move a Transpose across an op. Its files, each with one
 * job:
 *   perm.c               permutations, and permuting constant data
 *   transpose_build.c    making Transposes and "forms" (a value transposed,
 *                        reusing or folding what exists), editing in place
 *   move_rules.c         the table of ops a Transpose can cross, and how
 *                        their attributes and parameters follow the axes
 *   transpose_sinking.c  the local rules run to a fixed point: compose,
 *                        cancel, fold into constants, merge, sink and hoist
 *   flatten_matmul.c     Flatten/Reshape of a permuted tensor into a MatMul:
 *                        permute the weight rows instead
 *
 * Conventions. A perm p of rank r is the attribute of an ONNX Transpose:
 * Transpose(x, p) has dims[k] = x.dims[p[k]]. Functions prefixed chl_ are
 * internal to the pass. Rewrites keep use lists current; they append ops
 * (program order is restored by the pass with ir_toposort) and never leave a
 * half-done edit: a rewrite that shape inference rejects is rolled back and
 * m->error restored.
 */
#ifndef QONNXC_PASSES_CHANNELS_LAST_H
#define QONNXC_PASSES_CHANNELS_LAST_H

#include "ir/ir.h"

struct chl_perm {
	int rank;
	int p[IR_MAX_RANK];
};

/* ---- perm.c ----------------------------------------------------------------- */

struct chl_perm chl_perm_identity(int rank);
struct chl_perm chl_perm_to_nhwc(int rank); /* [0, 2, ..., r-1, 1]: NCHW data -> NHWC */
struct chl_perm chl_perm_to_nchw(int rank); /* [0, r-1, 1, ..., r-2]: NHWC data -> NCHW */
bool chl_perm_is_identity(const struct chl_perm *p);
bool chl_perm_equal(const struct chl_perm *a, const struct chl_perm *b);
struct chl_perm chl_perm_inverse(const struct chl_perm *p);
/* Transpose(Transpose(x, first), second) == Transpose(x, chl_perm_then(first, second)). */
struct chl_perm chl_perm_then(const struct chl_perm *first, const struct chl_perm *second);
/* The perm of Transpose op for an operand of rank rank (ONNX default: reversed);
 * false when the attribute is not a permutation of 0..rank-1. */
bool chl_perm_of_transpose(const struct ir_op *op, int rank, struct chl_perm *out);
/* The type of Transpose(x, p) for x of type t (p->rank == t->rank). */
struct ir_type chl_perm_type(const struct ir_type *t, const struct chl_perm *p);
/* True when Transpose(x, p) only moves dims of size 1 (or of size 0), so the
 * elements keep their order: a Reshape, not a data movement. */
bool chl_perm_is_trivial(const struct ir_type *t, const struct chl_perm *p);
/* dst = the elements of Transpose(src, p), src of type t, in storage form. */
void chl_perm_data(const struct ir_type *t, const void *src, const struct chl_perm *p, void *dst);

/* ---- transpose_build.c ------------------------------------------------------ */

/* What a Transpose of a value of type t by p costs: 0 for the identity,
 * CHL_COST_TRIVIAL when it only moves dims of size 1 (a Reshape in the end),
 * else CHL_COST_TRANSPOSE; so that sums compare transposes first, then
 * reshapes. */
enum { CHL_COST_TRIVIAL = 1, CHL_COST_TRANSPOSE = 1 << 12 };
int chl_cost(const struct ir_type *t, const struct chl_perm *p);
bool chl_is_output(struct ir_module *m, int v);
/* The live op defining v, or IR_NONE (inputs, constants). */
int chl_def(struct ir_module *m, int v);
/* v is the result of a live Transpose; its operand and perm in *src, *p. */
bool chl_transpose_of(struct ir_module *m, int v, int *src, struct chl_perm *p);
/* A new constant holding Transpose(c, p) of constant c. */
int chl_const_transposed(struct ir_module *m, int c, const struct chl_perm *p);
/* For a constant c broadcast against a result of rank r, the constant c'
 * that broadcasts the same way against Transpose(result, q): c is padded with
 * leading 1s to rank r, transposed by q, and keeps c's rank when the leading
 * dims allow it. c itself when it has one element. */
int chl_const_for(struct ir_module *m, int c, const struct chl_perm *q);
/* A new int64 constant [n] named after base. */
int chl_const_ints(struct ir_module *m, const char *base, int n, const int64_t *vals);
/* v is computed from constants only through element-wise ops and Transposes
 * (a quantized weight), so a permutation of it folds into new constants. */
bool chl_const_rooted(struct ir_module *m, int v);
/* Transpose(v, p) for constant-rooted v, as new constants (and clones of the
 * element-wise ops on them); -1 after an error. */
int chl_fold_rooted(struct ir_module *m, int v, const struct chl_perm *p);
/* A clone of single-result op o (attributes, layout) on the given operands,
 * its result named after o's with "_" tag; the result value, or -1 after an
 * error from shape inference. */
int chl_clone_op(struct ir_module *m, int o, const int *operands, const char *tag);
/* What chl_form(v, p) would add: 0, or the chl_cost of a new Transpose. */
int chl_form_cost(struct ir_module *m, int v, const struct chl_perm *p);
/* A value equal to Transpose(v, p): v itself for the identity or a single
 * element, a composition with the Transpose defining v, an existing Transpose
 * of v by p, constants folded (also through element-wise ops on constants),
 * else a new Transpose. -1 after an error. */
int chl_form(struct ir_module *m, int v, const struct chl_perm *p);
/* The same without folding constants: a Transpose is made instead, which the
 * rules fold once equal ones are merged (a weight shared by two ops is
 * permuted once). */
int chl_form_deferred(struct ir_module *m, int v, const struct chl_perm *p);
/* A new Transpose(v, p) op, typed; its index, or -1 (error restored, op
 * killed) when inference rejects it. */
int chl_new_transpose(struct ir_module *m, int v, const struct chl_perm *p);
/* Gives op o a new value as result k and makes a new Transpose of it by p
 * define the old value (keeping its name and uses). Returns the Transpose's
 * index; types are left for the caller to infer. */
int chl_split_result(struct ir_module *m, int o, int k, const struct chl_perm *p);
/* Undoes chl_split_result. */
void chl_unsplit_result(struct ir_module *m, int o, int k, int t);

/* What an in-place edit of an op can be rolled back to. */
struct chl_saved {
	int o;
	enum ir_layout layout;
	int noperands, *operands;
	int nattrs;
	struct ir_attr *attrs;
};
void chl_save(struct ir_module *m, int o, struct chl_saved *s);
void chl_restore(struct ir_module *m, const struct chl_saved *s);
/* Runs shape inference on op o; on failure restores m->error to what it
 * was (had_error: whether it held an error before) and returns -1. */
int chl_infer(struct ir_module *m, int o, bool had_error);
/* Kills ops none of whose results is used or a graph output, repeatedly;
 * the number killed. Use lists must be current; they are rebuilt. */
int chl_dead_code(struct ir_module *m);

/* ---- move_rules.c ----------------------------------------------------------- */

/* How an op crosses a permutation of its tensor's axes. */
enum chl_move {
	MOVE_NONE,        /* it does not: the layout matters to it */
	MOVE_ELEMENTWISE, /* every operand broadcasts: the quantizers, Relu, Add... */
	MOVE_AXIS,        /* an axis attribute: Concat, Softmax, LogSoftmax, Split */
	MOVE_REDUCE,      /* Reduce*: the axes operand, keepdims */
	MOVE_PAD,         /* Pad: pads (and axes) operands */
	MOVE_SLICE,       /* Slice: the axes operand */
	MOVE_RESIZE,      /* Resize: roi, scales, sizes or the axes attribute */
	MOVE_CHANNELS,    /* BatchNormalization, InstanceNormalization: the layout */
};

enum chl_move chl_move_kind(const struct ir_op *op);
/* No operand or result of op has a quantized integer type (ir/quant.h). */
bool chl_plain_types(struct ir_module *m, const struct ir_op *op);
/* Operand k of op moves with the tensor (rather than being a parameter). */
bool chl_is_activation(const struct ir_op *op, int k);
/* Whether op o can be rewritten to work on its activations' axes renamed by
 * map (old axis a becomes axis map[a]), map over the rank of operand 0. */
bool chl_can_move(struct ir_module *m, int o, const struct chl_perm *map);
/* The perm relating result k after the move to before it: result_before ==
 * Transpose(result_after, perm). map itself for most ops; Reduce without
 * keepdims drops the reduced axes from it. */
struct chl_perm chl_moved_result_perm(struct ir_module *m, int o, int k,
				      const struct chl_perm *map);
/* Rewrites op o in place for map: activation operand k becomes acts[k]
 * (already transposed by the caller), parameters and attributes follow the
 * axes. Result types are left for the caller to infer. -1 after an error. */
int chl_move_op(struct ir_module *m, int o, const struct chl_perm *map, const int *acts);

/* ---- transpose_sinking.c ---------------------------------------------------- */

enum chl_phase {
	CHL_SINK,  /* move Transposes towards the outputs, cancelling pairs */
	CHL_HOIST, /* move the remaining NCHW->NHWC Transposes up to the inputs */
	CHL_TIDY,  /* only compose, cancel, fold and merge */
};
/* Runs the rules of phase to a fixed point; 0 or -1 after an error. Leaves
 * program order restored and dead ops dropped. */
int chl_transpose_rules(struct ir_module *m, enum chl_phase phase);

/* ---- flatten_matmul.c ------------------------------------------------------- */

/* Flatten/Reshape(Transpose(x)) feeding MatMul/Gemm with constant weights:
 * flattens x itself and permutes the weight rows. The number of rewrites. */
int chl_flatten_matmul(struct ir_module *m);

#endif
