/* mutate_graph.c: mutations of the graph's structure: node order, node
 * inputs and outputs, op types, domains and names, removed and duplicated
 * nodes, graph inputs, outputs and initializers, opset versions and the IR
 * version. Each returns false when the model has nothing to mutate that way. */
#include "mutate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_types[] = {
	"Add", "Sub", "Mul", "Div", "Pow", "PRelu", "And", "Or", "Greater", "GreaterOrEqual",
	"Less", "LessOrEqual", "Equal", "Min", "Max", "Sum", "Mean", "Where", "Neg", "Abs", "Sign",
	"Not", "Sqrt", "Exp", "Log", "Erf", "Reciprocal", "Relu", "LeakyRelu", "Elu", "Selu",
	"Sigmoid", "HardSigmoid", "Tanh", "Softplus", "Softsign", "Round", "Floor", "Ceil", "Clip",
	"Cast", "Identity", "Dropout", "IntQuant", "Quant", "BipolarQuant", "Trunc", "MatMul", "Gemm",
	"Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
	"BatchNormalization", "InstanceNormalization", "Softmax", "LogSoftmax", "ReduceMean",
	"ReduceSum", "ReduceMax", "ReduceMin", "Flatten", "Reshape", "Transpose", "Squeeze",
	"Unsqueeze", "Concat", "Split", "Slice", "Gather", "Shape", "Expand", "Tile", "Pad", "Resize",
	"Upsample", "DepthToSpace", "SpaceToDepth", "Constant", "MultiThreshold", "If",
};
static const char *const domains[] = {
	"", "ai.onnx", "qonnx.custom_op.general", "finn.custom_op.general", "onnx.brevitas",
	"qonnx.custom_op.channels_last", "com.microsoft",
};
enum { NOPS = sizeof op_types / sizeof *op_types, NDOMAINS = sizeof domains / sizeof *domains };

static Onnx__NodeProto *pick_node(Onnx__GraphProto *g, struct mut_rng *r)
{
	return g && g->n_node ? g->node[mut_below(r, g->n_node)] : NULL;
}

/* A tensor name of g, the empty name (an absent optional input) or one
 * nothing defines. */
static const char *pick_name(Onnx__GraphProto *g, struct mut_rng *r)
{
	if (mut_chance(r, 8))
		return mut_chance(r, 2) ? "" : "undefined_tensor";
	size_t n;
	const char **names = mut_tensor_names(g, &n);
	const char *name = n ? names[mut_below(r, n)] : "";
	free(names);
	return name;
}

static bool swap_nodes(Onnx__GraphProto *g, struct mut_rng *r)
{
	if (g->n_node < 2)
		return false;
	if (mut_chance(r, 8)) {
		for (size_t i = 0; i < g->n_node / 2; i++) {
			Onnx__NodeProto *t = g->node[i];
			g->node[i] = g->node[g->n_node - 1 - i];
			g->node[g->n_node - 1 - i] = t;
		}
		return true;
	}
	size_t a = mut_below(r, g->n_node), b = mut_below(r, g->n_node);
	Onnx__NodeProto *t = g->node[a];
	g->node[a] = g->node[b];
	g->node[b] = t;
	return a != b;
}

static bool node_input(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = pick_node(g, r);
	if (!n)
		return false;
	/* pick_name's strings belong to g: copy before changing anything */
	char *name = mut_strdup(mut_chance(r, 10) && n->n_output ? n->output[0] : pick_name(g, r));
	if (!n->n_input || mut_chance(r, 6)) {
		n->input = mut_append(n->input, &n->n_input, sizeof *n->input);
		n->input[n->n_input - 1] = name;
		return true;
	}
	size_t k = mut_below(r, n->n_input);
	if (mut_chance(r, 6)) {
		free(name);
		free(n->input[k]);
		mut_remove(n->input, &n->n_input, sizeof *n->input, k);
		return true;
	}
	free(n->input[k]);
	n->input[k] = name;
	return true;
}

static bool node_output(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = pick_node(g, r);
	if (!n)
		return false;
	char fresh[32];
	snprintf(fresh, sizeof fresh, "fresh_%u", (unsigned)mut_below(r, 1000));
	char *name = mut_strdup(mut_chance(r, 2) ? fresh : pick_name(g, r));
	if (!n->n_output || mut_chance(r, 5)) {
		n->output = mut_append(n->output, &n->n_output, sizeof *n->output);
		n->output[n->n_output - 1] = name;
		return true;
	}
	size_t k = mut_below(r, n->n_output);
	if (mut_chance(r, 5)) {
		free(name);
		free(n->output[k]);
		mut_remove(n->output, &n->n_output, sizeof *n->output, k);
		return true;
	}
	free(n->output[k]);
	n->output[k] = name;
	return true;
}

static bool remove_node(Onnx__GraphProto *g, struct mut_rng *r)
{
	if (!g->n_node)
		return false;
	size_t i = mut_below(r, g->n_node);
	onnx__node_proto__free_unpacked(g->node[i], NULL);
	mut_remove(g->node, &g->n_node, sizeof *g->node, i);
	return true;
}

/* A copy of a node, at a random place; its outputs renamed unless they
 * should clash. */
static bool duplicate_node(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = pick_node(g, r);
	Onnx__NodeProto *copy = n ? mut_copy_message(&n->base) : NULL;
	if (!copy)
		return false;
	for (size_t k = 0; k < copy->n_output && !mut_chance(r, 4); k++) {
		char name[256];
		snprintf(name, sizeof name, "%.200s_dup%u", copy->output[k], (unsigned)mut_below(r, 100));
		mut_set_string(&copy->output[k], name);
	}
	g->node = mut_append(g->node, &g->n_node, sizeof *g->node);
	size_t at = mut_below(r, g->n_node);
	memmove(g->node + at + 1, g->node + at, (g->n_node - 1 - at) * sizeof *g->node);
	g->node[at] = copy;
	return true;
}

static bool op_type(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = pick_node(g, r);
	if (!n)
		return false;
	mut_set_string(&n->op_type, mut_pick(r, op_types, NOPS));
	return true;
}

static bool domain(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = pick_node(g, r);
	if (!n)
		return false;
	mut_set_string(&n->domain, mut_chance(r, 8) ? NULL : mut_pick(r, domains, NDOMAINS));
	return true;
}

static bool node_name(Onnx__GraphProto *g, struct mut_rng *r)
{
	Onnx__NodeProto *n = pick_node(g, r), *other = pick_node(g, r);
	if (!n)
		return false;
	mut_set_string(&n->name, mut_chance(r, 3) ? NULL : mut_chance(r, 2) ? "" : other->name);
	return true;
}

static bool graph_input(Onnx__GraphProto *g, struct mut_rng *r)
{
	if (g->n_input && mut_chance(r, 2)) {
		size_t i = mut_below(r, g->n_input);
		onnx__value_info_proto__free_unpacked(g->input[i], NULL);
		mut_remove(g->input, &g->n_input, sizeof *g->input, i);
		return true;
	}
	/* a copy of an input or output, named after some tensor */
	size_t nio = g->n_input + g->n_output;
	if (!nio)
		return false;
	size_t i = mut_below(r, nio);
	Onnx__ValueInfoProto *from = i < g->n_input ? g->input[i] : g->output[i - g->n_input];
	Onnx__ValueInfoProto *copy = mut_copy_message(&from->base);
	if (!copy)
		return false;
	mut_set_string(&copy->name, pick_name(g, r));
	g->input = mut_append(g->input, &g->n_input, sizeof *g->input);
	g->input[g->n_input - 1] = copy;
	return true;
}

static bool graph_output(Onnx__GraphProto *g, struct mut_rng *r)
{
	if (g->n_output && mut_chance(r, 3)) {
		size_t i = mut_below(r, g->n_output);
		onnx__value_info_proto__free_unpacked(g->output[i], NULL);
		mut_remove(g->output, &g->n_output, sizeof *g->output, i);
		return true;
	}
	if (g->n_output && mut_chance(r, 2)) {
		Onnx__ValueInfoProto *o = g->output[mut_below(r, g->n_output)];
		mut_set_string(&o->name, pick_name(g, r));
		return true;
	}
	Onnx__ValueInfoProto *o = malloc(sizeof *o);
	if (!o)
		abort();
	onnx__value_info_proto__init(o);
	o->name = mut_strdup(pick_name(g, r));
	g->output = mut_append(g->output, &g->n_output, sizeof *g->output);
	g->output[g->n_output - 1] = o;
	return true;
}

static bool initializer(Onnx__GraphProto *g, struct mut_rng *r)
{
	if (!g->n_initializer)
		return false;
	size_t i = mut_below(r, g->n_initializer);
	if (mut_chance(r, 2)) {
		onnx__tensor_proto__free_unpacked(g->initializer[i], NULL);
		mut_remove(g->initializer, &g->n_initializer, sizeof *g->initializer, i);
		return true;
	}
	char *name = mut_strdup(pick_name(g, r));
	free(g->initializer[i]->name);
	g->initializer[i]->name = name;
	return true;
}

typedef bool (*graph_mutation)(Onnx__GraphProto *g, struct mut_rng *r);

static const graph_mutation graph_mutations[] = {
	swap_nodes, node_input, node_input, node_output, remove_node, duplicate_node, op_type,
	domain, node_name, graph_input, graph_output, initializer,
};

/* ---- the model header ------------------------------------------------------- */

static bool opset(Onnx__ModelProto *m, struct mut_rng *r)
{
	static const int64_t versions[] = {-1, 0, 1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 17, 18, 19, 21, 22, 1000};
	if (!m->n_opset_import || mut_chance(r, 4)) {
		Onnx__OperatorSetIdProto *o = malloc(sizeof *o);
		if (!o)
			abort();
		onnx__operator_set_id_proto__init(o);
		o->domain = mut_strdup(mut_pick(r, domains, NDOMAINS));
		o->has_version = true;
		o->version = versions[mut_below(r, sizeof versions / sizeof *versions)];
		m->opset_import = mut_append(m->opset_import, &m->n_opset_import, sizeof *m->opset_import);
		m->opset_import[m->n_opset_import - 1] = o;
		return true;
	}
	size_t i = mut_below(r, m->n_opset_import);
	Onnx__OperatorSetIdProto *o = m->opset_import[i];
	switch (mut_below(r, 4)) {
	case 0:
		onnx__operator_set_id_proto__free_unpacked(o, NULL);
		mut_remove(m->opset_import, &m->n_opset_import, sizeof *m->opset_import, i);
		return true;
	case 1:
		mut_set_string(&o->domain, mut_pick(r, domains, NDOMAINS));
		return true;
	default:
		o->has_version = !mut_chance(r, 10);
		o->version = mut_chance(r, 2) ? versions[mut_below(r, sizeof versions / sizeof *versions)]
					      : mut_int(r, o->version);
		return true;
	}
}

static bool ir_version(Onnx__ModelProto *m, struct mut_rng *r)
{
	m->has_ir_version = !mut_chance(r, 10);
	m->ir_version = mut_chance(r, 2) ? (int64_t)mut_below(r, 13) : mut_int(r, m->ir_version);
	return true;
}

bool mut_graph(Onnx__ModelProto *model, struct mut_rng *r)
{
	if (mut_chance(r, 10))
		return mut_chance(r, 3) ? ir_version(model, r) : opset(model, r);
	if (!model->graph)
		return false;
	size_t n = sizeof graph_mutations / sizeof *graph_mutations;
	return graph_mutations[mut_below(r, n)](model->graph, r);
}
