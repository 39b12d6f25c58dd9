/* external.c: tensor data kept outside the model file.
 *
 * A TensorProto with data_location EXTERNAL names its bytes with key/value
 * pairs (onnx.proto): "location" (a path relative to the model's folder),
 * "offset" and "length" (decimal byte counts; without length the data runs to
 * the end of the file). The bytes are raw_data in all but name.
 *
 * A model must not make the compiler read arbitrary files, so the location
 * may not be absolute, may not contain a '..' component, and must resolve
 * (symbolic links followed, by realpath) to a file inside the model's folder.
 * Offset and length are checked against the file's size, and the length
 * against what the tensor's dims need, before anything is allocated.
 */
#define _XOPEN_SOURCE 700 /* realpath */

#include "internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct location {
	const char *path;
	uint64_t offset, length;
	bool has_length;
};

/* Strict decimal: digits only, no sign, no overflow. */
static bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		unsigned d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static int parse_keys(const Onnx__TensorProto *t, const char *what, struct location *loc,
		      char *err, size_t errlen)
{
	memset(loc, 0, sizeof *loc);
	for (size_t i = 0; i < t->n_external_data; i++) {
		const char *key = onnx_str(t->external_data[i]->key);
		const char *value = onnx_str(t->external_data[i]->value);
		if (!strcmp(key, "location")) {
			loc->path = value;
		} else if (!strcmp(key, "offset")) {
			if (!parse_u64(value, &loc->offset))
				goto bad_number;
		} else if (!strcmp(key, "length")) {
			if (!parse_u64(value, &loc->length))
				goto bad_number;
			loc->has_length = true;
		}
		continue;
	bad_number:
		snprintf(err, errlen, "tensor '%s': external data %s '%s' is not a byte count", what,
			 key, value);
		return -1;
	}
	if (!loc->path || !*loc->path)
		return snprintf(err, errlen, "tensor '%s' has external data without a location", what), -1;
	return 0;
}

static bool has_dotdot(const char *path)
{
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return true;
		p += n;
		while (*p == '/')
			p++;
	}
	return false;
}

/* The resolved path of loc inside dir, malloc'd, or NULL after an error. */
static char *resolve(const char *dir, const char *location, const char *what, char *err, size_t errlen)
{
	char *path = NULL, *real_dir = NULL, *real_file = NULL;
	if (location[0] == '/') {
		snprintf(err, errlen, "tensor '%s': external data path '%s' is absolute", what, location);
		goto fail;
	}
	if (has_dotdot(location)) {
		snprintf(err, errlen, "tensor '%s': external data path '%s' leaves the model's folder",
			 what, location);
		goto fail;
	}
	size_t n = strlen(dir) + strlen(location) + 2;
	path = malloc(n);
	if (!path)
		abort();
	snprintf(path, n, "%s/%s", dir, location);
	real_dir = realpath(dir, NULL);
	real_file = realpath(path, NULL);
	if (!real_dir || !real_file) {
		snprintf(err, errlen, "tensor '%s': cannot open external data '%s': %s", what, location,
			 strerror(errno));
		goto fail;
	}
	size_t dn = strlen(real_dir);
	bool inside = !strncmp(real_file, real_dir, dn) &&
		      (real_file[dn] == '/' || (dn == 1 && real_dir[0] == '/'));
	if (!inside) {
		snprintf(err, errlen, "tensor '%s': external data path '%s' leaves the model's folder",
			 what, location);
		goto fail;
	}
	free(path);
	free(real_dir);
	return real_file;
fail:
	free(path);
	free(real_dir);
	free(real_file);
	return NULL;
}

/* Checks offset and length against the file size and the bytes wanted. */
static int check_extent(struct location *loc, uint64_t size, uint64_t want, const char *what,
			char *err, size_t errlen)
{
	if (loc->offset > size)
		return snprintf(err, errlen, "tensor '%s': external data offset %llu is past the end of '%s' (%llu bytes)",
				what, (unsigned long long)loc->offset, loc->path,
				(unsigned long long)size), -1;
	if (!loc->has_length)
		loc->length = size - loc->offset;
	if (loc->length > size - loc->offset)
		return snprintf(err, errlen, "tensor '%s': external data (offset %llu, length %llu) runs past the end of '%s' (%llu bytes)",
				what, (unsigned long long)loc->offset, (unsigned long long)loc->length,
				loc->path, (unsigned long long)size), -1;
	if (loc->length != want)
		return snprintf(err, errlen, "tensor '%s' has %llu bytes of external data, its dims need %llu",
				what, (unsigned long long)loc->length, (unsigned long long)want), -1;
	return 0;
}

uint8_t *onnx_external_read(const Onnx__TensorProto *t, const char *what, const char *dir,
			    uint64_t want, char *err, size_t errlen)
{
	struct location loc;
	char *real = NULL;
	FILE *f = NULL;
	uint8_t *buf = NULL;
	if (parse_keys(t, what, &loc, err, errlen) < 0)
		goto fail;
	real = resolve(dir, loc.path, what, err, errlen);
	if (!real)
		goto fail;
	/* Only a regular file: opening a named pipe would wait for a writer forever. */
	struct stat st;
	if (stat(real, &st) == 0 && S_ISREG(st.st_mode))
		f = fopen(real, "rb");
	if (!f || fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "tensor '%s': external data '%s' is not a readable file", what,
			 loc.path);
		goto fail;
	}
	if (check_extent(&loc, (uint64_t)st.st_size, want, what, err, errlen) < 0)
		goto fail;
	buf = malloc((size_t)want + 1);
	if (!buf)
		abort();
	if (fseeko(f, (off_t)loc.offset, SEEK_SET) < 0 || fread(buf, 1, (size_t)want, f) != want) {
		snprintf(err, errlen, "tensor '%s': cannot read external data '%s'", what, loc.path);
		goto fail;
	}
	fclose(f);
	free(real);
	return buf;
fail:
	free(buf);
	if (f)
		fclose(f);
	free(real);
	return NULL;
}
