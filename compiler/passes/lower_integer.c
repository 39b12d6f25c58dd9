/* lower_integer.c: the lower-integer pass, the first stages of integer
 * lowering ("scale propagation").
 *
 * QONNX graphs compute in float and only pretend to be quantized. This pass
 * makes the integers explicit and moves the scales out of the way:
 *   1. lower_qdq: each IntQuant / BipolarQuant with known parameters becomes
 *      Quantize (float -> quantized integer type) + Dequantize; on a constant
 *      input the Quantize is evaluated now into an integer constant.
 *   2. lower_sink: Dequantize moves downstream through data movement, Relu
 *      and MatMul (scales multiply), so MatMul runs on integers and gives an
 *      accumulator type (ir/shape/linalg.c).
 *   3. lower_thresholds: a Dequantize'd accumulator reaching a Quantize
 *      through per-channel monotone float ops (Mul/Add/Sub/Div by constants,
 *      Relu) becomes one MultiThreshold whose thresholds are computed here.
 * Steps 2 and 3 repeat until nothing changes; each round restores program
 * order and prunes what died.
 *
 * Real-valued semantics: every quantized tensor holds exactly the integers the
 * QONNX graph's quantizers produce when the graph is evaluated in float64
 * (thresholds are found by evaluating the float chain in double, as the
 * promote-f64 oracle does). What cannot be lowered stays float, untouched.
 *
 * Requires: a verified module, best after cleanup (BatchNormalization as
 * Mul/Add, Gemm as MatMul). Guarantees: a verified module computing the same
 * function. Invalidates: op and value indices (compacted).
 */
#include "cleanup.h"
#include "lower_integer.h"
#include "passes.h"

enum { MAX_ROUNDS = 100 };

int li_add_op(struct ir_module *m, enum ir_opcode code, const char *base, const char *suffix,
	      int noperands, const int *operands)
{
	const char *name = ir_unique_name(m, arena_printf(&m->arena, "%s_%s", base, suffix));
	return ir_add_op(m, code, name, noperands, operands, 1, &name);
}

int li_infer(struct ir_module *m, int o)
{
	bool had_error = m->error[0] != 0;
	if (ir_infer_op(m, &m->ops[o]) == 0) {
		ir_rebuild_uses(m);
		return 0;
	}
	if (!had_error)
		m->error[0] = 0;
	m->ops[o].dead = true;
	ir_rebuild_uses(m);
	return -1;
}

int li_dequantize(struct ir_module *m, int q, enum ir_elem elem, const char *base)
{
	int o = li_add_op(m, IR_OP_Dequantize, base, "dq", 1, &q);
	if (o < 0)
		return -1;
	ir_set_attr_int(m, o, "to", elem == IR_ELEM_F64 ? 11 : 1);
	return li_infer(m, o) < 0 ? -1 : o;
}

bool li_replace(struct ir_module *m, int old, int n, int v)
{
	int w = m->ops[n].results[0];
	if (!ir_type_equal(&m->values[v].type, &m->values[w].type)) {
		m->ops[n].dead = true;
		ir_rebuild_uses(m);
		return false;
	}
	m->ops[old].dead = true;
	ir_redefine(m, v, n, 0);
	ir_rebuild_uses(m);
	return true;
}

int li_dequant_def(struct ir_module *m, int v)
{
	if (v == IR_NONE || m->values[v].kind != IR_VALUE_RESULT || m->values[v].def == IR_NONE)
		return IR_NONE;
	int o = m->values[v].def;
	return !m->ops[o].dead && m->ops[o].code == IR_OP_Dequantize ? o : IR_NONE;
}

static int tidy(struct ir_module *m)
{
	if (ir_toposort(m) < 0 || cleanup_dead_code(m) < 0)
		return -1;
	ir_prune(m);
	return 0;
}

int pass_lower_integer(struct ir_module *m)
{
	ir_rebuild_uses(m);
	if (lower_qdq(m) < 0 || tidy(m) < 0)
		return -1;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		int a = lower_fold_int(m), b = a < 0 ? -1 : lower_sink(m);
		int c = b < 0 ? -1 : lower_thresholds(m);
		if (c < 0 || tidy(m) < 0)
			return -1;
		if (a + b + c == 0)
			break;
	}
	return 0;
}
