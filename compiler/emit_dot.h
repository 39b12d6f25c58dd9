/* emit_dot.h: `qonnxc --emit=dot`: a Graphviz picture of the IR. */
#ifndef QONNXC_EMIT_DOT_H
#define QONNXC_EMIT_DOT_H

#include "cli.h"
#include "ir/ir.h"

#include <stdio.h>

/* Writes m as a Graphviz digraph: graph inputs and outputs as ellipses, ops
 * as boxes labelled with their type, name and result type, edges labelled
 * with tensor types; integer tensors coloured by bit width, requantizing ops
 * (Quantize, MultiThreshold, Dequantize) labelled with their bits and scale.
 * Constants are not drawn except as a count in the op's box. */
void emit_dot(struct ir_module *m, FILE *out);

/* The subcommand: loads opt->model (the default pipeline unless --passes)
 * and writes the picture to -o (or standard output). */
int driver_emit_dot(const struct cli_options *opt);

#endif
