/* lower_integer.c: the lower-integer pass, the first stages of integer
 * lowering ("scale propagation").
 *
 * QONNX graphs compute in float and only pretend to be quantized. This pass
 * makes the integers explicit and moves the scales out of the way:
 *   1. lower_qdq: each IntQuant / BipolarQuant with known parameters becomes
 *      Quantize (float -> quantized integer type) + Dequantize; on a constant
 *      input the Quantize is evaluated now into an integer constant.
 *   2. lower_zero_point: an operand of MatMul or Conv with a nonzero zero
 *      point z becomes Dequantize(q - z), the same values with zero point 0.
 *   3. lower_rescale: Add, Sub and Concat of integers in unequal scales
 *      get operands multiplied by integer ratios to one common scale.
 *   4. lower_sink: Dequantize moves downstream through data movement
 *      (Reshape, Transpose, Resize nearest, DepthToSpace, Pad, Concat...),
 *      Relu, MaxPool and MatMul (scales multiply), so these run on integers;
 *      MatMul gives an accumulator type (ir/shape/linalg.c).
 *   5. lower_conv: the same through Conv (either layout), its bias becoming
 *      an integer in the accumulator's scale when exact (ir/shape/conv.c).
 *   6. lower_pool: AveragePool / GlobalAveragePool as an integer window sum
 *      (a depthwise Conv of ones) and a division by the count.
 *   7. lower_add: Add/Sub of two branches in one scale, or of a constant
 *      that is exact in the integer's scale, on integers widened by Cast.
 *   8. lower_hoist: a Squeeze or Unsqueeze inside such a float chain moves
 *      above its float ops, so that the chain joins up.
 *   9. lower_thresholds: a Dequantize'd integer reaching a Quantize through
 *      per-channel monotone float ops (Mul/Add/Sub/Div by constants, Relu,
 *      LeakyRelu, Clip) becomes one MultiThreshold whose thresholds are
 *      computed here.
 * Steps 2 to 9 repeat until nothing changes; each round restores program
 * order and prunes what died.
 *
 * Real-valued semantics: every quantized tensor holds the integers the
 * QONNX graph's quantizers give on real numbers. Integer sums are exact, and
 * thresholds are found by evaluating each float chain in double from the
 * exact accumulator, as the promote-f64 oracle does; the two can differ only
 * where the oracle's own rounding of a float sum crosses a rounding boundary
 * of a quantizer. The input quantizer keeps the float arithmetic of the
 * model's float type. What cannot be lowered (per-channel quantization
 * through Slice, Expand, Tile and the like, scales whose common unit needs
 * more than 32 bits) stays float, untouched.
 *
 * Requires: a verified module, best after cleanup (BatchNormalization as
 * Mul/Add, Gemm as MatMul). Guarantees: a verified module computing the same
 * function. Invalidates: op and value indices (compacted).
 */
#include "cleanup.h"
#include "lower_integer.h"
#include "passes.h"

#include <math.h>

enum { MAX_ROUNDS = 100 };

/* The steps repeated until none changes anything, in this order. */
static int (*const steps[])(struct ir_module *) = {
	lower_fold_int, lower_zero_point, lower_rescale, lower_sink, lower_conv, lower_pool,
	lower_add, lower_hoist,
	lower_thresholds,
};
enum { NSTEPS = sizeof steps / sizeof steps[0] };

int li_add_op(struct ir_module *m, enum ir_opcode code, const char *base, const char *suffix,
	      int noperands, const int *operands)
{
	const char *name = ir_unique_name(m, arena_printf(&m->arena, "%s_%s", base, suffix));
	return ir_add_op(m, code, name, noperands, operands, 1, &name);
}

int li_each_op(struct ir_module *m, enum ir_opcode a, enum ir_opcode b,
	       int (*lower_one)(struct ir_module *m, int o))
{
	int changes = 0, nops = m->nops;
	for (int o = 0; o < nops; o++) {
		enum ir_opcode c = m->ops[o].code;
		if (m->ops[o].dead || (c != a && c != b))
			continue;
		int r = lower_one(m, o);
		if (r < 0)
			return -1;
		changes += r;
	}
	return changes;
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

int li_quantized_source(struct ir_module *m, int v)
{
	int d = li_dequant_def(m, v);
	return d == IR_NONE ? IR_NONE : m->ops[d].operands[0];
}

int li_clone(struct ir_module *m, int o, int noperands, const int *operands)
{
	int n = li_add_op(m, m->ops[o].code, m->ops[o].name, "int", noperands, operands);
	if (n < 0)
		return -1;
	cl_copy_attrs(m, o, n);
	return li_infer(m, n) < 0 ? LI_REJECTED : n;
}

int li_add_const(struct ir_module *m, const char *name, const struct ir_type *t,
		 const void *data)
{
	bool had_error = m->error[0] != 0;
	int v = ir_add_const(m, name, t, data);
	if (v >= 0)
		return v;
	if (!had_error)
		m->error[0] = 0;
	return LI_REJECTED;
}

int li_finish(struct ir_module *m, int o, int n)
{
	int y = m->ops[o].results[0];
	/* 64 bits is what an accumulator gets when its bound is not proven
	 * (ir/shape/linalg.c, conv.c): it might wrap, so o stays in float */
	if (m->values[m->ops[n].results[0]].type.bits >= 64) {
		m->ops[n].dead = true;
		ir_rebuild_uses(m);
		return 0;
	}
	int d = li_dequantize(m, m->ops[n].results[0], m->values[y].type.elem, m->ops[o].name);
	if (d >= 0 && li_replace(m, o, d, y))
		return 1;
	if (d < 0 && m->error[0])
		return -1;
	m->ops[n].dead = true;
	ir_rebuild_uses(m);
	return 0;
}

/* ONNX TensorProto data types of the signed widths Cast can give. */
static const struct {
	int bits, onnx;
} cast_widths[] = {{8, 3}, {16, 5}, {32, 6}, {64, 7}};

int li_cast_bits(long double lo, long double hi)
{
	for (size_t i = 0; i < sizeof cast_widths / sizeof cast_widths[0]; i++) {
		long double lim = ldexpl(1, cast_widths[i].bits - 1);
		if (lo >= -lim && hi <= lim - 1)
			return cast_widths[i].bits;
	}
	return -1;
}

int li_widened(struct ir_module *m, int v, int bits, const char *base)
{
	const struct ir_type *t = &m->values[v].type;
	if (t->bits == bits && t->is_signed)
		return v;
	if (m->values[v].kind == IR_VALUE_CONST) {
		struct ir_type nt = ir_type_int(bits, true, t->rank, t->dims);
		nt.quant = t->quant;
		return li_add_const(m, arena_printf(&m->arena, "%s_w", m->values[v].name), &nt,
				    m->values[v].data);
	}
	int c = li_add_op(m, IR_OP_Cast, base, "wide", 1, &v);
	if (c < 0)
		return -1;
	for (size_t i = 0; i < sizeof cast_widths / sizeof cast_widths[0]; i++)
		if (cast_widths[i].bits == bits)
			ir_set_attr_int(m, c, "to", cast_widths[i].onnx);
	if (li_infer(m, c) < 0)
		return m->error[0] ? -1 : LI_REJECTED;
	return m->ops[c].results[0];
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
		int changes = 0;
		for (int s = 0; s < NSTEPS; s++) {
			int r = steps[s](m);
			if (r < 0)
				return -1;
			changes += r;
		}
		if (tidy(m) < 0)
			return -1;
		if (changes == 0)
			break;
	}
	return 0;
}
