/* graph.c: the graph's tensor names, its inputs, initializers and outputs.
 *
 * Every tensor name of the graph gets a symbol: initializers first, then
 * graph inputs that are not initializers, then node outputs. An initializer
 * also listed among the graph inputs (old exporters, Brevitas) is a constant,
 * not an input. A name defined twice, or a node input that nothing defines,
 * is an error. Symbols are bound to IR values as these are created.
 *
 * Graph inputs get static types: a symbolic first dimension (dim_param, 0 or
 * unset) becomes the batch size from the options; a symbolic dimension
 * elsewhere is an error. With --batch, the first dimension of every input is
 * replaced by the batch size.
 */
#include "internal.h"
#include "ir/names.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int onnx_node_error(struct onnx_ctx *c, int i, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return ir_error(c->m, "node '%.200s' (%.60s): %s", c->node_names[i],
			onnx_str(c->graph->node[i]->op_type), msg);
}

int onnx_sym_find(struct onnx_ctx *c, const char *name)
{
	return ir_names_find(c->sym_index, name);
}

static const char *sym_name(void *ctx, int i)
{
	return ((struct onnx_ctx *)ctx)->syms[i].name;
}

static void add_sym(struct onnx_ctx *c, const char *name, int node)
{
	if (!c->sym_index)
		c->sym_index = ir_names_new(sym_name, c);
	if (c->nsyms == c->cap_syms) { /* geometric growth keeps import linear */
		c->cap_syms = c->cap_syms ? 2 * c->cap_syms : 64;
		struct onnx_sym *syms = realloc(c->syms, (size_t)c->cap_syms * sizeof *syms);
		if (!syms)
			abort();
		c->syms = syms;
	}
	c->syms[c->nsyms] = (struct onnx_sym){.name = name, .node = node, .value = -1};
	ir_names_add(c->sym_index, name, c->nsyms);
	c->nsyms++;
}

/* What defines symbol s, for messages. */
static const char *definer(struct onnx_ctx *c, int s, char *buf, size_t len)
{
	int ninit = (int)c->graph->n_initializer;
	if (c->syms[s].node >= 0)
		snprintf(buf, len, "node '%.200s'", c->node_names[c->syms[s].node]);
	else
		snprintf(buf, len, "%s", s < ninit ? "an initializer" : "a graph input");
	return buf;
}

void onnx_name_nodes(struct onnx_ctx *c)
{
	const Onnx__GraphProto *g = c->graph;
	c->node_names = arena_alloc(&c->m->arena, g->n_node * sizeof *c->node_names + 1);
	for (size_t i = 0; i < g->n_node; i++) {
		const char *name = onnx_str(g->node[i]->name);
		c->node_names[i] = *name ? name
					 : arena_printf(&c->m->arena, "%s_%zu",
							onnx_str(g->node[i]->op_type), i);
	}
}

static int graph_symbols(struct onnx_ctx *c)
{
	const Onnx__GraphProto *g = c->graph;
	char buf[256];
	for (size_t i = 0; i < g->n_initializer; i++) {
		const char *name = onnx_str(g->initializer[i]->name);
		if (!*name)
			return ir_error(c->m, "initializer %zu has no name", i);
		if (onnx_sym_find(c, name) >= 0)
			return ir_error(c->m, "initializer '%s' is defined twice", name);
		add_sym(c, name, -1);
	}
	for (size_t i = 0; i < g->n_input; i++) {
		const char *name = onnx_str(g->input[i]->name);
		int s = onnx_sym_find(c, name);
		if (!*name)
			return ir_error(c->m, "graph input %zu has no name", i);
		if (s >= (int)g->n_initializer)
			return ir_error(c->m, "graph input '%s' is listed twice", name);
		if (s < 0)
			add_sym(c, name, -1);
	}
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *node = g->node[i];
		for (size_t k = 0; k < node->n_output; k++) {
			const char *name = onnx_str(node->output[k]);
			int s = *name ? onnx_sym_find(c, name) : -1;
			if (s >= 0)
				return onnx_node_error(c, (int)i, "output '%s' is already defined by %s", name,
						       definer(c, s, buf, sizeof buf));
			if (*name)
				add_sym(c, name, (int)i);
		}
	}
	return 0;
}

static int check_producers(struct onnx_ctx *c)
{
	const Onnx__GraphProto *g = c->graph;
	for (size_t i = 0; i < g->n_node; i++) {
		const Onnx__NodeProto *node = g->node[i];
		for (size_t k = 0; k < node->n_input; k++) {
			const char *name = onnx_str(node->input[k]);
			if (*name && onnx_sym_find(c, name) < 0)
				return onnx_node_error(c, (int)i,
						       "input '%s' is not produced by any node, initializer or graph input",
						       name);
		}
	}
	return 0;
}

int onnx_graph_symbols(struct onnx_ctx *c)
{
	if (c->graph->n_sparse_initializer)
		return ir_error(c->m, "sparse initializer '%s' is not supported",
				onnx_str(c->graph->sparse_initializer[0]->values
						 ? c->graph->sparse_initializer[0]->values->name
						 : NULL));
	if (!c->sym_index)
		c->sym_index = ir_names_new(sym_name, c);
	if (graph_symbols(c) < 0)
		return -1;
	return check_producers(c);
}

/* ---- graph inputs -------------------------------------------------------- */

static int input_dim(struct onnx_ctx *c, const char *name, const Onnx__TensorShapeProto__Dimension *d,
		     int i, int64_t *out)
{
	bool has_value = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
	if (has_value && d->dim_value < 0)
		return ir_error(c->m, "graph input '%s': dimension %d is negative (%lld)", name, i,
				(long long)d->dim_value);
	if (has_value && d->dim_value > 0) {
		*out = d->dim_value;
		return 0;
	}
	if (i == 0) {
		*out = c->batch;
		return 0;
	}
	const char *param = d->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
				    ? onnx_str(d->dim_param) : "";
	return ir_error(c->m, "graph input '%s': dimension %d is symbolic%s%s%s; only the first (batch) dimension may be",
			name, i, *param ? " ('" : "", param, *param ? "')" : "");
}

static int input_type(struct onnx_ctx *c, const Onnx__ValueInfoProto *vi, struct ir_type *t)
{
	const char *name = onnx_str(vi->name);
	char buf[160];
	if (!vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
		return ir_error(c->m, "graph input '%s' is not a tensor", name);
	const Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
	const struct onnx_dtype *d = onnx_dtype(tt->has_elem_type ? tt->elem_type : 0);
	if (!d || !d->supported)
		return ir_error(c->m, "graph input '%s' has element type %s, which qonnxc does not support",
				name, onnx_dtype_name(tt->has_elem_type ? tt->elem_type : 0, buf, sizeof buf));
	if (!tt->shape)
		return ir_error(c->m, "graph input '%s' has no shape", name);
	if (tt->shape->n_dim > IR_MAX_RANK)
		return ir_error(c->m, "graph input '%s' has rank %zu, more than %d", name,
				tt->shape->n_dim, IR_MAX_RANK);
	*t = (struct ir_type){.elem = d->elem, .bits = (uint8_t)d->bits,
			      .is_signed = d->elem == IR_ELEM_INT && d->is_signed,
			      .rank = (uint8_t)tt->shape->n_dim};
	for (int i = 0; i < t->rank; i++)
		if (input_dim(c, name, tt->shape->dim[i], i, &t->dims[i]) < 0)
			return -1;
	if (c->batch_given && t->rank > 0)
		t->dims[0] = c->batch;
	size_t bytes = ir_storage_size(t->elem);
	for (int i = 0; i < t->rank; i++)
		if (!size_mul(bytes, (size_t)t->dims[i], &bytes) || bytes > c->max_bytes)
			return ir_error(c->m, "graph input '%s' of type %s is larger than the %llu-byte limit",
					name, ir_type_str(t, buf, sizeof buf), (unsigned long long)c->max_bytes);
	return 0;
}

static int make_initializer(struct onnx_ctx *c, int i)
{
	const Onnx__TensorProto *proto = c->graph->initializer[i];
	struct onnx_tensor t;
	char err[400];
	if (onnx_tensor_prepare(proto, proto->name, c->dir, c->max_bytes, &t, err, sizeof err) < 0)
		return ir_error(c->m, "%s", err);
	int v = ir_add_const(c->m, proto->name, &t.type, NULL);
	if (v >= 0)
		onnx_tensor_decode(&t, ir_val(c->m, v)->data);
	onnx_tensor_release(&t);
	c->syms[onnx_sym_find(c, proto->name)].value = v;
	return v < 0 ? -1 : 0;
}

int onnx_graph_inputs(struct onnx_ctx *c)
{
	const Onnx__GraphProto *g = c->graph;
	for (size_t i = 0; i < g->n_input; i++) {
		int s = onnx_sym_find(c, onnx_str(g->input[i]->name));
		if (s < (int)g->n_initializer)
			continue; /* an initializer: a constant */
		struct ir_type t;
		if (input_type(c, g->input[i], &t) < 0)
			return -1;
		int v = ir_add_input(c->m, c->syms[s].name, &t);
		if (v < 0)
			return -1;
		c->syms[s].value = v;
	}
	for (size_t i = 0; i < g->n_initializer; i++)
		if (make_initializer(c, (int)i) < 0)
			return -1;
	return 0;
}

int onnx_graph_outputs(struct onnx_ctx *c)
{
	const Onnx__GraphProto *g = c->graph;
	if (g->n_output == 0)
		return ir_error(c->m, "the graph has no outputs");
	for (size_t i = 0; i < g->n_output; i++) {
		const char *name = onnx_str(g->output[i]->name);
		int s = *name ? onnx_sym_find(c, name) : -1;
		if (s < 0 || c->syms[s].value < 0)
			return ir_error(c->m, "graph output '%s' is not produced by any node, initializer or graph input",
					name);
		ir_add_output(c->m, c->syms[s].value);
	}
	return 0;
}
