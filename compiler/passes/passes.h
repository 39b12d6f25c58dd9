/* passes.h: the entry point of every pass, one per file of compiler/passes/.
 *
 * A pass takes a verified module (program order, current use lists) and
 * returns 0, leaving it verified again, or -1 with m->error set. Each file's
 * opening comment says what its pass requires, guarantees and invalidates.
 * The pipeline (pipeline.c) lists them by name.
 */
#ifndef QONNXC_PASSES_H
#define QONNXC_PASSES_H

#include "ir/ir.h"

int pass_cleanup(struct ir_module *m); /* cleanup.c */
int pass_channels_last(struct ir_module *m); /* channels_last.c */
int pass_promote_f64(struct ir_module *m); /* promote_f64.c */
int pass_lower_integer(struct ir_module *m); /* lower_integer.c */
int pass_f32_sums(struct ir_module *m); /* f32_sums.c */

#endif
