/* cast.c: shape of Cast. The result has the operand's dims and the element
 * type named by the attribute `to`, an ONNX TensorProto data type; only the
 * types the IR can hold are accepted (no float16, bfloat16, strings, complex
 * or 8-bit floats).
 */
#include "common.h"

#include <inttypes.h>

struct onnx_elem {
	bool valid;
	enum ir_elem elem;
	uint8_t bits;
	bool is_signed;
};

/* Indexed by TensorProto.DataType. */
static const struct onnx_elem onnx_elems[] = {
	[1] = {true, IR_ELEM_F32, 32, false},   /* FLOAT */
	[2] = {true, IR_ELEM_INT, 8, false},    /* UINT8 */
	[3] = {true, IR_ELEM_INT, 8, true},     /* INT8 */
	[4] = {true, IR_ELEM_INT, 16, false},   /* UINT16 */
	[5] = {true, IR_ELEM_INT, 16, true},    /* INT16 */
	[6] = {true, IR_ELEM_INT, 32, true},    /* INT32 */
	[7] = {true, IR_ELEM_INT, 64, true},    /* INT64 */
	[9] = {true, IR_ELEM_BOOL, 1, false},   /* BOOL */
	[11] = {true, IR_ELEM_F64, 64, false},  /* DOUBLE */
	[12] = {true, IR_ELEM_INT, 32, false},  /* UINT32 */
	[13] = {true, IR_ELEM_INT, 64, false},  /* UINT64 */
};

int shape_cast(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0)
		return -1;
	const struct ir_attr *to = ir_attr_find(op, "to");
	if (!to || to->kind != IR_ATTR_INT)
		return ir_op_error(m, op, "attribute 'to' is missing");
	int64_t n = (int64_t)(sizeof onnx_elems / sizeof onnx_elems[0]);
	if (to->i < 0 || to->i >= n || !onnx_elems[to->i].valid)
		return ir_op_error(m, op, "cannot cast to ONNX data type %" PRId64, to->i);
	const struct onnx_elem *e = &onnx_elems[to->i];
	struct ir_type out = *ir_operand_type(m, op, 0);
	out.elem = e->elem;
	out.bits = e->bits;
	out.is_signed = e->is_signed;
	return shape_set(m, op, 0, &out);
}
