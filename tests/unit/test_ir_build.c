/* test_ir_build.c: building and editing a module through ir/ir.h.
 *
 * The builder (inputs, constants, ops, outputs, attributes, names), use lists
 * after ir_rebuild_uses, ir_replace_all_uses (operands and graph outputs),
 * ir_compact, ir_toposort with its cycle detection, ir_unique_name, the type
 * helpers and the error channel. Only the contract of ir.h is assumed:
 * nothing here depends on how names are generated or on the order of entries
 * within one use list.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ir/ir.h"

static const int64_t DIMS_1x4[2] = {1, 4};
static const int64_t DIMS_4[1] = {4};

/* Whether v's use list holds (op, operand). */
static bool has_use(struct ir_module *m, int v, int op, int operand)
{
	int n;
	const struct ir_use *u = ir_uses(m, v, &n);
	for (int i = 0; i < n; i++)
		if (u[i].op == op && u[i].operand == operand)
			return true;
	return false;
}

static int nuses(struct ir_module *m, int v)
{
	int n;
	ir_uses(m, v, &n);
	return n;
}

static int add1(struct ir_module *m, enum ir_opcode code, const char *name, int a,
		const char *result)
{
	const char *names[1] = {result};
	return ir_add_op(m, code, name, 1, &a, 1, names);
}

static int add2(struct ir_module *m, enum ir_opcode code, const char *name, int a, int b,
		const char *result)
{
	const int ops[2] = {a, b};
	const char *names[1] = {result};
	return ir_add_op(m, code, name, 2, ops, 1, names);
}

/* Every live op's results point back at it, and value names are unique. */
static void check_consistent(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		for (int k = 0; k < op->nresults; k++) {
			const struct ir_value *v = &m->values[op->results[k]];
			assert_int_equal(v->kind, IR_VALUE_RESULT);
			assert_int_equal(v->def, o);
			assert_int_equal(v->def_result, k);
		}
	}
	for (int a = 0; a < m->nvalues; a++)
		for (int b = a + 1; b < m->nvalues; b++)
			if (!strcmp(m->values[a].name, m->values[b].name))
				fail_msg("values %d and %d are both named '%s'", a, b, m->values[a].name);
}

/* ---- building ----------------------------------------------------------------- */

static void test_inputs_consts_ops(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("model.onnx");
	assert_string_equal(m->path, "model.onnx");
	assert_string_equal(m->error, "");

	char name[8] = "x";
	struct ir_type t = ir_type_f32(2, DIMS_1x4);
	int x = ir_add_input(m, name, &t);
	name[0] = 'Q'; /* names are copied */
	assert_true(x >= 0);
	assert_string_equal(ir_val(m, x)->name, "x");
	assert_int_equal(ir_val(m, x)->kind, IR_VALUE_INPUT);
	assert_int_equal(ir_val(m, x)->def, IR_NONE);
	assert_true(ir_type_equal(&ir_val(m, x)->type, &t));
	assert_int_equal(m->ninputs, 1);
	assert_int_equal(m->inputs[0], x);

	float cdata[4] = {1, 2, 3, 4};
	struct ir_type ct = ir_type_f32(1, DIMS_4);
	int c = ir_add_const(m, "c", &ct, cdata);
	cdata[0] = 99; /* data is copied */
	assert_int_equal(ir_val(m, c)->kind, IR_VALUE_CONST);
	assert_int_equal(ir_val(m, c)->def, IR_NONE);
	assert_true(((const float *)ir_val(m, c)->data)[0] == 1.0f);
	assert_true(((const float *)ir_val(m, c)->data)[3] == 4.0f);

	/* NULL data means zeros; integer constants are stored as int64 */
	struct ir_type it = ir_type_int(8, true, 1, DIMS_4);
	int z = ir_add_const(m, "z", &it, NULL);
	for (int i = 0; i < 4; i++)
		assert_int_equal(((const int64_t *)ir_val(m, z)->data)[i], 0);
	assert_int_equal(m->ninputs, 1); /* constants are not graph inputs */

	int add = add2(m, IR_OP_Add, "add0", x, c, "y");
	assert_true(add >= 0);
	struct ir_op *op = ir_op_at(m, add);
	assert_int_equal(op->code, IR_OP_Add);
	assert_string_equal(op->name, "add0");
	assert_int_equal(op->noperands, 2);
	assert_int_equal(op->operands[0], x);
	assert_int_equal(op->operands[1], c);
	assert_int_equal(op->nresults, 1);
	assert_false(op->dead);
	int y = op->results[0];
	assert_string_equal(ir_val(m, y)->name, "y");
	assert_int_equal(ir_val(m, y)->kind, IR_VALUE_RESULT);
	assert_int_equal(ir_val(m, y)->def, add);
	assert_int_equal(ir_val(m, y)->def_result, 0);
	assert_ptr_equal(ir_operand_type(m, op, 0), &ir_val(m, x)->type);
	assert_null(ir_operand_type(m, op, 2));

	/* an absent optional operand */
	const int clip_ops[3] = {y, IR_NONE, c};
	int clip = ir_add_op(m, IR_OP_Clip, "clip0", 3, clip_ops, 1, NULL);
	assert_null(ir_operand_type(m, ir_op_at(m, clip), 1));
	assert_non_null(ir_operand_type(m, ir_op_at(m, clip), 2));

	ir_add_output(m, y);
	assert_int_equal(m->noutputs, 1);
	assert_int_equal(m->outputs[0], y);

	assert_int_equal(ir_find_value(m, "x"), x);
	assert_int_equal(ir_find_value(m, "y"), y);
	assert_int_equal(ir_find_value(m, "c"), c);
	assert_int_equal(ir_find_value(m, "nothing"), -1);
	check_consistent(m);
	ir_module_free(m);
}

/* Ops and results without names get generated ones; repeated names are
 * made unique. */
static void test_generated_and_unique_names(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("m");
	struct ir_type t = ir_type_f32(1, DIMS_4);
	int x = ir_add_input(m, "x", &t);
	int x2 = ir_add_input(m, "x", &t);
	assert_true(x2 >= 0 && x2 != x);
	assert_string_not_equal(ir_val(m, x2)->name, "x");
	assert_int_equal(ir_find_value(m, "x"), x);
	int e = ir_add_const(m, "", &t, NULL);
	int n = ir_add_const(m, NULL, &t, NULL);
	assert_true(ir_val(m, e)->name[0] != 0);
	assert_true(ir_val(m, n)->name[0] != 0);

	const char *two[2] = {NULL, ""};
	int split = ir_add_op(m, IR_OP_Split, NULL, 1, &x, 2, two);
	int relu1 = add1(m, IR_OP_Relu, NULL, x, NULL);
	int relu2 = add1(m, IR_OP_Relu, "", x, NULL);
	int named = add1(m, IR_OP_Relu, "r", x, "x"); /* result name taken by the input */
	assert_true(ir_op_at(m, split)->name[0] != 0);
	assert_string_not_equal(ir_op_at(m, relu1)->name, ir_op_at(m, relu2)->name);
	assert_string_not_equal(ir_op_at(m, relu1)->name, ir_op_at(m, split)->name);
	int dup = add1(m, IR_OP_Relu, "r", x, NULL);
	assert_string_equal(ir_op_at(m, named)->name, "r");
	assert_string_not_equal(ir_op_at(m, dup)->name, "r");
	check_consistent(m);
	ir_module_free(m);
}

static void test_unique_name(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("m");
	struct ir_type t = ir_type_f32(0, NULL);
	/* ir.h: "base" while free, else "base_K" with a fresh K. */
	assert_string_equal(ir_unique_name(m, "w"), "w");
	ir_add_input(m, "w", &t);
	const char *u1 = ir_unique_name(m, "w");
	assert_true(strncmp(u1, "w_", 2) == 0);
	ir_add_const(m, u1, &t, NULL);
	const char *u2 = ir_unique_name(m, "w");
	assert_true(strncmp(u2, "w_", 2) == 0);
	assert_string_not_equal(u1, u2);
	assert_string_equal(ir_unique_name(m, "fresh"), "fresh");
	int v = ir_add_const(m, u2, &t, NULL);
	assert_string_equal(ir_val(m, v)->name, u2);
	assert_int_equal(ir_find_value(m, u1) >= 0, 1);
	ir_module_free(m);
}

static void test_attributes(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("m");
	struct ir_type t = ir_type_f32(4, (const int64_t[4]){1, 2, 4, 4});
	int x = ir_add_input(m, "x", &t);
	int o = add1(m, IR_OP_MaxPool, "pool", x, "y");

	ir_set_attr_int(m, o, "ceil_mode", 1);
	ir_set_attr_float(m, o, "alpha", 0.25);
	char mode[16] = "NOTSET";
	ir_set_attr_string(m, o, "auto_pad", mode);
	mode[0] = 'X'; /* strings are copied */
	int64_t k[2] = {2, 3};
	ir_set_attr_ints(m, o, "kernel_shape", 2, k);
	k[0] = 7; /* lists are copied */
	const double fl[3] = {0.5, 1.5, -2};
	ir_set_attr(m, o, &(struct ir_attr){.name = "scales", .kind = IR_ATTR_FLOATS, .n = 3,
					     .floats = (double *)fl});

	const struct ir_op *op = ir_op_at(m, o);
	assert_int_equal(op->nattrs, 5);
	assert_int_equal(ir_attr_int(op, "ceil_mode", 0), 1);
	assert_true(ir_attr_float(op, "alpha", 0) == 0.25);
	assert_string_equal(ir_attr_string(op, "auto_pad", "?"), "NOTSET");
	int n;
	const int64_t *ks = ir_attr_ints(op, "kernel_shape", &n);
	assert_int_equal(n, 2);
	assert_int_equal(ks[0], 2);
	assert_int_equal(ks[1], 3);
	const double *fs = ir_attr_floats(op, "scales", &n);
	assert_int_equal(n, 3);
	assert_true(fs[0] == 0.5 && fs[1] == 1.5 && fs[2] == -2);
	const struct ir_attr *a = ir_attr_find(op, "auto_pad");
	assert_non_null(a);
	assert_int_equal(a->kind, IR_ATTR_STRING);

	/* defaults when absent */
	assert_null(ir_attr_find(op, "strides"));
	assert_int_equal(ir_attr_int(op, "storage_order", 7), 7);
	assert_true(ir_attr_float(op, "beta", 0.5) == 0.5);
	assert_string_equal(ir_attr_string(op, "mode", "constant"), "constant");
	n = 5;
	assert_null(ir_attr_ints(op, "pads", &n));
	assert_int_equal(n, 0);
	n = 5;
	assert_null(ir_attr_floats(op, "none", &n));
	assert_int_equal(n, 0);

	/* setting a name again replaces the attribute */
	ir_set_attr_int(m, o, "ceil_mode", 0);
	ir_set_attr_ints(m, o, "kernel_shape", 1, (const int64_t[1]){5});
	op = ir_op_at(m, o);
	assert_int_equal(op->nattrs, 5);
	assert_int_equal(ir_attr_int(op, "ceil_mode", 1), 0);
	ks = ir_attr_ints(op, "kernel_shape", &n);
	assert_int_equal(n, 1);
	assert_int_equal(ks[0], 5);
	ir_module_free(m);
}

/* ---- uses and rewriting -------------------------------------------------------- */

/* x, c -> y = Add(x, c) -> z = Mul(y, c) -> w = Relu(z); outputs z, w */
struct chain {
	struct ir_module *m;
	int x, c, y, z, w;
	int add, mul, relu;
};

static void build_chain(struct chain *g)
{
	struct ir_type t = ir_type_f32(2, DIMS_1x4);
	g->m = ir_module_new("chain");
	g->x = ir_add_input(g->m, "x", &t);
	g->c = ir_add_const(g->m, "c", &t, NULL);
	g->add = add2(g->m, IR_OP_Add, "add", g->x, g->c, "y");
	g->y = ir_op_at(g->m, g->add)->results[0];
	g->mul = add2(g->m, IR_OP_Mul, "mul", g->y, g->c, "z");
	g->z = ir_op_at(g->m, g->mul)->results[0];
	g->relu = add1(g->m, IR_OP_Relu, "relu", g->z, "w");
	g->w = ir_op_at(g->m, g->relu)->results[0];
	ir_add_output(g->m, g->z);
	ir_add_output(g->m, g->w);
	ir_rebuild_uses(g->m);
}

static void test_use_lists(void **state)
{
	(void)state;
	struct chain g;
	build_chain(&g);
	struct ir_module *m = g.m;
	assert_int_equal(nuses(m, g.x), 1);
	assert_true(has_use(m, g.x, g.add, 0));
	assert_int_equal(nuses(m, g.c), 2);
	assert_true(has_use(m, g.c, g.add, 1));
	assert_true(has_use(m, g.c, g.mul, 1));
	assert_int_equal(nuses(m, g.y), 1);
	assert_true(has_use(m, g.y, g.mul, 0));
	assert_int_equal(nuses(m, g.z), 1); /* graph outputs are not uses */
	assert_true(has_use(m, g.z, g.relu, 0));
	assert_int_equal(nuses(m, g.w), 0);
	assert_int_equal(m->nuses, 5);

	/* the same operand twice gives two uses; absent operands give none */
	const int sq[2] = {g.w, g.w};
	int mul2 = ir_add_op(m, IR_OP_Mul, "square", 2, sq, 1, NULL);
	const int clip_ops[3] = {g.x, IR_NONE, IR_NONE};
	int clip = ir_add_op(m, IR_OP_Clip, "clip", 3, clip_ops, 1, NULL);
	ir_rebuild_uses(m);
	assert_int_equal(nuses(m, g.w), 2);
	assert_true(has_use(m, g.w, mul2, 0));
	assert_true(has_use(m, g.w, mul2, 1));
	assert_int_equal(nuses(m, g.x), 2);
	assert_true(has_use(m, g.x, clip, 0));
	assert_int_equal(m->nuses, 8);

	/* dead ops do not use anything */
	ir_op_at(m, mul2)->dead = true;
	ir_rebuild_uses(m);
	assert_int_equal(nuses(m, g.w), 0);
	assert_int_equal(m->nuses, 6);
	ir_module_free(m);
}

static void test_replace_all_uses(void **state)
{
	(void)state;
	struct chain g;
	build_chain(&g);
	struct ir_module *m = g.m;
	/* a second definition of the same thing: z2 = Mul(y, c) */
	int mul2 = add2(m, IR_OP_Mul, "mul2", g.y, g.c, "z2");
	int z2 = ir_op_at(m, mul2)->results[0];
	ir_replace_all_uses(m, g.z, z2);
	assert_int_equal(ir_op_at(m, g.relu)->operands[0], z2);
	assert_int_equal(m->outputs[0], z2); /* graph outputs follow */
	assert_int_equal(m->outputs[1], g.w);
	/* use lists are current afterwards */
	assert_int_equal(nuses(m, g.z), 0);
	assert_int_equal(nuses(m, z2), 1);
	assert_true(has_use(m, z2, g.relu, 0));

	/* c is read by add, mul and mul2; x then by add twice, mul and mul2 */
	ir_replace_all_uses(m, g.c, g.x);
	assert_int_equal(nuses(m, g.c), 0);
	assert_int_equal(nuses(m, g.x), 4);
	assert_true(has_use(m, g.x, g.add, 0));
	assert_true(has_use(m, g.x, g.add, 1));
	assert_true(has_use(m, g.x, g.mul, 1));
	assert_true(has_use(m, g.x, mul2, 1));
	assert_int_equal(ir_op_at(m, g.mul)->operands[1], g.x);
	ir_module_free(m);
}

static void test_compact(void **state)
{
	(void)state;
	struct chain g;
	build_chain(&g);
	struct ir_module *m = g.m;
	/* id: y_copy = Identity(x), created last; mul now reads y_copy instead of
	 * y, and add (which defined y) is dead: ops are [add(dead), mul, relu, id] */
	int id = add1(m, IR_OP_Identity, "id", g.x, "y_copy");
	int y_copy = ir_op_at(m, id)->results[0];
	ir_op_at(m, g.mul)->operands[0] = y_copy;
	ir_op_at(m, g.add)->dead = true;
	ir_compact(m);
	assert_int_equal(m->nops, 3);
	assert_string_equal(ir_op_at(m, 0)->name, "mul");
	assert_string_equal(ir_op_at(m, 1)->name, "relu");
	assert_string_equal(ir_op_at(m, 2)->name, "id");
	/* defining ops of results follow the new indices */
	assert_int_equal(ir_val(m, g.z)->def, 0);
	assert_int_equal(ir_val(m, g.w)->def, 1);
	assert_int_equal(ir_val(m, y_copy)->def, 2);
	/* use lists are rebuilt with the new op indices */
	assert_true(has_use(m, y_copy, 0, 0));
	assert_true(has_use(m, g.z, 1, 0));
	assert_true(has_use(m, g.x, 2, 0));
	assert_int_equal(nuses(m, g.x), 1);
	assert_int_equal(m->nuses, 4);

	/* mul (0) reads y_copy, defined by id (2): sorting moves id first */
	assert_int_equal(ir_toposort(m), 0);
	assert_string_equal(ir_op_at(m, 0)->name, "id");
	assert_string_equal(ir_op_at(m, 1)->name, "mul");
	assert_string_equal(ir_op_at(m, 2)->name, "relu");
	check_consistent(m);
	assert_true(has_use(m, y_copy, 1, 0));
	ir_module_free(m);
}

/* After a successful sort, every operand is defined before its user. */
static void check_sorted(struct ir_module *m)
{
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		for (int k = 0; k < op->noperands; k++) {
			int v = op->operands[k];
			if (v != IR_NONE && m->values[v].kind == IR_VALUE_RESULT &&
			    m->values[v].def >= o)
				fail_msg("op %d (%s) uses '%s' defined by op %d", o, op->name,
					 m->values[v].name, m->values[v].def);
		}
	}
}

static void test_toposort(void **state)
{
	(void)state;
	struct ir_type t = ir_type_f32(2, DIMS_1x4);
	struct ir_module *m = ir_module_new("m");
	int x = ir_add_input(m, "x", &t);
	/* built in reverse: d = Neg(c), c = Abs(b), b = Relu(a), a = Sign(x) */
	int od = add1(m, IR_OP_Neg, "d", x, "d");
	int oc = add1(m, IR_OP_Abs, "c", x, "c");
	int ob = add1(m, IR_OP_Relu, "b", x, "b");
	int oa = add1(m, IR_OP_Sign, "a", x, "a");
	int a = ir_find_value(m, "a"), b = ir_find_value(m, "b"), c = ir_find_value(m, "c");
	ir_op_at(m, od)->operands[0] = c;
	ir_op_at(m, oc)->operands[0] = b;
	ir_op_at(m, ob)->operands[0] = a;
	(void)oa;
	/* and e = Add(d, x) at the end, already in place */
	int oe = add2(m, IR_OP_Add, "e", ir_find_value(m, "d"), x, "e");
	(void)oe;
	ir_add_output(m, ir_find_value(m, "e"));
	ir_rebuild_uses(m);

	assert_int_equal(ir_toposort(m), 0);
	assert_string_equal(m->error, "");
	assert_int_equal(m->nops, 5);
	static const char *const order[5] = {"a", "b", "c", "d", "e"};
	for (int o = 0; o < 5; o++)
		assert_string_equal(ir_op_at(m, o)->name, order[o]);
	check_sorted(m);
	check_consistent(m);
	assert_int_equal(m->outputs[0], ir_find_value(m, "e"));
	assert_int_equal(nuses(m, a), 1);
	assert_true(has_use(m, a, 1, 0));

	/* an already sorted module stays as it is */
	assert_int_equal(ir_toposort(m), 0);
	for (int o = 0; o < 5; o++)
		assert_string_equal(ir_op_at(m, o)->name, order[o]);
	ir_module_free(m);
}

static void test_toposort_drops_dead_ops(void **state)
{
	(void)state;
	struct chain g;
	build_chain(&g);
	int extra = add1(g.m, IR_OP_Neg, "extra", g.x, NULL);
	ir_op_at(g.m, extra)->dead = true;
	assert_int_equal(ir_toposort(g.m), 0);
	assert_int_equal(g.m->nops, 3);
	check_sorted(g.m);
	ir_module_free(g.m);
}

static void test_toposort_cycle(void **state)
{
	(void)state;
	struct ir_type t = ir_type_f32(2, DIMS_1x4);
	struct ir_module *m = ir_module_new("m");
	int x = ir_add_input(m, "x", &t);
	int o1 = add2(m, IR_OP_Add, "p", x, x, "p");
	int o2 = add1(m, IR_OP_Relu, "q", ir_find_value(m, "p"), "q");
	ir_op_at(m, o1)->operands[1] = ir_find_value(m, "q"); /* p = Add(x, q), q = Relu(p) */
	(void)o2;
	ir_rebuild_uses(m);
	assert_int_equal(ir_toposort(m), -1);
	assert_non_null(strstr(m->error, "cycle"));
	assert_null(strchr(m->error, '\n'));
	/* the error names a node of the cycle */
	assert_true(strstr(m->error, "'p'") || strstr(m->error, "'q'"));
	ir_module_free(m);

	/* a self-loop */
	m = ir_module_new("m");
	x = ir_add_input(m, "x", &t);
	o1 = add1(m, IR_OP_Relu, "self", x, "s");
	ir_op_at(m, o1)->operands[0] = ir_find_value(m, "s");
	ir_rebuild_uses(m);
	assert_int_equal(ir_toposort(m), -1);
	assert_non_null(strstr(m->error, "self"));
	ir_module_free(m);
}

/* ---- types, limits, errors ------------------------------------------------------ */

static void test_types(void **state)
{
	(void)state;
	char buf[64];
	struct ir_type f = ir_type_f32(2, (const int64_t[2]){1, 64});
	assert_string_equal(ir_type_str(&f, buf, sizeof buf), "f32[1,64]");
	struct ir_type i8 = ir_type_int(8, true, 1, (const int64_t[1]){3});
	assert_string_equal(ir_type_str(&i8, buf, sizeof buf), "i8[3]");
	struct ir_type u2 = ir_type_int(2, false, 0, NULL);
	assert_string_equal(ir_type_str(&u2, buf, sizeof buf), "u2[]");
	struct ir_type b = ir_type_with_dims((struct ir_type){.elem = IR_ELEM_BOOL, .bits = 1}, 2,
					     (const int64_t[2]){2, 2});
	assert_string_equal(ir_type_str(&b, buf, sizeof buf), "bool[2,2]");
	assert_string_equal(ir_elem_str(&i8, buf, sizeof buf), "i8");

	assert_int_equal(ir_type_numel(&f), 64);
	assert_int_equal(ir_type_numel(&u2), 1);
	assert_int_equal(ir_type_numel(&b), 4);
	assert_int_equal(ir_storage_size(IR_ELEM_F32), 4);
	assert_int_equal(ir_storage_size(IR_ELEM_F64), 8);
	assert_int_equal(ir_storage_size(IR_ELEM_INT), 8);
	assert_int_equal(ir_storage_size(IR_ELEM_BOOL), 8);

	struct ir_type i8b = ir_type_with_dims(i8, 2, (const int64_t[2]){1, 3});
	assert_true(ir_type_same_elem(&i8, &i8b));
	assert_false(ir_type_equal(&i8, &i8b));
	struct ir_type u8 = ir_type_int(8, false, 1, (const int64_t[1]){3});
	assert_false(ir_type_same_elem(&i8, &u8));
	assert_false(ir_type_equal(&i8, &u8));
	struct ir_type i4 = ir_type_int(4, true, 1, (const int64_t[1]){3});
	assert_false(ir_type_same_elem(&i8, &i4));
	struct ir_type i8c = ir_type_int(8, true, 1, (const int64_t[1]){3});
	assert_true(ir_type_equal(&i8, &i8c));
	/* a truncated buffer is still a terminated string */
	char small[5];
	ir_type_str(&f, small, sizeof small);
	assert_int_equal(strlen(small), 4);
}

static void test_size_limit(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("m");
	m->max_bytes = 1024;
	struct ir_type ok = ir_type_f32(1, (const int64_t[1]){256});     /* 1024 bytes */
	struct ir_type big = ir_type_f32(1, (const int64_t[1]){257});
	struct ir_type huge = ir_type_f32(3, (const int64_t[3]){INT64_MAX, INT64_MAX, 4});
	struct ir_type neg = ir_type_f32(1, (const int64_t[1]){-1});
	assert_true(ir_add_const(m, "ok", &ok, NULL) >= 0);
	assert_string_equal(m->error, "");
	int before = m->nvalues;
	assert_int_equal(ir_add_const(m, "big", &big, NULL), -1);
	assert_true(m->error[0] != 0);
	m->error[0] = 0;
	assert_int_equal(ir_add_input(m, "huge", &huge), -1);
	assert_true(m->error[0] != 0);
	m->error[0] = 0;
	assert_int_equal(ir_add_input(m, "neg", &neg), -1);
	assert_true(m->error[0] != 0);
	assert_int_equal(m->nvalues, before);
	assert_int_equal(m->ninputs, 0);
	ir_module_free(m);
}

static void test_errors(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("m");
	struct ir_type t = ir_type_f32(1, DIMS_4);
	int x = ir_add_input(m, "x", &t);
	int o = add1(m, IR_OP_Relu, "act1", x, "y");
	assert_int_equal(ir_op_error(m, ir_op_at(m, o), "bad %s\nsecond line", "thing"), -1);
	/* "node 'NAME' (OpType): message", on one line */
	assert_non_null(strstr(m->error, "node 'act1' ("));
	assert_non_null(strstr(m->error, "): bad thing"));
	assert_null(strchr(m->error, '\n'));
	/* the first error wins */
	assert_int_equal(ir_error(m, "later %d", 2), -1);
	assert_null(strstr(m->error, "later"));
	m->error[0] = 0;
	ir_op_at(m, o)->onnx_type = "Quant";
	assert_int_equal(ir_op_error(m, ir_op_at(m, o), "x"), -1);
	assert_string_equal(m->error, "node 'act1' (Quant): x");
	m->error[0] = 0;
	assert_int_equal(ir_error(m, "plain %d", 7), -1);
	assert_string_equal(m->error, "plain 7");
	ir_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inputs_consts_ops),
		cmocka_unit_test(test_generated_and_unique_names),
		cmocka_unit_test(test_unique_name),
		cmocka_unit_test(test_attributes),
		cmocka_unit_test(test_use_lists),
		cmocka_unit_test(test_replace_all_uses),
		cmocka_unit_test(test_compact),
		cmocka_unit_test(test_toposort),
		cmocka_unit_test(test_toposort_drops_dead_ops),
		cmocka_unit_test(test_toposort_cycle),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
