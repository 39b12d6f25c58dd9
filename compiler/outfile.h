/* outfile.h: files that appear whole or not at all.
 *
 * outfile_open creates a temporary file beside the target; outfile_commit
 * flushes it and renames it over the target; outfile_abort removes it. So a
 * failed compilation never leaves a partial output, and an existing file at
 * the target path stays untouched until the new one is complete. Several
 * files that belong together (an object and its header) are committed by
 * outfile_commit_all: all are written out and checked before the first is
 * renamed. A NULL or "-" path means standard output, and a target that
 * exists but is not a regular file (/dev/null, a pipe) is written directly.
 *
 * Signals: the first outfile_open installs handlers for SIGINT, SIGTERM and
 * SIGHUP that remove every temporary file still open and then let the
 * signal end the process as it would have (same exit status). Those signals
 * are held while temporaries are created, registered or renamed, so a kill
 * never leaves a temporary behind nor half of a group of files committed.
 * (SIGKILL cannot be caught: it may leave a .tmp-XXXXXX file.)
 *
 * For tests only, two environment variables:
 *   QONNXC_FAIL_AT=commit       every commit fails after the data is written
 *                               (a late failure: nothing may appear)
 *   QONNXC_TEST_PAUSE_WRITE=S   sleep S seconds once the data is in the
 *                               temporary file, before the commit, so that a
 *                               test can kill qonnxc in the middle of writing
 */
#ifndef QONNXC_OUTFILE_H
#define QONNXC_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f;
	char *path;     /* target, NULL for standard output */
	char *tmp_path; /* temporary file beside it */
	bool direct;    /* target is not a regular file: written in place */
};

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* Commits o[0..n-1] together: on any error none is renamed (all are
 * removed) and -1 is returned with a message. */
int outfile_commit_all(struct outfile *o, int n, char *err, size_t errlen);
void outfile_abort(struct outfile *o);

/* Holds SIGINT, SIGTERM and SIGHUP around a write done by other code with a
 * temporary of its own (an .npy written by the runtime), so that a kill takes
 * effect after it rather than leaving that temporary behind. Not nested. */
void outfile_hold(void);
void outfile_release(void);

#endif
