/* outfile.h: files that appear whole or not at all.
 *
 * outfile_open creates the new file beside the target, in the same folder;
 * outfile_commit checks that every byte reached it and puts it in place of
 * the target; outfile_abort drops it. So a failed compilation never leaves a
 * partial output, and an existing file at the target path stays untouched
 * until the new one is complete. Several files that belong together (an
 * object and its header) are committed by outfile_commit_all: all are
 * written out and checked before the first is put in place. A NULL or "-"
 * path means standard output, and a target that exists but is not a regular
 * file (/dev/null, a pipe) is written directly.
 *
 * How the new file is made:
 * - On Linux it is an unnamed file (open with O_TMPFILE) in the target's
 *   folder, so nothing is visible while it is written and even SIGKILL
 *   leaves nothing behind. The commit links it to the target's name when
 *   that is free, else to a fresh name beside it (NAME.tmp-XXXXXX) renamed
 *   at once over the target: a link cannot replace. Naming it goes through
 *   /proc/self/fd, which must be mounted.
 * - Where O_TMPFILE is not available (other systems, file systems without
 *   it) or /proc is not mounted: a named temporary NAME.tmp-XXXXXX, renamed
 *   over the target at the commit. SIGKILL can leave it behind.
 * Either way the file gets mode 0666 less the umask, as open(O_CREAT) would.
 *
 * Signals: the first named temporary installs handlers for SIGINT, SIGTERM
 * and SIGHUP that remove every temporary still there and then let the
 * signal end the process as it would have (same exit status). Those signals
 * are held while temporaries are created, registered, linked or renamed, so
 * such a kill never leaves a temporary behind nor half of a group of files
 * committed.
 *
 * For tests only, environment variables:
 *   QONNXC_FAIL_AT=commit       every commit fails after the data is written
 *                               (a late failure: nothing may appear)
 *   QONNXC_TEST_PAUSE_WRITE=S   sleep S seconds once the data is in the new
 *                               file, before the commit, so that a test can
 *                               kill qonnxc in the middle of writing
 *   QONNXC_TEST_FALLBACK=1      named temporaries even where O_TMPFILE works
 */
#ifndef QONNXC_OUTFILE_H
#define QONNXC_OUTFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct outfile {
	FILE *f;
	char *path;     /* target, NULL for standard output */
	char *tmp_path; /* named temporary beside it, when the file is not unnamed */
	bool unnamed;   /* an O_TMPFILE file, named at the commit */
	int fd;         /* the unnamed file once f is closed, else -1 */
	bool direct;    /* target is not a regular file: written in place */
};

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
int outfile_commit(struct outfile *o, char *err, size_t errlen);
/* Commits o[0..n-1] together: on any error none is put in place (all are
 * removed) and -1 is returned with a message. */
int outfile_commit_all(struct outfile *o, int n, char *err, size_t errlen);
void outfile_abort(struct outfile *o);

/* Holds SIGINT, SIGTERM and SIGHUP around a write done by other code with a
 * temporary of its own (an .npy written by the runtime), so that a kill takes
 * effect after it rather than leaving that temporary behind. Not nested. */
void outfile_hold(void);
void outfile_release(void);

#endif
