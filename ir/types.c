/* types.c: element types and tensor types of the IR (see ir.h). */
#include "ir.h"
#include "quant.h"

#include <stdio.h>
#include <string.h>

struct ir_type ir_type_f32(int rank, const int64_t *dims)
{
	struct ir_type t = {.elem = IR_ELEM_F32, .bits = 32, .rank = (uint8_t)rank};
	for (int i = 0; i < rank; i++)
		t.dims[i] = dims[i];
	return t;
}

struct ir_type ir_type_int(int bits, bool is_signed, int rank, const int64_t *dims)
{
	struct ir_type t = ir_type_f32(rank, dims);
	t.elem = IR_ELEM_INT;
	t.bits = (uint8_t)bits;
	t.is_signed = is_signed;
	return t;
}

struct ir_type ir_type_with_dims(struct ir_type elem_from, int rank, const int64_t *dims)
{
	elem_from.rank = (uint8_t)rank;
	memset(elem_from.dims, 0, sizeof elem_from.dims);
	for (int i = 0; i < rank; i++)
		elem_from.dims[i] = dims[i];
	return elem_from;
}

bool ir_type_same_elem(const struct ir_type *a, const struct ir_type *b)
{
	if (a->elem != b->elem)
		return false;
	if (a->elem != IR_ELEM_INT)
		return true;
	return a->bits == b->bits && a->is_signed == b->is_signed;
}

bool ir_type_equal(const struct ir_type *a, const struct ir_type *b)
{
	if (!ir_type_same_elem(a, b) || a->rank != b->rank || !ir_quant_equal(a->quant, b->quant))
		return false;
	for (int i = 0; i < a->rank; i++)
		if (a->dims[i] != b->dims[i])
			return false;
	return true;
}

int64_t ir_type_numel(const struct ir_type *t)
{
	int64_t n = 1;
	for (int i = 0; i < t->rank; i++)
		n *= t->dims[i];
	return n;
}

size_t ir_storage_size(enum ir_elem e)
{
	return e == IR_ELEM_F32 ? sizeof(float) : 8;
}

const char *ir_elem_str(const struct ir_type *t, char *buf, size_t len)
{
	switch (t->elem) {
	case IR_ELEM_F32: snprintf(buf, len, "f32"); break;
	case IR_ELEM_F64: snprintf(buf, len, "f64"); break;
	case IR_ELEM_BOOL: snprintf(buf, len, "bool"); break;
	case IR_ELEM_INT: {
		int n = snprintf(buf, len, "%c%d", t->is_signed ? 'i' : 'u', t->bits);
		if (t->quant && n >= 0 && (size_t)n < len)
			ir_quant_str(t->quant, buf + n, len - (size_t)n);
		break;
	}
	}
	return buf;
}

char *ir_type_str(const struct ir_type *t, char *buf, size_t len)
{
	char elem[80];
	size_t n = (size_t)snprintf(buf, len, "%s[", ir_elem_str(t, elem, sizeof elem));
	for (int i = 0; i < t->rank && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%lld", i ? "," : "", (long long)t->dims[i]);
	if (n < len)
		snprintf(buf + n, len - n, "]");
	return buf;
}
