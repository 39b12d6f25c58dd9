/* cleanup.h: the rules of the cleanup pass (cleanup.c runs them to a fixed
 * point) and the small matching and building tools they share.
 *
 * Every rule takes the module in program order with current use lists, and
 * leaves use lists current. Rules only append ops (ir_add_op), so program
 * order may be broken when a rule returns; cleanup.c restores it with
 * ir_toposort. A rule returns how many rewrites it made (0 at the fixed
 * point), or -1 after an error.
 */
#ifndef QONNXC_PASSES_CLEANUP_H
#define QONNXC_PASSES_CLEANUP_H

#include "ir/ir.h"

/* ---- rules, one file each ------------------------------------------------ */

int cleanup_fold_constants(struct ir_module *m);      /* fold_constants.c */
int cleanup_dead_code(struct ir_module *m);           /* dead_code.c */
int cleanup_remove_noops(struct ir_module *m);        /* remove_noops.c */
int cleanup_gemm_to_matmul(struct ir_module *m);      /* gemm_to_matmul.c */
int cleanup_batchnorm_to_affine(struct ir_module *m); /* batchnorm_to_affine.c */
int cleanup_fold_affine(struct ir_module *m);         /* fold_affine.c */
int cleanup_fold_into_weights(struct ir_module *m);   /* fold_into_weights.c */

/* ---- matching (match.c) ---------------------------------------------------- */

bool cl_is_const(struct ir_module *m, int v);      /* v != IR_NONE and a constant */
bool cl_is_output(struct ir_module *m, int v);     /* v is a graph output */
bool cl_is_float(const struct ir_type *t);         /* f32 or f64 */
/* Element i of constant v, as a double. */
double cl_const_elem(struct ir_module *m, int v, int64_t i);
/* v is a constant whose every element equals x. */
bool cl_const_all(struct ir_module *m, int v, double x);
/* The index of the live op defining v when v is an op result used exactly
 * once and not a graph output (so a rewrite may change what it computes),
 * else IR_NONE. Op indices stay valid until ir_compact; pointers into m->ops
 * do not survive ir_add_op. */
int cl_single_use_def(struct ir_module *m, int v);
/* Number of elements of the broadcast of a and b, or -1 when they do not
 * broadcast (numpy's rule). */
int64_t cl_broadcast_numel(const struct ir_type *a, const struct ir_type *b);
/* For a constant c combined element-wise with a result of type t, where the
 * combination broadcasts c along one axis of t only: fills per[n] (n =
 * t->dims[axis]) with c's value for each index along that axis and returns 0;
 * -1 when c's shape varies along another axis or would change t's shape. */
int cl_per_axis(struct ir_module *m, int c, const struct ir_type *t, int axis, double *per);

/* ---- building (build.c) ---------------------------------------------------- */

/* Appends op code(operands) named "<base>_<suffix>", its result named
 * "<result_base>_<suffix>", and infers its type. The index of the new op,
 * or -1 when inference rejects it (the op is then dead and m->error is left
 * as it was: the caller abandons the rewrite). */
int cl_new_op(struct ir_module *m, enum ir_opcode code, const char *base, const char *result_base,
	      const char *suffix, int noperands, const int *operands);
/* A new constant of type t named "<base>_<suffix>", elements from vals
 * (converted to t's element type), -1 after an error. */
int cl_new_const(struct ir_module *m, const char *base, const char *suffix,
		 const struct ir_type *t, const double *vals);
/* Makes new op n compute the (single) result of op o, which is killed; v keeps
 * its name. -1, with n and helpers[0..nhelpers) killed, when n's result type
 * differs from o's (the rewrite is abandoned). */
int cl_replace(struct ir_module *m, int o, int n, const int *helpers, int nhelpers);
/* Kills op o (it stays in m->ops until ir_compact) and rebuilds use lists. */
void cl_kill(struct ir_module *m, int o);
/* Copies the attributes and layout of op from to op to. */
void cl_copy_attrs(struct ir_module *m, int from, int to);

#endif
