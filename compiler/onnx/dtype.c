/* dtype.c: the ONNX element data types (TensorProto.DataType) and what the
 * IR makes of them.
 *
 * Typed-field placement follows onnx.proto: float_data for FLOAT, double_data
 * for DOUBLE, int64_data for INT64, uint64_data for UINT32 and UINT64, and
 * int32_data for every narrower integer and BOOL. raw_data holds elements
 * little-endian at their natural width (BOOL one byte).
 */
#include "internal.h"

#include <stdio.h>

#define F(onnx, name, elem, bits, sgn, raw, field) {onnx, name, true, elem, bits, sgn, raw, field}
#define U(onnx, name) {onnx, name, false, IR_ELEM_F32, 0, false, 0, ONNX_FIELD_NONE}

static const struct onnx_dtype dtypes[] = {
	F(1, "FLOAT", IR_ELEM_F32, 32, true, 4, ONNX_FIELD_FLOAT),
	F(2, "UINT8", IR_ELEM_INT, 8, false, 1, ONNX_FIELD_INT32),
	F(3, "INT8", IR_ELEM_INT, 8, true, 1, ONNX_FIELD_INT32),
	F(4, "UINT16", IR_ELEM_INT, 16, false, 2, ONNX_FIELD_INT32),
	F(5, "INT16", IR_ELEM_INT, 16, true, 2, ONNX_FIELD_INT32),
	F(6, "INT32", IR_ELEM_INT, 32, true, 4, ONNX_FIELD_INT32),
	F(7, "INT64", IR_ELEM_INT, 64, true, 8, ONNX_FIELD_INT64),
	U(8, "STRING"),
	F(9, "BOOL", IR_ELEM_BOOL, 1, false, 1, ONNX_FIELD_INT32),
	U(10, "FLOAT16"),
	F(11, "DOUBLE", IR_ELEM_F64, 64, true, 8, ONNX_FIELD_DOUBLE),
	F(12, "UINT32", IR_ELEM_INT, 32, false, 4, ONNX_FIELD_UINT64),
	F(13, "UINT64", IR_ELEM_INT, 64, false, 8, ONNX_FIELD_UINT64),
	U(14, "COMPLEX64"),
	U(15, "COMPLEX128"),
	U(16, "BFLOAT16"),
	U(17, "FLOAT8E4M3FN"),
	U(18, "FLOAT8E4M3FNUZ"),
	U(19, "FLOAT8E5M2"),
	U(20, "FLOAT8E5M2FNUZ"),
	U(21, "UINT4"),
	U(22, "INT4"),
	U(23, "FLOAT4E2M1"),
};

const struct onnx_dtype *onnx_dtype(int onnx)
{
	for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
		if (dtypes[i].onnx == onnx)
			return &dtypes[i];
	return NULL;
}

const char *onnx_dtype_name(int onnx, char *buf, size_t len)
{
	const struct onnx_dtype *d = onnx_dtype(onnx);
	if (d)
		return d->name;
	snprintf(buf, len, "data type %d", onnx);
	return buf;
}
