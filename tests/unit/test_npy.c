/* test_npy.c: runtime/npy.{h,c}, the .npy reader and writer.
 *
 * Round trips of every dtype at ranks 0 to 4 through a temporary directory;
 * the exact bytes of a written header; hand-made version 1.0, 2.0 and 3.0
 * files with headers in the spellings numpy and older writers use; and
 * hostile input (truncation, bad magic, absurd header lengths, Fortran order,
 * unknown dtypes, overflowing shapes, data of the wrong length), which must
 * be rejected with a one-line message and never crash. Byte images of the
 * hand-made files are written out here, little-endian, from the format's
 * definition (numpy/lib/format.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/npy.h"

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/test_npy.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		char p[512];
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(p, sizeof p, "%s/%s", tmpdir, e->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(tmpdir);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* Number of entries in tmpdir whose name contains s. */
static int count_files(const char *s)
{
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, s) != NULL;
	closedir(d);
	return n;
}

/* A .npy image: magic, version major.0, the header length (2 bytes for
 * version 1, 4 otherwise), the header text exactly as given, then data. */
static size_t make_npy(unsigned char *out, int major, const char *header, const void *data,
		       size_t ndata)
{
	size_t hlen = strlen(header), n = 0;
	memcpy(out, "\x93NUMPY", 6);
	out[6] = (unsigned char)major;
	out[7] = 0;
	n = 8;
	out[n++] = hlen & 0xff;
	out[n++] = (hlen >> 8) & 0xff;
	if (major != 1) {
		out[n++] = (hlen >> 16) & 0xff;
		out[n++] = (hlen >> 24) & 0xff;
	}
	memcpy(out + n, header, hlen);
	n += hlen;
	if (ndata)
		memcpy(out + n, data, ndata);
	return n + ndata;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(p, 1, n, f), n);
	assert_int_equal(fclose(f), 0);
}

static void read_ok(const void *buf, size_t len, struct qrt_array *a)
{
	char err[256] = "";
	int rc = qrt_npy_read_mem(buf, len, a, err, sizeof err);
	if (rc != 0)
		fail_msg("rejected a valid file: %s", err);
}

/* The buffer must be rejected with a one-line message containing needle. */
static void expect_reject(const void *buf, size_t len, const char *needle)
{
	struct qrt_array a;
	char err[256] = "";
	assert_int_equal(qrt_npy_read_mem(buf, len, &a, err, sizeof err), -1);
	assert_null(a.data);
	assert_true(err[0] != 0);
	assert_null(strchr(err, '\n'));
	if (needle && !strstr(err, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", err, needle);
}

static void expect_reject_header(int major, const char *header, size_t ndata, const char *needle)
{
	static unsigned char buf[4096], zeros[256];
	assert_true(ndata <= sizeof zeros);
	size_t n = make_npy(buf, major, header, zeros, ndata);
	expect_reject(buf, n, needle);
}

/* ---- round trips ------------------------------------------------------------ */

/* Element i of the test pattern for dtype t, stored into p. Every value is
 * exactly representable in t and as a double. */
static double pattern(enum qrt_dtype t, int64_t i, void *p)
{
	int64_t k = i % 100 - 50; /* -50..49 */
	switch (t) {
	case QRT_F32: ((float *)p)[i] = (float)k * 0.5f; return (double)k * 0.5;
	case QRT_F64: ((double *)p)[i] = (double)k * 0.25; return (double)k * 0.25;
	case QRT_I8: ((int8_t *)p)[i] = (int8_t)k; return (double)k;
	case QRT_I16: ((int16_t *)p)[i] = (int16_t)(k * 300); return (double)(k * 300);
	case QRT_I32: ((int32_t *)p)[i] = (int32_t)(k * 40000); return (double)(k * 40000);
	case QRT_I64: ((int64_t *)p)[i] = k * ((int64_t)1 << 40); return (double)k * 1099511627776.0;
	case QRT_U8: ((uint8_t *)p)[i] = (uint8_t)(k + 200); return (double)(k + 200);
	case QRT_U16: ((uint16_t *)p)[i] = (uint16_t)(k + 60000); return (double)(k + 60000);
	case QRT_U32: ((uint32_t *)p)[i] = (uint32_t)(k + 4000000000); return (double)(k + 4000000000);
	case QRT_U64:
		((uint64_t *)p)[i] = ((uint64_t)1 << 63) + ((uint64_t)(k + 50) << 20);
		return 9223372036854775808.0 + (double)((k + 50) << 20);
	case QRT_BOOL: ((uint8_t *)p)[i] = i % 3 == 0; return i % 3 == 0;
	default: break;
	}
	fail();
	return 0;
}

static void roundtrip(enum qrt_dtype t, int rank, const int64_t *dims)
{
	struct qrt_array a = {.dtype = t, .rank = rank}, b;
	char path[128], err[256] = "";
	int64_t n = 1;
	for (int i = 0; i < rank; i++) {
		a.dims[i] = dims[i];
		n *= dims[i];
	}
	assert_int_equal(qrt_array_numel(&a), n);
	size_t bytes = (size_t)n * qrt_dtype_size(t);
	a.data = calloc(1, bytes + 1);
	double *expect = calloc((size_t)n + 1, sizeof *expect);
	assert_non_null(a.data);
	assert_non_null(expect);
	for (int64_t i = 0; i < n; i++)
		expect[i] = pattern(t, i, a.data);

	snprintf(path, sizeof path, "%s/rt_%d_%d.npy", tmpdir, (int)t, rank);
	if (qrt_npy_write(path, &a, err, sizeof err) != 0)
		fail_msg("write failed: %s", err);
	if (qrt_npy_read(path, &b, err, sizeof err) != 0)
		fail_msg("read back failed: %s", err);
	assert_int_equal(b.dtype, t);
	assert_int_equal(b.rank, rank);
	for (int i = 0; i < rank; i++)
		assert_int_equal(b.dims[i], dims[i]);
	assert_non_null(b.data);
	if (bytes)
		assert_memory_equal(b.data, a.data, bytes);
	for (int64_t i = 0; i < n; i++)
		if (qrt_array_get(&b, i) != expect[i])
			fail_msg("dtype %s element %lld: got %.17g, expected %.17g",
				 qrt_dtype_descr(t), (long long)i, qrt_array_get(&b, i), expect[i]);

	/* The file is a multiple of 64 bytes of header plus the data. */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(((size_t)st.st_size - bytes) % 64, 0);
	unlink(path);
	qrt_array_free(&b);
	assert_null(b.data);
	free(a.data);
	free(expect);
}

static void test_roundtrip_every_dtype_and_rank(void **state)
{
	(void)state;
	static const int64_t shapes[5][4] = {{0}, {5}, {2, 3}, {2, 1, 3}, {1, 2, 3, 2}};
	for (int t = 0; t < QRT_DTYPE_COUNT; t++)
		for (int rank = 0; rank <= 4; rank++)
			roundtrip((enum qrt_dtype)t, rank, shapes[rank]);
	assert_int_equal(count_files(".npy"), 0);
}

static void test_roundtrip_empty_and_rank8(void **state)
{
	(void)state;
	static const int64_t empty[2] = {0, 3};
	static const int64_t eight[8] = {1, 2, 1, 2, 1, 2, 1, 3};
	roundtrip(QRT_F32, 2, empty);
	roundtrip(QRT_I64, 8, eight);
}

static void test_dtype_sizes(void **state)
{
	(void)state;
	static const size_t sizes[QRT_DTYPE_COUNT] = {
		[QRT_F32] = 4, [QRT_F64] = 8, [QRT_I8] = 1, [QRT_I16] = 2, [QRT_I32] = 4,
		[QRT_I64] = 8, [QRT_U8] = 1, [QRT_U16] = 2, [QRT_U32] = 4, [QRT_U64] = 8,
		[QRT_BOOL] = 1,
	};
	for (int t = 0; t < QRT_DTYPE_COUNT; t++)
		assert_int_equal(qrt_dtype_size((enum qrt_dtype)t), sizes[t]);
	struct qrt_array scalar = {.dtype = QRT_F32, .rank = 0};
	assert_int_equal(qrt_array_numel(&scalar), 1);
}

/* ---- the bytes written ------------------------------------------------------ */

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	static unsigned char buf[8192];
	*n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	return buf;
}

/* Header text as numpy writes it: the dict, spaces, '\n', so that the
 * preamble (10 bytes) plus header is a multiple of 64. */
static void check_header(const struct qrt_array *a, const char *dict, size_t total)
{
	char path[128], err[256];
	size_t n;
	tmp_path(path, sizeof path, "header.npy");
	assert_int_equal(qrt_npy_write(path, a, err, sizeof err), 0);
	unsigned char *p = slurp(path, &n);
	assert_memory_equal(p, "\x93NUMPY\x01\x00", 8);
	size_t hlen = p[8] | (size_t)p[9] << 8;
	assert_int_equal(10 + hlen, total);
	assert_memory_equal(p + 10, dict, strlen(dict));
	for (size_t i = 10 + strlen(dict); i < total - 1; i++)
		assert_int_equal(p[i], ' ');
	assert_int_equal(p[total - 1], '\n');
	assert_int_equal(n, total + (size_t)qrt_array_numel(a) * qrt_dtype_size(a->dtype));
	unlink(path);
}

static void test_written_header_bytes(void **state)
{
	(void)state;
	float f6[6] = {0, 1, 2, 3, 4, 5};
	/* 59 characters of dict + '\n' + 10 bytes of preamble = 70 -> 128 */
	struct qrt_array a = {.dtype = QRT_F32, .rank = 2, .dims = {2, 3}, .data = f6};
	check_header(&a, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 128);
	/* rank 1 needs the tuple's trailing comma */
	struct qrt_array b = {.dtype = QRT_U8, .rank = 1, .dims = {5}, .data = f6};
	check_header(&b, "{'descr': '|u1', 'fortran_order': False, 'shape': (5,), }", 128);
	/* rank 0 is the empty tuple: 55 + 1 + 10 = 66 -> 128 */
	struct qrt_array c = {.dtype = QRT_BOOL, .rank = 0, .data = f6};
	check_header(&c, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }", 128);
	struct qrt_array d = {.dtype = QRT_I64, .rank = 1, .dims = {0}, .data = NULL};
	check_header(&d, "{'descr': '<i8', 'fortran_order': False, 'shape': (0,), }", 128);
	/* 7 dims of 13 digits and a zero: the dict is 161 characters, 172 -> 192;
	 * the element count is 0 although the other dims overflow int64 */
	struct qrt_array e = {.dtype = QRT_F64, .rank = 8, .data = NULL,
			      .dims = {1000000000000, 1000000000000, 1000000000000, 1000000000000, 0,
				       1000000000000, 1000000000000, 1000000000000}};
	check_header(&e,
		     "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000, "
		     "1000000000000, 1000000000000, 1000000000000, 0, 1000000000000, "
		     "1000000000000, 1000000000000), }",
		     192);
}

/* ---- hand-made files -------------------------------------------------------- */

static void test_read_v1_handmade(void **state)
{
	(void)state;
	/* int16 1, -2, 300 little-endian; keys in another order, no trailing
	 * comma, no padding */
	static const unsigned char data[] = {0x01, 0x00, 0xfe, 0xff, 0x2c, 0x01};
	unsigned char buf[512];
	size_t n = make_npy(buf, 1, "{'shape': (3,), 'fortran_order': False, 'descr': '<i2'}\n",
			    data, sizeof data);
	struct qrt_array a;
	read_ok(buf, n, &a);
	assert_int_equal(a.dtype, QRT_I16);
	assert_int_equal(a.rank, 1);
	assert_int_equal(a.dims[0], 3);
	assert_true(qrt_array_get(&a, 0) == 1);
	assert_true(qrt_array_get(&a, 1) == -2);
	assert_true(qrt_array_get(&a, 2) == 300);
	qrt_array_free(&a);

	/* The same through a file. */
	char path[128], err[256];
	tmp_path(path, sizeof path, "v1.npy");
	write_bytes(path, buf, n);
	assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), 0);
	assert_true(qrt_array_get(&a, 1) == -2);
	qrt_array_free(&a);
	unlink(path);
}

static void test_read_v2_v3_handmade(void **state)
{
	(void)state;
	/* float64 1.5 = 0x3FF8000000000000, -0.25 = 0xBFD0000000000000 */
	static const unsigned char data[] = {0, 0, 0, 0, 0, 0, 0xf8, 0x3f,
					     0, 0, 0, 0, 0, 0, 0xd0, 0xbf};
	for (int major = 2; major <= 3; major++) {
		unsigned char buf[512];
		size_t n = make_npy(buf, major,
				    "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 1), }"
				    "          \n",
				    data, sizeof data);
		struct qrt_array a;
		char path[128], err[256];
		read_ok(buf, n, &a);
		assert_int_equal(a.dtype, QRT_F64);
		assert_int_equal(a.rank, 2);
		assert_int_equal(a.dims[0], 2);
		assert_int_equal(a.dims[1], 1);
		assert_true(qrt_array_get(&a, 0) == 1.5);
		assert_true(qrt_array_get(&a, 1) == -0.25);
		qrt_array_free(&a);
		tmp_path(path, sizeof path, "v2.npy");
		write_bytes(path, buf, n);
		assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), 0);
		assert_true(qrt_array_get(&a, 0) == 1.5);
		qrt_array_free(&a);
		unlink(path);
	}
}

/* A one-element file with the given descr and the given element bytes. */
static double read_scalar(const char *descr, const void *bytes, size_t size,
			  enum qrt_dtype want)
{
	char header[128];
	unsigned char buf[512];
	snprintf(header, sizeof header, "{'descr': '%s', 'fortran_order': False, 'shape': (), }\n",
		 descr);
	size_t n = make_npy(buf, 1, header, bytes, size);
	struct qrt_array a;
	read_ok(buf, n, &a);
	assert_int_equal(a.dtype, want);
	assert_int_equal(a.rank, 0);
	double v = qrt_array_get(&a, 0);
	qrt_array_free(&a);
	return v;
}

static void test_read_descr_spellings(void **state)
{
	(void)state;
	static const unsigned char le4[] = {0x04, 0x03, 0x02, 0x01}; /* 0x01020304 LE */
	static const unsigned char be4[] = {0x01, 0x02, 0x03, 0x04}; /* 0x01020304 BE */
	static const unsigned char one[] = {0x01};
	static const unsigned char minus1_be2[] = {0xff, 0xfe};      /* -2 as BE int16 */
	/* float32 -1.0 = 0xBF800000 */
	static const unsigned char f32_le[] = {0x00, 0x00, 0x80, 0xbf};
	static const unsigned char f32_be[] = {0xbf, 0x80, 0x00, 0x00};
	/* uint64 2^63 + 1 */
	static const unsigned char u64_le[] = {1, 0, 0, 0, 0, 0, 0, 0x80};

	assert_true(read_scalar("<i4", le4, 4, QRT_I32) == 16909060);
	assert_true(read_scalar("=i4", le4, 4, QRT_I32) == 16909060); /* x86: native = little */
	assert_true(read_scalar("i4", le4, 4, QRT_I32) == 16909060);
	assert_true(read_scalar(">i4", be4, 4, QRT_I32) == 16909060); /* converted */
	assert_true(read_scalar(">u4", be4, 4, QRT_U32) == 16909060);
	assert_true(read_scalar(">i2", minus1_be2, 2, QRT_I16) == -2);
	assert_true(read_scalar("<f4", f32_le, 4, QRT_F32) == -1.0);
	assert_true(read_scalar(">f4", f32_be, 4, QRT_F32) == -1.0);
	assert_true(read_scalar("|b1", one, 1, QRT_BOOL) == 1.0);
	assert_true(read_scalar("|i1", "\xff", 1, QRT_I8) == -1.0);
	assert_true(read_scalar("|u1", "\xff", 1, QRT_U8) == 255.0);
	assert_true(read_scalar("u1", "\x07", 1, QRT_U8) == 7.0);
	assert_true(read_scalar("<u8", u64_le, 8, QRT_U64) == 9223372036854775808.0);
	/* float64 1.5 = 0x3FF8000000000000 big-endian */
	static const unsigned char f64_be[] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0};
	assert_true(read_scalar(">f8", f64_be, 8, QRT_F64) == 1.5);
}

static void test_read_python2_and_blanks(void **state)
{
	(void)state;
	/* Python 2 numpy wrote long dims as "3L"; blanks anywhere between tokens */
	static const unsigned char data[3] = {1, 0, 1};
	unsigned char buf[512];
	size_t n = make_npy(buf, 1,
			    "{ 'descr' : '|b1' ,\t'fortran_order' : False , 'shape' : ( 3L , ) , }"
			    "   \n",
			    data, sizeof data);
	struct qrt_array a;
	read_ok(buf, n, &a);
	assert_int_equal(a.dtype, QRT_BOOL);
	assert_int_equal(a.rank, 1);
	assert_int_equal(a.dims[0], 3);
	assert_true(qrt_array_get(&a, 0) == 1 && qrt_array_get(&a, 1) == 0);
	qrt_array_free(&a);

	/* an empty array: no data bytes at all */
	n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (0, 5), }\n",
		     NULL, 0);
	read_ok(buf, n, &a);
	assert_int_equal(qrt_array_numel(&a), 0);
	assert_int_equal(a.dims[1], 5);
	qrt_array_free(&a);
}

/* ---- hostile input ---------------------------------------------------------- */

static void test_reject_truncated(void **state)
{
	(void)state;
	/* A valid file cut at every length shorter than itself. */
	static const unsigned char data[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	unsigned char buf[512];
	size_t n = make_npy(buf, 1, "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }\n",
			    data, sizeof data);
	struct qrt_array a;
	read_ok(buf, n, &a);
	qrt_array_free(&a);
	for (size_t len = 0; len < n; len++)
		expect_reject(buf, len, NULL);

	/* The same from files. */
	char path[128], err[256];
	tmp_path(path, sizeof path, "cut.npy");
	for (size_t len = 0; len < n; len++) {
		write_bytes(path, buf, len);
		assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), -1);
		assert_null(a.data);
		assert_true(err[0] != 0);
	}
	unlink(path);
	expect_reject(buf, 7, "preamble");
	expect_reject(buf, 20, "header");
	expect_reject(buf, n - 1, "data");
}

static void test_reject_bad_magic_and_version(void **state)
{
	(void)state;
	unsigned char buf[512];
	size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }\n",
			    "\0\0\0\0", 4);
	buf[5] = 'Z';
	expect_reject(buf, n, "magic");
	buf[5] = 'Y';
	buf[0] = 0x94;
	expect_reject(buf, n, "magic");
	buf[0] = 0x93;
	expect_reject("PK\3\4 a zip file, not npy", 24, "magic");
	buf[6] = 4;
	expect_reject(buf, n, "version");
	buf[6] = 0;
	expect_reject(buf, n, "version");
	buf[6] = 1;
	buf[7] = 1;
	expect_reject(buf, n, "version");
}

static void test_reject_huge_header_length(void **state)
{
	(void)state;
	/* version 2 claiming a 4 GiB - 1 header, followed by a few bytes */
	unsigned char buf[64] = "\x93NUMPY\x02\x00\xff\xff\xff\xff{'descr': '<f4'";
	expect_reject(buf, sizeof buf, "header");
	char path[128], err[256];
	struct qrt_array a;
	tmp_path(path, sizeof path, "huge.npy");
	write_bytes(path, buf, sizeof buf);
	assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "header"));
	unlink(path);
	/* version 1 claiming 65535 bytes of header in a short file */
	unsigned char v1[40] = "\x93NUMPY\x01\x00\xff\xff{'descr': '<f4'";
	expect_reject(v1, sizeof v1, "header");
}

static void test_reject_fortran_order(void **state)
{
	(void)state;
	expect_reject_header(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n", 16,
			     "Fortran");
	expect_reject_header(1, "{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2), }\n", 16,
			     NULL);
}

static void test_reject_bad_descr(void **state)
{
	(void)state;
	static const char *const bad[] = {"<c8", "<f2", "<f16", "", "<", "f", "<f4x", "O", "<U3",
					  "S10", "?", "<i3", "V8", "b1 "};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		char header[160];
		snprintf(header, sizeof header,
			 "{'descr': '%s', 'fortran_order': False, 'shape': (1,), }\n", bad[i]);
		expect_reject_header(1, header, 16, "dtype");
	}
	expect_reject_header(1, "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n",
			     4, "structured");
	expect_reject_header(1, "{'descr': 4, 'fortran_order': False, 'shape': (1,), }\n", 4, NULL);
	expect_reject_header(1, "{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }\n", 4, NULL);
}

static void test_reject_shape_overflow(void **state)
{
	(void)state;
	/* 2^32 * 2^32 elements: the element count overflows int64 */
	expect_reject_header(1,
			     "{'descr': '|u1', 'fortran_order': False, 'shape': (4294967296, "
			     "4294967296), }\n",
			     0, "too large");
	/* 2^62 * 2 elements overflow int64 as well */
	expect_reject_header(1,
			     "{'descr': '|u1', 'fortran_order': False, 'shape': "
			     "(4611686018427387904, 2), }\n",
			     0, "too large");
	/* 2^61 float64 elements fit in int64, their 2^64 bytes do not fit in size_t */
	expect_reject_header(1,
			     "{'descr': '<f8', 'fortran_order': False, 'shape': "
			     "(2305843009213693952,), }\n",
			     0, "too large");
	/* a dimension beyond int64 */
	expect_reject_header(1,
			     "{'descr': '<f4', 'fortran_order': False, 'shape': "
			     "(99999999999999999999,), }\n",
			     0, "too large");
	/* a zero among huge dims is a valid empty array */
	unsigned char buf[512];
	struct qrt_array a;
	size_t n = make_npy(buf, 1,
			    "{'descr': '<f8', 'fortran_order': False, 'shape': "
			    "(9223372036854775807, 0), }\n",
			    NULL, 0);
	read_ok(buf, n, &a);
	assert_int_equal(qrt_array_numel(&a), 0);
	qrt_array_free(&a);
	/* nine dimensions */
	expect_reject_header(1,
			     "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, 1, 1, 1, "
			     "1, 1, 1, 1), }\n",
			     4, "dimensions");
	/* a huge but well-formed shape with a few bytes of data must not be
	 * allocated (from a file: the length is checked first) */
	char path[128], err[256];
	tmp_path(path, sizeof path, "big.npy");
	n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000000,), }\n",
		     "\0\0\0\0", 4);
	write_bytes(path, buf, n);
	assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "data"));
	unlink(path);
}

static void test_reject_data_length(void **state)
{
	(void)state;
	const char *h = "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n";
	expect_reject_header(1, h, 12, "data");
	expect_reject_header(1, h, 0, "data");
	expect_reject_header(1, h, 20, "data"); /* trailing bytes */
	char path[128], err[256];
	unsigned char buf[512], zeros[20] = {0};
	struct qrt_array a;
	tmp_path(path, sizeof path, "short.npy");
	write_bytes(path, buf, make_npy(buf, 1, h, zeros, 12));
	assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "data"));
	write_bytes(path, buf, make_npy(buf, 1, h, zeros, 20));
	assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "data"));
	unlink(path);
}

static void test_reject_malformed_dict(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"\n",
		"descr: '<f4'\n",
		"{'descr': '<f4', 'fortran_order': False}\n",                  /* no shape */
		"{'fortran_order': False, 'shape': (1,)}\n",                   /* no descr */
		"{'descr': '<f4', 'shape': (1,)}\n",                           /* no fortran_order */
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)\n",    /* no '}' */
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x\n", /* trailing junk */
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1)}\n",    /* (1) is no tuple */
		"{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1.0,)}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': [1]}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1,,)}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (,)}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n",
		"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\n",
		"{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}\n",   /* missing ',' */
		"{'descr' '<f4', 'fortran_order': False, 'shape': (1,)}\n",   /* missing ':' */
		"{descr: '<f4', 'fortran_order': False, 'shape': (1,)}\n",
		"{'descr': '<f4', 'fortran_order': false, 'shape': (1,)}\n",
		"{'descr': '<f4', 'fortran_order': Falsey, 'shape': (1,)}\n",
		"{'descr': '<\\f4', 'fortran_order': False, 'shape': (1,)}\n",
		"{,}\n",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}}\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		expect_reject_header(1, bad[i], 4, NULL);

	/* a NUL inside the header */
	unsigned char buf[512];
	size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\n",
			    "\0\0\0\0", 4);
	buf[10 + 5] = 0;
	expect_reject(buf, n, NULL);
}

/* Every byte of a valid file's preamble and header replaced by a few values:
 * each variant is either read or rejected cleanly. */
static void test_mutated_headers_never_crash(void **state)
{
	(void)state;
	static const unsigned char subst[] = {0, '\'', '"', '(', ')', ',', '}', '{', ':', '9', ' ', 0xff};
	static const unsigned char data[24] = {0};
	unsigned char buf[512], copy[512];
	size_t n = make_npy(buf, 1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }\n",
			    data, sizeof data);
	for (size_t i = 0; i < n - sizeof data; i++)
		for (size_t s = 0; s < sizeof subst; s++) {
			struct qrt_array a;
			char err[256];
			memcpy(copy, buf, n);
			copy[i] = subst[s];
			if (qrt_npy_read_mem(copy, n, &a, err, sizeof err) == 0) {
				assert_int_equal((size_t)qrt_array_numel(&a) * qrt_dtype_size(a.dtype),
						 sizeof data);
				qrt_array_free(&a);
			} else {
				assert_null(a.data);
				assert_null(strchr(err, '\n'));
			}
		}
}

static void test_read_missing_file(void **state)
{
	(void)state;
	char path[128], err[256] = "";
	struct qrt_array a;
	tmp_path(path, sizeof path, "does-not-exist.npy");
	assert_int_equal(qrt_npy_read(path, &a, err, sizeof err), -1);
	assert_null(a.data);
	assert_non_null(strstr(err, "cannot open"));
	/* a directory is no .npy file either */
	assert_int_equal(qrt_npy_read(tmpdir, &a, err, sizeof err), -1);
	assert_null(a.data);
	assert_true(err[0] != 0);
}

/* ---- writing ---------------------------------------------------------------- */

static void test_write_errors(void **state)
{
	(void)state;
	char path[128], err[256] = "";
	float x[4] = {1, 2, 3, 4};
	struct qrt_array a = {.dtype = QRT_F32, .rank = 1, .dims = {4}, .data = x};

	snprintf(path, sizeof path, "%s/no/such/dir/x.npy", tmpdir);
	assert_int_equal(qrt_npy_write(path, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, path));
	assert_null(strchr(err, '\n'));

	struct qrt_array bad = a;
	tmp_path(path, sizeof path, "bad.npy");
	bad.rank = 9;
	assert_int_equal(qrt_npy_write(path, &bad, err, sizeof err), -1);
	bad.rank = 1;
	bad.dims[0] = -1;
	assert_int_equal(qrt_npy_write(path, &bad, err, sizeof err), -1);
	bad.dims[0] = 4;
	bad.data = NULL;
	assert_int_equal(qrt_npy_write(path, &bad, err, sizeof err), -1);
	bad.data = x;
	bad.dtype = QRT_DTYPE_COUNT;
	assert_int_equal(qrt_npy_write(path, &bad, err, sizeof err), -1);
	assert_int_equal(count_files("bad.npy"), 0);

	/* a full device: the write fails and is reported */
	if (access("/dev/full", W_OK) == 0)
		assert_int_equal(qrt_npy_write("/dev/full", &a, err, sizeof err), -1);
	/* a device that is not a regular file is written in place, not replaced */
	if (access("/dev/null", W_OK) == 0) {
		struct stat st;
		assert_int_equal(qrt_npy_write("/dev/null", &a, err, sizeof err), 0);
		assert_int_equal(stat("/dev/null", &st), 0);
		assert_true(S_ISCHR(st.st_mode));
	}
}

static void test_write_replaces_atomically(void **state)
{
	(void)state;
	char path[128], err[256] = "";
	int32_t first[3] = {1, 2, 3}, second[2] = {-7, 9};
	struct qrt_array a = {.dtype = QRT_I32, .rank = 1, .dims = {3}, .data = first}, b;
	tmp_path(path, sizeof path, "replace.npy");
	assert_int_equal(qrt_npy_write(path, &a, err, sizeof err), 0);
	a.dims[0] = 2;
	a.data = second;
	assert_int_equal(qrt_npy_write(path, &a, err, sizeof err), 0);
	assert_int_equal(qrt_npy_read(path, &b, err, sizeof err), 0);
	assert_int_equal(b.dims[0], 2);
	assert_true(qrt_array_get(&b, 0) == -7 && qrt_array_get(&b, 1) == 9);
	qrt_array_free(&b);
	/* no temporary file is left beside the target */
	assert_int_equal(count_files("replace.npy"), 1);
	assert_int_equal(count_files(".tmp"), 0);
	unlink(path);
}

/* A write that fails half-way (the file size limit is hit) leaves neither a
 * temporary file nor a damaged target behind. */
static void test_failed_write_leaves_nothing(void **state)
{
	(void)state;
	char path[128], err[256] = "";
	int32_t small[3] = {4, 5, 6};
	struct qrt_array a = {.dtype = QRT_I32, .rank = 1, .dims = {3}, .data = small}, b;
	tmp_path(path, sizeof path, "keep.npy");
	assert_int_equal(qrt_npy_write(path, &a, err, sizeof err), 0);

	struct rlimit old, lim;
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim = old;
	lim.rlim_cur = 4096;
	void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	static float big[100000];
	struct qrt_array c = {.dtype = QRT_F32, .rank = 2, .dims = {1000, 100}, .data = big};
	int rc = qrt_npy_write(path, &c, err, sizeof err);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);

	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, path));
	assert_int_equal(count_files(".tmp"), 0);
	assert_int_equal(qrt_npy_read(path, &b, err, sizeof err), 0);
	assert_int_equal(b.dims[0], 3);
	assert_true(qrt_array_get(&b, 2) == 6);
	qrt_array_free(&b);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dtype_sizes),
		cmocka_unit_test(test_roundtrip_every_dtype_and_rank),
		cmocka_unit_test(test_roundtrip_empty_and_rank8),
		cmocka_unit_test(test_written_header_bytes),
		cmocka_unit_test(test_read_v1_handmade),
		cmocka_unit_test(test_read_v2_v3_handmade),
		cmocka_unit_test(test_read_descr_spellings),
		cmocka_unit_test(test_read_python2_and_blanks),
		cmocka_unit_test(test_reject_truncated),
		cmocka_unit_test(test_reject_bad_magic_and_version),
		cmocka_unit_test(test_reject_huge_header_length),
		cmocka_unit_test(test_reject_fortran_order),
		cmocka_unit_test(test_reject_bad_descr),
		cmocka_unit_test(test_reject_shape_overflow),
		cmocka_unit_test(test_reject_data_length),
		cmocka_unit_test(test_reject_malformed_dict),
		cmocka_unit_test(test_mutated_headers_never_crash),
		cmocka_unit_test(test_read_missing_file),
		cmocka_unit_test(test_write_errors),
		cmocka_unit_test(test_write_replaces_atomically),
		cmocka_unit_test(test_failed_write_leaves_nothing),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
