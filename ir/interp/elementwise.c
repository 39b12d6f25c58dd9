/* elementwise.c: binary and variadic element-wise kernels with numpy
 * multidirectional broadcasting (ONNX opset 21): arithmetic (Add Sub Mul Div
 * Pow PRelu Min Max Sum Mean), comparisons (Greater GreaterOrEqual Less
 * LessOrEqual Equal) and logic (And Or).
 *
 * Arithmetic is done in the result's element type: float32 operations for
 * f32 (as ONNX Runtime does), double for f64, and for integers 64-bit
 * unsigned (wrapping) arithmetic reduced to the result's bit width, so that
 * overflow is never undefined. Integer Div truncates toward zero; a zero
 * divisor is a run-time error. Comparisons are done in the operands' type and
 * give bool (0/1 in int64 storage). Operands of a different element type
 * than the arithmetic's are converted on load (ir_load_*), which only happens
 * if a pass produced such mixed ops on purpose.
 */
#include "kernels.h"
#include "tensor_util.h"

#include <math.h>

/* ---- element-wise drivers ---------------------------------------------- */

/* The arithmetic of a result: float, double or integer (unsigned 64-bit
 * integers need unsigned comparison and division). */
enum domain { DOM_F32, DOM_F64, DOM_INT, DOM_U64 };

static enum domain domain_of(const struct ir_type *t)
{
	switch (t->elem) {
	case IR_ELEM_F32: return DOM_F32;
	case IR_ELEM_F64: return DOM_F64;
	case IR_ELEM_BOOL: return DOM_INT;
	case IR_ELEM_INT: break;
	}
	return !t->is_signed && t->bits >= 64 ? DOM_U64 : DOM_INT;
}

/* One binary arithmetic operation in each domain; the integer form returns -1
 * for an argument it cannot evaluate (int_error says why). NULL: unsupported. */
struct binary_fns {
	float (*f32)(float a, float b);
	double (*f64)(double a, double b);
	int (*i64)(int64_t a, int64_t b, bool u64, uint64_t *r);
	const char *int_error;
};

/* out[i] = f(a[bcast i], b[bcast i]); a may be out itself (same shape). */
static int apply_binary(struct ir_module *m, const struct ir_op *op, const struct binary_fns *f,
			const struct ir_tensor *a, const struct ir_tensor *b,
			struct ir_tensor *out)
{
	const struct ir_type *types[2] = {&a->type, &b->type};
	enum domain d = domain_of(&out->type);
	int64_t n = ir_tensor_numel(out);
	struct ir_bcast it;
	ir_bcast_init(&it, &out->type, 2, types);
	if ((d == DOM_F32 && !f->f32) || (d == DOM_F64 && !f->f64) ||
	    ((d == DOM_INT || d == DOM_U64) && !f->i64))
		return ir_op_error(m, op, "not defined for this element type");
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		int64_t pa = it.pos[0], pb = it.pos[1];
		if (d == DOM_F32) {
			ir_tensor_f32(out)[i] = f->f32(ir_load_f32(a, pa), ir_load_f32(b, pb));
		} else if (d == DOM_F64) {
			ir_tensor_f64(out)[i] = f->f64(ir_load_f64(a, pa), ir_load_f64(b, pb));
		} else {
			uint64_t r;
			if (f->i64(ir_load_i64(a, pa), ir_load_i64(b, pb), d == DOM_U64, &r) < 0)
				return ir_op_error(m, op, "%s", f->int_error);
			ir_tensor_i64(out)[i] = ir_int_wrap(&out->type, r);
		}
	}
	return 0;
}

/* out[i] = a[bcast i] converted to out's element type. */
static void broadcast_into(const struct ir_tensor *a, struct ir_tensor *out)
{
	const struct ir_type *types[1] = {&a->type};
	enum domain d = domain_of(&out->type);
	bool same = ir_type_same_elem(&a->type, &out->type);
	int64_t n = ir_tensor_numel(out);
	struct ir_bcast it;
	ir_bcast_init(&it, &out->type, 1, types);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		if (same)
			ir_tensor_copy_elem(out, i, a, it.pos[0]);
		else if (d == DOM_F32)
			ir_tensor_f32(out)[i] = ir_load_f32(a, it.pos[0]);
		else if (d == DOM_F64)
			ir_tensor_f64(out)[i] = ir_load_f64(a, it.pos[0]);
		else
			ir_tensor_i64(out)[i] = ir_int_wrap(&out->type,
							    (uint64_t)ir_load_i64(a, it.pos[0]));
	}
}

/* ---- arithmetic ------------------------------------------------------------ */

static float add_f32(float a, float b) { return a + b; }
static double add_f64(double a, double b) { return a + b; }
static int add_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	(void)u64;
	*r = (uint64_t)a + (uint64_t)b;
	return 0;
}

static float sub_f32(float a, float b) { return a - b; }
static double sub_f64(double a, double b) { return a - b; }
static int sub_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	(void)u64;
	*r = (uint64_t)a - (uint64_t)b;
	return 0;
}

static float mul_f32(float a, float b) { return a * b; }
static double mul_f64(double a, double b) { return a * b; }
static int mul_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	(void)u64;
	*r = (uint64_t)a * (uint64_t)b;
	return 0;
}

static float div_f32(float a, float b) { return a / b; }
static double div_f64(double a, double b) { return a / b; }
/* Truncating division; INT64_MIN / -1 wraps instead of trapping. */
static int div_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	if (b == 0)
		return -1;
	if (u64)
		*r = (uint64_t)a / (uint64_t)b;
	else if (b == -1)
		*r = 0 - (uint64_t)a;
	else
		*r = (uint64_t)(a / b);
	return 0;
}

/* ONNX Runtime squares and cubes by multiplication, other exponents by pow. */
static float pow_f32(float a, float b)
{
	if (b == 2.0f)
		return a * a;
	if (b == 3.0f)
		return a * a * a;
	return powf(a, b);
}
static double pow_f64(double a, double b) { return pow(a, b); }
/* Integer power by squaring, wrapping; a negative exponent gives the
 * truncated real result (0 unless |a| == 1), and is an error for a == 0. */
static int pow_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	if (!u64 && b < 0) {
		if (a == 0)
			return -1;
		*r = a == 1 ? 1 : a == -1 ? ((b & 1) ? (uint64_t)-1 : 1) : 0;
		return 0;
	}
	uint64_t base = (uint64_t)a, e = (uint64_t)b, acc = 1;
	for (; e; e >>= 1, base *= base)
		if (e & 1)
			acc *= base;
	*r = acc;
	return 0;
}

/* Min and Max propagate NaN, like ONNX Runtime since opset 12. */
static float min_f32(float a, float b) { return isnan(a) || isnan(b) ? NAN : a < b ? a : b; }
static double min_f64(double a, double b) { return isnan(a) || isnan(b) ? NAN : a < b ? a : b; }
static float max_f32(float a, float b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }
static double max_f64(double a, double b) { return isnan(a) || isnan(b) ? NAN : a > b ? a : b; }
static bool int_less(int64_t a, int64_t b, bool u64)
{
	return u64 ? (uint64_t)a < (uint64_t)b : a < b;
}
static int min_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	*r = (uint64_t)(int_less(a, b, u64) ? a : b);
	return 0;
}
static int max_i64(int64_t a, int64_t b, bool u64, uint64_t *r)
{
	*r = (uint64_t)(int_less(b, a, u64) ? a : b);
	return 0;
}

/* PRelu: y = x < 0 ? slope * x : x */
static float prelu_f32(float x, float s) { return x < 0 ? s * x : x; }
static double prelu_f64(double x, double s) { return x < 0 ? s * x : x; }
static int prelu_i64(int64_t x, int64_t s, bool u64, uint64_t *r)
{
	*r = !u64 && x < 0 ? (uint64_t)s * (uint64_t)x : (uint64_t)x;
	return 0;
}

static const struct binary_fns binary_fns[IR_OP_COUNT] = {
	[IR_OP_Add] = {add_f32, add_f64, add_i64, NULL},
	[IR_OP_Sub] = {sub_f32, sub_f64, sub_i64, NULL},
	[IR_OP_Mul] = {mul_f32, mul_f64, mul_i64, NULL},
	[IR_OP_Div] = {div_f32, div_f64, div_i64, "integer division by zero"},
	[IR_OP_Pow] = {pow_f32, pow_f64, pow_i64, "integer zero raised to a negative power"},
	[IR_OP_PRelu] = {prelu_f32, prelu_f64, prelu_i64, NULL},
	[IR_OP_Min] = {min_f32, min_f64, min_i64, NULL},
	[IR_OP_Max] = {max_f32, max_f64, max_i64, NULL},
	[IR_OP_Sum] = {add_f32, add_f64, add_i64, NULL},
	[IR_OP_Mean] = {add_f32, add_f64, NULL, NULL},
};

#define BINARY_KERNEL(id)                                                              \
	int interp_##id(struct ir_module *m, const struct ir_op *op,                     \
			const struct ir_tensor *const *in, struct ir_tensor *const *out, \
			struct arena *scratch)                                           \
	{                                                                                \
		(void)scratch;                                                           \
		return apply_binary(m, op, &binary_fns[IR_OP_##id], in[0], in[1], out[0]); \
	}
BINARY_KERNEL(Add)
BINARY_KERNEL(Sub)
BINARY_KERNEL(Mul)
BINARY_KERNEL(Div)
BINARY_KERNEL(Pow)
BINARY_KERNEL(PRelu)

/* Min, Max, Sum: folded left to right over all operands; Mean = Sum / n in
 * the result type. */
static int variadic(struct ir_module *m, const struct ir_op *op,
		    const struct ir_tensor *const *in, struct ir_tensor *out)
{
	const struct binary_fns *f = &binary_fns[op->code];
	for (int k = 0; k < op->noperands; k++)
		if (!in[k])
			return ir_op_error(m, op, "input %d is missing", k);
	broadcast_into(in[0], out);
	for (int k = 1; k < op->noperands; k++)
		if (apply_binary(m, op, f, out, in[k], out) < 0)
			return -1;
	if (op->code != IR_OP_Mean)
		return 0;
	int64_t n = ir_tensor_numel(out);
	for (int64_t i = 0; i < n; i++) {
		if (out->type.elem == IR_ELEM_F32)
			ir_tensor_f32(out)[i] /= (float)op->noperands;
		else if (out->type.elem == IR_ELEM_F64)
			ir_tensor_f64(out)[i] /= op->noperands;
		else
			return ir_op_error(m, op, "not defined for integer tensors");
	}
	return 0;
}

#define VARIADIC_KERNEL(id)                                                            \
	int interp_##id(struct ir_module *m, const struct ir_op *op,                     \
			const struct ir_tensor *const *in, struct ir_tensor *const *out, \
			struct arena *scratch)                                           \
	{                                                                                \
		(void)scratch;                                                           \
		return variadic(m, op, in, out[0]);                                      \
	}
VARIADIC_KERNEL(Min)
VARIADIC_KERNEL(Max)
VARIADIC_KERNEL(Sum)
VARIADIC_KERNEL(Mean)

/* ---- comparisons and logic ----------------------------------------------- */

enum { REL_LESS = 1, REL_EQUAL = 2, REL_GREATER = 4 };

/* Which outcomes of comparing a with b make each comparison true; an
 * unordered pair (NaN) has none, so every comparison but none is false. */
static const unsigned compare_true[IR_OP_COUNT] = {
	[IR_OP_Greater] = REL_GREATER,
	[IR_OP_GreaterOrEqual] = REL_GREATER | REL_EQUAL,
	[IR_OP_Less] = REL_LESS,
	[IR_OP_LessOrEqual] = REL_LESS | REL_EQUAL,
	[IR_OP_Equal] = REL_EQUAL,
};

static bool is_integral(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT || t->elem == IR_ELEM_BOOL;
}

static unsigned relation(const struct ir_tensor *a, int64_t pa, const struct ir_tensor *b,
			 int64_t pb)
{
	if (is_integral(&a->type) && is_integral(&b->type)) {
		int64_t x = ir_load_i64(a, pa), y = ir_load_i64(b, pb);
		bool u64 = domain_of(&a->type) == DOM_U64 && domain_of(&b->type) == DOM_U64;
		return int_less(x, y, u64) ? REL_LESS : x == y ? REL_EQUAL : REL_GREATER;
	}
	/* f32 values compare the same as doubles; so do ints below 2^53 */
	double x = ir_load_f64(a, pa), y = ir_load_f64(b, pb);
	return x < y ? REL_LESS : x == y ? REL_EQUAL : x > y ? REL_GREATER : 0;
}

static int compare(const struct ir_op *op, const struct ir_tensor *a,
		   const struct ir_tensor *b, struct ir_tensor *out)
{
	const struct ir_type *types[2] = {&a->type, &b->type};
	unsigned want = compare_true[op->code];
	int64_t n = ir_tensor_numel(out);
	struct ir_bcast it;
	ir_bcast_init(&it, &out->type, 2, types);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it))
		ir_tensor_i64(out)[i] = (relation(a, it.pos[0], b, it.pos[1]) & want) != 0;
	return 0;
}

#define COMPARE_KERNEL(id)                                                             \
	int interp_##id(struct ir_module *m, const struct ir_op *op,                     \
			const struct ir_tensor *const *in, struct ir_tensor *const *out, \
			struct arena *scratch)                                           \
	{                                                                                \
		(void)m;                                                                 \
		(void)scratch;                                                           \
		return compare(op, in[0], in[1], out[0]);                                \
	}
COMPARE_KERNEL(Greater)
COMPARE_KERNEL(GreaterOrEqual)
COMPARE_KERNEL(Less)
COMPARE_KERNEL(LessOrEqual)
COMPARE_KERNEL(Equal)

/* And, Or on bool operands (any nonzero element counts as true). */
static int logic(const struct ir_op *op, const struct ir_tensor *a, const struct ir_tensor *b,
		 struct ir_tensor *out)
{
	const struct ir_type *types[2] = {&a->type, &b->type};
	int64_t n = ir_tensor_numel(out);
	struct ir_bcast it;
	ir_bcast_init(&it, &out->type, 2, types);
	for (int64_t i = 0; i < n; i++, ir_bcast_next(&it)) {
		bool x = ir_load_f64(a, it.pos[0]) != 0, y = ir_load_f64(b, it.pos[1]) != 0;
		ir_tensor_i64(out)[i] = op->code == IR_OP_And ? x && y : x || y;
	}
	return 0;
}

int interp_And(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
	       struct ir_tensor *const *out, struct arena *scratch)
{
	(void)m;
	(void)scratch;
	return logic(op, in[0], in[1], out[0]);
}

int interp_Or(struct ir_module *m, const struct ir_op *op, const struct ir_tensor *const *in,
	      struct ir_tensor *const *out, struct arena *scratch)
{
	(void)m;
	(void)scratch;
	return logic(op, in[0], in[1], out[0]);
}
