/* unary.c: unary element-wise kernels (ONNX opset 21): Neg Abs Sign Not Sqrt
 * Exp Log Erf Reciprocal Relu LeakyRelu Elu Selu Sigmoid HardSigmoid Tanh
 * Softplus Softsign Round Floor Ceil.
 *
 * Each float function is written once and instantiated for float and double
 * through <tgmath.h>, so an f32 tensor is computed with the float library
 * functions (expf, tanhf, ...) and float arithmetic, as ONNX Runtime does, and
 * an f64 tensor in double. Attribute constants are converted to the tensor's
 * type first (ONNX attributes are float). Integer forms exist only for the
 * ops ONNX defines on integers (Neg Abs Sign Relu, and Not on bool); they wrap
 * to the result's bit width.
 */
#include "kernels.h"
#include "tensor_util.h"

#include <tgmath.h>

/* Attribute values of the op, as doubles. */
struct unary_params {
	double alpha, beta;
};

struct unary_fns {
	float (*f32)(float x, const struct unary_params *p);
	double (*f64)(double x, const struct unary_params *p);
	uint64_t (*i64)(int64_t x, bool is_unsigned);
	const char *alpha_name, *beta_name; /* attributes read into alpha, beta */
	double alpha_def, beta_def;
};

/* Defines name_f32 and name_f64 computing expr on x of type T. */
#define FLOAT_FN(name, expr)                                                 \
	static float name##_f32(float x, const struct unary_params *p)      \
	{                                                                    \
		typedef float T;                                             \
		(void)p;                                                     \
		return (T)(expr);                                               \
	}                                                                    \
	static double name##_f64(double x, const struct unary_params *p)    \
	{                                                                    \
		typedef double T;                                            \
		(void)p;                                                     \
		return (T)(expr);                                               \
	}

#define ALPHA ((T)p->alpha)
#define BETA ((T)p->beta)

/* Round half to even, independent of the current rounding mode. */
#define ROUND_HALF_EVEN(x) (fabs((x) - trunc(x)) == (T)0.5 \
			    ? 2 * round((x) / 2) : round(x))

FLOAT_FN(neg, -x)
FLOAT_FN(abs, fabs(x))
FLOAT_FN(sign, x > 0 ? (T)1 : x < 0 ? (T)-1 : x) /* 0 and NaN stay */
FLOAT_FN(sqrt, sqrt(x))
FLOAT_FN(exp, exp(x))
FLOAT_FN(log, log(x))
FLOAT_FN(erf, erf(x))
FLOAT_FN(reciprocal, (T)1 / x)
FLOAT_FN(relu, x < 0 ? (T)0 : x)
/* LeakyRelu: y = x >= 0 ? x : alpha * x */
FLOAT_FN(leaky_relu, x >= 0 ? x : ALPHA * x)
/* Elu: y = x >= 0 ? x : alpha * (exp(x) - 1) */
FLOAT_FN(elu, x >= 0 ? x : ALPHA * (exp(x) - 1))
/* Selu: y = gamma * (x > 0 ? x : alpha * (exp(x) - 1)); gamma is in beta */
FLOAT_FN(selu, BETA * (x > 0 ? x : ALPHA * (exp(x) - 1)))
/* Sigmoid: y = 1 / (1 + exp(-x)) */
FLOAT_FN(sigmoid, (T)1 / ((T)1 + exp(-x)))
/* HardSigmoid: y = max(0, min(1, alpha * x + beta)) */
FLOAT_FN(hard_sigmoid, fmax((T)0, fmin((T)1, ALPHA * x + BETA)))
FLOAT_FN(tanh, tanh(x))
/* Softplus: y = ln(exp(x) + 1), evaluated without overflow */
FLOAT_FN(softplus, x > 0 ? x + log1p(exp(-x)) : log1p(exp(x)))
/* Softsign: y = x / (1 + |x|) */
FLOAT_FN(softsign, x / ((T)1 + fabs(x)))
FLOAT_FN(round, ROUND_HALF_EVEN(x))
FLOAT_FN(floor, floor(x))
FLOAT_FN(ceil, ceil(x))

static uint64_t neg_i64(int64_t x, bool u) { (void)u; return 0 - (uint64_t)x; }
static uint64_t abs_i64(int64_t x, bool u) { return !u && x < 0 ? 0 - (uint64_t)x : (uint64_t)x; }
static uint64_t sign_i64(int64_t x, bool u)
{
	return x == 0 ? 0 : !u && x < 0 ? (uint64_t)-1 : 1;
}
static uint64_t relu_i64(int64_t x, bool u) { return !u && x < 0 ? 0 : (uint64_t)x; }
static uint64_t not_i64(int64_t x, bool u) { (void)u; return x == 0; }

#define FLOATS(name) name##_f32, name##_f64

static const struct unary_fns unary_fns[IR_OP_COUNT] = {
	[IR_OP_Neg] = {FLOATS(neg), neg_i64, NULL, NULL, 0, 0},
	[IR_OP_Abs] = {FLOATS(abs), abs_i64, NULL, NULL, 0, 0},
	[IR_OP_Sign] = {FLOATS(sign), sign_i64, NULL, NULL, 0, 0},
	[IR_OP_Not] = {NULL, NULL, not_i64, NULL, NULL, 0, 0},
	[IR_OP_Sqrt] = {FLOATS(sqrt), NULL, NULL, NULL, 0, 0},
	[IR_OP_Exp] = {FLOATS(exp), NULL, NULL, NULL, 0, 0},
	[IR_OP_Log] = {FLOATS(log), NULL, NULL, NULL, 0, 0},
	[IR_OP_Erf] = {FLOATS(erf), NULL, NULL, NULL, 0, 0},
	[IR_OP_Reciprocal] = {FLOATS(reciprocal), NULL, NULL, NULL, 0, 0},
	[IR_OP_Relu] = {FLOATS(relu), relu_i64, NULL, NULL, 0, 0},
	[IR_OP_LeakyRelu] = {FLOATS(leaky_relu), NULL, "alpha", NULL, 0.01, 0},
	[IR_OP_Elu] = {FLOATS(elu), NULL, "alpha", NULL, 1.0, 0},
	[IR_OP_Selu] = {FLOATS(selu), NULL, "alpha", "gamma", 1.67326319217681884765625,
			1.05070102214813232421875},
	[IR_OP_Sigmoid] = {FLOATS(sigmoid), NULL, NULL, NULL, 0, 0},
	[IR_OP_HardSigmoid] = {FLOATS(hard_sigmoid), NULL, "alpha", "beta", 0.2, 0.5},
	[IR_OP_Tanh] = {FLOATS(tanh), NULL, NULL, NULL, 0, 0},
	[IR_OP_Softplus] = {FLOATS(softplus), NULL, NULL, NULL, 0, 0},
	[IR_OP_Softsign] = {FLOATS(softsign), NULL, NULL, NULL, 0, 0},
	[IR_OP_Round] = {FLOATS(round), NULL, NULL, NULL, 0, 0},
	[IR_OP_Floor] = {FLOATS(floor), NULL, NULL, NULL, 0, 0},
	[IR_OP_Ceil] = {FLOATS(ceil), NULL, NULL, NULL, 0, 0},
};

static int unary(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *x,
		 struct ir_tensor *out)
{
	const struct unary_fns *f = &unary_fns[op->code];
	struct unary_params p = {
		f->alpha_name ? ir_attr_float(op, f->alpha_name, f->alpha_def) : 0,
		f->beta_name ? ir_attr_float(op, f->beta_name, f->beta_def) : 0,
	};
	int64_t n = ir_tensor_numel(out);
	assert(ir_tensor_numel(x) == n);
	switch (out->type.elem) {
	case IR_ELEM_F32:
		if (!f->f32)
			break;
		for (int64_t i = 0; i < n; i++)
			ir_tensor_f32(out)[i] = f->f32(ir_load_f32(x, i), &p);
		return 0;
	case IR_ELEM_F64:
		if (!f->f64)
			break;
		for (int64_t i = 0; i < n; i++)
			ir_tensor_f64(out)[i] = f->f64(ir_load_f64(x, i), &p);
		return 0;
	case IR_ELEM_BOOL:
	case IR_ELEM_INT:
		if (!f->i64)
			break;
		for (int64_t i = 0; i < n; i++) {
			bool u = !x->type.is_signed && x->type.elem == IR_ELEM_INT;
			uint64_t r = f->i64(ir_load_i64(x, i), u);
			ir_tensor_i64(out)[i] = ir_int_wrap(&out->type, r);
		}
		return 0;
	}
	char buf[16];
	return ir_op_error(m, op, "not defined for element type %s",
			   ir_elem_str(&out->type, buf, sizeof buf));
}

#define UNARY_KERNEL(id)                                                               \
	int interp_##id(struct ir_module *m, const struct ir_op *op,                     \
			const struct ir_tensor *const *in, struct ir_tensor *const *out, \
			struct arena *scratch)                                           \
	{                                                                                \
		(void)scratch;                                                           \
		return unary(m, op, in[0], out[0]);                                      \
	}
UNARY_KERNEL(Neg)
UNARY_KERNEL(Abs)
UNARY_KERNEL(Sign)
UNARY_KERNEL(Not)
UNARY_KERNEL(Sqrt)
UNARY_KERNEL(Exp)
UNARY_KERNEL(Log)
UNARY_KERNEL(Erf)
UNARY_KERNEL(Reciprocal)
UNARY_KERNEL(Relu)
UNARY_KERNEL(LeakyRelu)
UNARY_KERNEL(Elu)
UNARY_KERNEL(Selu)
UNARY_KERNEL(Sigmoid)
UNARY_KERNEL(HardSigmoid)
UNARY_KERNEL(Tanh)
UNARY_KERNEL(Softplus)
UNARY_KERNEL(Softsign)
UNARY_KERNEL(Round)
UNARY_KERNEL(Floor)
UNARY_KERNEL(Ceil)
