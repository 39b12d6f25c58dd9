/* load.c: reading a model or tensor file into memory whole.
 *
 * protobuf-c parses from one buffer, so the file is read at once. A protobuf
 * message may not exceed 2 GiB (larger models keep their weights in external
 * data files, see external.c), which bounds what is read here.
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_MESSAGE = 0x7fffffff }; /* protobuf's 2 GiB limit */

int onnx_read_file(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		goto fail;
	}
	struct stat st;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto fail;
	}
	if (st.st_size == 0) {
		snprintf(err, errlen, "empty file");
		goto fail;
	}
	if (st.st_size > MAX_MESSAGE) {
		snprintf(err, errlen, "file of %lld bytes is over protobuf's 2 GiB message limit",
			 (long long)st.st_size);
		goto fail;
	}
	size_t size = (size_t)st.st_size;
	buf = malloc(size);
	if (!buf) {
		snprintf(err, errlen, "out of memory reading %zu bytes", size);
		goto fail;
	}
	if (fread(buf, 1, size, f) != size) {
		snprintf(err, errlen, "read error: %s", ferror(f) ? strerror(errno) : "file shrank");
		goto fail;
	}
	fclose(f);
	*data = buf;
	*len = size;
	return 0;
fail:
	free(buf);
	if (f)
		fclose(f);
	return -1;
}

char *onnx_dirname(const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t n = slash ? (size_t)(slash - path) : 0;
	if (slash && n == 0)
		n = 1; /* "/model.onnx" lives in "/" */
	char *dir = malloc(n ? n + 1 : 2);
	if (!dir)
		abort();
	if (!slash) {
		strcpy(dir, ".");
		return dir;
	}
	memcpy(dir, path, n);
	dir[n] = 0;
	return dir;
}
