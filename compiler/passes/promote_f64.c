/* promote_f64.c: the promote-f64 pass, which turns the model's float32
 * arithmetic into float64 so that the interpreter evaluates the graph's
 * real-valued function in double: the oracle of the integer lowering
 * (`qonnxc run --interp --passes=promote-f64`).
 *
 * Every f32 graph input and constant becomes f64 (the conversion is exact),
 * Cast and Dequantize to float become casts to double, and every result type
 * is inferred again. The interpreter computes f64 ops in double, quantizers
 * included (each step rounded to double instead of float).
 *
 * Requires: a verified module. Guarantees: a verified module with no f32
 * value; graph inputs keep their names and shapes (run converts f32 input
 * files). Invalidates nothing else (indices are kept).
 */
#include "passes.h"

enum { ONNX_FLOAT = 1, ONNX_DOUBLE = 11 };

static void promote_const(struct ir_module *m, struct ir_value *val)
{
	int64_t n = ir_type_numel(&val->type);
	double *d = arena_alloc(&m->arena, (size_t)n * sizeof *d + 1);
	for (int64_t i = 0; i < n; i++)
		d[i] = ((const float *)val->data)[i];
	val->data = d;
}

int pass_promote_f64(struct ir_module *m)
{
	for (int v = 0; v < m->nvalues; v++) {
		struct ir_value *val = &m->values[v];
		if (val->type.elem != IR_ELEM_F32)
			continue;
		if (val->kind == IR_VALUE_CONST && val->data)
			promote_const(m, val);
		val->type.elem = IR_ELEM_F64;
		val->type.bits = 64;
		val->folded = NULL;
	}
	for (int o = 0; o < m->nops; o++) {
		struct ir_op *op = &m->ops[o];
		if (op->dead)
			continue;
		if ((op->code == IR_OP_Cast || op->code == IR_OP_Dequantize) &&
		    ir_attr_int(op, "to", op->code == IR_OP_Dequantize) == ONNX_FLOAT)
			ir_set_attr_int(m, o, "to", ONNX_DOUBLE);
	}
	for (int v = 0; v < m->nvalues; v++)
		m->values[v].folded = NULL;
	return ir_infer_all(m);
}
