/* batchnorm_to_affine.c: inference BatchNormalization as a per-channel Mul
 * and Add, a cleanup rule (see cleanup.h).
 *
 *   BatchNormalization: Y = (X - mean) / sqrt(var + epsilon) * scale + B
 *   becomes  Y = Add(Mul(X, A), Bc)  with, per channel, in X's float type,
 *   A = scale / sqrt(var + epsilon),  Bc = B - mean * A
 * (qonnx's BatchNormToAffine formula). A and Bc are shaped to broadcast along
 * the channel axis: [C, 1, ..., 1] for NCHW / NCW (axis 1), [C] for
 * channels-last ops (IR_LAYOUT_NHWC, last axis) and for 2-D inputs.
 *
 * Requires the four per-channel operands to be constants of C elements each.
 * In a model with quantizers, a float32 BatchNormalization whose A or Bc is
 * not exact in float32 stays: rounding them would change the real-valued
 * function between two quantizers, whose thresholds the integer lowering
 * computes from the BatchNormalization itself (evaluated as in float64).
 * The interpreter's kernel (like ONNX Runtime) computes the scale as
 * scale * (1 / sqrt(var + epsilon)), which can differ from A in the last
 * bit, so results may differ from the original by an ulp of the product.
 */
#include "cleanup.h"

#include <math.h>
#include <stdlib.h>

/* Fills a and b (C each) from the constant operands of BatchNormalization op. */
static void affine_of(struct ir_module *m, const struct ir_op *op, bool f32, int64_t channels,
		      double *a, double *b)
{
	double eps = ir_attr_float(op, "epsilon", 1e-5);
	int scale = op->operands[1], bias = op->operands[2];
	int mean = op->operands[3], var = op->operands[4];
	for (int64_t c = 0; c < channels; c++) {
		double s = cl_const_elem(m, scale, c), sh = cl_const_elem(m, bias, c);
		double mu = cl_const_elem(m, mean, c), v = cl_const_elem(m, var, c);
		if (f32) {
			float fa = (float)s / sqrtf((float)v + (float)eps);
			a[c] = fa;
			b[c] = (float)sh - (float)mu * fa;
		} else {
			a[c] = s / sqrt(v + eps);
			b[c] = sh - mu * a[c];
		}
	}
}

static bool has_quantizers(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && (ir_opinfo[m->ops[o].code].flags & OPF_QONNX))
			return true;
	return false;
}

/* A and Bc, computed in double, are float32 numbers on every channel. */
static bool exact_in_f32(struct ir_module *m, const struct ir_op *op, int64_t channels)
{
	double *a = malloc(((size_t)channels + 1) * sizeof *a);
	double *b = malloc(((size_t)channels + 1) * sizeof *b);
	if (!a || !b)
		abort();
	affine_of(m, op, false, channels, a, b);
	bool exact = true;
	for (int64_t c = 0; c < channels && exact; c++)
		exact = (double)(float)a[c] == a[c] && (double)(float)b[c] == b[c];
	free(a);
	free(b);
	return exact;
}

static bool applicable(struct ir_module *m, const struct ir_op *op, int *axis)
{
	const struct ir_type *x = &m->values[op->operands[0]].type;
	if (!cl_is_float(x) || x->rank < 2)
		return false;
	*axis = op->layout == IR_LAYOUT_NHWC ? x->rank - 1 : 1;
	for (int k = 1; k < 5; k++) {
		int v = op->operands[k];
		if (!cl_is_const(m, v) || !cl_is_float(&m->values[v].type) ||
		    ir_type_numel(&m->values[v].type) != x->dims[*axis])
			return false;
	}
	return x->elem != IR_ELEM_F32 || !has_quantizers(m) || exact_in_f32(m, op, x->dims[*axis]);
}

/* Rewrites BatchNormalization op o: 1 when done, 0 when abandoned, -1 after
 * an error. */
static int rewrite(struct ir_module *m, int o, int axis)
{
	const struct ir_op *op = &m->ops[o];
	int x = op->operands[0];
	const struct ir_type *xt = &m->values[x].type;
	int64_t channels = xt->dims[axis], dims[IR_MAX_RANK];
	int rank = axis == xt->rank - 1 ? 1 : xt->rank - 1;
	dims[0] = channels;
	for (int d = 1; d < rank; d++)
		dims[d] = 1;
	struct ir_type ct = ir_type_with_dims(*xt, rank, dims);
	double *a = malloc(((size_t)channels + 1) * sizeof *a);
	double *b = malloc(((size_t)channels + 1) * sizeof *b);
	if (!a || !b)
		abort();
	affine_of(m, op, xt->elem == IR_ELEM_F32, channels, a, b);
	const char *name = op->name, *result = m->values[op->results[0]].name;
	int ca = cl_new_const(m, name, "scale", &ct, a);
	int cb = ca < 0 ? -1 : cl_new_const(m, name, "shift", &ct, b);
	free(a);
	free(b);
	if (cb < 0)
		return -1;
	int mul_operands[2] = {x, ca};
	int mul = cl_new_op(m, IR_OP_Mul, name, result, "mul", 2, mul_operands);
	if (mul < 0)
		return 0;
	int add_operands[2] = {m->ops[mul].results[0], cb};
	int add = cl_new_op(m, IR_OP_Add, m->ops[o].name, result, "add", 2, add_operands);
	if (add < 0) {
		cl_kill(m, mul);
		return 0;
	}
	return cl_replace(m, o, add, &mul, 1) < 0 ? 0 : 1;
}

int cleanup_batchnorm_to_affine(struct ir_module *m)
{
	int done = 0;
	for (int o = 0; o < m->nops; o++) {
		int axis;
		if (m->ops[o].dead || m->ops[o].code != IR_OP_BatchNormalization ||
		    !applicable(m, &m->ops[o], &axis))
			continue;
		int r = rewrite(m, o, axis);
		if (r < 0)
			return -1;
		done += r;
	}
	return done;
}
