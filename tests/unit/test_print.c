/* test_print.c: the IR's text form (ir_print, ir_print_op in ir/print.c).
 *
 * The expected text follows the format documented at the top of ir/print.c:
 * inputs, then constants (in full up to 8 elements, f32 with %.9g and f64
 * with %.17g, integers in decimal), then one line per live op
 * `%r = Op(%a, _) {name = value, ...} : type` with `<nhwc>` after the op
 * name for channels-last ops and `  ; node` when the node name differs from
 * the first result's name, then outputs. Names outside [A-Za-z0-9_.:/-] are
 * quoted with \" and \\ escaped. Result types are set by hand so that the
 * printer is tested alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/ir.h"

static char *print_to_string(struct ir_module *m, int op)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	if (op < 0)
		ir_print(m, f);
	else
		ir_print_op(m, ir_op_at(m, op), f);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void expect_text(char *got, const char *want)
{
	if (strcmp(got, want))
		fail_msg("printed:\n%s\nexpected:\n%s", got, want);
	free(got);
}

static int scalar(struct ir_module *m, const char *name, float v)
{
	struct ir_type t = ir_type_f32(0, NULL);
	return ir_add_const(m, name, &t, &v);
}

static void set_type(struct ir_module *m, int o, int k, struct ir_type t)
{
	assert_int_equal(ir_set_result_type(m, ir_op_at(m, o), k, &t), 0);
}

struct sample {
	struct ir_module *m;
	int quant; /* the IntQuant op */
};

static void build_sample(struct sample *s)
{
	static const int64_t d1x4[2] = {1, 4}, d4[1] = {4}, dimg[4] = {1, 3, 3, 1},
			     d8[1] = {8}, d1x2[2] = {1, 2};
	struct ir_module *m = ir_module_new("print.onnx");
	struct ir_type t1x4 = ir_type_f32(2, d1x4), t1x2 = ir_type_f32(2, d1x2);
	struct ir_type timg = ir_type_f32(4, dimg);

	int x = ir_add_input(m, "x", &t1x4);
	int img = ir_add_input(m, "img", &timg);
	const float c[4] = {0.5f, -1, 2, 3.25f};
	struct ir_type t4 = ir_type_f32(1, d4);
	int cv = ir_add_const(m, "c", &t4, c);
	const double d = 0.1;
	struct ir_type f64 = {.elem = IR_ELEM_F64, .bits = 64, .rank = 0};
	ir_add_const(m, "d", &f64, &d);
	float w[9] = {0};
	int wv = ir_add_const(m, "W", &timg, w);
	const int64_t k[8] = {1, 2, 3, 4, 5, 6, 7, -8};
	struct ir_type i8 = ir_type_int(8, true, 1, d8);
	ir_add_const(m, "k", &i8, k);
	int sv = scalar(m, "s", 0.25f), zv = scalar(m, "z", 0), bv = scalar(m, "b", 4);

	/* the node name equals the result's name: no "; name" */
	const int add_ops[2] = {x, cv};
	int add = ir_add_op(m, IR_OP_Add, "y", 2, add_ops, 1, (const char *const[1]){"y"});
	set_type(m, add, 0, t1x4);
	int y = ir_op_at(m, add)->results[0];

	const int q_ops[4] = {y, sv, zv, bv};
	int quant = ir_add_op(m, IR_OP_IntQuant, "quant0", 4, q_ops, 1, (const char *const[1]){"q"});
	ir_set_attr_int(m, quant, "narrow", 0);
	ir_set_attr_string(m, quant, "rounding_mode", "ROUND");
	ir_set_attr_int(m, quant, "signed", 1);
	set_type(m, quant, 0, t1x4);
	int q = ir_op_at(m, quant)->results[0];

	/* two results and an absent operand */
	const int split_ops[2] = {x, IR_NONE};
	int split = ir_add_op(m, IR_OP_Split, "p0", 2, split_ops, 2, (const char *const[2]){"p0", "p1"});
	ir_set_attr_int(m, split, "axis", 1);
	set_type(m, split, 0, t1x2);
	set_type(m, split, 1, t1x2);
	int p0 = ir_op_at(m, split)->results[0], p1 = ir_op_at(m, split)->results[1];

	/* channels-last Conv with list attributes */
	const int conv_ops[2] = {img, wv};
	int conv = ir_add_op(m, IR_OP_Conv, "conv1", 2, conv_ops, 1, (const char *const[1]){"feat"});
	ir_op_at(m, conv)->layout = IR_LAYOUT_NHWC;
	ir_set_attr_ints(m, conv, "kernel_shape", 2, (const int64_t[2]){3, 3});
	ir_set_attr_ints(m, conv, "pads", 4, (const int64_t[4]){1, 1, 1, 1});
	set_type(m, conv, 0, timg);

	/* names: one that needs quotes, one with every plain punctuation mark */
	int act = ir_add_op(m, IR_OP_LeakyRelu, "act", 1, &q, 1, (const char *const[1]){"a b"});
	ir_set_attr_float(m, act, "alpha", 0.25);
	set_type(m, act, 0, t1x4);
	int neg = ir_add_op(m, IR_OP_Neg, "neg", 1, &p0, 1, (const char *const[1]){"layer.1/out:0-x"});
	set_type(m, neg, 0, t1x2);
	int ident = ir_add_op(m, IR_OP_Identity, "we\"ird\\", 1, &p1, 1,
			      (const char *const[1]){"we\"ird\\"});
	set_type(m, ident, 0, t1x2);

	/* a dead op is not printed */
	int gone = ir_add_op(m, IR_OP_Abs, "gone", 1, &x, 1, NULL);
	set_type(m, gone, 0, t1x4);
	ir_op_at(m, gone)->dead = true;

	ir_add_output(m, q);
	ir_add_output(m, ir_op_at(m, act)->results[0]);
	ir_rebuild_uses(m);
	s->m = m;
	s->quant = quant;
}

static void test_print_module(void **state)
{
	(void)state;
	struct sample s;
	build_sample(&s);
	expect_text(print_to_string(s.m, -1),
		    "input %x : f32[1,4]\n"
		    "input %img : f32[1,3,3,1]\n"
		    "const %c : f32[4] = [0.5, -1, 2, 3.25]\n"
		    "const %d : f64[] = [0.10000000000000001]\n"
		    "const %W : f32[1,3,3,1] = <9 elements>\n"
		    "const %k : i8[8] = [1, 2, 3, 4, 5, 6, 7, -8]\n"
		    "const %s : f32[] = [0.25]\n"
		    "const %z : f32[] = [0]\n"
		    "const %b : f32[] = [4]\n"
		    "%y = Add(%x, %c) : f32[1,4]\n"
		    "%q = IntQuant(%y, %s, %z, %b) {narrow = 0, rounding_mode = \"ROUND\", signed = 1}"
		    " : f32[1,4]  ; quant0\n"
		    "%p0, %p1 = Split(%x, _) {axis = 1} : f32[1,2], f32[1,2]\n"
		    "%feat = Conv<nhwc>(%img, %W) {kernel_shape = [3, 3], pads = [1, 1, 1, 1]}"
		    " : f32[1,3,3,1]  ; conv1\n"
		    "%\"a b\" = LeakyRelu(%q) {alpha = 0.25} : f32[1,4]  ; act\n"
		    "%layer.1/out:0-x = Neg(%p0) : f32[1,2]  ; neg\n"
		    "%\"we\\\"ird\\\\\" = Identity(%p1) : f32[1,2]\n"
		    "output %q\n"
		    "output %\"a b\"\n");
	ir_module_free(s.m);
}

static void test_print_one_op(void **state)
{
	(void)state;
	struct sample s;
	build_sample(&s);
	expect_text(print_to_string(s.m, s.quant),
		    "%q = IntQuant(%y, %s, %z, %b) {narrow = 0, rounding_mode = \"ROUND\", signed = 1}"
		    " : f32[1,4]  ; quant0\n");
	ir_module_free(s.m);
}

static void test_print_empty_module(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("empty");
	expect_text(print_to_string(m, -1), "");
	ir_module_free(m);
}

/* A bool constant, integer types of odd widths, an f32 value needing nine
 * significant digits, and a string attribute with a quote. */
static void test_print_values(void **state)
{
	(void)state;
	struct ir_module *m = ir_module_new("m");
	const int64_t bools[3] = {1, 0, 1};
	struct ir_type bt = {.elem = IR_ELEM_BOOL, .bits = 1, .rank = 1, .dims = {3}};
	ir_add_const(m, "mask", &bt, bools);
	struct ir_type u2 = ir_type_int(2, false, 0, NULL);
	const int64_t three = 3;
	ir_add_const(m, "u", &u2, &three);
	const float third = 1.0f / 3.0f;
	int t = ir_add_const(m, "third", &(struct ir_type){.elem = IR_ELEM_F32, .bits = 32}, &third);
	int o = ir_add_op(m, IR_OP_Pad, "pad", 1, &t, 1, (const char *const[1]){"padded"});
	ir_set_attr_string(m, o, "mode", "re\"flect");
	set_type(m, o, 0, ir_type_f32(0, NULL));
	ir_add_output(m, ir_op_at(m, o)->results[0]);
	/* 1/3 in float is 0.333333343267... : nine significant digits */
	expect_text(print_to_string(m, -1),
		    "const %mask : bool[3] = [1, 0, 1]\n"
		    "const %u : u2[] = [3]\n"
		    "const %third : f32[] = [0.333333343]\n"
		    "%padded = Pad(%third) {mode = \"re\\\"flect\"} : f32[]  ; pad\n"
		    "output %padded\n");
	ir_module_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_print_module),
		cmocka_unit_test(test_print_one_op),
		cmocka_unit_test(test_print_empty_module),
		cmocka_unit_test(test_print_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
