/* kernel_util.h: what the linear-algebra, convolution, pooling,
 * normalization and data-movement kernels share beyond tensor_util.h.
 *
 * Sums of products (MatMul, Gemm, Conv, ConvTranspose) are accumulated in a
 * union accum: in double for f32 and f64 results, rounded once when stored
 * (at least as accurate as ONNX Runtime's float accumulation), and in 64-bit
 * unsigned arithmetic for integers, which wraps without undefined behaviour
 * and is reduced to the result's width when stored.
 */
#ifndef QONNXC_INTERP_KERNEL_UTIL_H
#define QONNXC_INTERP_KERNEL_UTIL_H

#include "tensor_util.h"

#include <string.h>

/* Operand k of op, or NULL when it is absent or beyond the op's operand
 * count (in[] only has op->noperands valid entries). */
static inline const struct ir_tensor *interp_operand(const struct ir_op *op,
						     const struct ir_tensor *const *in, int k)
{
	return k < op->noperands ? in[k] : NULL;
}

enum accum_kind { ACCUM_F32, ACCUM_F64, ACCUM_INT };

union accum {
	double f;
	uint64_t i;
};

/* The accumulation for tensors of type t; false for bool. */
static inline bool accum_kind_of(const struct ir_type *t, enum accum_kind *k)
{
	switch (t->elem) {
	case IR_ELEM_F32: *k = ACCUM_F32; return true;
	case IR_ELEM_F64: *k = ACCUM_F64; return true;
	case IR_ELEM_INT: *k = ACCUM_INT; return true;
	case IR_ELEM_BOOL: break;
	}
	return false;
}

/* True when every present tensor of list (n entries, NULLs skipped) has
 * accumulation kind k. */
static inline bool accum_all(enum accum_kind k, const struct ir_tensor *const *list, int n)
{
	enum accum_kind other;
	for (int j = 0; j < n; j++)
		if (list[j] && (!accum_kind_of(&list[j]->type, &other) || other != k))
			return false;
	return true;
}

/* *acc = element i of t (of kind k). */
static inline void accum_load(enum accum_kind k, const struct ir_tensor *t, int64_t i,
			      union accum *acc)
{
	if (k == ACCUM_INT)
		acc->i = (uint64_t)((const int64_t *)t->data)[i];
	else if (k == ACCUM_F32)
		acc->f = ((const float *)t->data)[i];
	else
		acc->f = ((const double *)t->data)[i];
}

/* Element i of t (of kind k) = *acc, rounded or wrapped to t's type. */
static inline void accum_store(enum accum_kind k, struct ir_tensor *t, int64_t i,
			       const union accum *acc)
{
	if (k == ACCUM_INT)
		((int64_t *)t->data)[i] = ir_int_wrap(&t->type, acc->i);
	else if (k == ACCUM_F32)
		((float *)t->data)[i] = (float)acc->f;
	else
		((double *)t->data)[i] = acc->f;
}

/* ---- data movement -------------------------------------------------------- */

/* Copies a strided view of src into dst, which is dense and row-major over
 * dims[0..n-1] (n <= 2 * IR_MAX_RANK): dst element idx is src element
 * base + sum idx[k] * strides[k]. Elements are esz bytes (4 or 8). The
 * caller guarantees every source offset is in range. */
static inline void interp_strided_copy(void *dst, const void *src, size_t esz, int n,
				       const int64_t *dims, const int64_t *strides, int64_t base)
{
	int64_t idx[2 * IR_MAX_RANK] = {0}, total = 1, off = base;
	char *d = dst;
	const char *s = src;
	assert(n <= 2 * IR_MAX_RANK && (esz == 4 || esz == 8));
	for (int k = 0; k < n; k++)
		total *= dims[k];
	for (int64_t i = 0; i < total; i++) {
		memcpy(d + (size_t)i * esz, s + (size_t)off * esz, esz);
		for (int k = n - 1; k >= 0; k--) {
			off += strides[k];
			if (++idx[k] < dims[k])
				break;
			off -= strides[k] * idx[k];
			idx[k] = 0;
		}
	}
}

#endif
