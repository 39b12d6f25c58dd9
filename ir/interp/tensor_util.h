/* tensor_util.h: index arithmetic and typed element access for interpreter kernels.
 *
 * Tensors are dense and row-major (last dimension fastest); "strides" here are
 * element strides, not byte strides. A multi-index is an int64_t array of
 * IR_MAX_RANK entries of which the first rank are used. Broadcasting follows
 * numpy's multidirectional rule: shapes are aligned on the right and an
 * operand dimension of 1 is read at index 0 whatever the output index is.
 *
 * Everything is static inline so that kernels in any file can use it without
 * a link dependency. Callers guarantee that indices are in range (assert).
 */
#ifndef QONNXC_INTERP_TENSOR_UTIL_H
#define QONNXC_INTERP_TENSOR_UTIL_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "interp.h"

/* ---- typed views of the storage ---------------------------------------- */

/* Storage form (ir.h): float for f32, double for f64, int64_t for bool/ints. */
static inline float *ir_tensor_f32(const struct ir_tensor *t)
{
	assert(t->type.elem == IR_ELEM_F32);
	return (float *)t->data;
}

static inline double *ir_tensor_f64(const struct ir_tensor *t)
{
	assert(t->type.elem == IR_ELEM_F64);
	return (double *)t->data;
}

static inline int64_t *ir_tensor_i64(const struct ir_tensor *t)
{
	assert(t->type.elem == IR_ELEM_INT || t->type.elem == IR_ELEM_BOOL);
	return (int64_t *)t->data;
}

static inline int64_t ir_tensor_numel(const struct ir_tensor *t)
{
	return ir_type_numel(&t->type);
}

/* Integer storage value v wrapped to the width and signedness of t (ir.h: every
 * integer width lives in int64_t). No undefined behaviour for any v. */
static inline int64_t ir_int_wrap(const struct ir_type *t, uint64_t v)
{
	if (t->elem == IR_ELEM_BOOL)
		return v != 0;
	assert(t->elem == IR_ELEM_INT && t->bits >= 1);
	if (t->bits >= 64)
		return (int64_t)v; /* implementation-defined conversion, two's complement */
	uint64_t mask = ((uint64_t)1 << t->bits) - 1;
	v &= mask;
	if (t->is_signed && (v >> (t->bits - 1)))
		return -(int64_t)(mask - v) - 1; /* sign-extend without overflow */
	return (int64_t)v;
}

/* Element i of t converted to float / double / int64, whatever t's element
 * type (ints to float round once; floats to int64 as ir_tensor_set does). */
static inline float ir_load_f32(const struct ir_tensor *t, int64_t i)
{
	switch (t->type.elem) {
	case IR_ELEM_F32: return ((const float *)t->data)[i];
	case IR_ELEM_F64: return (float)((const double *)t->data)[i];
	case IR_ELEM_BOOL: return ((const int64_t *)t->data)[i] != 0;
	case IR_ELEM_INT: break;
	}
	int64_t v = ((const int64_t *)t->data)[i];
	if (!t->type.is_signed && t->type.bits >= 64)
		return (float)(uint64_t)v;
	return (float)v;
}

static inline double ir_load_f64(const struct ir_tensor *t, int64_t i)
{
	return ir_tensor_get(t, i);
}

/* For an integer or bool tensor, the stored int64 (a u64 above 2^63 reads as
 * its two's complement bits); for a float tensor, the value truncated and
 * wrapped as by ir_tensor_set into an i64. */
static inline int64_t ir_load_i64(const struct ir_tensor *t, int64_t i)
{
	if (t->type.elem == IR_ELEM_INT)
		return ((const int64_t *)t->data)[i];
	if (t->type.elem == IR_ELEM_BOOL)
		return ((const int64_t *)t->data)[i] != 0;
	struct ir_type i64 = {.elem = IR_ELEM_INT, .bits = 64, .is_signed = true};
	int64_t r;
	struct ir_tensor tmp = {i64, &r};
	ir_tensor_set(&tmp, 0, ir_tensor_get(t, i));
	return r;
}

/* Copies element src_i of src into element dst_i of dst; both have the same
 * element type (same storage form), so this is exact for every type. */
static inline void ir_tensor_copy_elem(struct ir_tensor *dst, int64_t dst_i,
				       const struct ir_tensor *src, int64_t src_i)
{
	size_t size = ir_storage_size(src->type.elem);
	memcpy((char *)dst->data + (size_t)dst_i * size,
	       (const char *)src->data + (size_t)src_i * size, size);
}

/* Element src_i of src converted to dst's element type and stored as element
 * dst_i of dst (ONNX Cast semantics: float to int truncates toward zero and
 * wraps to the width, NaN gives 0; anything to bool is "nonzero"). */
static inline void ir_tensor_convert_elem(struct ir_tensor *dst, int64_t dst_i,
					  const struct ir_tensor *src, int64_t src_i)
{
	const struct ir_type *d = &dst->type, *s = &src->type;
	if (ir_type_same_elem(d, s))
		ir_tensor_copy_elem(dst, dst_i, src, src_i);
	else if (d->elem == IR_ELEM_F32)
		((float *)dst->data)[dst_i] = ir_load_f32(src, src_i);
	else if (d->elem == IR_ELEM_F64)
		((double *)dst->data)[dst_i] = ir_load_f64(src, src_i);
	else if (d->elem == IR_ELEM_BOOL)
		((int64_t *)dst->data)[dst_i] = s->elem == IR_ELEM_INT || s->elem == IR_ELEM_BOOL
							? ((const int64_t *)src->data)[src_i] != 0
							: ir_load_f64(src, src_i) != 0;
	else if (s->elem == IR_ELEM_INT || s->elem == IR_ELEM_BOOL)
		((int64_t *)dst->data)[dst_i] = ir_int_wrap(d, (uint64_t)ir_load_i64(src, src_i));
	else
		ir_tensor_set(dst, dst_i, ir_load_f64(src, src_i));
}

/* ---- strides and index <-> multi-index ---------------------------------- */

/* strides[k] = product of dims[k+1..rank-1]. */
static inline void ir_type_strides(const struct ir_type *t, int64_t *strides)
{
	int64_t s = 1;
	for (int k = t->rank - 1; k >= 0; k--) {
		strides[k] = s;
		s *= t->dims[k];
	}
}

/* Flat index i -> multi-index idx[0..rank-1]. */
static inline void ir_type_unravel(const struct ir_type *t, int64_t i, int64_t *idx)
{
	for (int k = t->rank - 1; k >= 0; k--) {
		int64_t d = t->dims[k];
		idx[k] = d > 0 ? i % d : 0;
		i = d > 0 ? i / d : 0;
	}
}

/* Multi-index -> flat index. */
static inline int64_t ir_type_ravel(const struct ir_type *t, const int64_t *idx)
{
	int64_t i = 0;
	for (int k = 0; k < t->rank; k++) {
		assert(idx[k] >= 0 && idx[k] < t->dims[k]);
		i = i * t->dims[k] + idx[k];
	}
	return i;
}

/* Advances idx to the next multi-index in row-major order; false after the
 * last one (idx is then all zeros again). */
static inline bool ir_index_next(const struct ir_type *t, int64_t *idx)
{
	for (int k = t->rank - 1; k >= 0; k--) {
		if (++idx[k] < t->dims[k])
			return true;
		idx[k] = 0;
	}
	return false;
}

/* ---- broadcasting -------------------------------------------------------- */

/* Strides of operand type `in` as seen from an output of rank out_rank it is
 * broadcast to: bstrides[0..out_rank-1], 0 on dimensions that in lacks or has
 * as 1. Then the operand element for output multi-index idx is
 * sum(idx[k] * bstrides[k]). Requires in->rank <= out_rank. */
static inline void ir_broadcast_strides(const struct ir_type *in, int out_rank,
					int64_t *bstrides)
{
	int64_t s[IR_MAX_RANK];
	int shift = out_rank - in->rank;
	assert(shift >= 0);
	ir_type_strides(in, s);
	for (int k = 0; k < out_rank; k++) {
		int j = k - shift;
		bstrides[k] = (j < 0 || in->dims[j] == 1) ? 0 : s[j];
	}
}

/* Flat index of the element of operand type `in` that output multi-index idx
 * (of an output with rank out_rank) reads under broadcasting. */
static inline int64_t ir_broadcast_index(const struct ir_type *in, int out_rank,
					 const int64_t *idx)
{
	int shift = out_rank - in->rank;
	int64_t i = 0;
	assert(shift >= 0);
	for (int j = 0; j < in->rank; j++)
		i = i * in->dims[j] + (in->dims[j] == 1 ? 0 : idx[j + shift]);
	return i;
}

/* The same from the output's flat index. */
static inline int64_t ir_broadcast_flat(const struct ir_type *in, const struct ir_type *out,
					int64_t out_i)
{
	int64_t idx[IR_MAX_RANK];
	ir_type_unravel(out, out_i, idx);
	return ir_broadcast_index(in, out->rank, idx);
}

/* Walks the elements of an output while tracking the flat indices of up to
 * IR_BCAST_MAX operands broadcast to it, without divisions:
 *
 *	struct ir_bcast it;
 *	ir_bcast_init(&it, &out->type, n, types);
 *	for (int64_t i = 0; i < numel; i++, ir_bcast_next(&it))
 *		... it.pos[0], it.pos[1] ...
 */
#define IR_BCAST_MAX 8
struct ir_bcast {
	const struct ir_type *out;
	int n;
	int64_t idx[IR_MAX_RANK];
	int64_t bstrides[IR_BCAST_MAX][IR_MAX_RANK];
	int64_t pos[IR_BCAST_MAX];
};

static inline void ir_bcast_init(struct ir_bcast *it, const struct ir_type *out, int n,
				 const struct ir_type *const *in)
{
	assert(n <= IR_BCAST_MAX);
	it->out = out;
	it->n = n;
	for (int k = 0; k < IR_MAX_RANK; k++)
		it->idx[k] = 0;
	for (int j = 0; j < n; j++) {
		assert(in[j]->rank <= out->rank);
		for (int k = 0; k < in[j]->rank; k++) /* broadcastable to out */
			assert(in[j]->dims[k] == 1 ||
			       in[j]->dims[k] == out->dims[k + out->rank - in[j]->rank]);
		ir_broadcast_strides(in[j], out->rank, it->bstrides[j]);
		it->pos[j] = 0;
	}
}

static inline void ir_bcast_next(struct ir_bcast *it)
{
	for (int k = it->out->rank - 1; k >= 0; k--) {
		for (int j = 0; j < it->n; j++)
			it->pos[j] += it->bstrides[j][k];
		if (++it->idx[k] < it->out->dims[k])
			return;
		for (int j = 0; j < it->n; j++)
			it->pos[j] -= it->bstrides[j][k] * it->idx[k];
		it->idx[k] = 0;
	}
}

#endif
