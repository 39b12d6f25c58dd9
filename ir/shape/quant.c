/* quant.c: shapes of the QONNX quantizers IntQuant, BipolarQuant and Trunc
 * (/work/shared/QONNX.md has their semantics).
 *
 * A quantizer is element-wise on x: its result has x's type (f32 or f64,
 * checked by shape_begin through OPF_FLOAT) and every parameter must broadcast
 * to x's shape unidirectionally. Beyond shapes, this is where parameters that
 * later stages rely on are validated once:
 *   - bit widths must be known at compile time, integers in 1..64;
 *   - scales, when known, must be finite and nonzero (a scale computed at run
 *     time is accepted);
 *   - Trunc v1 cannot widen: in_bitwidth >= out_bitwidth element-wise;
 *   - rounding_mode must be one of the canonical (upper-case) names the
 *     front-end writes; signed and narrow must be 0 or 1.
 */
#include "common.h"

#include <assert.h>
#include <math.h>

static const char *const rounding_modes[] = {
	"ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN", NULL,
};

/* Operand k: a parameter of type float (or any number) broadcastable to x. */
static int check_param(struct ir_module *m, const struct ir_op *op, int k, const char *what,
		       bool need_float)
{
	const struct ir_type *t = ir_operand_type(m, op, k);
	if (!t)
		return ir_op_error(m, op, "%s is missing", what);
	if (need_float ? !shape_is_float(t) : !shape_is_numeric(t)) {
		char buf[16];
		return ir_op_error(m, op, "%s must be %s, got %s", what,
				   need_float ? "a float tensor" : "numeric",
				   ir_elem_str(t, buf, sizeof buf));
	}
	return shape_broadcast_to(m, op, k, what, ir_operand_type(m, op, 0));
}

/* Every element of bit-width operand k must be an integer in 1..64. */
static int check_bitwidth(struct ir_module *m, const struct ir_op *op, int k, const char *what)
{
	if (check_param(m, op, k, what, false) < 0)
		return -1;
	const struct ir_type *t = ir_operand_type(m, op, k);
	const void *data;
	if (shape_known(m, op, k, what, &data) < 0)
		return -1;
	for (int64_t i = 0, n = ir_type_numel(t); i < n; i++) {
		double b = shape_elem(t, data, i);
		if (!(b >= 1) || b != floor(b))
			return ir_op_error(m, op, "%s must be a positive integer, got %g", what,
					   isnan(b) ? fabs(b) : b);
		if (b > 64)
			return ir_op_error(m, op, "%s must be at most 64, got %g", what, b);
	}
	return 0;
}

/* Scale operand k, when known, must be finite and nonzero everywhere. */
static int check_scale(struct ir_module *m, const struct ir_op *op, int k, const char *what)
{
	if (check_param(m, op, k, what, true) < 0)
		return -1;
	const struct ir_type *t = ir_operand_type(m, op, k);
	const void *data = ir_known_data(m, op->operands[k]);
	if (!data)
		return m->error[0] ? -1 : 0;
	for (int64_t i = 0, n = ir_type_numel(t); i < n; i++) {
		double s = shape_elem(t, data, i);
		if (!isfinite(s) || s == 0) /* fabs: print NaN as "nan", never "-nan" */
			return ir_op_error(m, op, "%s must be finite and nonzero, got %g", what,
					   isnan(s) ? fabs(s) : s);
	}
	return 0;
}

static int check_attrs(struct ir_module *m, const struct ir_op *op)
{
	int flag;
	if (shape_attr_flag(m, op, "signed", 1, &flag) < 0 ||
	    shape_attr_flag(m, op, "narrow", 0, &flag) < 0 ||
	    shape_attr_choice(m, op, "rounding_mode", rounding_modes) < 0)
		return -1;
	return 0;
}

/* IntQuant (x, scale, zeropt, bitwidth) */
int shape_int_quant(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || check_attrs(m, op) < 0 ||
	    check_scale(m, op, 1, "scale") < 0 ||
	    check_param(m, op, 2, "zero point", false) < 0 ||
	    check_bitwidth(m, op, 3, "bit width") < 0)
		return -1;
	return shape_set(m, op, 0, ir_operand_type(m, op, 0));
}

/* BipolarQuant (x, scale) */
int shape_bipolar_quant(struct ir_module *m, struct ir_op *op)
{
	if (shape_begin(m, op) < 0 || check_scale(m, op, 1, "scale") < 0)
		return -1;
	return shape_set(m, op, 0, ir_operand_type(m, op, 0));
}

/* Trunc v1: the truncation shifts right by in - out bits, so out <= in. */
static int check_narrowing(struct ir_module *m, const struct ir_op *op)
{
	const struct ir_type *tin = ir_operand_type(m, op, 3), *tout = ir_operand_type(m, op, 4);
	const void *din = ir_known_data(m, op->operands[3]);
	const void *dout = ir_known_data(m, op->operands[4]);
	struct ir_type both = *tin;
	assert(din && dout); /* check_bitwidth required both known */
	if (shape_broadcast(m, op, tin, tout, &both) < 0)
		return -1;
	for (int64_t i = 0, n = ir_type_numel(&both); i < n; i++) {
		double bin = shape_elem(tin, din, shape_broadcast_offset(&both, tin, i));
		double bout = shape_elem(tout, dout, shape_broadcast_offset(&both, tout, i));
		if (bin < bout)
			return ir_op_error(m, op, "output bit width %g is larger than input bit width %g",
					   bout, bin);
	}
	return 0;
}

/* Trunc v1 (x, scale, zeropt, in_bitwidth, out_bitwidth);
 * v2 (x, scale, zeropt, in_bitwidth, out_scale, out_bitwidth). */
int shape_trunc(struct ir_module *m, struct ir_op *op)
{
	bool v2 = op->noperands == 6;
	if (shape_begin(m, op) < 0 || check_attrs(m, op) < 0 ||
	    check_scale(m, op, 1, "scale") < 0 ||
	    check_param(m, op, 2, "zero point", false) < 0 ||
	    check_bitwidth(m, op, 3, "input bit width") < 0 ||
	    (v2 && check_scale(m, op, 4, "output scale") < 0) ||
	    check_bitwidth(m, op, v2 ? 5 : 4, "output bit width") < 0 ||
	    (!v2 && check_narrowing(m, op) < 0))
		return -1;
	return shape_set(m, op, 0, ir_operand_type(m, op, 0));
}
