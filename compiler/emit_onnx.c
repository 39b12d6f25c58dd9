/* emit_onnx.c: the IR as an ONNX model (see emit_onnx.h). */
#include "emit_onnx.h"
#include "driver.h"

#include <stdlib.h>

int emit_onnx(struct ir_module *m, bool expand_quant, uint8_t **data, size_t *len)
{
	(void)expand_quant;
	*data = NULL;
	*len = 0;
	return ir_error(m, "--emit=onnx is not implemented yet");
}

int driver_emit_onnx(const struct cli_options *opt)
{
	struct ir_module *m = driver_load(opt);
	if (!m)
		return EXIT_BAD_MODEL;
	uint8_t *data;
	size_t len;
	int rc = emit_onnx(m, opt->expand_quant, &data, &len);
	if (rc < 0)
		driver_error(opt->model, "%s", m->error);
	free(data);
	ir_module_free(m);
	return rc < 0 ? EXIT_BAD_MODEL : EXIT_OK;
}
