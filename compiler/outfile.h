/* outfile.h: files that appear whole or not at all.
 *
 * outfile_open creates a temporary file beside the target; outfile_commit
 * flushes it and renames it over the target; outfile_abort removes it. So a
 * failed compilation never leaves a partial output, and an existing file at
 * the target path stays untouched until the new one is complete. A NULL or
 * "-" path means standard output, and a target that exists but is not a
 * regular file (/dev/null, a pipe) is written directly.
 */
#ifndef QONNXC_OUTFILE_H
#define QONNXC_OUTFILE_H

#include <stdbool.h>
#include <stdio.h>

struct outfile {
	FILE *f;
	char *path;     /* target, NULL for standard output */
	char *tmp_path; /* temporary file beside it */
	bool direct;    /* target is not a regular file: written in place */
};

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen);
int outfile_commit(struct outfile *o, char *err, size_t errlen);
void outfile_abort(struct outfile *o);

#endif
