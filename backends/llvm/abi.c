/* abi.c: which graph inputs and outputs the _q entry point passes as
 * integers (see abi.h). Requires current use lists. */
#include "abi.h"
#include "ir/quant.h"

#include <string.h>

int abi_container_bytes(int bits)
{
	return bits <= 8 ? 1 : bits <= 16 ? 2 : bits <= 32 ? 4 : 8;
}

const char *abi_c_int_type(int bits, bool is_signed)
{
	static const char *const names[2][4] = {
		{"uint8_t", "uint16_t", "uint32_t", "uint64_t"},
		{"int8_t", "int16_t", "int32_t", "int64_t"},
	};
	int k = bits <= 8 ? 0 : bits <= 16 ? 1 : bits <= 32 ? 2 : 3;
	return names[is_signed][k];
}

/* QONNX rounding_mode names (QONNX.md), upper case as the importer keeps them. */
static int rounding_of(const char *s, enum abi_rounding *r)
{
	static const struct { const char *name; enum abi_rounding r; } modes[] = {
		{"ROUND", ABI_ROUND_HALF_EVEN}, {"HALF_EVEN", ABI_ROUND_HALF_EVEN},
		{"CEIL", ABI_ROUND_CEIL},       {"FLOOR", ABI_ROUND_FLOOR},
		{"UP", ABI_ROUND_UP},           {"DOWN", ABI_ROUND_DOWN},
		{"HALF_UP", ABI_ROUND_HALF_UP}, {"HALF_DOWN", ABI_ROUND_HALF_DOWN},
	};
	char up[16] = {0};
	for (size_t i = 0; s[i] && i < sizeof up - 1; i++)
		up[i] = (char)(s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
		if (!strcmp(up, modes[i].name)) {
			*r = modes[i].r;
			return 0;
		}
	return -1;
}

static bool is_graph_output(struct ir_module *m, int v)
{
	for (int k = 0; k < m->noutputs; k++)
		if (m->outputs[k] == v)
			return true;
	return false;
}

static int output_count(struct ir_module *m, int v)
{
	int n = 0;
	for (int k = 0; k < m->noutputs; k++)
		n += m->outputs[k] == v;
	return n;
}

/* A per-tensor quantized integer type. */
static bool per_tensor(const struct ir_type *t)
{
	return t->elem == IR_ELEM_INT && t->quant && t->quant->n == 1;
}

static void describe_input(struct ir_module *m, struct abi_tensor *t)
{
	int n;
	const struct ir_use *u = ir_uses(m, t->value, &n);
	if (t->type->elem != IR_ELEM_F32 || n != 1 || u[0].operand != 0 ||
	    is_graph_output(m, t->value))
		return;
	const struct ir_op *op = &m->ops[u[0].op];
	if (op->dead || op->code != IR_OP_Quantize)
		return;
	const struct ir_type *qt = &m->values[op->results[0]].type;
	if (!per_tensor(qt) ||
	    rounding_of(ir_attr_string(op, "rounding_mode", "ROUND"), &t->rounding) < 0)
		return;
	t->quantized = true;
	t->q_op = u[0].op;
	t->q_value = op->results[0];
	t->q_type = qt;
	t->scale = ir_quant_scale(qt->quant, 0);
	t->zero_point = ir_quant_zero(qt->quant, 0);
	t->narrow = ir_attr_int(op, "narrow", 0) != 0;
	t->bits = (int)ir_attr_int(op, "bits", qt->bits);
	t->is_signed = ir_attr_int(op, "signed", 1) != 0;
}

static void describe_output(struct ir_module *m, struct abi_tensor *t)
{
	const struct ir_value *v = &m->values[t->value];
	int n;
	ir_uses(m, t->value, &n);
	if (v->kind != IR_VALUE_RESULT || v->def == IR_NONE || n != 0 ||
	    t->type->elem != IR_ELEM_F32 || output_count(m, t->value) != 1)
		return;
	const struct ir_op *op = &m->ops[v->def];
	if (op->dead || op->code != IR_OP_Dequantize)
		return;
	const struct ir_type *qt = &m->values[op->operands[0]].type;
	if (!per_tensor(qt))
		return;
	t->quantized = true;
	t->q_op = v->def;
	t->q_value = op->operands[0];
	t->q_type = qt;
	t->scale = ir_quant_scale(qt->quant, 0);
	t->zero_point = ir_quant_zero(qt->quant, 0);
	t->bits = qt->bits;
	t->is_signed = qt->is_signed;
}

static void init_tensor(struct ir_module *m, struct abi_tensor *t, int v)
{
	memset(t, 0, sizeof *t);
	t->value = v;
	t->type = &m->values[v].type;
	t->q_op = t->q_value = IR_NONE;
}

void abi_describe(struct ir_module *m, struct abi *a)
{
	a->ninputs = m->ninputs;
	a->noutputs = m->noutputs;
	a->inputs = arena_alloc(&m->arena, sizeof *a->inputs * (size_t)(m->ninputs + 1));
	a->outputs = arena_alloc(&m->arena, sizeof *a->outputs * (size_t)(m->noutputs + 1));
	for (int k = 0; k < m->ninputs; k++) {
		init_tensor(m, &a->inputs[k], m->inputs[k]);
		describe_input(m, &a->inputs[k]);
	}
	for (int k = 0; k < m->noutputs; k++) {
		init_tensor(m, &a->outputs[k], m->outputs[k]);
		describe_output(m, &a->outputs[k]);
	}
}
