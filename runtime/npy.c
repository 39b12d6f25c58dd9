/* npy.c: NumPy .npy files (see npy.h).
 *
 * Reading goes in three steps shared by files and memory buffers: the
 * preamble (magic, version, header length), the header dict, and the data,
 * whose length must match the header exactly. The header grammar accepted is
 * the subset of Python literals numpy writes, in any key order:
 *
 *     header := '{' entry (',' entry)* [','] '}' whitespace*
 *     entry  := key ':' value        -- each of the three keys exactly once
 *     'descr': string                -- '<f4', '|b1', '>i8', ...
 *     'fortran_order': True | False  -- only False is supported
 *     'shape': '(' ')' | '(' int ',' ')' | '(' int (',' int)+ [','] ')'
 *
 * with strings in single or double quotes (no escapes) and integers in
 * decimal, optionally with Python 2's 'L' suffix.
 *
 * POSIX: open, link, rename, fstat; on Linux O_TMPFILE and linkat through
 * /proc/self/fd (see "atomic replacement" below).
 */
#define _GNU_SOURCE /* O_TMPFILE */
#include "npy.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char MAGIC[6] = "\x93NUMPY";

/* One row per dtype: the descr written, and its type code and size as they
 * appear in a descr after the byte-order character. */
static const struct {
	const char *descr;
	const char *code;
	size_t size;
} DTYPES[QRT_DTYPE_COUNT] = {
	[QRT_F32] = {"<f4", "f4", 4},  [QRT_F64] = {"<f8", "f8", 8},
	[QRT_I8] = {"|i1", "i1", 1},   [QRT_I16] = {"<i2", "i2", 2},
	[QRT_I32] = {"<i4", "i4", 4},  [QRT_I64] = {"<i8", "i8", 8},
	[QRT_U8] = {"|u1", "u1", 1},   [QRT_U16] = {"<u2", "u2", 2},
	[QRT_U32] = {"<u4", "u4", 4},  [QRT_U64] = {"<u8", "u8", 8},
	[QRT_BOOL] = {"|b1", "b1", 1},
};

/* What the header says. */
struct npy_meta {
	enum qrt_dtype dtype;
	bool swap; /* data is in the other byte order than the host's */
	int rank;
	int64_t dims[QRT_MAX_RANK];
	size_t nbytes;
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		for (char *p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	return -1;
}

static bool host_little_endian(void)
{
	const uint16_t one = 1;
	unsigned char first;
	memcpy(&first, &one, 1);
	return first == 1;
}

static void swap_bytes(void *data, size_t nbytes, size_t size)
{
	unsigned char *p = data;
	for (size_t i = 0; i + size <= nbytes; i += size)
		for (size_t a = i, b = i + size - 1; a < b; a++, b--) {
			unsigned char t = p[a];
			p[a] = p[b];
			p[b] = t;
		}
}

size_t qrt_dtype_size(enum qrt_dtype t)
{
	return (unsigned)t < QRT_DTYPE_COUNT ? DTYPES[t].size : 0;
}

const char *qrt_dtype_descr(enum qrt_dtype t)
{
	return (unsigned)t < QRT_DTYPE_COUNT ? DTYPES[t].descr : "?";
}

int64_t qrt_array_numel(const struct qrt_array *a)
{
	int64_t n = 1;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] == 0)
			return 0; /* even when the other dims multiply past int64 */
	for (int i = 0; i < a->rank; i++)
		n *= a->dims[i];
	return n;
}

double qrt_array_get(const struct qrt_array *a, int64_t i)
{
	const void *p = a->data;
	switch (a->dtype) {
	case QRT_F32: return ((const float *)p)[i];
	case QRT_F64: return ((const double *)p)[i];
	case QRT_I8: return ((const int8_t *)p)[i];
	case QRT_I16: return ((const int16_t *)p)[i];
	case QRT_I32: return ((const int32_t *)p)[i];
	case QRT_I64: return (double)((const int64_t *)p)[i];
	case QRT_U8: return ((const uint8_t *)p)[i];
	case QRT_U16: return ((const uint16_t *)p)[i];
	case QRT_U32: return ((const uint32_t *)p)[i];
	case QRT_U64: return (double)((const uint64_t *)p)[i];
	case QRT_BOOL: return ((const uint8_t *)p)[i] != 0;
	case QRT_DTYPE_COUNT: break;
	}
	return 0;
}

void qrt_array_free(struct qrt_array *a)
{
	free(a->data);
	memset(a, 0, sizeof *a);
}

/* Checked byte size of an array of the given dims and element size; -1 on
 * a negative dim or overflow of int64_t or size_t. A zero dim makes the array
 * empty whatever the other dims are. */
static int array_bytes(int rank, const int64_t *dims, size_t elem_size, size_t *nbytes)
{
	int64_t n = 1;
	for (int i = 0; i < rank; i++)
		if (dims[i] <= 0) {
			if (dims[i] < 0)
				return -1;
			n = 0;
		}
	for (int i = 0; i < rank && n; i++) {
		if (n > INT64_MAX / dims[i])
			return -1;
		n *= dims[i];
	}
	if ((uint64_t)n > SIZE_MAX / elem_size)
		return -1;
	*nbytes = (size_t)n * elem_size;
	return 0;
}

/* ---- the preamble --------------------------------------------------------- */

/* Parses the n bytes at p (n may be short): sets the header's offset and
 * length. */
static int parse_preamble(const unsigned char *p, size_t n, size_t *hoff, size_t *hlen,
			  char *err, size_t errlen)
{
	if (n < sizeof MAGIC || memcmp(p, MAGIC, sizeof MAGIC))
		return fail(err, errlen, "not a .npy file (no \\x93NUMPY magic string)");
	if (n < 8)
		return fail(err, errlen, "file ends inside the .npy preamble");
	if (p[6] < 1 || p[6] > 3 || p[7] != 0)
		return fail(err, errlen, "unsupported .npy format version %u.%u", p[6], p[7]);
	size_t width = p[6] == 1 ? 2 : 4;
	if (n < 8 + width)
		return fail(err, errlen, "file ends inside the .npy preamble");
	uint32_t len = 0;
	for (size_t i = width; i > 0; i--)
		len = len << 8 | p[8 + i - 1];
	if (len > QRT_NPY_MAX_HEADER)
		return fail(err, errlen, "header length %lu exceeds the limit of %u bytes",
			    (unsigned long)len, QRT_NPY_MAX_HEADER);
	*hoff = 8 + width;
	*hlen = len;
	return 0;
}

/* ---- the header dict ------------------------------------------------------ */

struct cursor {
	const char *start, *p, *end;
	char *err;
	size_t errlen;
};

static void skip_space(struct cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int syntax(struct cursor *c, const char *expected)
{
	return fail(c->err, c->errlen, "malformed .npy header at byte %ld: expected %s",
		    (long)(c->p - c->start), expected);
}

/* Skips blanks, then consumes ch if it is next. */
static bool accept(struct cursor *c, char ch)
{
	skip_space(c);
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

/* A quoted string without escapes into out (NUL-terminated, < cap). */
static int parse_string(struct cursor *c, char *out, size_t cap, const char *what)
{
	skip_space(c);
	if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
		return syntax(c, what);
	char quote = *c->p++;
	size_t n = 0;
	while (c->p < c->end && *c->p != quote) {
		if (*c->p == '\\' || *c->p == '\n' || n + 1 >= cap)
			return syntax(c, what);
		out[n++] = *c->p++;
	}
	if (c->p >= c->end)
		return syntax(c, "a closing quote");
	c->p++;
	out[n] = 0;
	return 0;
}

static bool accept_word(struct cursor *c, const char *word)
{
	size_t n = strlen(word);
	skip_space(c);
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n))
		return false;
	c->p += n;
	return true;
}

/* A non-negative decimal integer (optionally with an 'L' suffix). */
static int parse_dim(struct cursor *c, int64_t *out)
{
	skip_space(c);
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return syntax(c, "a dimension");
	int64_t v = 0;
	while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
		int d = *c->p++ - '0';
		if (v > (INT64_MAX - d) / 10)
			return fail(c->err, c->errlen, "shape dimension too large");
		v = v * 10 + d;
	}
	if (c->p < c->end && *c->p == 'L')
		c->p++;
	*out = v;
	return 0;
}

/* '(' ')' | '(' dim ',' ')' | '(' dim (',' dim)+ [','] ')' */
static int parse_shape(struct cursor *c, struct npy_meta *meta)
{
	if (!accept(c, '('))
		return syntax(c, "'(' starting the shape tuple");
	meta->rank = 0;
	if (accept(c, ')'))
		return 0;
	for (;;) {
		if (meta->rank == QRT_MAX_RANK)
			return fail(c->err, c->errlen, "shape has more than %d dimensions",
				    QRT_MAX_RANK);
		if (parse_dim(c, &meta->dims[meta->rank++]) < 0)
			return -1;
		bool comma = accept(c, ',');
		if (accept(c, ')')) {
			if (meta->rank == 1 && !comma)
				return syntax(c, "',' in a one-element shape tuple");
			return 0;
		}
		if (!comma)
			return syntax(c, "',' or ')' in the shape tuple");
	}
}

/* descr: byte order ('<', '>', '=', '|' or none for native), then a type
 * code of DTYPES. */
static int parse_descr(struct cursor *c, struct npy_meta *meta)
{
	char descr[32];
	skip_space(c);
	if (c->p < c->end && (*c->p == '[' || *c->p == '{'))
		return fail(c->err, c->errlen, "structured dtypes are not supported");
	if (parse_string(c, descr, sizeof descr, "the dtype string of 'descr'") < 0)
		return -1;
	const char *code = descr;
	char order = '=';
	if (*code && strchr("<>=|", *code))
		order = *code++;
	for (int t = 0; t < QRT_DTYPE_COUNT; t++) {
		if (strcmp(code, DTYPES[t].code))
			continue;
		bool little = order == '<' || ((order == '=' || order == '|') && host_little_endian());
		meta->dtype = (enum qrt_dtype)t;
		meta->swap = DTYPES[t].size > 1 && little != host_little_endian();
		return 0;
	}
	return fail(c->err, c->errlen,
		    "unsupported dtype '%s' (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1)", descr);
}

static int parse_fortran_order(struct cursor *c)
{
	if (accept_word(c, "False"))
		return 0;
	if (accept_word(c, "True"))
		return fail(c->err, c->errlen,
			    "Fortran-order arrays are not supported (save in C order)");
	return syntax(c, "True or False for 'fortran_order'");
}

static int parse_entry(struct cursor *c, struct npy_meta *meta, unsigned *seen)
{
	static const char *const keys[] = {"descr", "fortran_order", "shape"};
	char key[32];
	if (parse_string(c, key, sizeof key, "a quoted key") < 0)
		return -1;
	int k = 0;
	while (k < 3 && strcmp(key, keys[k]))
		k++;
	if (k == 3)
		return fail(c->err, c->errlen, "unexpected key '%s' in the .npy header", key);
	if (*seen & (1u << k))
		return fail(c->err, c->errlen, "key '%s' appears twice in the .npy header", key);
	*seen |= 1u << k;
	if (!accept(c, ':'))
		return syntax(c, "':' after a key");
	switch (k) {
	case 0: return parse_descr(c, meta);
	case 1: return parse_fortran_order(c);
	default: return parse_shape(c, meta);
	}
}

static int parse_header(const char *h, size_t n, struct npy_meta *meta, char *err, size_t errlen)
{
	struct cursor c = {h, h, h + n, err, errlen};
	unsigned seen = 0;
	memset(meta, 0, sizeof *meta);
	if (!accept(&c, '{'))
		return syntax(&c, "'{' starting the header dict");
	while (!accept(&c, '}')) {
		if (parse_entry(&c, meta, &seen) < 0)
			return -1;
		if (!accept(&c, ',')) {
			if (!accept(&c, '}'))
				return syntax(&c, "',' or '}' in the header dict");
			break;
		}
	}
	skip_space(&c);
	if (c.p != c.end)
		return syntax(&c, "only blanks after the header dict");
	if (seen != 7)
		return fail(err, errlen, "the .npy header lacks key '%s'",
			    !(seen & 1) ? "descr" : !(seen & 2) ? "fortran_order" : "shape");
	if (array_bytes(meta->rank, meta->dims, DTYPES[meta->dtype].size, &meta->nbytes) < 0)
		return fail(err, errlen, "the shape in the .npy header is too large");
	return 0;
}

/* ---- reading -------------------------------------------------------------- */

static void fill_array(struct qrt_array *a, const struct npy_meta *meta, void *data)
{
	memset(a, 0, sizeof *a);
	a->dtype = meta->dtype;
	a->rank = meta->rank;
	memcpy(a->dims, meta->dims, sizeof a->dims);
	if (meta->swap)
		swap_bytes(data, meta->nbytes, DTYPES[meta->dtype].size);
	a->data = data;
}

static int data_length_error(char *err, size_t errlen, uint64_t have, size_t want)
{
	if (have < want)
		return fail(err, errlen, "the data is only %llu bytes, the header says %zu",
			    (unsigned long long)have, want);
	return fail(err, errlen, "the data is %llu bytes, more than the %zu the header says",
		    (unsigned long long)have, want);
}

int qrt_npy_read_mem(const void *buf, size_t len, struct qrt_array *a, char *err,
		     size_t errlen)
{
	const unsigned char *p = buf;
	size_t hoff, hlen;
	struct npy_meta meta;
	memset(a, 0, sizeof *a);
	if (parse_preamble(p, len, &hoff, &hlen, err, errlen) < 0)
		return -1;
	if (len - hoff < hlen)
		return fail(err, errlen, "file ends inside the .npy header");
	if (parse_header((const char *)p + hoff, hlen, &meta, err, errlen) < 0)
		return -1;
	size_t have = len - hoff - hlen;
	if (have != meta.nbytes)
		return data_length_error(err, errlen, have, meta.nbytes);
	void *data = malloc(meta.nbytes ? meta.nbytes : 1);
	if (!data)
		return fail(err, errlen, "out of memory for %zu bytes of data", meta.nbytes);
	memcpy(data, p + hoff + hlen, meta.nbytes);
	fill_array(a, &meta, data);
	return 0;
}

/* Reads the preamble and the header of f into meta. */
static int read_head(FILE *f, struct npy_meta *meta, size_t *data_off, char *err, size_t errlen)
{
	unsigned char pre[12];
	size_t got = fread(pre, 1, 10, f), hoff, hlen;
	if (got == 10 && pre[6] >= 2)
		got += fread(pre + 10, 1, 2, f); /* 4-byte header length */
	if (ferror(f))
		return fail(err, errlen, "read error: %s", strerror(errno));
	if (parse_preamble(pre, got, &hoff, &hlen, err, errlen) < 0)
		return -1;
	char *h = malloc(hlen + 1);
	if (!h)
		return fail(err, errlen, "out of memory for the .npy header");
	int rc = -1;
	if (fread(h, 1, hlen, f) != hlen)
		fail(err, errlen, "file ends inside the .npy header");
	else
		rc = parse_header(h, hlen, meta, err, errlen);
	*data_off = hoff + hlen;
	free(h);
	return rc;
}

int qrt_npy_read(const char *path, struct qrt_array *a, char *err, size_t errlen)
{
	struct npy_meta meta;
	size_t data_off = 0;
	void *data = NULL;
	memset(a, 0, sizeof *a);
	FILE *f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, "cannot open: %s", strerror(errno));
	if (read_head(f, &meta, &data_off, err, errlen) < 0)
		goto fail;
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode)) {
		/* Check the length before allocating what the header claims. */
		uint64_t size = (uint64_t)st.st_size;
		uint64_t have = size > data_off ? size - data_off : 0;
		if (have != meta.nbytes) {
			data_length_error(err, errlen, have, meta.nbytes);
			goto fail;
		}
	}
	data = malloc(meta.nbytes ? meta.nbytes : 1);
	if (!data) {
		fail(err, errlen, "out of memory for %zu bytes of data", meta.nbytes);
		goto fail;
	}
	size_t got = fread(data, 1, meta.nbytes, f);
	if (ferror(f)) {
		fail(err, errlen, "read error: %s", strerror(errno));
		goto fail;
	}
	if (got != meta.nbytes) {
		data_length_error(err, errlen, got, meta.nbytes);
		goto fail;
	}
	if (fgetc(f) != EOF) {
		fail(err, errlen, "the data is longer than the %zu bytes the header says",
		     meta.nbytes);
		goto fail;
	}
	fclose(f);
	fill_array(a, &meta, data);
	return 0;
fail:
	free(data);
	fclose(f);
	return -1;
}

/* ---- writing -------------------------------------------------------------- */

static int check_array(const struct qrt_array *a, size_t *nbytes)
{
	if ((unsigned)a->dtype >= QRT_DTYPE_COUNT || a->rank < 0 || a->rank > QRT_MAX_RANK)
		return -1;
	if (array_bytes(a->rank, a->dims, DTYPES[a->dtype].size, nbytes) < 0)
		return -1;
	return *nbytes && !a->data ? -1 : 0;
}

/* Preamble and header of a version 1.0 file into buf; returns its length, a
 * multiple of 64. */
static size_t format_head(const struct qrt_array *a, char *buf, size_t cap)
{
	char shape[QRT_MAX_RANK * 24 + 8];
	size_t n = 0;
	shape[0] = 0;
	for (int i = 0; i < a->rank; i++)
		n += (size_t)snprintf(shape + n, sizeof shape - n, "%s%lld", i ? ", " : "",
				      (long long)a->dims[i]);
	if (a->rank == 1)
		snprintf(shape + n, sizeof shape - n, ",");
	int len = snprintf(buf + 10, cap - 10,
			   "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }",
			   DTYPES[a->dtype].descr, shape);
	size_t total = 10 + (size_t)len + 1;
	size_t padded = (total + 63) / 64 * 64;
	memset(buf + 10 + len, ' ', padded - total);
	buf[padded - 1] = '\n';
	size_t hlen = padded - 10;
	memcpy(buf, MAGIC, sizeof MAGIC);
	buf[6] = 1;
	buf[7] = 0;
	buf[8] = (char)(hlen & 0xff);
	buf[9] = (char)(hlen >> 8);
	return padded;
}

/* The data in little-endian order. */
static int write_data(FILE *f, const struct qrt_array *a, size_t nbytes)
{
	size_t size = DTYPES[a->dtype].size;
	if (nbytes == 0)
		return 0; /* data may be NULL */
	if (host_little_endian() || size == 1)
		return fwrite(a->data, 1, nbytes, f) == nbytes ? 0 : -1;
	unsigned char chunk[4096];
	for (size_t off = 0; off < nbytes; off += sizeof chunk) {
		size_t n = nbytes - off < sizeof chunk ? nbytes - off : sizeof chunk;
		memcpy(chunk, (const unsigned char *)a->data + off, n);
		swap_bytes(chunk, n, size);
		if (fwrite(chunk, 1, n, f) != n)
			return -1;
	}
	return 0;
}

/* ---- atomic replacement --------------------------------------------------- */

/* Where the file is written (see npy.h): an unnamed file (O_TMPFILE) in
 * path's folder, linked to path when complete, or else a named temporary
 * PATH.tmp-XXXXXX renamed over path; or path itself when it exists and is
 * not a regular file. */
struct target {
	FILE *f;
	char *tmp;    /* the named temporary, or NULL */
	bool unnamed; /* f is an unnamed file */
	int fd;       /* the unnamed file once f is closed, else -1 */
};

/* Replaces the trailing XXXXXX of name with characters unlikely to repeat
 * and calls make(name, arg), again while that fails with EEXIST (at most 100
 * times). Returns what make last returned. */
static int with_fresh_name(char *name, int (*make)(const char *, int), int arg)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	static uint64_t counter; /* only makes clashes rarer: a racy update is harmless */
	char *x = name + strlen(name) - 6;
	int rc = -1;
	for (int attempt = 0; attempt < 100; attempt++) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		uint64_t v = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
			     ((uint64_t)getpid() << 40) ^ (++counter * UINT64_C(0x9e3779b97f4a7c15));
		for (int i = 0; i < 6; i++, v /= 36)
			x[i] = digits[v % 36];
		rc = make(name, arg);
		if (rc >= 0 || errno != EEXIST)
			return rc;
	}
	return rc;
}

static char *tmp_template(const char *path)
{
	size_t n = strlen(path) + 16;
	char *s = malloc(n);
	if (s)
		snprintf(s, n, "%s.tmp-XXXXXX", path);
	return s;
}

/* make() for with_fresh_name: a new file, mode 0666 less the umask. */
static int create_file(const char *name, int unused)
{
	(void)unused;
	return open(name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
}

#ifdef O_TMPFILE
/* An unnamed file in path's folder, mode 0666 less the umask; -1 with errno
 * EOPNOTSUPP when /proc, needed to name it, is missing. */
static int open_unnamed(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return -1;
	int fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0666);
	free(dir);
	if (fd < 0)
		return -1;
	char link[48];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if (access(link, F_OK) < 0) {
		close(fd);
		errno = EOPNOTSUPP;
		return -1;
	}
	return fd;
}

/* make() for with_fresh_name: the unnamed file fd under name. */
static int link_unnamed(const char *name, int fd)
{
	char link[48];
	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	return linkat(AT_FDCWD, link, AT_FDCWD, name, AT_SYMLINK_FOLLOW);
}

/* Names the unnamed file fd path, replacing the file there if any. */
static int name_unnamed(int fd, const char *path)
{
	if (link_unnamed(path, fd) == 0)
		return 0;
	char *tmp = errno == EEXIST ? tmp_template(path) : NULL;
	if (!tmp)
		return -1;
	int rc = with_fresh_name(tmp, link_unnamed, fd);
	if (rc == 0 && rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		errno = e;
		rc = -1;
	}
	free(tmp);
	return rc;
}
#else
static int open_unnamed(const char *path)
{
	(void)path;
	errno = EOPNOTSUPP;
	return -1;
}

static int name_unnamed(int fd, const char *path)
{
	(void)fd, (void)path;
	errno = EOPNOTSUPP;
	return -1;
}
#endif

/* Opens t->f for path: 0, or -1 with errno. */
static int open_target(const char *path, struct target *t)
{
	struct stat st;
	memset(t, 0, sizeof *t);
	t->fd = -1;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return (t->f = fopen(path, "wb")) ? 0 : -1;
	int fd = open_unnamed(path);
	t->unnamed = fd >= 0;
	int e = errno;
	if (fd < 0 && (e == EOPNOTSUPP || e == ENOTSUP || e == EISDIR || e == EINVAL || e == ENOSYS)) {
		/* no unnamed files here: a named temporary */
		if (!(t->tmp = tmp_template(path)))
			return -1;
		fd = with_fresh_name(t->tmp, create_file, 0);
		if (fd < 0) {
			free(t->tmp);
			t->tmp = NULL;
		}
	}
	if (fd < 0)
		return -1;
	if ((t->f = fdopen(fd, "wb")))
		return 0;
	e = errno;
	close(fd);
	if (t->tmp)
		unlink(t->tmp);
	free(t->tmp);
	t->tmp = NULL;
	errno = e;
	return -1;
}

/* Closes t->f (bad: the writing already failed) and, if all went well, puts
 * the file in place of path: 0, or -1 with errno. Nothing is left behind. */
static int close_target(struct target *t, const char *path, bool bad)
{
	int e = errno;
	if (!bad && t->unnamed && (t->fd = fcntl(fileno(t->f), F_DUPFD_CLOEXEC, 0)) < 0) {
		bad = true;
		e = errno;
	}
	if (fclose(t->f) != 0 && !bad) {
		bad = true;
		e = errno;
	}
	if (!bad && t->fd >= 0 && name_unnamed(t->fd, path) < 0) {
		bad = true;
		e = errno;
	}
	if (!bad && t->tmp && rename(t->tmp, path) != 0) {
		bad = true;
		e = errno;
	}
	if (t->fd >= 0)
		close(t->fd);
	if (bad && t->tmp)
		unlink(t->tmp);
	free(t->tmp);
	errno = e;
	return bad ? -1 : 0;
}

int qrt_npy_write(const char *path, const struct qrt_array *a, char *err, size_t errlen)
{
	size_t nbytes;
	char head[512];
	struct target t;
	if (check_array(a, &nbytes) < 0)
		return fail(err, errlen, "cannot write '%s': invalid array (dtype, rank or shape)",
			    path);
	size_t hsize = format_head(a, head, sizeof head);
	errno = 0;
	if (open_target(path, &t) < 0)
		return fail(err, errlen, "cannot write '%s': %s", path,
			    strerror(errno ? errno : EIO));
	errno = 0;
	bool bad = fwrite(head, 1, hsize, t.f) != hsize || write_data(t.f, a, nbytes) < 0;
	if (close_target(&t, path, bad) < 0)
		return fail(err, errlen, "cannot write '%s': %s", path,
			    strerror(errno ? errno : EIO));
	return 0;
}
