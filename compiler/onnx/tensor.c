/* tensor.c: a TensorProto's elements in the IR's storage form.
 *
 * Decoding is split in two so that nothing sized by the file is allocated
 * before it is checked: onnx_tensor_prepare validates data type, dims, the
 * size limit and the length of the data (raw_data, typed fields or external
 * data) against the dims; onnx_tensor_decode then converts into a buffer the
 * caller allocated. Storage form (ir.h): float for f32, double for f64,
 * int64_t for bool and every integer width. raw_data is little-endian
 * (onnx.proto), read byte by byte so the host's byte order does not matter.
 */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t typed_count(const Onnx__TensorProto *t, enum onnx_field field)
{
	switch (field) {
	case ONNX_FIELD_FLOAT: return t->n_float_data;
	case ONNX_FIELD_DOUBLE: return t->n_double_data;
	case ONNX_FIELD_INT32: return t->n_int32_data;
	case ONNX_FIELD_INT64: return t->n_int64_data;
	case ONNX_FIELD_UINT64: return t->n_uint64_data;
	case ONNX_FIELD_NONE: break;
	}
	return 0;
}

/* Type and element count, with the size limit applied to storage form. */
static int check_type(const Onnx__TensorProto *t, const char *what, uint64_t max_bytes,
		      struct onnx_tensor *out, char *err, size_t errlen)
{
	char buf[32];
	if (!t->has_data_type || t->data_type == 0)
		return snprintf(err, errlen, "tensor '%s' has no data type", what), -1;
	const struct onnx_dtype *d = onnx_dtype(t->data_type);
	if (!d || !d->supported)
		return snprintf(err, errlen, "tensor '%s' has data type %s, which qonnxc does not support",
				what, onnx_dtype_name(t->data_type, buf, sizeof buf)), -1;
	if (t->n_dims > IR_MAX_RANK)
		return snprintf(err, errlen, "tensor '%s' has rank %zu, more than %d", what, t->n_dims,
				IR_MAX_RANK), -1;
	size_t bytes = ir_storage_size(d->elem);
	for (size_t i = 0; i < t->n_dims; i++) {
		if (t->dims[i] < 0)
			return snprintf(err, errlen, "tensor '%s' has negative dimension %lld", what,
					(long long)t->dims[i]), -1;
		if (!size_mul(bytes, (size_t)t->dims[i], &bytes) || bytes > max_bytes)
			return snprintf(err, errlen, "tensor '%s' is larger than the %llu-byte limit", what,
					(unsigned long long)max_bytes), -1;
	}
	out->dtype = d;
	out->numel = (int64_t)(bytes / ir_storage_size(d->elem));
	out->type = (struct ir_type){.elem = d->elem, .bits = (uint8_t)d->bits,
				     .is_signed = d->elem == IR_ELEM_INT && d->is_signed,
				     .rank = (uint8_t)t->n_dims};
	for (size_t i = 0; i < t->n_dims; i++)
		out->type.dims[i] = t->dims[i];
	return 0;
}

int onnx_tensor_prepare(const Onnx__TensorProto *t, const char *what, const char *dir,
			uint64_t max_bytes, struct onnx_tensor *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->proto = t;
	if (check_type(t, what, max_bytes, out, err, errlen) < 0)
		return -1;
	if (t->segment)
		return snprintf(err, errlen, "tensor '%s' is segmented, which qonnxc does not support",
				what), -1;
	uint64_t want = (uint64_t)out->numel * (uint64_t)out->dtype->raw_size;
	if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL) {
		out->owned = onnx_external_read(t, what, dir, want, err, errlen);
		out->raw = out->owned;
		return out->owned ? 0 : -1;
	}
	size_t count = typed_count(t, out->dtype->field);
	if (t->has_raw_data && (t->raw_data.len > 0 || count == 0)) {
		if (t->raw_data.len != want)
			return snprintf(err, errlen, "tensor '%s' has %zu bytes of raw_data, its %s needs %llu",
					what, t->raw_data.len, ir_type_str(&out->type, (char[160]){0}, 160),
					(unsigned long long)want), -1;
		out->raw = t->raw_data.data;
		return 0;
	}
	if (count != (uint64_t)out->numel)
		return snprintf(err, errlen, "tensor '%s' holds %zu elements, its %s needs %lld", what,
				count, ir_type_str(&out->type, (char[160]){0}, 160),
				(long long)out->numel), -1;
	return 0;
}

void onnx_tensor_release(struct onnx_tensor *t)
{
	free(t->owned);
	t->owned = NULL;
	t->raw = NULL;
}

/* Element i of raw data as an unsigned little-endian integer of size bytes. */
static uint64_t raw_bits(const uint8_t *raw, int size, int64_t i)
{
	const uint8_t *p = raw + (size_t)i * (size_t)size;
	uint64_t v = 0;
	for (int b = size - 1; b >= 0; b--)
		v = v << 8 | p[b];
	return v;
}

/* v reduced to the range of an integer of the given width and signedness. */
static int64_t wrap(uint64_t v, int bits, bool is_signed)
{
	if (bits >= 64)
		return (int64_t)v;
	uint64_t mask = (UINT64_C(1) << bits) - 1;
	v &= mask;
	if (is_signed && (v >> (bits - 1)))
		return (int64_t)(v | ~mask);
	return (int64_t)v;
}

static void decode_float(const struct onnx_tensor *t, float *out)
{
	for (int64_t i = 0; i < t->numel; i++) {
		if (!t->raw) {
			out[i] = t->proto->float_data[i];
			continue;
		}
		uint32_t bits = (uint32_t)raw_bits(t->raw, 4, i);
		memcpy(&out[i], &bits, sizeof bits);
	}
}

static void decode_double(const struct onnx_tensor *t, double *out)
{
	for (int64_t i = 0; i < t->numel; i++) {
		if (!t->raw) {
			out[i] = t->proto->double_data[i];
			continue;
		}
		uint64_t bits = raw_bits(t->raw, 8, i);
		memcpy(&out[i], &bits, sizeof bits);
	}
}

static uint64_t typed_int(const Onnx__TensorProto *p, enum onnx_field field, int64_t i)
{
	switch (field) {
	case ONNX_FIELD_INT32: return (uint64_t)(int64_t)p->int32_data[i];
	case ONNX_FIELD_INT64: return (uint64_t)p->int64_data[i];
	case ONNX_FIELD_UINT64: return p->uint64_data[i];
	default: break;
	}
	return 0;
}

static void decode_int(const struct onnx_tensor *t, int64_t *out)
{
	const struct onnx_dtype *d = t->dtype;
	for (int64_t i = 0; i < t->numel; i++) {
		uint64_t v = t->raw ? raw_bits(t->raw, d->raw_size, i) : typed_int(t->proto, d->field, i);
		out[i] = d->elem == IR_ELEM_BOOL ? v != 0 : wrap(v, d->bits, d->is_signed);
	}
}

void onnx_tensor_decode(const struct onnx_tensor *t, void *out)
{
	switch (t->type.elem) {
	case IR_ELEM_F32: decode_float(t, out); break;
	case IR_ELEM_F64: decode_double(t, out); break;
	case IR_ELEM_BOOL:
	case IR_ELEM_INT: decode_int(t, out); break;
	}
}
