/* test_verify.c: ir_verify (ir/verify.c) accepts a well-formed module and
 * rejects each kind of breakage with one error line.
 *
 * The module: x : f32[1,4] input, c : f32[4] constant,
 *   y = Add(x, c) : f32[1,4]     (broadcast of [1,4] and [4])
 *   w = Relu(y)   : f32[1,4]
 * outputs y and w. Result types are set by hand from the ONNX broadcasting
 * rule, so the good module also checks that shape inference agrees with them.
 * Each breakage is made on a fresh copy by editing the module directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

struct good {
	struct ir_module *m;
	int x, c, y, w;
	int add, relu;
};

static const int64_t DIMS_1x4[2] = {1, 4};
static const int64_t DIMS_4[1] = {4};

static int op2(struct ir_module *m, enum ir_opcode code, const char *name, int a, int b)
{
	const int ops[2] = {a, b};
	return ir_add_op(m, code, name, 2, ops, 1, (const char *const[1]){name});
}

static int op1(struct ir_module *m, enum ir_opcode code, const char *name, int a)
{
	return ir_add_op(m, code, name, 1, &a, 1, (const char *const[1]){name});
}

static void set_type(struct ir_module *m, int o, struct ir_type t)
{
	assert_int_equal(ir_set_result_type(m, ir_op_at(m, o), 0, &t), 0);
}

static void build(struct good *g)
{
	struct ir_type t = ir_type_f32(2, DIMS_1x4), ct = ir_type_f32(1, DIMS_4);
	const float cdata[4] = {1, 2, 3, 4};
	g->m = ir_module_new("verify.onnx");
	g->x = ir_add_input(g->m, "x", &t);
	g->c = ir_add_const(g->m, "c", &ct, cdata);
	g->add = op2(g->m, IR_OP_Add, "y", g->x, g->c);
	g->y = ir_op_at(g->m, g->add)->results[0];
	set_type(g->m, g->add, t);
	g->relu = op1(g->m, IR_OP_Relu, "w", g->y);
	g->w = ir_op_at(g->m, g->relu)->results[0];
	set_type(g->m, g->relu, t);
	ir_add_output(g->m, g->y);
	ir_add_output(g->m, g->w);
	ir_rebuild_uses(g->m);
}

/* ir_verify must fail with one line that contains needle (when given). */
static void expect_rejected(struct ir_module *m, const char *needle)
{
	assert_int_equal(ir_verify(m), -1);
	assert_true(m->error[0] != 0);
	assert_null(strchr(m->error, '\n'));
	if (needle && !strstr(m->error, needle))
		fail_msg("error \"%s\" does not mention \"%s\"", m->error, needle);
	ir_module_free(m);
}

static void test_accepts_good_module(void **state)
{
	(void)state;
	struct good g;
	build(&g);
	if (ir_verify(g.m) != 0)
		fail_msg("rejected: %s", g.m->error);
	assert_string_equal(g.m->error, "");
	/* verifying twice changes nothing */
	assert_int_equal(ir_verify(g.m), 0);
	char buf[64];
	assert_string_equal(ir_type_str(&ir_val(g.m, g.y)->type, buf, sizeof buf), "f32[1,4]");
	ir_module_free(g.m);
}

static void test_accepts_inferred_types(void **state)
{
	(void)state;
	struct good g;
	build(&g);
	/* forget the types, infer them, verify */
	ir_val(g.m, g.y)->type = ir_type_f32(0, NULL);
	ir_val(g.m, g.w)->type = ir_type_f32(0, NULL);
	if (ir_infer_all(g.m) != 0)
		fail_msg("inference failed: %s", g.m->error);
	struct ir_type want = ir_type_f32(2, DIMS_1x4);
	assert_true(ir_type_equal(&ir_val(g.m, g.y)->type, &want));
	assert_true(ir_type_equal(&ir_val(g.m, g.w)->type, &want));
	assert_int_equal(ir_verify(g.m), 0);
	ir_module_free(g.m);
}

static void test_rejects_use_before_definition(void **state)
{
	(void)state;
	struct good g;
	build(&g);
	/* early = Neg(late) placed before late = Abs(x) */
	int early = op1(g.m, IR_OP_Neg, "early", g.x);
	int late = op1(g.m, IR_OP_Abs, "late", g.x);
	set_type(g.m, early, ir_type_f32(2, DIMS_1x4));
	set_type(g.m, late, ir_type_f32(2, DIMS_1x4));
	ir_op_at(g.m, early)->operands[0] = ir_op_at(g.m, late)->results[0];
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'early'");

	/* an op reading its own result */
	build(&g);
	ir_op_at(g.m, g.relu)->operands[0] = g.w;
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'w'");
}

static void test_rejects_wrong_operand_count(void **state)
{
	(void)state;
	struct good g;
	/* Add with three operands */
	build(&g);
	const int three[3] = {g.x, g.c, g.c};
	int o = ir_add_op(g.m, IR_OP_Add, "add3", 3, three, 1, NULL);
	set_type(g.m, o, ir_type_f32(2, DIMS_1x4));
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'add3'");

	/* Add with one operand */
	build(&g);
	o = ir_add_op(g.m, IR_OP_Add, "add1", 1, &g.x, 1, NULL);
	set_type(g.m, o, ir_type_f32(2, DIMS_1x4));
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'add1'");

	/* Relu with two operands */
	build(&g);
	o = op2(g.m, IR_OP_Relu, "relu2", g.x, g.x);
	set_type(g.m, o, ir_type_f32(2, DIMS_1x4));
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'relu2'");

	/* a required operand absent */
	build(&g);
	o = op2(g.m, IR_OP_Add, "half", g.x, IR_NONE);
	set_type(g.m, o, ir_type_f32(2, DIMS_1x4));
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'half'");

	/* Relu with two results */
	build(&g);
	o = ir_add_op(g.m, IR_OP_Relu, "relu_2out", 1, &g.x, 2, NULL);
	set_type(g.m, o, ir_type_f32(2, DIMS_1x4));
	struct ir_type t = ir_type_f32(2, DIMS_1x4);
	assert_int_equal(ir_set_result_type(g.m, ir_op_at(g.m, o), 1, &t), 0);
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'relu_2out'");
}

static void test_rejects_wrong_result_type(void **state)
{
	(void)state;
	static const int64_t dims_1x5[2] = {1, 5};
	const struct ir_type wrong[] = {
		ir_type_f32(2, dims_1x5),              /* wrong dim */
		ir_type_f32(1, DIMS_4),                /* wrong rank */
		ir_type_int(8, true, 2, DIMS_1x4),     /* wrong element type */
		{.elem = IR_ELEM_F64, .bits = 64, .rank = 2, .dims = {1, 4}},
	};
	for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
		struct good g;
		char want[64], got[64];
		build(&g);
		ir_val(g.m, g.y)->type = wrong[i];
		assert_int_equal(ir_verify(g.m), -1);
		assert_non_null(strstr(g.m->error, "'y'"));
		/* the verifier reports; it does not repair */
		ir_type_str(&ir_val(g.m, g.y)->type, got, sizeof got);
		ir_type_str(&wrong[i], want, sizeof want);
		assert_string_equal(got, want);
		ir_module_free(g.m);
	}
	/* the second op's type */
	struct good g;
	build(&g);
	ir_val(g.m, g.w)->type = ir_type_f32(2, (const int64_t[2]){4, 1});
	expect_rejected(g.m, "'w'");
}

static void test_rejects_stale_uses(void **state)
{
	(void)state;
	struct good g;
	build(&g);
	int o = op1(g.m, IR_OP_Neg, "late_neg", g.w); /* no ir_rebuild_uses afterwards */
	set_type(g.m, o, ir_type_f32(2, DIMS_1x4));
	expect_rejected(g.m, NULL);

	build(&g);
	ir_op_at(g.m, g.relu)->operands[0] = g.x; /* operand changed by hand */
	expect_rejected(g.m, NULL);
}

static void test_rejects_broken_definitions(void **state)
{
	(void)state;
	struct good g;
	/* a graph output defined by a dead op */
	build(&g);
	ir_op_at(g.m, g.relu)->dead = true;
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, "'w'");

	/* a live op reading a dead op's result */
	build(&g);
	ir_op_at(g.m, g.add)->dead = true;
	g.m->outputs[0] = g.x;
	ir_rebuild_uses(g.m);
	expect_rejected(g.m, NULL);

	/* a result whose defining op does not list it */
	build(&g);
	ir_val(g.m, g.w)->def = g.add;
	expect_rejected(g.m, "'w'");

	/* a constant without data */
	build(&g);
	ir_val(g.m, g.c)->data = NULL;
	expect_rejected(g.m, "'c'");

	/* a graph output index out of range */
	build(&g);
	g.m->outputs[1] = g.m->nvalues + 3;
	expect_rejected(g.m, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepts_good_module),
		cmocka_unit_test(test_accepts_inferred_types),
		cmocka_unit_test(test_rejects_use_before_definition),
		cmocka_unit_test(test_rejects_wrong_operand_count),
		cmocka_unit_test(test_rejects_wrong_result_type),
		cmocka_unit_test(test_rejects_stale_uses),
		cmocka_unit_test(test_rejects_broken_definitions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
