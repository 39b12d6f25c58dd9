/* order.c: a topological order of the graph's nodes.
 *
 * ONNX requires nodes to be sorted, but exporters and hand edits get it
 * wrong, so the order is recomputed: a depth-first search over producers,
 * started from each node in model order, emits a node after everything it
 * reads. A graph already sorted keeps its order. A node met again while still
 * on the search path closes a cycle, which is reported naming that node. The
 * search keeps its own stack, so deep graphs cannot overflow the C stack.
 * Requires onnx_graph_symbols (every non-empty input has a symbol).
 */
#include "internal.h"

#include <stdlib.h>

enum { UNSEEN, ON_PATH, DONE };

struct frame {
	int node;
	size_t next_input;
};

/* The producing node of input k of node i, or -1 (graph input, initializer, absent). */
static int producer(struct onnx_ctx *c, int i, size_t k)
{
	const char *name = onnx_str(c->graph->node[i]->input[k]);
	if (!*name)
		return -1;
	int s = onnx_sym_find(c, name);
	return s < 0 ? -1 : c->syms[s].node;
}

/* Visits the producers of start, appending finished nodes to c->order. */
static int visit(struct onnx_ctx *c, int start, unsigned char *state, struct frame *stack, int *norder)
{
	int depth = 0;
	stack[depth++] = (struct frame){start, 0};
	state[start] = ON_PATH;
	while (depth > 0) {
		struct frame *f = &stack[depth - 1];
		const Onnx__NodeProto *node = c->graph->node[f->node];
		if (f->next_input == node->n_input) {
			state[f->node] = DONE;
			c->order[(*norder)++] = f->node;
			depth--;
			continue;
		}
		int p = producer(c, f->node, f->next_input++);
		if (p < 0 || state[p] == DONE)
			continue;
		if (state[p] == ON_PATH)
			return onnx_node_error(c, p, "is part of a cycle (its output feeds back into it)");
		state[p] = ON_PATH;
		stack[depth++] = (struct frame){p, 0};
	}
	return 0;
}

int onnx_order_nodes(struct onnx_ctx *c)
{
	int n = (int)c->graph->n_node;
	unsigned char *state = calloc((size_t)n + 1, 1);
	struct frame *stack = malloc(((size_t)n + 1) * sizeof *stack);
	int norder = 0, rc = 0;
	if (!state || !stack)
		abort();
	c->order = arena_alloc(&c->m->arena, ((size_t)n + 1) * sizeof *c->order);
	for (int i = 0; i < n && rc == 0; i++)
		if (state[i] == UNSEEN)
			rc = visit(c, i, state, stack, &norder);
	free(state);
	free(stack);
	return rc;
}
