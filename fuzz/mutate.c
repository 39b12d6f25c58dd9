/* mutate.c: mut_model and mut_crossover, the entry points of the
 * structure-aware mutator: a few mutations of the graph's structure
 * (mutate_graph.c) or its data (mutate_data.c), or a node carried over
 * from another model of the corpus. */
#include "mutate.h"

#include <string.h>

bool mut_model(Onnx__ModelProto *model, struct mut_rng *r)
{
	int want = 1 + (int)mut_below(r, 4), done = 0;
	for (int tries = 0; done < want && tries < 4 * want; tries++)
		done += (mut_chance(r, 2) ? mut_graph(model, r) : mut_data(model, r)) ? 1 : 0;
	return done > 0;
}

static bool has_initializer(const Onnx__GraphProto *g, const char *name)
{
	for (size_t i = 0; i < g->n_initializer; i++)
		if (g->initializer[i]->name && !strcmp(g->initializer[i]->name, name))
			return true;
	return false;
}

bool mut_crossover(Onnx__ModelProto *dst, const Onnx__ModelProto *src, struct mut_rng *r)
{
	Onnx__GraphProto *g = dst->graph;
	const Onnx__GraphProto *from = src->graph;
	if (!g || !from || !from->n_node)
		return false;
	const Onnx__NodeProto *n = from->node[mut_below(r, from->n_node)];
	Onnx__NodeProto *copy = mut_copy_message(&n->base);
	if (!copy)
		return false;
	for (size_t k = 0; k < n->n_input; k++) {
		for (size_t i = 0; i < from->n_initializer; i++) {
			const Onnx__TensorProto *t = from->initializer[i];
			if (!t->name || strcmp(t->name, n->input[k]) || has_initializer(g, t->name))
				continue;
			Onnx__TensorProto *tc = mut_copy_message(&t->base);
			if (!tc)
				continue;
			g->initializer = mut_append(g->initializer, &g->n_initializer, sizeof *g->initializer);
			g->initializer[g->n_initializer - 1] = tc;
		}
	}
	g->node = mut_append(g->node, &g->n_node, sizeof *g->node);
	size_t at = mut_below(r, g->n_node);
	memmove(g->node + at + 1, g->node + at, (g->n_node - 1 - at) * sizeof *g->node);
	g->node[at] = copy;
	return true;
}
