"""op_cases.py: small quantized models whose float head and tail, and whose
integer kernel, use the ops the shared and generated models leave out, for
test_op_coverage.py.

- float_parts: a float head of Transpose, Pad (reflect), MaxPool with
  padding, Clip, LeakyRelu, Sub, Div and Slice before the input quantizer;
  a float tail of Sigmoid, Tanh, Concat, Max and Softmax after the last
  Dequantize;
- int_movement: on the integers, Pad (edge), Slice with a step, Tile,
  SpaceToDepth, Gather with constant indices, Transpose, Expand,
  GlobalMaxPool, Concat of two branches and Resize (nearest, asymmetric);
- wide_grid: a 16-bit input grid, a per-channel MatMul with a large bias and
  a Relu, accumulators beyond 32 bits avoided by the bounds of the weights.

Each case is (name, model, inputs, transcendental): transcendental says the
float tail calls exp or tanh (see test_op_coverage.py).
"""
import os
import sys

import numpy as np
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lowering"))

import qmodels  # noqa: E402
from qmodels import f32  # noqa: E402


def model(g, inputs, outputs):
    ins = [helper.make_tensor_value_info(n, TensorProto.FLOAT, list(x.shape)) for n, x in inputs]
    outs = [helper.make_empty_tensor_value_info(o) for o in outputs]
    graph = helper.make_graph(g.nodes, g.name, ins, outs, initializer=g.inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                   helper.make_opsetid(qmodels.QDOMAIN, 1)])


def i64(a):
    return np.asarray(a, dtype=np.int64)


def float_parts():
    g = qmodels.Graph("float_parts")
    x = f32(g.r.uniform(-3, 3, [1, 3, 6, 7]))
    h = g.op("Transpose", ["x"], perm=[0, 1, 3, 2])
    h = g.op("Pad", [h, g.const(i64([0, 0, 1, 2, 0, 0, 1, 0]), "pads")], mode="reflect")
    h = g.op("MaxPool", [h], kernel_shape=[3, 3], strides=[2, 1], pads=[1, 1, 1, 1])
    h = g.op("Clip", [h, g.const(f32(-1.5)), g.const(f32(2.25))])
    h = g.op("LeakyRelu", [h], alpha=0.125)
    h = g.op("Div", [g.op("Sub", [h, g.const(f32(0.375))]), g.const(f32(1.7))])
    h = g.op("Slice", [h, g.const(i64([1]), "st"), g.const(i64([6]), "en"), g.const(i64([3]), "ax")])
    q = qmodels.input_quant(g, h, bits=6, scale=0.05)
    c = qmodels.conv_block(g, q, 3, 4, 3, pads=[1, 1, 1, 1])
    w = g.weight([2, 4, 1, 1], 3, 0.25)
    y = g.op("Conv", [c, w], kernel_shape=[1, 1])
    s = g.op("Sigmoid", [y])
    t = g.op("Tanh", [y])
    cat = g.op("Concat", [s, t], axis=1)
    m = g.op("Max", [cat, g.const(f32(0.2))])
    out = g.op("Softmax", [m], axis=1)
    return ("float_parts", model(g, [("x", x)], [out, s]), [x], True)


def int_movement():
    g = qmodels.Graph("int_movement")
    x = f32(g.r.uniform(-2, 2, [1, 2, 5, 6]))
    q = qmodels.input_quant(g, "x", bits=5, scale=0.1)
    a = g.op("Pad", [q, g.const(i64([0, 0, 1, 0, 0, 0, 2, 1]), "pads")], mode="edge")
    a = g.op("Slice", [a, g.const(i64([0, 1]), "st"), g.const(i64([8, 7]), "en"),
                       g.const(i64([2, 3]), "ax"), g.const(i64([2, 1]), "sp")])
    a = g.op("Tile", [a, g.const(i64([1, 2, 1, 1]), "rep")])
    a = g.op("SpaceToDepth", [a], blocksize=2)
    a = g.op("Gather", [a, g.const(i64([3, 0, 5, 5, 1]), "idx")], axis=1)
    a = g.op("Transpose", [a], perm=[0, 2, 3, 1])
    b = g.op("Expand", [q, g.const(i64([2, 2, 5, 6]), "shape")])
    b = g.op("GlobalMaxPool", [b])
    b = g.op("Resize", [b, "", g.const(f32([1, 1, 2, 3]), "scales")], mode="nearest",
             coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    c = g.op("Concat", [g.op("Reshape", [a, g.const(i64([1, -1]), "s1")]),
                        g.op("Reshape", [b, g.const(i64([1, -1]), "s2")])], axis=1)
    return ("int_movement", model(g, [("x", x)], [c]), [x], False)


def wide_grid():
    g = qmodels.Graph("wide_grid")
    x = f32(g.r.uniform(-4, 4, [3, 12]))
    q = qmodels.input_quant(g, "x", bits=16, scale=2.0 ** -12)
    sw = g.r.uniform(0.01, 0.05, 7)
    h = g.op("MatMul", [q, g.weight([12, 7], 8, sw, per_channel_axis=1)])
    bq = g.r.integers(-2 ** 20, 2 ** 20, 7).astype(np.float64)
    sx = 2.0 ** -12
    h = g.op("Add", [h, g.quant(g.const(f32(bq * sx * sw)), sx * sw, 24)])
    h = g.op("Relu", [h])
    y = g.quant(h, 0.5, 8, signed=False)
    return ("wide_grid", model(g, [("x", x)], [y]), [x], False)


def cases():
    return [float_parts(), int_movement(), wide_grid()]


def write_all(outdir):
    import onnx
    written = []
    for name, m, inputs, transcendental in cases():
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        onnx.save(m, os.path.join(d, "model.onnx"))
        paths = []
        for k, x in enumerate(inputs):
            paths.append(os.path.join(d, "input_%d.npy" % k))
            np.save(paths[-1], x)
        written.append((name, os.path.join(d, "model.onnx"), paths, transcendental))
    return written
