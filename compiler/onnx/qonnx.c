/* qonnx.c: the QONNX operators (../shared/QONNX.md) and the channels-last
 * variants of standard operators.
 *
 * Quant is the older name of IntQuant; both become IR_OP_IntQuant. Trunc
 * comes with 5 (version 1) or 6 (version 2) inputs, told apart by the IR from
 * the operand count. rounding_mode is case-insensitive in QONNX; the IR keeps
 * it in upper case and only the names QONNX defines. Operators of the domain
 * qonnx.custom_op.channels_last are the standard ones on NHWC (NWC) data.
 */
#include "internal.h"

#include <ctype.h>
#include <string.h>

static const char *const rounding_modes[] = {
	"ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN",
};

/* The attribute in upper case, checked against rounding_modes; NULL when absent. */
static int rounding_mode(struct onnx_ctx *c, struct onnx_node *n, const char **out)
{
	const char *mode;
	*out = NULL;
	if (onnx_attr_string(c, n, "rounding_mode", NULL, &mode) < 0)
		return -1;
	if (!mode)
		return 0;
	char *upper = arena_strdup(&c->m->arena, mode);
	for (char *p = upper; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	for (size_t i = 0; i < sizeof rounding_modes / sizeof rounding_modes[0]; i++) {
		if (!strcmp(upper, rounding_modes[i])) {
			*out = upper;
			return 0;
		}
	}
	return onnx_node_error(c, n->index,
			       "unknown rounding_mode '%.40s' (expected ROUND, HALF_EVEN, CEIL, FLOOR, UP, DOWN, HALF_UP or HALF_DOWN)",
			       mode);
}

/* Quant, IntQuant, Trunc. */
int onnx_import_quant(struct onnx_ctx *c, struct onnx_node *n)
{
	const char *mode;
	onnx_skip_attr(n, "rounding_mode");
	if (rounding_mode(c, n, &mode) < 0)
		return -1;
	int o = onnx_op(c, n, n->code, NULL, n->noperands, n->operands, true);
	if (o < 0)
		return -1;
	if (mode)
		ir_set_attr_string(c->m, o, "rounding_mode", mode);
	if (onnx_infer(c, o) < 0)
		return -1;
	onnx_bind(c, n, o);
	return 0;
}

/* Conv, MaxPool, BatchNormalization of qonnx.custom_op.channels_last. */
int onnx_import_channels_last(struct onnx_ctx *c, struct onnx_node *n)
{
	n->layout = IR_LAYOUT_NHWC;
	if (n->code == IR_OP_BatchNormalization)
		return onnx_import_batchnorm(c, n);
	return onnx_emit(c, n);
}
