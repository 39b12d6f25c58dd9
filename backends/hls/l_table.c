/* l_table.c: the table of op emitters, one row per IR op the HLS backend
 * can write as C (integer forms in the kernel, float forms on the host;
 * each emitter refuses the forms it does not handle). A view (alias) op
 * has no function: its result shares its operand's array.
 */
#include "hls.h"

static const struct hls_op_emitter emitters[IR_OP_COUNT] = {
	/* element-wise */
	[IR_OP_Add] = {hls_emit_binary, false},
	[IR_OP_Sub] = {hls_emit_binary, false},
	[IR_OP_Mul] = {hls_emit_binary, false},
	[IR_OP_Div] = {hls_emit_binary, false},
	[IR_OP_Pow] = {hls_emit_binary, false},
	[IR_OP_Min] = {hls_emit_binary, false},
	[IR_OP_Max] = {hls_emit_binary, false},
	[IR_OP_PRelu] = {hls_emit_binary, false},
	[IR_OP_Relu] = {hls_emit_unary, false},
	[IR_OP_Neg] = {hls_emit_unary, false},
	[IR_OP_Abs] = {hls_emit_unary, false},
	[IR_OP_Sign] = {hls_emit_unary, false},
	[IR_OP_Sqrt] = {hls_emit_unary, false},
	[IR_OP_Exp] = {hls_emit_unary, false},
	[IR_OP_Log] = {hls_emit_unary, false},
	[IR_OP_Erf] = {hls_emit_unary, false},
	[IR_OP_Reciprocal] = {hls_emit_unary, false},
	[IR_OP_Tanh] = {hls_emit_unary, false},
	[IR_OP_Sigmoid] = {hls_emit_unary, false},
	[IR_OP_Floor] = {hls_emit_unary, false},
	[IR_OP_Ceil] = {hls_emit_unary, false},
	[IR_OP_Softsign] = {hls_emit_unary, false},
	[IR_OP_LeakyRelu] = {hls_emit_unary, false},
	[IR_OP_Elu] = {hls_emit_unary, false},
	[IR_OP_HardSigmoid] = {hls_emit_unary, false},
	[IR_OP_Cast] = {hls_emit_cast, false},
	[IR_OP_Clip] = {hls_emit_clip, false},
	[IR_OP_BatchNormalization] = {hls_emit_batchnorm, false},
	/* quantization */
	[IR_OP_Quantize] = {hls_emit_quantize, false},
	[IR_OP_Dequantize] = {hls_emit_dequantize, false},
	[IR_OP_MultiThreshold] = {hls_emit_multithreshold, false},
	[IR_OP_Requantize] = {hls_emit_requantize, false},
	/* linear algebra, windows */
	[IR_OP_MatMul] = {hls_emit_matmul, false},
	[IR_OP_Conv] = {hls_emit_conv, false},
	[IR_OP_MaxPool] = {hls_emit_maxpool, false},
	[IR_OP_GlobalMaxPool] = {hls_emit_maxpool, false},
	[IR_OP_Softmax] = {hls_emit_softmax, false},
	[IR_OP_LogSoftmax] = {hls_emit_softmax, false},
	/* views */
	[IR_OP_Identity] = {NULL, true},
	[IR_OP_Dropout] = {NULL, true},
	[IR_OP_Reshape] = {NULL, true},
	[IR_OP_Flatten] = {NULL, true},
	[IR_OP_Squeeze] = {NULL, true},
	[IR_OP_Unsqueeze] = {NULL, true},
	/* data movement */
	[IR_OP_Transpose] = {hls_emit_gather, false},
	[IR_OP_Slice] = {hls_emit_gather, false},
	[IR_OP_Expand] = {hls_emit_gather, false},
	[IR_OP_Tile] = {hls_emit_gather, false},
	[IR_OP_DepthToSpace] = {hls_emit_gather, false},
	[IR_OP_SpaceToDepth] = {hls_emit_gather, false},
	[IR_OP_Resize] = {hls_emit_gather, false},
	[IR_OP_Pad] = {hls_emit_gather, false},
	[IR_OP_Gather] = {hls_emit_gather, false},
	[IR_OP_Concat] = {hls_emit_concat, false},
};

const struct hls_op_emitter *hls_emitter(enum ir_opcode code)
{
	const struct hls_op_emitter *e = &emitters[code];
	return e->emit || e->alias ? e : NULL;
}
