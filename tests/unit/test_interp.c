/* test_interp.c: single interpreter kernels through interp_eval_op.
 *
 * Each case builds a one-op module, sets the result type by hand, runs the
 * kernel on given tensors and compares every element with values worked out
 * by hand from the operator's definition (ONNX opset 21; QONNX operators
 * from QONNX.md: IntQuant clamps, then rounds; Trunc v1/v2 as written
 * there). The comment above each expectation shows the arithmetic. Inputs
 * are chosen so that float32 arithmetic is exact or far from any rounding
 * boundary, so every comparison is exact.
 *
 * After the kernel has run, shape inference is also asked for the result
 * type; a disagreement with the hand-set type fails the case too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ir/interp/interp.h"

#define LEN(a) (sizeof(a) / sizeof *(a))

/* ---- a one-op module ---------------------------------------------------------- */

enum { MAX_OPERANDS = 8 };

struct kcase {
	struct ir_module *m;
	struct arena arena;
	int vals[MAX_OPERANDS];
	struct ir_tensor in[MAX_OPERANDS];
	int n;
	int op;
	struct ir_tensor out[2];
};

static struct kcase *kc_begin(struct kcase *k)
{
	memset(k, 0, sizeof *k);
	k->m = ir_module_new("interp.onnx");
	k->op = -1;
	return k;
}

static void kc_end(struct kcase *k)
{
	arena_free(&k->arena);
	ir_module_free(k->m);
}

/* An operand: a graph input (as_const false) or a constant, of type t. */
static void kc_operand(struct kcase *k, struct ir_type t, const void *data, bool as_const)
{
	assert_true(k->n < MAX_OPERANDS);
	int v = as_const ? ir_add_const(k->m, NULL, &t, data) : ir_add_input(k->m, NULL, &t);
	assert_true(v >= 0);
	k->vals[k->n] = v;
	k->in[k->n] = (struct ir_tensor){t, as_const ? ir_val(k->m, v)->data : (void *)data};
	k->n++;
}

static void kc_f32(struct kcase *k, int rank, const int64_t *dims, const float *data)
{
	kc_operand(k, ir_type_f32(rank, dims), data, false);
}

static void kc_const_f32(struct kcase *k, int rank, const int64_t *dims, const float *data)
{
	kc_operand(k, ir_type_f32(rank, dims), data, true);
}

static void kc_scalar(struct kcase *k, float v)
{
	kc_operand(k, ir_type_f32(0, NULL), &v, true); /* copied into the module */
}

static void kc_absent(struct kcase *k)
{
	assert_true(k->n < MAX_OPERANDS);
	k->vals[k->n++] = IR_NONE;
}

static int kc_op(struct kcase *k, enum ir_opcode code, const char *name, int nresults)
{
	k->op = ir_add_op(k->m, code, name, k->n, k->vals, nresults, NULL);
	assert_true(k->op >= 0);
	return k->op;
}

/* Runs the op with result 0 of type t; returns interp_eval_op's status. */
static int kc_try(struct kcase *k, struct ir_type t)
{
	struct ir_op *op = ir_op_at(k->m, k->op);
	const struct ir_tensor *in[MAX_OPERANDS];
	assert_int_equal(ir_set_result_type(k->m, op, 0, &t), 0);
	for (int i = 0; i < k->n; i++)
		in[i] = k->vals[i] == IR_NONE ? NULL : &k->in[i];
	return interp_eval_op(k->m, op, in, k->out, &k->arena);
}

/* Shape inference must give t for result 0. */
static void kc_check_inference(struct kcase *k, struct ir_type t)
{
	struct ir_op *op = ir_op_at(k->m, k->op);
	char want[96], got[96];
	if (ir_infer_op(k->m, op) != 0)
		fail_msg("%s: shape inference failed: %s", op->name, k->m->error);
	const struct ir_type *r = &ir_val(k->m, op->results[0])->type;
	if (!ir_type_equal(r, &t))
		fail_msg("%s: shape inference gives %s, expected %s", op->name,
			 ir_type_str(r, got, sizeof got), ir_type_str(&t, want, sizeof want));
}

/* Runs the op (result f32 of the given dims), compares with want, checks
 * inference, and frees the case. */
static void kc_expect_f32(struct kcase *k, int rank, const int64_t *dims, const float *want,
			  size_t nwant)
{
	struct ir_type t = ir_type_f32(rank, dims);
	const char *name = ir_op_at(k->m, k->op)->name;
	if (kc_try(k, t) != 0)
		fail_msg("%s: evaluation failed: %s", name, k->m->error);
	assert_int_equal(ir_type_numel(&k->out[0].type), nwant);
	const float *got = k->out[0].data;
	for (size_t i = 0; i < nwant; i++)
		if (!(got[i] == want[i]))
			fail_msg("%s: element %zu is %.9g, expected %.9g", name, i, (double)got[i],
				 (double)want[i]);
	kc_check_inference(k, t);
	kc_end(k);
}

/* ---- element-wise --------------------------------------------------------------- */

static void test_add_broadcast(void **state)
{
	(void)state;
	struct kcase k;
	/* [2,3] + [3]: the row [10,20,30] is added to each row */
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){1, 2, 3, 4, 5, 6});
	kc_f32(&k, 1, (const int64_t[]){3}, (const float[]){10, 20, 30});
	kc_op(&k, IR_OP_Add, "add_row", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){11, 22, 33, 14, 25, 36}, 6);

	/* [2,1] + [1,3] -> [2,3]: out[i][j] = a[i] + b[j] */
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 1}, (const float[]){1, 2});
	kc_f32(&k, 2, (const int64_t[]){1, 3}, (const float[]){10, 20, 30});
	kc_op(&k, IR_OP_Add, "add_outer", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){11, 21, 31, 12, 22, 32}, 6);

	/* scalar + [2,2] */
	kc_begin(&k);
	kc_scalar(&k, 0.5f);
	kc_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){1, -1, 2, -2});
	kc_op(&k, IR_OP_Add, "add_scalar", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){1.5f, -0.5f, 2.5f, -1.5f}, 4);

	/* [3,1,2] + [4,1] -> [3,4,2]: out[i][j][l] = a[i][0][l] + b[j][0] */
	kc_begin(&k);
	kc_f32(&k, 3, (const int64_t[]){3, 1, 2}, (const float[]){0, 1, 100, 101, 200, 201});
	kc_f32(&k, 2, (const int64_t[]){4, 1}, (const float[]){10, 20, 30, 40});
	kc_op(&k, IR_OP_Add, "add_3d", 1);
	kc_expect_f32(&k, 3, (const int64_t[]){3, 4, 2},
		      (const float[]){10, 11, 20, 21, 30, 31, 40, 41,
				      110, 111, 120, 121, 130, 131, 140, 141,
				      210, 211, 220, 221, 230, 231, 240, 241},
		      24);
}

static void test_add_int64(void **state)
{
	(void)state;
	struct kcase k;
	const int64_t a[3] = {1, -2, 1000000000000}, b[1] = {5};
	kc_begin(&k);
	kc_operand(&k, ir_type_int(64, true, 1, (const int64_t[]){3}), a, false);
	kc_operand(&k, ir_type_int(64, true, 1, (const int64_t[]){1}), b, true);
	kc_op(&k, IR_OP_Add, "add_i64", 1);
	struct ir_type t = ir_type_int(64, true, 1, (const int64_t[]){3});
	assert_int_equal(kc_try(&k, t), 0);
	const int64_t *r = k.out[0].data;
	assert_int_equal(r[0], 6);
	assert_int_equal(r[1], 3);
	assert_int_equal(r[2], 1000000000005);
	kc_check_inference(&k, t);
	kc_end(&k);
}

/* ---- IntQuant ------------------------------------------------------------------- */

/* IntQuant(x, scale, zeropt, bitwidth) with float scalar parameters. */
static void intquant(struct kcase *k, const char *name, const float *x, int n, float scale,
		     float zeropt, float bits, int is_signed, int narrow, const char *mode)
{
	kc_begin(k);
	kc_f32(k, 1, (const int64_t[]){n}, x);
	kc_scalar(k, scale);
	kc_scalar(k, zeropt);
	kc_scalar(k, bits);
	kc_op(k, IR_OP_IntQuant, name, 1);
	ir_set_attr_int(k->m, k->op, "signed", is_signed);
	ir_set_attr_int(k->m, k->op, "narrow", narrow);
	if (mode)
		ir_set_attr_string(k->m, k->op, "rounding_mode", mode);
}

static void test_intquant_rounding_modes(void **state)
{
	(void)state;
	/* scale 0.5: x / scale = 2.5, -2.5, 0.5, -0.5, 1.5 (ties), 2.3, -2.7;
	 * 8-bit signed, so no clamping; y = round(q) * 0.5 */
	static const float x[7] = {1.25f, -1.25f, 0.25f, -0.25f, 0.75f, 1.15f, -1.35f};
	static const struct {
		const char *mode;
		float q[7];
	} cases[] = {
		{"ROUND", {2, -2, 0, 0, 2, 2, -3}},      /* half to even */
		{"HALF_EVEN", {2, -2, 0, 0, 2, 2, -3}},
		{"CEIL", {3, -2, 1, 0, 2, 3, -2}},
		{"FLOOR", {2, -3, 0, -1, 1, 2, -3}},
		{"UP", {3, -3, 1, -1, 2, 3, -3}},        /* away from zero */
		{"DOWN", {2, -2, 0, 0, 1, 2, -2}},       /* toward zero */
		{"HALF_UP", {3, -3, 1, -1, 2, 2, -3}},   /* ties away from zero */
		{"HALF_DOWN", {2, -2, 0, 0, 1, 2, -3}},  /* ties toward zero */
		{NULL, {2, -2, 0, 0, 2, 2, -3}},         /* default ROUND */
	};
	for (size_t c = 0; c < LEN(cases); c++) {
		struct kcase k;
		float want[7];
		char name[32];
		snprintf(name, sizeof name, "quant_%s", cases[c].mode ? cases[c].mode : "default");
		for (int i = 0; i < 7; i++)
			want[i] = cases[c].q[i] * 0.5f;
		intquant(&k, name, x, 7, 0.5f, 0, 8, 1, 0, cases[c].mode);
		kc_expect_f32(&k, 1, (const int64_t[]){7}, want, 7);
	}
}

static void test_intquant_clamp(void **state)
{
	(void)state;
	/* scale 1, zeropt 0, 4 bits, ROUND; x = 9.6, -9.3, 20, -3, 7.4, 0.5 */
	static const float x[6] = {9.6f, -9.3f, 20, -3, 7.4f, 0.5f};
	struct kcase k;
	/* signed: [-8, 7] */
	intquant(&k, "s4", x, 6, 1, 0, 4, 1, 0, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){7, -8, 7, -3, 7, 0}, 6);
	/* signed narrow: [-7, 7] */
	intquant(&k, "s4n", x, 6, 1, 0, 4, 1, 1, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){7, -7, 7, -3, 7, 0}, 6);
	/* unsigned: [0, 15]; 9.6 rounds to 10 */
	intquant(&k, "u4", x, 6, 1, 0, 4, 0, 0, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){10, 0, 15, 0, 7, 0}, 6);
	/* unsigned narrow: [0, 14] */
	intquant(&k, "u4n", x, 6, 1, 0, 4, 0, 1, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){10, 0, 14, 0, 7, 0}, 6);
	/* 8-bit signed with scale 0.25: q = 4x; x = 40 -> 160 -> 127 -> 31.75,
	 * x = -40 -> -128 -> -32, x = 1.1 -> 4.4 -> 4 -> 1 */
	intquant(&k, "s8", (const float[]){40, -40, 1.1f}, 3, 0.25f, 0, 8, 1, 0, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){3}, (const float[]){31.75f, -32, 1}, 3);
	/* 2-bit signed narrow: [-1, 1]: a ternary quantizer */
	intquant(&k, "ternary", (const float[]){0.4f, -0.6f, 3, -3, 0.6f}, 5, 1, 0, 2, 1, 1, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){5}, (const float[]){0, -1, 1, -1, 1}, 5);
}

/* Every rounding mode again, now with narrow 4-bit ranges where ties sit
 * next to the clamp bounds; scale 1, so y = q. */
static void test_intquant_modes_narrow(void **state)
{
	(void)state;
	static const char *const modes[7] = {"ROUND", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP",
					     "HALF_DOWN"};
	/* unsigned narrow [0, 14]: x = 2.5, -2.5, 0.5, 14.5, 15.5
	 * clamped:                    2.5,  0,   0.5, 14,   14 */
	static const float xu[5] = {2.5f, -2.5f, 0.5f, 14.5f, 15.5f};
	static const float yu[7][5] = {
		{2, 0, 0, 14, 14}, {3, 0, 1, 14, 14}, {2, 0, 0, 14, 14}, {3, 0, 1, 14, 14},
		{2, 0, 0, 14, 14}, {3, 0, 1, 14, 14}, {2, 0, 0, 14, 14},
	};
	/* signed narrow [-7, 7]: x = 2.5, -2.5, -7.5, 7.5, -0.5
	 * clamped:                  2.5, -2.5, -7,   7,   -0.5 */
	static const float xs[5] = {2.5f, -2.5f, -7.5f, 7.5f, -0.5f};
	static const float ys[7][5] = {
		{2, -2, -7, 7, 0}, {3, -2, -7, 7, 0}, {2, -3, -7, 7, -1}, {3, -3, -7, 7, -1},
		{2, -2, -7, 7, 0}, {3, -3, -7, 7, -1}, {2, -2, -7, 7, 0},
	};
	for (int i = 0; i < 7; i++) {
		struct kcase k;
		char name[32];
		snprintf(name, sizeof name, "u4n_%s", modes[i]);
		intquant(&k, name, xu, 5, 1, 0, 4, 0, 1, modes[i]);
		kc_expect_f32(&k, 1, (const int64_t[]){5}, yu[i], 5);
		snprintf(name, sizeof name, "s4n_%s", modes[i]);
		intquant(&k, name, xs, 5, 1, 0, 4, 1, 1, modes[i]);
		kc_expect_f32(&k, 1, (const int64_t[]){5}, ys[i], 5);
	}
}

static void test_intquant_zeropt(void **state)
{
	(void)state;
	/* unsigned 4-bit, zeropt 2, scale 1: q = x + 2 = -1, 16.4, 3.5, 2.3;
	 * clamp to [0, 15]: 0, 15, 3.5, 2.3; ROUND: 0, 15, 4, 2; y = q - 2 */
	struct kcase k;
	intquant(&k, "zp", (const float[]){-3, 14.4f, 1.5f, 0.3f}, 4, 1, 2, 4, 0, 0, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){4}, (const float[]){-2, 13, 2, 0}, 4);
	/* signed 8-bit, zeropt -3, scale 2: q = x/2 - 3; x = 1 -> -2.5 -> -2 (even) -> 2;
	 * x = 3 -> -1.5 -> -2 -> 2; x = -250 -> -128 (the bound) -> -250 */
	intquant(&k, "zp_neg", (const float[]){1, 3, -250}, 3, 2, -3, 8, 1, 0, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){3}, (const float[]){2, 2, -250}, 3);
}

static void test_intquant_per_channel(void **state)
{
	(void)state;
	/* x [2,3], scale [2,1] = [[1], [0.5]], 8-bit signed, ROUND:
	 * row 0: q = 0.3, 0.8, -1.1 -> 0, 1, -1 -> y = 0, 1, -1
	 * row 1: q = 0.6, 1.6, -2.2 -> 1, 2, -2 -> y = 0.5, 1, -1 */
	struct kcase k;
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){0.3f, 0.8f, -1.1f, 0.3f, 0.8f, -1.1f});
	kc_const_f32(&k, 2, (const int64_t[]){2, 1}, (const float[]){1, 0.5f});
	kc_scalar(&k, 0);
	kc_scalar(&k, 8);
	kc_op(&k, IR_OP_IntQuant, "per_channel", 1);
	ir_set_attr_int(k.m, k.op, "signed", 1);
	ir_set_attr_int(k.m, k.op, "narrow", 0);
	ir_set_attr_string(k.m, k.op, "rounding_mode", "ROUND");
	kc_expect_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){0, 1, -1, 0.5f, 1, -1}, 6);
}

static void test_intquant_int_bitwidth(void **state)
{
	(void)state;
	/* bitwidth stored as an int64 tensor: unsigned narrow 4-bit, [0, 14] */
	struct kcase k;
	const int64_t four = 4;
	kc_begin(&k);
	kc_f32(&k, 1, (const int64_t[]){3}, (const float[]){20, -1, 5.5f});
	kc_scalar(&k, 1);
	kc_scalar(&k, 0);
	kc_operand(&k, ir_type_int(64, true, 0, NULL), &four, true);
	kc_op(&k, IR_OP_IntQuant, "int_bits", 1);
	ir_set_attr_int(k.m, k.op, "signed", 0);
	ir_set_attr_int(k.m, k.op, "narrow", 1);
	/* 5.5 is a tie: ROUND gives 6 (even) */
	kc_expect_f32(&k, 1, (const int64_t[]){3}, (const float[]){14, 0, 6}, 3);
}

static void test_intquant_bipolar(void **state)
{
	(void)state;
	/* signed 1-bit: q = (x/scale + zeropt >= 0) ? 1 : -1, y = q * scale;
	 * scale 2: x/scale = 0.15, -0.1, 0, -2.5 */
	struct kcase k;
	intquant(&k, "bipolar1", (const float[]){0.3f, -0.2f, 0, -5}, 4, 2, 0, 1, 1, 0, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){4}, (const float[]){2, -2, 2, -2}, 4);
}

static void test_bipolarquant(void **state)
{
	(void)state;
	/* y = (x >= 0 ? 1 : -1) * scale */
	struct kcase k;
	kc_begin(&k);
	kc_f32(&k, 1, (const int64_t[]){4}, (const float[]){0.5f, -0.1f, 0, -3});
	kc_scalar(&k, 0.25f);
	kc_op(&k, IR_OP_BipolarQuant, "bq", 1);
	kc_expect_f32(&k, 1, (const int64_t[]){4}, (const float[]){0.25f, -0.25f, 0.25f, -0.25f}, 4);

	/* a per-element scale [1, 2, 3, 4] */
	kc_begin(&k);
	kc_f32(&k, 1, (const int64_t[]){4}, (const float[]){0.5f, -0.1f, 0, -3});
	kc_const_f32(&k, 1, (const int64_t[]){4}, (const float[]){1, 2, 3, 4});
	kc_op(&k, IR_OP_BipolarQuant, "bq_vec", 1);
	kc_expect_f32(&k, 1, (const int64_t[]){4}, (const float[]){1, -2, 3, -4}, 4);
}

/* ---- Trunc ---------------------------------------------------------------------- */

static void trunc_v1(struct kcase *k, const char *name, const float *x, int n, float scale,
		     float zeropt, float in_bits, float out_bits, const char *mode)
{
	kc_begin(k);
	kc_f32(k, 1, (const int64_t[]){n}, x);
	kc_scalar(k, scale);
	kc_scalar(k, zeropt);
	kc_scalar(k, in_bits);
	kc_scalar(k, out_bits);
	kc_op(k, IR_OP_Trunc, name, 1);
	if (mode)
		ir_set_attr_string(k->m, k->op, "rounding_mode", mode);
}

static void test_trunc_v1(void **state)
{
	(void)state;
	/* in 8 bits, out 4 bits: divide by 2^4 = 16 after rounding half to even.
	 * x = 40, 47.6, -40, 8, 24, 40.5, 41.5
	 * q = 40, 48, -40, 8, 24, 40, 42
	 * q/16 = 2.5, 3, -2.5, 0.5, 1.5, 2.5, 2.625 */
	static const float x[7] = {40, 47.6f, -40, 8, 24, 40.5f, 41.5f};
	struct kcase k;
	/* default FLOOR */
	trunc_v1(&k, "trunc_floor", x, 7, 1, 0, 8, 4, NULL);
	kc_expect_f32(&k, 1, (const int64_t[]){7}, (const float[]){2, 3, -3, 0, 1, 2, 2}, 7);
	trunc_v1(&k, "trunc_round", x, 7, 1, 0, 8, 4, "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){7}, (const float[]){2, 3, -2, 0, 2, 2, 3}, 7);
	/* scale 0.5 and zeropt 2: q = rhe(x/0.5 + 2); x = 5 -> 12 -> 12/4 = 3;
	 * x = 4.5 -> 11 -> 2.75 -> floor 2; y = (q - 2) * 0.5 -> 0.5, 0 */
	trunc_v1(&k, "trunc_zp", (const float[]){5, 4.5f}, 2, 0.5f, 2, 6, 4, "FLOOR");
	kc_expect_f32(&k, 1, (const int64_t[]){2}, (const float[]){0.5f, 0}, 2);
}

static void trunc_v2(struct kcase *k, const char *name, const float *x, int n, float scale,
		     float zeropt, float in_bits, float out_scale, float out_bits)
{
	kc_begin(k);
	kc_f32(k, 1, (const int64_t[]){n}, x);
	kc_scalar(k, scale);
	kc_scalar(k, zeropt);
	kc_scalar(k, in_bits);
	kc_scalar(k, out_scale);
	kc_scalar(k, out_bits);
	kc_op(k, IR_OP_Trunc, name, 1);
}

static void test_trunc_v2(void **state)
{
	(void)state;
	/* scale 0.5, out_scale 2: t = 2^round(log2(4)) = 4; out 4 bits.
	 * x = 5, -5, 3.3, 20, -20, 0.9
	 * q = rhe(x/0.5) = 10, -10, 7, 40, -40, 2
	 * q/t = 2.5, -2.5, 1.75, 10, -10, 0.5 */
	static const float x[6] = {5, -5, 3.3f, 20, -20, 0.9f};
	struct kcase k;
	/* signed (default): clamp to [-8, 7], FLOOR: 2, -3, 1, 7, -8, 0; y = q*2 */
	trunc_v2(&k, "trunc2_s", x, 6, 0.5f, 0, 8, 2, 4);
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){4, -6, 2, 14, -16, 0}, 6);
	/* unsigned: clamp to [0, 15]: 2.5, 0, 1.75, 10, 0, 0.5 -> 2, 0, 1, 10, 0, 0 */
	trunc_v2(&k, "trunc2_u", x, 6, 0.5f, 0, 8, 2, 4);
	ir_set_attr_int(k.m, k.op, "signed", 0);
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){4, 0, 2, 20, 0, 0}, 6);
	/* signed narrow: [-7, 7]: -10 -> -7 -> y = -14 */
	trunc_v2(&k, "trunc2_n", x, 6, 0.5f, 0, 8, 2, 4);
	ir_set_attr_int(k.m, k.op, "narrow", 1);
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){4, -6, 2, 14, -14, 0}, 6);
	/* ROUND instead of FLOOR: 2.5 -> 2, -2.5 -> -2, 1.75 -> 2, 0.5 -> 0 */
	trunc_v2(&k, "trunc2_r", x, 6, 0.5f, 0, 8, 2, 4);
	ir_set_attr_string(k.m, k.op, "rounding_mode", "ROUND");
	kc_expect_f32(&k, 1, (const int64_t[]){6}, (const float[]){4, -4, 4, 14, -16, 0}, 6);
	/* out_scale / scale = 3: log2(3) = 1.58 rounds to 2, t = 4:
	 * x = 5 -> 10 -> 2.5 -> 2 -> y = 2 * 1.5 = 3; x = -5 -> -3 -> -4.5 */
	trunc_v2(&k, "trunc2_t", (const float[]){5, -5}, 2, 0.5f, 0, 8, 1.5f, 4);
	kc_expect_f32(&k, 1, (const int64_t[]){2}, (const float[]){3, -4.5f}, 2);
	/* zeropt 4, scale 0.5, out_scale 2 (t = 4): y = (q - 4/4) * 2;
	 * x = 5 -> 14 -> 3.5 -> 3 -> 4; x = 0 -> 4 -> 1 -> 1 -> 0;
	 * x = -1.3 -> rhe(1.4) = 1 -> 0.25 -> 0 -> -2 */
	trunc_v2(&k, "trunc2_zp", (const float[]){5, 0, -1.3f}, 3, 0.5f, 4, 8, 2, 4);
	kc_expect_f32(&k, 1, (const int64_t[]){3}, (const float[]){4, 0, -2}, 3);
}

/* ---- linear algebra ----------------------------------------------------------- */

static void test_matmul(void **state)
{
	(void)state;
	struct kcase k;
	/* [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]]:
	 * 1*7+2*9+3*11 = 58, 1*8+2*10+3*12 = 64, 4*7+5*9+6*11 = 139, 4*8+5*10+6*12 = 154 */
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){1, 2, 3, 4, 5, 6});
	kc_const_f32(&k, 2, (const int64_t[]){3, 2}, (const float[]){7, 8, 9, 10, 11, 12});
	kc_op(&k, IR_OP_MatMul, "mm", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){58, 64, 139, 154}, 4);

	/* batched [2,2,2] x [2,2]: I * B and 2I * B, B = [[1,2],[3,4]] */
	kc_begin(&k);
	kc_f32(&k, 3, (const int64_t[]){2, 2, 2}, (const float[]){1, 0, 0, 1, 2, 0, 0, 2});
	kc_const_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){1, 2, 3, 4});
	kc_op(&k, IR_OP_MatMul, "mm_batch", 1);
	kc_expect_f32(&k, 3, (const int64_t[]){2, 2, 2}, (const float[]){1, 2, 3, 4, 2, 4, 6, 8}, 8);

	/* a 1-D left operand is a row vector that is dropped again: [3] x [3,2] -> [2] */
	kc_begin(&k);
	kc_f32(&k, 1, (const int64_t[]){3}, (const float[]){1, 2, 3});
	kc_const_f32(&k, 2, (const int64_t[]){3, 2}, (const float[]){7, 8, 9, 10, 11, 12});
	kc_op(&k, IR_OP_MatMul, "mm_vec", 1);
	kc_expect_f32(&k, 1, (const int64_t[]){2}, (const float[]){58, 64}, 2);
}

/* ---- Conv ----------------------------------------------------------------------- */

static void test_conv_padding(void **state)
{
	(void)state;
	/* X = [[1,2,3],[4,5,6],[7,8,9]] padded by 1 on every side (P, 5x5),
	 * W = [[1,2],[3,4]], stride 1: out is 4x4 with
	 * out[i][j] = P[i][j] + 2 P[i][j+1] + 3 P[i+1][j] + 4 P[i+1][j+1]
	 * row 0: 4*1, 3*1+4*2, 3*2+4*3, 3*3         = 4, 11, 18, 9
	 * row 1: 2*1+4*4, 1+4+12+20, 2+6+15+24, 3+18 = 18, 37, 47, 21
	 * row 2: 2*4+4*7, 4+10+21+32, 5+12+24+36, 6+27 = 36, 67, 77, 33
	 * row 3: 2*7, 7+2*8, 8+2*9, 9                = 14, 23, 26, 9 */
	static const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const float w[4] = {1, 2, 3, 4};
	static const float want[16] = {4, 11, 18, 9, 18, 37, 47, 21, 36, 67, 77, 33, 14, 23, 26, 9};
	struct kcase k;
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 3, 3}, x);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, w);
	kc_op(&k, IR_OP_Conv, "conv_pad", 1);
	ir_set_attr_ints(k.m, k.op, "pads", 4, (const int64_t[]){1, 1, 1, 1});
	ir_set_attr_ints(k.m, k.op, "kernel_shape", 2, (const int64_t[]){2, 2});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, want, 16);

	/* the same with a bias of 100 and kernel_shape left to W */
	float want_b[16];
	for (int i = 0; i < 16; i++)
		want_b[i] = want[i] + 100;
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 3, 3}, x);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, w);
	kc_const_f32(&k, 1, (const int64_t[]){1}, (const float[]){100});
	kc_op(&k, IR_OP_Conv, "conv_bias", 1);
	ir_set_attr_ints(k.m, k.op, "pads", 4, (const int64_t[]){1, 1, 1, 1});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, want_b, 16);

	/* asymmetric pads: only top 1 and left 1 (begins), none at the end:
	 * out is 3x3 = the first three rows and columns of the 4x4 above */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 3, 3}, x);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, w);
	kc_op(&k, IR_OP_Conv, "conv_asym", 1);
	ir_set_attr_ints(k.m, k.op, "pads", 4, (const int64_t[]){1, 1, 0, 0});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 3, 3},
		      (const float[]){4, 11, 18, 18, 37, 47, 36, 67, 77}, 9);
}

static void test_conv_channels_strides_groups(void **state)
{
	(void)state;
	struct kcase k;
	/* 2 in, 2 out channels, 2x2 kernel, no padding, 3x3 input -> 2x2.
	 * ch0 = 1..9, ch1 = all ones. oc0 reads ch0 through [[1,0],[0,0]] (the
	 * window's top-left); oc1 sums ch1's window ([[1,1],[1,1]]) = 4. */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 2, 3, 3},
	       (const float[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1, 1, 1, 1, 1, 1, 1});
	kc_const_f32(&k, 4, (const int64_t[]){2, 2, 2, 2},
		     (const float[]){1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1});
	kc_op(&k, IR_OP_Conv, "conv_2ch", 1);
	kc_expect_f32(&k, 4, (const int64_t[]){1, 2, 2, 2}, (const float[]){1, 2, 4, 5, 4, 4, 4, 4}, 8);

	/* stride 2 with a 1x1 kernel of 2 on a 4x4 input 0..15:
	 * picks X[0][0], X[0][2], X[2][0], X[2][2] = 0, 2, 8, 10, doubled */
	float x16[16];
	for (int i = 0; i < 16; i++)
		x16[i] = (float)i;
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, x16);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 1, 1}, (const float[]){2});
	kc_absent(&k); /* no bias, written as an absent operand */
	kc_op(&k, IR_OP_Conv, "conv_stride", 1);
	ir_set_attr_ints(k.m, k.op, "strides", 2, (const int64_t[]){2, 2});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, (const float[]){0, 4, 16, 20}, 4);

	/* depthwise: group 2, W [2,1,1,1] = [10, -1]: ch0 * 10, ch1 * -1 */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 2, 2, 2}, (const float[]){1, 2, 3, 4, 5, 6, 7, 8});
	kc_const_f32(&k, 4, (const int64_t[]){2, 1, 1, 1}, (const float[]){10, -1});
	kc_op(&k, IR_OP_Conv, "conv_dw", 1);
	ir_set_attr_int(k.m, k.op, "group", 2);
	kc_expect_f32(&k, 4, (const int64_t[]){1, 2, 2, 2},
		      (const float[]){10, 20, 30, 40, -5, -6, -7, -8}, 8);

	/* 1-D: X [1,1,5] = 1..5, W [1,1,3] = [1,0,-1], pads 1: out[i] = P[i] - P[i+2]
	 * with P = 0,1,2,3,4,5,0: -2, -2, -2, -2, 4 */
	kc_begin(&k);
	kc_f32(&k, 3, (const int64_t[]){1, 1, 5}, (const float[]){1, 2, 3, 4, 5});
	kc_const_f32(&k, 3, (const int64_t[]){1, 1, 3}, (const float[]){1, 0, -1});
	kc_op(&k, IR_OP_Conv, "conv_1d", 1);
	ir_set_attr_ints(k.m, k.op, "pads", 2, (const int64_t[]){1, 1});
	kc_expect_f32(&k, 3, (const int64_t[]){1, 1, 5}, (const float[]){-2, -2, -2, -2, 4}, 5);
}

static void test_conv_auto_pad_and_dilation(void **state)
{
	(void)state;
	static const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
	static const float w[4] = {1, 2, 3, 4};
	struct kcase k;
	/* SAME_UPPER, 2x2 kernel on 3x3: out 3x3, total pad 1, put at the end
	 * (bottom, right): rows 1..3, columns 1..3 of the fully padded 4x4
	 * result in test_conv_padding */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 3, 3}, x);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, w);
	kc_op(&k, IR_OP_Conv, "conv_same_upper", 1);
	ir_set_attr_string(k.m, k.op, "auto_pad", "SAME_UPPER");
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 3, 3},
		      (const float[]){37, 47, 21, 67, 77, 33, 23, 26, 9}, 9);
	/* SAME_LOWER: the pad goes first: rows 0..2, columns 0..2 */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 3, 3}, x);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, w);
	kc_op(&k, IR_OP_Conv, "conv_same_lower", 1);
	ir_set_attr_string(k.m, k.op, "auto_pad", "SAME_LOWER");
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 3, 3},
		      (const float[]){4, 11, 18, 18, 37, 47, 36, 67, 77}, 9);
	/* dilation 2: the 2x2 kernel touches the corners of the 3x3 input:
	 * 1*1 + 2*3 + 3*7 + 4*9 = 64 */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 3, 3}, x);
	kc_const_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, w);
	kc_op(&k, IR_OP_Conv, "conv_dilated", 1);
	ir_set_attr_ints(k.m, k.op, "dilations", 2, (const int64_t[]){2, 2});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 1, 1}, (const float[]){64}, 1);
}

static void test_gemm(void **state)
{
	(void)state;
	/* A = [[1,2],[3,4]], B = [[5,6],[7,8]], transB: A B' = [[17,23],[39,53]];
	 * alpha 2 -> [[34,46],[78,106]]; C = [1], beta 0.5 -> + 0.5 */
	struct kcase k;
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){1, 2, 3, 4});
	kc_const_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){5, 6, 7, 8});
	kc_const_f32(&k, 1, (const int64_t[]){1}, (const float[]){1});
	kc_op(&k, IR_OP_Gemm, "gemm", 1);
	ir_set_attr_int(k.m, k.op, "transB", 1);
	ir_set_attr_float(k.m, k.op, "alpha", 2);
	ir_set_attr_float(k.m, k.op, "beta", 0.5);
	kc_expect_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){34.5f, 46.5f, 78.5f, 106.5f}, 4);
	/* transA: A' B = [[1*5+3*7, 1*6+3*8], [2*5+4*7, 2*6+4*8]] = [[26,30],[38,44]] */
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){1, 2, 3, 4});
	kc_const_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){5, 6, 7, 8});
	kc_op(&k, IR_OP_Gemm, "gemm_ta", 1);
	ir_set_attr_int(k.m, k.op, "transA", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){2, 2}, (const float[]){26, 30, 38, 44}, 4);
}

/* ---- pooling, data movement ----------------------------------------------------- */

static void test_maxpool(void **state)
{
	(void)state;
	struct kcase k;
	float x[16];
	/* 4x4 of 0..15, 2x2 windows, stride 2: maxima 5, 7, 13, 15 */
	for (int i = 0; i < 16; i++)
		x[i] = (float)i;
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, x);
	kc_op(&k, IR_OP_MaxPool, "pool", 1);
	ir_set_attr_ints(k.m, k.op, "kernel_shape", 2, (const int64_t[]){2, 2});
	ir_set_attr_ints(k.m, k.op, "strides", 2, (const int64_t[]){2, 2});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, (const float[]){5, 7, 13, 15}, 4);

	/* padding must not win: x = -1 - i, pads 1, 2x2 windows, stride 2 ->
	 * 3x3 windows over rows {0}, {1,2}, {3} and the same columns:
	 * -1, max(-2,-3), -4 / max(-5,-9), max(-6,-7,-10,-11), max(-8,-12) /
	 * -13, max(-14,-15), -16 */
	for (int i = 0; i < 16; i++)
		x[i] = -1.0f - (float)i;
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, x);
	kc_op(&k, IR_OP_MaxPool, "pool_pad", 1);
	ir_set_attr_ints(k.m, k.op, "kernel_shape", 2, (const int64_t[]){2, 2});
	ir_set_attr_ints(k.m, k.op, "strides", 2, (const int64_t[]){2, 2});
	ir_set_attr_ints(k.m, k.op, "pads", 4, (const int64_t[]){1, 1, 1, 1});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 3, 3},
		      (const float[]){-1, -2, -4, -5, -6, -8, -13, -14, -16}, 9);

	/* 3x3 windows, stride 1 (default) over 0..15: max is the bottom-right
	 * element of each window: 10, 11, 14, 15 */
	for (int i = 0; i < 16; i++)
		x[i] = (float)i;
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, x);
	kc_op(&k, IR_OP_MaxPool, "pool3", 1);
	ir_set_attr_ints(k.m, k.op, "kernel_shape", 2, (const int64_t[]){3, 3});
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, (const float[]){10, 11, 14, 15}, 4);

	/* ceil_mode: 3x3 windows, stride 2 on 4x4: ceil((4-3)/2) + 1 = 2 windows
	 * per axis (floor would give 1); the second window is cut at the edge:
	 * rows/columns {0,1,2} and {2,3}: maxima 10, 11, 14, 15 */
	kc_begin(&k);
	kc_f32(&k, 4, (const int64_t[]){1, 1, 4, 4}, x);
	kc_op(&k, IR_OP_MaxPool, "pool_ceil", 1);
	ir_set_attr_ints(k.m, k.op, "kernel_shape", 2, (const int64_t[]){3, 3});
	ir_set_attr_ints(k.m, k.op, "strides", 2, (const int64_t[]){2, 2});
	ir_set_attr_int(k.m, k.op, "ceil_mode", 1);
	kc_expect_f32(&k, 4, (const int64_t[]){1, 1, 2, 2}, (const float[]){10, 11, 14, 15}, 4);
}

static void test_transpose(void **state)
{
	(void)state;
	struct kcase k;
	/* default perm reverses: [[0,1,2],[3,4,5]] -> [[0,3],[1,4],[2,5]] */
	kc_begin(&k);
	kc_f32(&k, 2, (const int64_t[]){2, 3}, (const float[]){0, 1, 2, 3, 4, 5});
	kc_op(&k, IR_OP_Transpose, "tr", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){3, 2}, (const float[]){0, 3, 1, 4, 2, 5}, 6);

	/* [2,3,4] of 0..23 (x[i][j][l] = 12i + 4j + l), perm [1,0,2]:
	 * y[j][i][l] = x[i][j][l] -> shape [3,2,4] */
	float x[24];
	for (int i = 0; i < 24; i++)
		x[i] = (float)i;
	kc_begin(&k);
	kc_f32(&k, 3, (const int64_t[]){2, 3, 4}, x);
	kc_op(&k, IR_OP_Transpose, "tr3", 1);
	ir_set_attr_ints(k.m, k.op, "perm", 3, (const int64_t[]){1, 0, 2});
	kc_expect_f32(&k, 3, (const int64_t[]){3, 2, 4},
		      (const float[]){0, 1, 2, 3, 12, 13, 14, 15, 4, 5, 6, 7,
				      16, 17, 18, 19, 8, 9, 10, 11, 20, 21, 22, 23},
		      24);

	/* perm [2,0,1]: y[l][i][j] = x[i][j][l], shape [4,2,3];
	 * y[l] = [[l, 4+l, 8+l], [12+l, 16+l, 20+l]] */
	kc_begin(&k);
	kc_f32(&k, 3, (const int64_t[]){2, 3, 4}, x);
	kc_op(&k, IR_OP_Transpose, "tr201", 1);
	ir_set_attr_ints(k.m, k.op, "perm", 3, (const int64_t[]){2, 0, 1});
	kc_expect_f32(&k, 3, (const int64_t[]){4, 2, 3},
		      (const float[]){0, 4, 8, 12, 16, 20, 1, 5, 9, 13, 17, 21,
				      2, 6, 10, 14, 18, 22, 3, 7, 11, 15, 19, 23},
		      24);
}

static void gather(struct kcase *k, const char *name, const int64_t *idx, int nidx)
{
	/* data [3,2] = [[1,2],[3,4],[5,6]]; indices are a graph input so that
	 * only the kernel sees their values */
	static const float data[6] = {1, 2, 3, 4, 5, 6};
	kc_begin(k);
	kc_f32(k, 2, (const int64_t[]){3, 2}, data);
	kc_operand(k, ir_type_int(64, true, 1, (const int64_t[]){nidx}), idx, false);
	kc_op(k, IR_OP_Gather, name, 1);
}

static void test_gather(void **state)
{
	(void)state;
	struct kcase k;
	/* axis 0, indices [2, 0, -1]: rows 2, 0 and the last */
	gather(&k, "gather", (const int64_t[]){2, 0, -1}, 3);
	kc_expect_f32(&k, 2, (const int64_t[]){3, 2}, (const float[]){5, 6, 1, 2, 5, 6}, 6);

	/* axis 1, indices [1]: column 1 -> [3,1] */
	gather(&k, "gather_ax1", (const int64_t[]){1}, 1);
	ir_set_attr_int(k.m, k.op, "axis", 1);
	kc_expect_f32(&k, 2, (const int64_t[]){3, 1}, (const float[]){2, 4, 6}, 3);
}

static void test_gather_out_of_range(void **state)
{
	(void)state;
	static const int64_t bad[][2] = {{0, 3}, {-4, 0}, {1, 1000000}, {INT64_MIN, 0}};
	for (size_t i = 0; i < LEN(bad); i++) {
		struct kcase k;
		gather(&k, "gather_oob", bad[i], 2);
		assert_int_equal(kc_try(&k, ir_type_f32(2, (const int64_t[]){2, 2})), -1);
		/* one line naming the node */
		assert_non_null(strstr(k.m->error, "gather_oob"));
		assert_null(strchr(k.m->error, '\n'));
		kc_end(&k);
	}
	/* axis 1 has 2 columns: index 2 is out of range there */
	struct kcase k;
	gather(&k, "gather_oob1", (const int64_t[]){2}, 1);
	ir_set_attr_int(k.m, k.op, "axis", 1);
	assert_int_equal(kc_try(&k, ir_type_f32(2, (const int64_t[]){3, 1})), -1);
	assert_non_null(strstr(k.m->error, "gather_oob1"));
	kc_end(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_broadcast),
		cmocka_unit_test(test_add_int64),
		cmocka_unit_test(test_intquant_rounding_modes),
		cmocka_unit_test(test_intquant_clamp),
		cmocka_unit_test(test_intquant_modes_narrow),
		cmocka_unit_test(test_intquant_zeropt),
		cmocka_unit_test(test_intquant_per_channel),
		cmocka_unit_test(test_intquant_int_bitwidth),
		cmocka_unit_test(test_intquant_bipolar),
		cmocka_unit_test(test_bipolarquant),
		cmocka_unit_test(test_trunc_v1),
		cmocka_unit_test(test_trunc_v2),
		cmocka_unit_test(test_matmul),
		cmocka_unit_test(test_conv_padding),
		cmocka_unit_test(test_conv_channels_strides_groups),
		cmocka_unit_test(test_conv_auto_pad_and_dilation),
		cmocka_unit_test(test_gemm),
		cmocka_unit_test(test_maxpool),
		cmocka_unit_test(test_transpose),
		cmocka_unit_test(test_gather),
		cmocka_unit_test(test_gather_out_of_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
