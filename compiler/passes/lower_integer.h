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
/* Calls lower_one(m, o) on every live op, among those existing now, whose
 * code is a or b (pass one code twice for one): the number of changes it
 * reports (1 or 0 each), or -1 as soon as it fails. */
int li_each_op(struct ir_module *m, enum ir_opcode a, enum ir_opcode b,
	       int (*lower_one)(struct ir_module *m, int o));
/* Dequantize(q) with result of elem (f32/f64); its op index or -1. */
int li_dequantize(struct ir_module *m, int q, enum ir_elem elem, const char *base);
/* Makes result 0 of new op n stand for v (v's type must equal it), killing
 * op old which defined v. false (and n killed) when the types differ. */
bool li_replace(struct ir_module *m, int old, int n, int v);
/* The Dequantize op defining v, or IR_NONE. */
int li_dequant_def(struct ir_module *m, int v);
/* The quantized integer behind a Dequantize defining v, or IR_NONE. */
int li_quantized_source(struct ir_module *m, int v);
/* A copy of op o (code, attributes, layout, opset) on operands[], typed:
 * its index; LI_REJECTED (nothing left behind) when shape inference rejects
 * it; -1 after an error. */
enum { LI_REJECTED = -2 };
int li_clone(struct ir_module *m, int o, int noperands, const int *operands);
/* A new constant (ir_add_const): its index, or LI_REJECTED, m->error
 * restored, when it would exceed the module's size limit. */
int li_add_const(struct ir_module *m, const char *name, const struct ir_type *t,
		 const void *data);
/* Makes Dequantize(result of new op n) stand for op o's single result, o
 * killed: 1; 0 when that does not fit or n's result is 64 bits wide (an
 * accumulator whose bound is not proven; n killed); -1 after an error. */
int li_finish(struct ir_module *m, int o, int n);
/* The narrowest of 8, 16, 32 and 64 signed bits holding [lo, hi], or -1. */
int li_cast_bits(long double lo, long double hi);
/* v as a signed integer of `bits` (8/16/32/64), same quantization: v
 * itself, a retyped constant, or a Cast named after base; LI_REJECTED, or
 * -1 after an error. */
int li_widened(struct ir_module *m, int v, int bits, const char *base);

int lower_qdq(struct ir_module *m);        /* lower_qdq.c */
int lower_fold_int(struct ir_module *m);   /* lower_qdq.c */
int lower_zero_point(struct ir_module *m); /* lower_zero_point.c */
int lower_sink(struct ir_module *m);       /* lower_sink.c */
int lower_conv(struct ir_module *m);       /* lower_conv.c */
int lower_pool(struct ir_module *m);       /* lower_pool.c */
int lower_rescale(struct ir_module *m);    /* lower_rescale.c */
int lower_add(struct ir_module *m);        /* lower_add.c */
int lower_hoist(struct ir_module *m);      /* lower_hoist.c */
int lower_thresholds(struct ir_module *m); /* lower_thresholds.c */
/* lower_mas.c: M, B and s with clamp(floor((a * M + B) / 2^s)) equal to the
 * thresholds row[0..k_count) of levels base + 1.. (decreasing when down)
 * for every a in [amin, amax]; false when there are none in range. */
bool li_multiply_shift(const int64_t *row, int64_t k_count, int64_t base, bool down,
		       int64_t amin, int64_t amax, int64_t *mul, int64_t *add, int64_t *shift);

#endif
