/* cost.h: `qonnxc cost`: a model's inference cost, computed as qonnx's
 * qonnx-inference-cost computes it (per datatype pair the multiply-accumulate
 * count, weight and output elements per datatype, their bit totals).
 *
 * The analysis runs on the imported IR (or the IR after --passes): qonnx's
 * own preprocessing (datatype inference, folding constant nodes) is
 * reproduced by cost_dtype.c, and node names in the per-node breakdown are
 * qonnx's (OpType_K, counted per op type over the nodes that remain after
 * folding), so scripts reading qonnx's JSON read ours.
 */
#ifndef QONNXC_COST_H
#define QONNXC_COST_H

#include "cli.h"
#include "ir/ir.h"

#include <stdbool.h>
#include <stdio.h>

struct cost_options {
	bool dense;     /* --dense: zero weights cost like any other */
	bool json;      /* --json: qonnx's JSON (sorted keys, indent 2) */
	bool per_layer; /* --per-layer: per op type and per node too */
};

/* Writes m's cost report to out. 0, or -1 with a message in err. */
int cost_report(struct ir_module *m, const char *model_path, const struct cost_options *o,
		FILE *out, char *err, size_t errlen);

/* The subcommand: loads opt->model (no passes unless --passes), reports. */
int driver_cost(const struct cli_options *opt);

#endif
