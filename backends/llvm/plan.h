/* plan.h: the workspace memory plan of a generated function.
 *
 * Positions in the generated code: 0 is the prologue (graph inputs converted
 * into the workspace), op k of m->ops is position k + 1, and nops + 1 the
 * epilogue (outputs copied out). A value in the workspace is live from the
 * position that writes it to its last reader (an op using it, or the
 * epilogue for a graph output); two values share bytes only when their live
 * ranges are disjoint, so an op never writes over its own operands.
 *
 * A value may be an alias of another (a view: Reshape and the like, whose
 * result has its operand's bytes): it gets its root's offset, and the root
 * stays live as long as any of its aliases.
 *
 * Offsets and the total size are multiples of PLAN_ALIGN, which is also the
 * alignment the entry points demand of the workspace.
 */
#ifndef QONNXC_BACKENDS_LLVM_PLAN_H
#define QONNXC_BACKENDS_LLVM_PLAN_H

#include <stdio.h>

#include "ir/ir.h"

#define PLAN_ALIGN 64

struct plan_entry {
	int value;
	int64_t bytes;     /* rounded up to PLAN_ALIGN */
	int first, last;   /* live range, positions as above */
	int64_t offset;
};

struct plan {
	int64_t *offset;            /* per value: workspace offset, -1 when not in it */
	struct plan_entry *entries; /* the roots in the workspace, by value index */
	int nentries;
	int naliases;               /* values sharing a root's bytes */
	int64_t size;               /* bytes, a multiple of PLAN_ALIGN */
	int64_t peak;               /* the most bytes live at one position */
};

/* Plans the values v with bytes[v] >= 0 (their storage size; -1: not in
 * the workspace); alias[v] >= 0 makes v share the bytes of value alias[v]
 * (a root with bytes >= 0; alias may be NULL); earliest[v] >= 0 (earliest
 * may be NULL) starts v's live range at that position at the latest (a
 * value written by an earlier op than its own). Memory from arena a.
 * Requires current use lists. */
void plan_build(struct ir_module *m, const int64_t *bytes, const int *alias,
		const int *earliest, struct plan *p, struct arena *a);
/* The plan, one line per tensor, and its efficiency (peak / size). */
void plan_print(struct ir_module *m, const struct plan *p, FILE *out);

#endif
