/* lower_integer.h: the parts of the lower-integer pass, one file each.
 *
 * Each step returns the number of rewrites it made, or -1 with m->error set.
 * Steps leave program order to the driver (new ops are appended) and keep
 * use lists current (ir_rebuild_uses after each edit).
 */
#ifndef QONNXC_LOWER_INTEGER_H
#define QONNXC_LOWER_INTEGER_H

#include "ir/ir.h"

/* lower_integer.c: building new ops. An op code(operands) named after base
 * and suffix, untyped until li_infer; li_infer types it and, when shape
 * inference rejects it, kills it, restores m->error and returns -1. */
int li_add_op(struct ir_module *m, enum ir_opcode code, const char *base, const char *suffix,
	      int noperands, const int *operands);
int li_infer(struct ir_module *m, int o);
/* Dequantize(q) with result of elem (f32/f64); its op index or -1. */
int li_dequantize(struct ir_module *m, int q, enum ir_elem elem, const char *base);
/* Makes result 0 of new op n stand for v (v's type must equal it), killing
 * op old which defined v. false (and n killed) when the types differ. */
bool li_replace(struct ir_module *m, int old, int n, int v);
/* The Dequantize op defining v, or IR_NONE. */
int li_dequant_def(struct ir_module *m, int v);

int lower_qdq(struct ir_module *m);        /* lower_qdq.c */
int lower_fold_int(struct ir_module *m);   /* lower_qdq.c */
int lower_sink(struct ir_module *m);       /* lower_sink.c */
int lower_thresholds(struct ir_module *m); /* lower_thresholds.c */

#endif
