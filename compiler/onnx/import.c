/* import.c: onnx_import and onnx_import_buffer, the front-end's entry points.
 *
 * Reads the model (or takes it from memory) and unpacks it, checks its IR
 * version (3 to 10) and the opset of the default domain (6 to 21), then
 * builds the module in the order given in internal.h. Every failure ends in
 * one cleanup that frees the protobuf objects and the module; the module's
 * first error becomes the message.
 */
#include "internal.h"
#include "ir/names.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MIN_IR = 3, MAX_IR = 10, MIN_OPSET = 6, MAX_OPSET = 21 };
#define MAX_MESSAGE ((size_t)0x7fffffff) /* protobuf's 2 GiB limit */

static bool uses_default_domain(const Onnx__GraphProto *g)
{
	for (size_t i = 0; i < g->n_node; i++)
		if (onnx_domain_of(g->node[i]->domain) == ONNX_DOMAIN_ONNX)
			return true;
	return false;
}

static int check_versions(struct onnx_ctx *c)
{
	const Onnx__ModelProto *model = c->model;
	if (!model->has_ir_version || !model->graph)
		return ir_error(c->m, "not an ONNX model: no %s", model->graph ? "IR version" : "graph");
	if (model->ir_version < MIN_IR || model->ir_version > MAX_IR)
		return ir_error(c->m, "unsupported ONNX IR version %lld (qonnxc reads %d to %d)",
				(long long)model->ir_version, MIN_IR, MAX_IR);
	bool found = false;
	for (size_t i = 0; i < model->n_opset_import; i++) {
		const Onnx__OperatorSetIdProto *o = model->opset_import[i];
		if (onnx_domain_of(o->domain) != ONNX_DOMAIN_ONNX)
			continue;
		int64_t v = o->has_version ? o->version : 0;
		if (v < MIN_OPSET || v > MAX_OPSET)
			return ir_error(c->m, "unsupported opset %lld of the default ONNX domain (qonnxc reads %d to %d)",
					(long long)v, MIN_OPSET, MAX_OPSET);
		c->opset = (int)v;
		found = true;
	}
	if (!found && uses_default_domain(model->graph))
		return ir_error(c->m, "the model imports no opset of the default ONNX domain");
	return 0;
}

static int set_options(struct onnx_ctx *c, const struct onnx_import_options *opt)
{
	c->batch = opt ? opt->batch : 1;
	c->batch_given = opt && opt->batch_given;
	c->max_bytes = opt && opt->max_bytes ? opt->max_bytes : ONNX_DEFAULT_MAX_BYTES;
	c->m->max_bytes = c->max_bytes;
	if (c->batch < 1 && c->batch_given)
		return ir_error(c->m, "batch size %lld is not positive", (long long)c->batch);
	if (c->batch < 1)
		c->batch = 1;
	return 0;
}

static int build(struct onnx_ctx *c, const struct onnx_import_options *opt)
{
	if (set_options(c, opt) < 0 || check_versions(c) < 0)
		return -1;
	c->graph = c->model->graph;
	onnx_name_nodes(c);
	if (onnx_check_supported(c) < 0 || onnx_graph_symbols(c) < 0 || onnx_order_nodes(c) < 0)
		return -1;
	if (onnx_graph_inputs(c) < 0 || onnx_import_nodes(c) < 0)
		return -1;
	return onnx_graph_outputs(c);
}

/* Unpacks data and builds the module; path names the module in diagnostics,
 * dir is the folder external data is read from. */
static struct ir_module *import_bytes(const uint8_t *data, size_t len, const char *path,
				      const char *dir, const struct onnx_import_options *opt,
				      char *err, size_t errlen)
{
	Onnx__ModelProto *model = NULL;
	struct onnx_ctx c = {0};
	if (len > MAX_MESSAGE) {
		snprintf(err, errlen, "model of %zu bytes is over protobuf's 2 GiB message limit", len);
		goto fail;
	}
	if (onnx_check_nesting(&onnx__model_proto__descriptor, data, len, err, errlen) < 0)
		goto fail;
	model = onnx__model_proto__unpack(NULL, len, data);
	if (!model) {
		snprintf(err, errlen, "not an ONNX model: protobuf parse failed (corrupt or truncated file)");
		goto fail;
	}
	c.m = ir_module_new(path);
	c.model = model;
	c.dir = dir;
	if (build(&c, opt) < 0) {
		snprintf(err, errlen, "%s", c.m->error[0] ? c.m->error : "import failed");
		goto fail;
	}
	free(c.syms);
	ir_names_free(c.sym_index);
	onnx__model_proto__free_unpacked(model, NULL);
	return c.m;
fail:
	free(c.syms);
	ir_names_free(c.sym_index);
	ir_module_free(c.m);
	if (model)
		onnx__model_proto__free_unpacked(model, NULL);
	return NULL;
}

struct ir_module *onnx_import(const char *path, const struct onnx_import_options *opt, char *err,
			      size_t errlen)
{
	uint8_t *data = NULL;
	size_t len = 0;
	if (onnx_read_file(path, &data, &len, err, errlen) < 0)
		return NULL;
	char *dir = onnx_dirname(path);
	struct ir_module *m = import_bytes(data, len, path, dir, opt, err, errlen);
	free(dir);
	free(data);
	return m;
}

struct ir_module *onnx_import_buffer(const void *data, size_t len, const char *model_dir,
				     const struct onnx_import_options *opt, char *err, size_t errlen)
{
	const char *dir = model_dir ? model_dir : ".";
	return import_bytes(data, len, "<memory>", dir, opt, err, errlen);
}
