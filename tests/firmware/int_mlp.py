"""int_mlp.py: a small QONNX MLP whose quantized part lowers to integers
only, for the test that the _q entry point of such a model does no float
work: input Quant (8 bits) -> MatMul with 2-bit weights -> Relu -> Quant
(4 bits, unsigned) -> MatMul with 2-bit weights -> Quant (8 bits) as the
output. lower-integer turns it into Quantize, integer MatMul, MultiThreshold,
integer MatMul, MultiThreshold, Dequantize; the _q entry takes and returns
the quantizers' integers."""
import numpy as np
from onnx import TensorProto, helper, numpy_helper

QONNX = "qonnx.custom_op.general"


def _const(name, value):
    return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def write(path, n_in=16, n_hidden=24, n_out=6, seed=7):
    rng = np.random.default_rng(seed)
    w0 = rng.integers(-1, 2, size=(n_in, n_hidden)).astype(np.float32) * 0.5
    w1 = rng.integers(-1, 2, size=(n_hidden, n_out)).astype(np.float32) * 0.25
    inits = [_const("w0", w0), _const("w1", w1),
             _const("s_in", 1 / 32), _const("s_w0", 0.5), _const("s_h", 0.25),
             _const("s_w1", 0.25), _const("s_out", 1 / 16),
             _const("zero", 0.0), _const("b8", 8.0), _const("b4", 4.0), _const("b2", 2.0)]

    def quant(x, y, scale, bits, signed, narrow=0):
        return helper.make_node("Quant", [x, scale, "zero", bits], [y], domain=QONNX,
                                signed=signed, narrow=narrow, rounding_mode="ROUND")

    nodes = [
        quant("x", "xq", "s_in", "b8", 1),
        quant("w0", "w0q", "s_w0", "b2", 1, narrow=1),
        helper.make_node("MatMul", ["xq", "w0q"], ["h0"]),
        helper.make_node("Relu", ["h0"], ["h1"]),
        quant("h1", "hq", "s_h", "b4", 0),
        quant("w1", "w1q", "s_w1", "b2", 1, narrow=1),
        helper.make_node("MatMul", ["hq", "w1q"], ["y0"]),
        quant("y0", "y", "s_out", "b8", 1),
    ]
    graph = helper.make_graph(
        nodes, "int_mlp",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n_in])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n_out])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(QONNX, 1)])
    model.ir_version = 8
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return rng.uniform(-2, 2, size=(4, 1, n_in)).astype(np.float32)
