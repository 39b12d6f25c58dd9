/* cost_dtype.c: qonnx's datatype inference on the imported IR (see
 * cost_dtype.h).
 *
 * The rules, per node, in graph order (qonnx InferDataTypes with scaled
 * integers allowed):
 *   - Quant/IntQuant: scale, zero point and bit width must be initializers
 *     (else FLOAT32), the bit width a scalar integer and every zero point 0;
 *     then a scale of all ones gives INTn/UINTn (BIPOLAR/BINARY at 1 bit),
 *     any other scale SCALEDINT<n>.
 *   - BipolarQuant: BIPOLAR when its scale is an initializer of all ones,
 *     else FLOAT32. Trunc: FLOAT32. Sign: BIPOLAR.
 *   - MatMul, Gemm, Conv, Add, Sub, Mul: INT32 (UINT32 when no input is
 *     signed and the op is not Sub) when every input is an integer type,
 *     SCALEDINT<32> when every input is an integer or scaled integer,
 *     FLOAT32 when some input is FLOAT32.
 *   - Resize/Upsample in nearest mode and the data movement ops below: the
 *     datatype of input 0.
 *   - anything else: FLOAT32, unless the tensor already has another datatype.
 * A tensor without an annotation starts as FLOAT32. The second round runs
 * after constant folding: folded tensors keep their first-round datatype and
 * every remaining node sees folded tensors as initializers.
 */
#include "cost_dtype.h"
#include "onnx/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct cost_dtype FLOAT32 = {COST_FLOAT32, 32};

const char *cost_dtype_name(struct cost_dtype d, char *buf, size_t len)
{
	switch (d.kind) {
	case COST_FLOAT32:
		snprintf(buf, len, "FLOAT32");
		break;
	case COST_INT:
		snprintf(buf, len, "INT%d", d.bits);
		break;
	case COST_UINT:
		snprintf(buf, len, "UINT%d", d.bits);
		break;
	case COST_BIPOLAR:
		snprintf(buf, len, "BIPOLAR");
		break;
	case COST_BINARY:
		snprintf(buf, len, "BINARY");
		break;
	case COST_SCALEDINT:
		snprintf(buf, len, "SCALEDINT<%d>", d.bits);
		break;
	}
	return buf;
}

static bool parse_bits(const char *s, int *bits)
{
	char *end;
	long b = strtol(s, &end, 10);
	if (end == s || b < 1 || b > 64)
		return false;
	*bits = (int)b;
	return *end == '\0' || *end == '>';
}

bool cost_dtype_parse(const char *name, struct cost_dtype *out)
{
	if (!strcmp(name, "FLOAT32"))
		return *out = FLOAT32, true;
	if (!strcmp(name, "BIPOLAR"))
		return *out = (struct cost_dtype){COST_BIPOLAR, 1}, true;
	if (!strcmp(name, "BINARY"))
		return *out = (struct cost_dtype){COST_BINARY, 1}, true;
	if (!strncmp(name, "UINT", 4))
		return out->kind = COST_UINT, parse_bits(name + 4, &out->bits);
	if (!strncmp(name, "INT", 3))
		return out->kind = COST_INT, parse_bits(name + 3, &out->bits);
	if (!strncmp(name, "SCALEDINT<", 10))
		return out->kind = COST_SCALEDINT, parse_bits(name + 10, &out->bits);
	return false;
}

const char *cost_op_type(const struct ir_op *op)
{
	return op->onnx_type && op->onnx_type[0] ? op->onnx_type : ir_opinfo[op->code].name;
}

static bool is_integer(struct cost_dtype d)
{
	return d.kind != COST_FLOAT32 && d.kind != COST_SCALEDINT;
}

static bool is_signed(struct cost_dtype d)
{
	return d.kind != COST_UINT && d.kind != COST_BINARY;
}

/* ---- the state of one round ---------------------------------------------- */

struct round {
	struct ir_module *m;
	struct cost_dtype *dt;
	const bool *init; /* which values count as initializers */
};

/* Element i of a value that counts as an initializer, as a double; the data
 * comes from the constant or, for a folded result, from evaluating it. */
static const void *init_data(struct round *r, int v)
{
	if (v == IR_NONE || !r->init[v])
		return NULL;
	return ir_known_data(r->m, v);
}

static double elem(const struct ir_type *t, const void *data, int64_t i)
{
	switch (t->elem) {
	case IR_ELEM_F32:
		return ((const float *)data)[i];
	case IR_ELEM_F64:
		return ((const double *)data)[i];
	default:
		return (double)((const int64_t *)data)[i];
	}
}

/* Every element of initializer v equals x; false when v is no initializer. */
static bool all_equal(struct round *r, int v, double x)
{
	const void *data = init_data(r, v);
	if (!data)
		return false;
	const struct ir_type *t = &r->m->values[v].type;
	for (int64_t i = 0, n = ir_type_numel(t); i < n; i++)
		if (elem(t, data, i) != x)
			return false;
	return true;
}

/* Quant / IntQuant (x, scale, zeropt, bitwidth). */
static struct cost_dtype quant_dtype(struct round *r, const struct ir_op *op)
{
	int scale = op->operands[1], zero = op->operands[2], bw = op->operands[3];
	const void *bits_data = init_data(r, bw);
	if (!init_data(r, scale) || !init_data(r, zero) || !bits_data)
		return FLOAT32;
	const struct ir_type *bt = &r->m->values[bw].type;
	if (bt->rank != 0)
		return FLOAT32;
	double b = elem(bt, bits_data, 0);
	if (b != (double)(int)b || b < 1 || b > 64 || !all_equal(r, zero, 0.0))
		return FLOAT32;
	int bits = (int)b;
	if (!all_equal(r, scale, 1.0))
		return (struct cost_dtype){COST_SCALEDINT, bits};
	bool sgn = ir_attr_int(op, "signed", 1) != 0;
	if (bits == 1)
		return (struct cost_dtype){sgn ? COST_BIPOLAR : COST_BINARY, 1};
	return (struct cost_dtype){sgn ? COST_INT : COST_UINT, bits};
}

/* MatMul, Gemm, Conv, Add, Sub, Mul (qonnx infer_mac_result_dtype). An
 * absent optional input is an empty tensor name to qonnx, hence FLOAT32. */
static struct cost_dtype mac_dtype(struct round *r, const struct ir_op *op, bool negation,
				   struct cost_dtype orig)
{
	bool all_int = true, all_scaled = true, any_float = false, any_signed = negation;
	for (int k = 0; k < op->noperands; k++) {
		int v = op->operands[k];
		struct cost_dtype d = v == IR_NONE ? FLOAT32 : r->dt[v];
		all_int = all_int && is_integer(d);
		all_scaled = all_scaled && d.kind != COST_FLOAT32;
		any_float = any_float || d.kind == COST_FLOAT32;
		any_signed = any_signed || is_signed(d);
	}
	if (all_int)
		return (struct cost_dtype){any_signed ? COST_INT : COST_UINT, 32};
	if (all_scaled)
		return (struct cost_dtype){COST_SCALEDINT, 32};
	return any_float ? FLOAT32 : orig;
}

static bool in_list(const char *type, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(type, *list))
			return true;
	return false;
}

/* Ops whose output has the datatype of their input 0. */
static const char *const identity_types[] = {
	"Reshape", "Transpose", "Flatten", "Slice", "Gather", "GatherElements", "GatherND",
	"Identity", "Expand", "MaxPool", "GlobalMaxPool", "Scatter", "ScatterElements",
	"ScatterND", "Squeeze", "Unsqueeze", "Tile", "Pad", "Concat", "Clip", NULL,
};
static const char *const mac_types[] = {"MatMul", "Gemm", "Conv", "Add", "Sub", "Mul", NULL};

static void infer_op(struct round *r, const struct ir_op *op)
{
	const char *type = cost_op_type(op);
	int out = op->results[0];
	struct cost_dtype in0 = op->operands[0] == IR_NONE ? FLOAT32 : r->dt[op->operands[0]];
	if (op->code == IR_OP_IntQuant) {
		r->dt[out] = quant_dtype(r, op);
	} else if (op->code == IR_OP_BipolarQuant) {
		r->dt[out] = all_equal(r, op->operands[1], 1.0) ? (struct cost_dtype){COST_BIPOLAR, 1}
								 : FLOAT32;
	} else if (op->code == IR_OP_Trunc) {
		r->dt[out] = FLOAT32;
	} else if (!strcmp(type, "Sign")) {
		r->dt[out] = (struct cost_dtype){COST_BIPOLAR, 1};
	} else if (in_list(type, mac_types)) {
		r->dt[out] = mac_dtype(r, op, !strcmp(type, "Sub"), r->dt[out]);
	} else if (!strcmp(type, "Resize") || !strcmp(type, "Upsample")) {
		if (!strcmp(ir_attr_string(op, "mode", "nearest"), "nearest"))
			r->dt[out] = in0;
	} else if (in_list(type, identity_types)) {
		r->dt[out] = in0;
	}
	/* Anything else keeps the datatype it has (FLOAT32 unless annotated or
	 * set in the first round). */
}

/* ---- annotations ------------------------------------------------------------ */

/* Starting datatypes from the model's quantization_annotation (finn_datatype). */
static int read_annotations(struct ir_module *m, const char *path, struct cost_dtype *dt,
			    char *err, size_t errlen)
{
	uint8_t *data = NULL;
	size_t len = 0;
	if (onnx_read_file(path, &data, &len, err, errlen) < 0)
		return -1;
	Onnx__ModelProto *model = onnx__model_proto__unpack(NULL, len, data);
	free(data);
	if (!model) {
		snprintf(err, errlen, "cannot parse the model to read its annotations");
		return -1;
	}
	const Onnx__GraphProto *g = model->graph;
	for (size_t i = 0; g && i < g->n_quantization_annotation; i++) {
		const Onnx__TensorAnnotation *a = g->quantization_annotation[i];
		int v = a->tensor_name ? ir_find_value(m, a->tensor_name) : -1;
		for (size_t k = 0; v >= 0 && k < a->n_quant_parameter_tensor_names; k++) {
			const Onnx__StringStringEntryProto *e = a->quant_parameter_tensor_names[k];
			struct cost_dtype d;
			if (e->key && e->value && !strcmp(e->key, "finn_datatype") &&
			    cost_dtype_parse(e->value, &d))
				dt[v] = d;
		}
	}
	onnx__model_proto__free_unpacked(model, NULL);
	return 0;
}

/* ---- the two rounds ------------------------------------------------------- */

static void mark_folded(struct ir_module *m, bool *folded)
{
	for (int v = 0; v < m->nvalues; v++)
		folded[v] = m->values[v].kind == IR_VALUE_CONST;
	for (int o = 0; o < m->nops; o++) {
		const struct ir_op *op = &m->ops[o];
		bool all = !op->dead && op->noperands > 0;
		for (int k = 0; all && k < op->noperands; k++)
			all = op->operands[k] == IR_NONE || folded[op->operands[k]];
		for (int k = 0; all && k < op->nresults; k++)
			folded[op->results[k]] = true;
	}
}

int cost_facts_compute(struct ir_module *m, const char *model_path, struct cost_facts *f,
		       char *err, size_t errlen)
{
	size_t n = (size_t)m->nvalues + 1;
	bool *is_const = calloc(n, sizeof *is_const);
	f->dtype = calloc(n, sizeof *f->dtype);
	f->folded = calloc(n, sizeof *f->folded);
	if (!is_const || !f->dtype || !f->folded)
		abort();
	for (int v = 0; v < m->nvalues; v++) {
		f->dtype[v] = FLOAT32;
		is_const[v] = m->values[v].kind == IR_VALUE_CONST;
	}
	if (model_path && read_annotations(m, model_path, f->dtype, err, errlen) < 0)
		goto fail;
	mark_folded(m, f->folded);
	struct round first = {m, f->dtype, is_const}, second = {m, f->dtype, f->folded};
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead)
			infer_op(&first, &m->ops[o]);
	for (int o = 0; o < m->nops; o++)
		if (!m->ops[o].dead && !f->folded[m->ops[o].results[0]])
			infer_op(&second, &m->ops[o]);
	if (m->error[0]) {
		snprintf(err, errlen, "%s", m->error);
		goto fail;
	}
	free(is_const);
	return 0;
fail:
	free(is_const);
	cost_facts_free(f);
	return -1;
}

void cost_facts_free(struct cost_facts *f)
{
	free(f->dtype);
	free(f->folded);
	f->dtype = NULL;
	f->folded = NULL;
}
