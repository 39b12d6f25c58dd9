/* outfile.c: atomic output files (see outfile.h). POSIX: mkstemp, rename. */
#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int outfile_open(struct outfile *o, const char *path, char *err, size_t errlen)
{
	memset(o, 0, sizeof *o);
	if (!path || !strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or pipe (/dev/null, a fifo): nothing to replace atomically. */
		o->f = fopen(path, "wb");
		if (!o->f)
			goto fail;
		o->direct = true;
		return 0;
	}
	size_t n = strlen(path);
	o->path = strdup(path);
	o->tmp_path = malloc(n + 16);
	if (!o->path || !o->tmp_path)
		goto fail;
	snprintf(o->tmp_path, n + 16, "%s.tmp-XXXXXX", path);
	int fd = mkstemp(o->tmp_path);
	if (fd < 0)
		goto fail;
	fchmod(fd, 0644);
	o->f = fdopen(fd, "wb");
	if (!o->f) {
		close(fd);
		unlink(o->tmp_path);
		goto fail;
	}
	return 0;
fail:
	snprintf(err, errlen, "cannot write '%s': %s", path, strerror(errno));
	free(o->path);
	free(o->tmp_path);
	memset(o, 0, sizeof *o);
	return -1;
}

static void release(struct outfile *o)
{
	free(o->path);
	free(o->tmp_path);
	memset(o, 0, sizeof *o);
}

int outfile_commit(struct outfile *o, char *err, size_t errlen)
{
	if (o->direct) {
		int bad = fclose(o->f) != 0;
		release(o);
		if (bad) {
			snprintf(err, errlen, "cannot write the output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	if (!o->path) {
		if (fflush(o->f) != 0) {
			snprintf(err, errlen, "cannot write to standard output: %s", strerror(errno));
			return -1;
		}
		return 0;
	}
	int bad = ferror(o->f);
	if (fclose(o->f) != 0 || bad) {
		snprintf(err, errlen, "cannot write '%s': %s", o->path, strerror(errno ? errno : EIO));
		unlink(o->tmp_path);
		release(o);
		return -1;
	}
	if (rename(o->tmp_path, o->path) != 0) {
		snprintf(err, errlen, "cannot write '%s': %s", o->path, strerror(errno));
		unlink(o->tmp_path);
		release(o);
		return -1;
	}
	release(o);
	return 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->direct)
		fclose(o->f);
	if (o->path) {
		fclose(o->f);
		unlink(o->tmp_path);
	}
	release(o);
}
