/* pipeline.h: running passes by name.
 *
 * A pipeline is a comma-separated list of pass names ("cleanup,cleanup"),
 * "none" for no pass, or NULL for the default pipeline. Names are checked
 * before anything runs (pipeline_check), so an unknown name is a usage error.
 */
#ifndef QONNXC_PIPELINE_H
#define QONNXC_PIPELINE_H

#include "ir/ir.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct pipeline_options {
	const char *passes;      /* comma list, "none", or NULL: the default pipeline */
	bool verify_each;        /* ir_verify after every pass */
	bool print_after_all;    /* print the IR after every pass */
	const char *print_after; /* comma list of passes after which to print the IR, or NULL */
	bool verbose;            /* one line per pass on the dump stream */
	FILE *dump;              /* where IR and reports go; NULL: stderr */
};

/* 0 when every name of list is a known pass (list may be "none" when
 * allow_none), else -1 with a message naming it and listing the known ones. */
int pipeline_check(const char *list, bool allow_none, char *err, size_t errlen);
/* Runs the pipeline on m; 0, or -1 with m->error set (prefixed with the
 * pass's name when the verifier rejects its output). */
int pipeline_run(struct ir_module *m, const struct pipeline_options *o);
/* Writes "  NAME  summary" for each pass, and the default pipeline. */
void pipeline_describe(FILE *out);

#endif
