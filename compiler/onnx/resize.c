/* resize.c: Upsample and Resize in the form of Resize-19.
 *
 * Canonical: Resize(X, roi, scales, sizes) with attributes mode,
 * coordinate_transformation_mode, nearest_mode, ...
 *   - Upsample-7/8 (scales attribute), Upsample-9 (scales input) and
 *     Resize-10 (X, scales) computed output coordinates as x_out / scale
 *     ("asymmetric") and picked the nearest input pixel by flooring; the
 *     ONNX version converter (Resize 10 -> 11) adds exactly these two
 *     attributes. Upsample-1 used height_scale/width_scale on NCHW input and
 *     called linear mode "bilinear".
 *   - Resize-11/12 require roi and scales as inputs and pass empty tensors
 *     for "not given"; such empty constants become absent operands.
 */
#include "internal.h"

#include <string.h>

/* The Upsample scales as a value: input 1 (opset 9+) or attributes. */
static int upsample_scales(struct onnx_ctx *c, struct onnx_node *n)
{
	int count;
	const float *f;
	if (n->opset >= 9) {
		if (n->noperands < 2 || n->operands[1] == IR_NONE)
			return onnx_node_error(c, n->index, "input 'scales' is missing");
		return n->operands[1];
	}
	if (n->opset >= 7) {
		if (onnx_attr_floats(c, n, "scales", &count, &f) < 0)
			return -1;
		if (!f)
			return onnx_node_error(c, n->index, "attribute 'scales' is missing");
		double v[IR_MAX_RANK];
		if (count > IR_MAX_RANK)
			return onnx_node_error(c, n->index, "%d scales, more than rank %d", count, IR_MAX_RANK);
		for (int i = 0; i < count; i++)
			v[i] = f[i];
		return onnx_const_f32(c, n, "scales", count, v);
	}
	double h, w;
	if (onnx_attr_float(c, n, "height_scale", 1, &h) < 0 ||
	    onnx_attr_float(c, n, "width_scale", 1, &w) < 0)
		return -1;
	return onnx_const_f32(c, n, "scales", 4, (double[]){1, 1, h, w});
}

/* Creates the Resize op for n from X and scales, in the asymmetric/floor convention. */
static int resize_asymmetric(struct onnx_ctx *c, struct onnx_node *n, int x, int scales,
			     const char *mode)
{
	int o = onnx_op(c, n, IR_OP_Resize, NULL, 3, (int[]){x, IR_NONE, scales}, true);
	if (o < 0)
		return -1;
	ir_set_attr_string(c->m, o, "mode", mode);
	ir_set_attr_string(c->m, o, "coordinate_transformation_mode", "asymmetric");
	ir_set_attr_string(c->m, o, "nearest_mode", "floor");
	if (onnx_infer(c, o) < 0)
		return -1;
	onnx_bind(c, n, o);
	return 0;
}

int onnx_import_upsample(struct onnx_ctx *c, struct onnx_node *n)
{
	const char *mode;
	onnx_skip_attr(n, "mode");
	onnx_skip_attr(n, "scales");
	onnx_skip_attr(n, "height_scale");
	onnx_skip_attr(n, "width_scale");
	if (onnx_attr_string(c, n, "mode", "nearest", &mode) < 0)
		return -1;
	if (!strcmp(mode, "bilinear"))
		mode = "linear";
	if (strcmp(mode, "nearest") && strcmp(mode, "linear"))
		return onnx_node_error(c, n->index, "mode '%s' is not supported", mode);
	if (n->noperands < 1 || n->operands[0] == IR_NONE)
		return onnx_node_error(c, n->index, "input 'X' is missing");
	int scales = upsample_scales(c, n);
	if (scales < 0)
		return -1;
	return resize_asymmetric(c, n, n->operands[0], scales, mode);
}

static bool empty_const(struct onnx_ctx *c, int v)
{
	const struct ir_value *val = v == IR_NONE ? NULL : ir_val(c->m, v);
	return val && val->kind == IR_VALUE_CONST && ir_type_numel(&val->type) == 0;
}

int onnx_import_resize(struct onnx_ctx *c, struct onnx_node *n)
{
	if (!n->legacy) {
		for (int k = 1; k <= 2 && k < n->noperands; k++)
			if (empty_const(c, n->operands[k]))
				n->operands[k] = IR_NONE;
		return onnx_emit(c, n);
	}
	/* Resize-10: (X, scales), attribute mode */
	const char *mode;
	onnx_skip_attr(n, "mode");
	if (onnx_attr_string(c, n, "mode", "nearest", &mode) < 0)
		return -1;
	if (n->noperands != 2 || n->operands[0] == IR_NONE || n->operands[1] == IR_NONE)
		return onnx_node_error(c, n->index, "expects 2 inputs (X, scales), got %d", n->noperands);
	return resize_asymmetric(c, n, n->operands[0], n->operands[1], mode);
}
