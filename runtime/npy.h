/* npy.h: reading and writing NumPy .npy files.
 *
 * Format (numpy/lib/format.py, "NEP 1"): the magic string "\x93NUMPY", a
 * major and minor version byte, the header length (2 bytes little-endian in
 * version 1.0, 4 bytes in 2.0 and 3.0), then the header: a Python dict
 * literal such as
 *
 *     {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
 *
 * padded with spaces and ending in '\n', then the elements in C order.
 *
 * Supported: versions 1.0, 2.0 and 3.0; C order only; the dtypes of enum
 * qrt_dtype in either byte order (data is converted to the host's order on
 * reading). Files come from users, so the reader bounds the header length,
 * parses the header strictly, checks every size computation for overflow and
 * requires the data to be exactly as long as the header says. Errors are one
 * line in err, without the file name (the caller knows it), except for write
 * errors, which name the target.
 *
 * Writing produces a version 1.0 file (little-endian descr, header padded to
 * a multiple of 64 bytes) that appears atomically: it is written to an
 * unnamed file in the target's folder (Linux O_TMPFILE; elsewhere a named
 * temporary beside the target) that gets its name only when complete. A
 * target that exists but is not a regular file (/dev/null, a pipe) is
 * written in place.
 *
 * No global state: every function works only on its arguments.
 */
#ifndef QONNXC_RUNTIME_NPY_H
#define QONNXC_RUNTIME_NPY_H

#include <stddef.h>
#include <stdint.h>

#define QRT_MAX_RANK 8
/* Longest header accepted on reading, in bytes. */
#define QRT_NPY_MAX_HEADER (1u << 20)

enum qrt_dtype {
	QRT_F32,
	QRT_F64,
	QRT_I8,
	QRT_I16,
	QRT_I32,
	QRT_I64,
	QRT_U8,
	QRT_U16,
	QRT_U32,
	QRT_U64,
	QRT_BOOL, /* one byte per element, 0 or 1 */
	QRT_DTYPE_COUNT
};

/* A dense C-order array in host byte order. */
struct qrt_array {
	enum qrt_dtype dtype;
	int rank;                     /* 0..QRT_MAX_RANK */
	int64_t dims[QRT_MAX_RANK];
	void *data;                   /* malloc'd by the reader; freed by qrt_array_free */
};

/* 0, or -1 with a one-line message in err. On failure *a is left empty. */
int qrt_npy_read(const char *path, struct qrt_array *a, char *err, size_t errlen);
int qrt_npy_read_mem(const void *buf, size_t len, struct qrt_array *a, char *err,
		     size_t errlen);
/* Writes a (whose data the caller owns); 0, or -1 with a message naming path. */
int qrt_npy_write(const char *path, const struct qrt_array *a, char *err, size_t errlen);

void qrt_array_free(struct qrt_array *a);
size_t qrt_dtype_size(enum qrt_dtype t);
/* The .npy descr written for t, e.g. "<f4", "|b1". */
const char *qrt_dtype_descr(enum qrt_dtype t);
int64_t qrt_array_numel(const struct qrt_array *a); /* 1 for rank 0 */
double qrt_array_get(const struct qrt_array *a, int64_t i); /* element i as a double */

#endif
