"""qmodels.py: small quantized graphs for the lower-integer tests, one per
thing the pass must lower (or must leave in float).

Each case is a QONNX model (Quant nodes of the qonnx.custom_op.general
domain around standard ops, NCHW unless it says channels-last) plus a random
input, and `lowers`: whether the whole quantized part must become integer
(False: something in it must stay float, such as a nonzero zero point into a
Conv). Weights are random on the grid of their quantizer; scales are a mix of
powers of two and arbitrary float32 values, so that thresholds are computed
away from exact float arithmetic too. Nothing here computes expected
outputs: the tests compare the interpreter on the lowered graph with the
float64 oracle (`--passes=promote-f64`) on the same model.
"""
import os
import sys
import zlib

import numpy as np
from onnx import TensorProto, helper, numpy_helper

QDOMAIN = "qonnx.custom_op.general"
CHANNELS_LAST = "qonnx.custom_op.channels_last"


def rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def f32(a):
    return np.asarray(a, dtype=np.float32)


class Graph:
    """A graph under construction: nodes, initializers, fresh names."""

    def __init__(self, name):
        self.name, self.r = name, rng(name)
        self.nodes, self.inits, self.n = [], [], 0

    def fresh(self, base):
        self.n += 1
        return "%s%d" % (base, self.n)

    def const(self, array, base="c"):
        name = self.fresh(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def op(self, op, inputs, domain=None, **attrs):
        out = self.fresh(op.lower())
        kw = {"domain": domain} if domain else {}
        self.nodes.append(helper.make_node(op, list(inputs), [out], name=out, **kw, **attrs))
        return out

    def quant(self, x, scale, bits, signed=True, narrow=False, zeropt=0.0, mode="ROUND"):
        """Quant(x) with scale (a number or an array broadcasting to x)."""
        return self.op("Quant", [x, self.const(f32(scale), "s"), self.const(f32(zeropt), "z"),
                                 self.const(f32(bits), "b")], domain=QDOMAIN,
                       signed=int(signed), narrow=int(narrow), rounding_mode=mode)

    def weight(self, shape, bits, scale, per_channel_axis=None, signed=True):
        """Float weights on a quantizer's grid, then their Quant."""
        lo = -(2 ** (bits - 1)) + 1 if signed else 0
        hi = 2 ** (bits - 1) - 1 if signed else 2 ** bits - 1
        if bits == 1:
            lo, hi = -1, 1
        q = self.r.integers(lo, hi + 1, shape).astype(np.float64)
        s = np.asarray(scale, dtype=np.float64)
        if per_channel_axis is not None:
            bshape = [1] * len(shape)
            bshape[per_channel_axis] = shape[per_channel_axis]
            s = s.reshape(bshape)
        w = self.const(f32(q * s), "w")
        if bits == 1:
            return self.op("BipolarQuant", [w, self.const(f32(s), "s")], domain=QDOMAIN)
        return self.quant(w, s, bits, signed=signed, narrow=signed)

    def model(self, x, outs, channels_last=False):
        ins = [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))]
        outputs = [helper.make_empty_tensor_value_info(o) for o in outs]
        g = helper.make_graph(self.nodes, self.name, ins, outputs, initializer=self.inits)
        opsets = [helper.make_opsetid("", 13), helper.make_opsetid(QDOMAIN, 1)]
        if channels_last:
            opsets.append(helper.make_opsetid(CHANNELS_LAST, 1))
        m = helper.make_model(g, producer_name="qonnxc-tests", opset_imports=opsets)
        m.ir_version = 8
        return m


class Case:
    def __init__(self, name, model, x, lowers=True, what=""):
        self.name, self.model, self.x, self.lowers, self.what = name, model, x, lowers, what


def conv_block(g, x, cin, cout, k, wbits=4, abits=4, per_channel=True, bias="float",
               nhwc=False, group=1, **attrs):
    """Conv (quantized weights) + bias + BatchNorm-like Mul/Add + Relu + Quant."""
    wshape = [cout, k, k, cin // group] if nhwc else [cout, cin // group, k, k]
    ws = g.r.uniform(0.01, 0.1, cout) if per_channel else 0.03125
    w = g.weight(wshape, wbits, ws, per_channel_axis=0 if per_channel else None)
    ins = [x, w]
    if bias == "float":
        ins.append(g.const(f32(g.r.uniform(-0.5, 0.5, cout)), "bias"))
    domain = CHANNELS_LAST if nhwc else None
    y = g.op("Conv", ins, domain=domain, kernel_shape=[k, k], group=group, **attrs)
    cshape = [cout] if nhwc else [cout, 1, 1]
    y = g.op("Mul", [y, g.const(f32(g.r.uniform(0.5, 1.5, cshape)), "bn_s")])
    y = g.op("Add", [y, g.const(f32(g.r.uniform(-0.3, 0.3, cshape)), "bn_b")])
    y = g.op("Relu", [y])
    return g.quant(y, 0.0733, abits, signed=False)


def input_quant(g, x, bits=8, scale=1 / 64, signed=True):
    return g.quant(x, scale, bits, signed=signed)


def cases():
    out = []

    # 1. NCHW conv stack: per-channel weights, float bias and BatchNorm into
    #    thresholds, MaxPool, Flatten, MatMul, a float tail.
    g = Graph("conv_stack_nchw")
    x = f32(g.r.uniform(-2, 2, [2, 3, 10, 10]))
    h = input_quant(g, "x")
    h = conv_block(g, h, 3, 8, 3, pads=[1, 1, 1, 1])
    h = g.op("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
    h = conv_block(g, h, 8, 8, 3, per_channel=False, strides=[2, 2], pads=[0, 1, 0, 1])
    h = g.op("Flatten", [h])
    w = g.weight([8 * 2 * 3, 5], 2, 0.25)
    y = g.op("MatMul", [h, w])
    out.append(Case(g.name, g.model(x, [y]), x, what="Conv/BN/Relu/Quant, MaxPool, MatMul tail"))

    # 2. the same in the channels-last domain (hls4ml style), depthwise too
    g = Graph("conv_stack_nhwc")
    x = f32(g.r.uniform(-2, 2, [1, 9, 9, 4]))
    h = input_quant(g, "x", bits=6, scale=0.0517)
    h = conv_block(g, h, 4, 4, 3, nhwc=True, group=4, pads=[1, 1, 1, 1])
    h = conv_block(g, h, 4, 6, 1, nhwc=True)
    h = g.op("MaxPool", [h], domain=CHANNELS_LAST, kernel_shape=[3, 3], strides=[3, 3])
    y = g.op("Relu", [g.op("Conv", [h, g.weight([2, 1, 1, 6], 3, 0.5, None)],
                           domain=CHANNELS_LAST, kernel_shape=[1, 1])])
    out.append(Case(g.name, g.model(x, [y], channels_last=True), x,
                    what="channels-last depthwise + pointwise Conv, MaxPool, Relu tail"))

    # 3. a bias that is an exact integer in the accumulator's scale (a
    #    quantized bias with scale sx * sw), per-channel weights, float output
    g = Graph("conv_bias_exact")
    x = f32(g.r.uniform(-1, 1, [1, 2, 6, 6]))
    sx = 1 / 32
    h = input_quant(g, "x", scale=sx)
    sw = np.array([0.125, 0.25, 0.0625, 0.5])
    w = g.weight([4, 2, 3, 3], 4, sw, per_channel_axis=0)
    bq = g.r.integers(-100, 100, 4).astype(np.float64)
    b = g.quant(g.const(f32(bq * sx * sw)), sx * sw, 16)
    y = g.op("Conv", [h, w, b], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    out.append(Case(g.name, g.model(x, [y]), x, what="integer bias inside the Conv, float output"))

    # 4. a float bias that is not exact: a float Add tail after the Dequantize
    g = Graph("conv_bias_tail")
    x = f32(g.r.uniform(-1, 1, [1, 2, 5, 5]))
    h = input_quant(g, "x", bits=4, scale=0.1234)
    w = g.weight([3, 2, 2, 2], 3, 0.071, None)
    y = g.op("Conv", [h, w, g.const(f32(g.r.uniform(-1, 1, 3)))], kernel_shape=[2, 2],
             dilations=[2, 2])
    out.append(Case(g.name, g.model(x, [y]), x, what="inexact bias as a float tail"))

    # 5. Conv1d, bipolar weights and activations, strides
    g = Graph("conv1d_bipolar")
    x = f32(g.r.uniform(-1, 1, [2, 4, 16]))
    h = g.op("BipolarQuant", ["x", g.const(f32(1.0), "s")], domain=QDOMAIN)
    w = g.weight([6, 4, 3], 1, 1.0)
    y = g.op("Conv", [h, w], kernel_shape=[3], strides=[2], pads=[1, 1])
    y = g.op("BipolarQuant", [g.op("Add", [y, g.const(f32(g.r.uniform(-2, 2, [6, 1])))]),
                              g.const(f32(1.0), "s")], domain=QDOMAIN)
    out.append(Case(g.name, g.model(x, [y]), x, what="bipolar Conv1d, requantized"))

    # 6. Concat of two branches with one quantizer type, Resize nearest,
    #    DepthToSpace, Pad with zero, Transpose
    g = Graph("movement")
    x = f32(g.r.uniform(-2, 2, [1, 4, 4, 4]))
    h = input_quant(g, "x", bits=5, scale=0.09)
    a = conv_block(g, h, 4, 4, 3, pads=[1, 1, 1, 1])
    b = conv_block(g, h, 4, 4, 1)
    b = g.quant(g.op("Mul", [g.op("Relu", [b]), g.const(f32(1.0))]), 0.0733, 4, signed=False)
    c = g.op("Concat", [a, b], axis=1)
    c = g.op("Resize", [c, "", g.const(f32([1, 1, 2, 2]), "scales")], mode="nearest",
             coordinate_transformation_mode="asymmetric", nearest_mode="floor")
    c = g.op("Pad", [c, g.const(np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64), "pads")])
    c = conv_block(g, c, 8, 8, 3)
    c = g.op("DepthToSpace", [c], blocksize=2, mode="CRD")
    y = g.op("Transpose", [c], perm=[0, 2, 3, 1])
    out.append(Case(g.name, g.model(x, [y]), x,
                    what="Concat, Resize nearest, Pad 0, DepthToSpace, Transpose on integers"))

    # 7. global and windowed average pools as sums and a scale
    g = Graph("avgpool")
    x = f32(g.r.uniform(-2, 2, [2, 3, 8, 8]))
    h = input_quant(g, "x", bits=6, scale=0.0625)
    h = conv_block(g, h, 3, 6, 3, pads=[1, 1, 1, 1])
    a = g.quant(g.op("AveragePool", [h], kernel_shape=[2, 2], strides=[2, 2]), 0.05, 5,
                signed=False)
    a = g.quant(g.op("AveragePool", [a], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                     count_include_pad=1), 0.04, 5, signed=False)
    p = g.op("GlobalAveragePool", [a])
    p = g.quant(p, 0.02, 6, signed=False)
    y = g.op("MatMul", [g.op("Flatten", [p]), g.weight([6, 3], 4, 0.1)])
    out.append(Case(g.name, g.model(x, [y]), x, what="AveragePool, GlobalAveragePool, MatMul"))

    # 8. monotone chains into thresholds: LeakyRelu, Clip, a decreasing channel
    g = Graph("chains")
    x = f32(g.r.uniform(-3, 3, [4, 8]))
    h = input_quant(g, "x", bits=8, scale=0.0371)
    h = g.op("MatMul", [h, g.weight([8, 6], 4, 0.15)])
    h = g.op("Mul", [h, g.const(f32([1.5, -0.5, 2.0, -1.0, 0.25, 1.0]))])
    h = g.quant(g.op("LeakyRelu", [h], alpha=0.1015625), 0.0625, 5)
    h = g.op("MatMul", [h, g.weight([6, 5], 3, 0.3)])
    h = g.op("Clip", [h, g.const(f32(-0.5)), g.const(f32(1.25))])
    y = g.quant(h, 0.0918, 4)
    out.append(Case(g.name, g.model(x, [y]), x, what="LeakyRelu and Clip into thresholds"))

    # 9. left in float: an AveragePool whose border windows count fewer
    #    elements (its zero-point Conv and unequal Concat do lower)
    g = Graph("stays_float")
    x = f32(g.r.uniform(-2, 2, [1, 2, 6, 6]))
    h = g.quant("x", 0.05, 8, signed=False, zeropt=17.0)
    h = g.op("Conv", [h, g.weight([3, 2, 3, 3], 4, 0.1)], kernel_shape=[3, 3])
    h = g.quant(h, 0.2, 4)
    k = g.quant(g.op("AveragePool", [h], kernel_shape=[3, 3], pads=[1, 1, 1, 1]), 0.1, 4)
    y = g.op("Concat", [h, k], axis=1)
    out.append(Case(g.name, g.model(x, [y]), x, lowers=False,
                    what="AveragePool without count_include_pad"))

    # 10. residual Add of two branches in one scale
    g = Graph("residual_add")
    x = f32(g.r.uniform(-2, 2, [1, 4, 6, 6]))
    h = input_quant(g, "x", bits=6, scale=0.0625)
    a = conv_block(g, h, 4, 4, 3, pads=[1, 1, 1, 1])
    b = conv_block(g, a, 4, 4, 3, pads=[1, 1, 1, 1])
    s = g.op("Add", [a, b])
    y = g.quant(g.op("Relu", [s]), 0.1, 4, signed=False)
    y = g.op("MaxPool", [y], kernel_shape=[2, 2], strides=[2, 2])
    out.append(Case(g.name, g.model(x, [y]), x, what="Add of two branches, equal scales"))

    # 11. MatMul biases that are exact in the accumulator's scale: a quantized
    #     one (per column, before a requantization) and a float one (a tail)
    g = Graph("matmul_bias_exact")
    x = f32(g.r.uniform(-2, 2, [3, 6]))
    sx = 1 / 16
    h = input_quant(g, "x", scale=sx)
    sw = np.array([0.25, 0.125, 0.5, 0.0625, 0.25])
    h = g.op("MatMul", [h, g.weight([6, 5], 4, sw, per_channel_axis=1)])
    bq = g.r.integers(-300, 300, 5).astype(np.float64)
    h = g.op("Add", [h, g.quant(g.const(f32(bq * sx * sw)), sx * sw, 12)])
    h = g.quant(g.op("Relu", [h]), 0.1875, 4, signed=False)
    h = g.op("MatMul", [h, g.weight([5, 4], 3, 0.5)])
    y = g.op("Add", [g.const(f32(g.r.integers(-50, 50, 4) * 0.1875 * 0.5)), h])
    out.append(Case(g.name, g.model(x, [y]), x, what="exact MatMul biases on integers"))

    # 12. a BatchNormalization op between a Conv and its requantization (what
    #     cleanup leaves when it does not rewrite it), with a negative scale
    g = Graph("batchnorm_chain")
    x = f32(g.r.uniform(-2, 2, [1, 3, 6, 6]))
    h = input_quant(g, "x", bits=6, scale=0.0471)
    h = g.op("Conv", [h, g.weight([4, 3, 3, 3], 4, g.r.uniform(0.02, 0.1, 4), 0)],
             kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    bn = [f32([1.3, -0.7, 0.9, 1.1]), f32(g.r.uniform(-0.3, 0.3, 4)),
          f32(g.r.uniform(-0.2, 0.2, 4)), f32(g.r.uniform(0.5, 2.0, 4))]
    h = g.op("BatchNormalization", [h] + [g.const(a, "bn") for a in bn], epsilon=1e-3)
    y = g.quant(g.op("Relu", [h]), 0.0917, 4, signed=False)
    out.append(Case(g.name, g.model(x, [y]), x, what="BatchNormalization into thresholds"))

    # 13. rank changes inside requantization chains, as exporters write a
    #     BatchNorm1d after a Linear: Unsqueeze -> BatchNormalization -> Mul
    #     -> Squeeze, then a per-channel Mul -> Unsqueeze -> Add -> Squeeze
    g = Graph("rank_change_in_chain")
    x = f32(g.r.uniform(-2, 2, [3, 6]))
    h = input_quant(g, "x", scale=1 / 16)
    h = g.op("MatMul", [h, g.weight([6, 5], 3, 0.25)])
    h = g.op("Unsqueeze", [h, g.const(np.array([2, 3], dtype=np.int64), "axes")])
    bn = [f32(g.r.uniform(0.5, 1.5, 5)), f32(g.r.uniform(-0.3, 0.3, 5)),
          f32(g.r.uniform(-0.2, 0.2, 5)), f32(g.r.uniform(0.5, 2.0, 5))]
    h = g.op("BatchNormalization", [h] + [g.const(a, "bn") for a in bn], epsilon=1e-3)
    h = g.op("Mul", [h, g.const(f32(g.r.uniform(0.5, 1.5, [5, 1, 1])), "m")])
    h = g.op("Squeeze", [h, g.const(np.array([2, 3], dtype=np.int64), "axes")])
    h = g.quant(g.op("Relu", [h]), 0.1875, 4, signed=False)
    h = g.op("MatMul", [h, g.weight([5, 4], 3, 0.5)])
    h = g.op("Mul", [h, g.const(f32(g.r.uniform(-1.5, 1.5, 4)), "m")])
    h = g.op("Unsqueeze", [h, g.const(np.array([-1], dtype=np.int64), "axes")])
    h = g.op("Add", [h, g.const(f32(g.r.uniform(-0.3, 0.3, [4, 1])), "b")])
    h = g.op("Squeeze", [h, g.const(np.array([2], dtype=np.int64), "axes")])
    y = g.quant(h, 0.125, 5)
    out.append(Case(g.name, g.model(x, [y]), x, what="Squeeze and Unsqueeze inside chains"))

    # 14. nonzero zero points into Conv (padded: the padding is the real 0,
    #     the integer z) and MatMul (an offset activation, and asymmetric
    #     weights with a zero point per column)
    g = Graph("zero_points")
    x = f32(g.r.uniform(-1, 2, [3, 2, 5, 5]))
    h = g.quant("x", 0.05, 8, signed=False, zeropt=23.0)
    h = g.op("Conv", [h, g.weight([3, 2, 3, 3], 4, 0.1)], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    h = g.quant(h, 0.125, 6, signed=False, zeropt=9.0)
    h = g.op("Flatten", [h])
    wq = g.r.integers(0, 16, [75, 16]).astype(np.float64)
    wz = f32(g.r.integers(0, 16, 16))
    ws = f32(2.0 ** g.r.integers(-6, -2, 16))
    w = g.const(f32((wq - wz) * ws), "w")
    w = g.quant(w, ws, 4, signed=False, zeropt=wz)
    h = g.op("MatMul", [h, w])
    y = g.quant(h, 0.5, 5)
    out.append(Case(g.name, g.model(x, [y]), x, what="zero points into Conv and MatMul"))

    # 15. branches of unequal scales meeting: an Add of scales without a
    #     simple ratio (a common unit 2^-27-ish, a wide sum) and a Concat of
    #     scales 0.1 and 0.125 (common unit 0.025 in float32's binary terms)
    g = Graph("unequal_scales")
    x = f32(g.r.uniform(-2, 2, [4, 6]))
    h = input_quant(g, "x", scale=1 / 16)
    a = g.quant(g.op("Relu", [g.op("MatMul", [h, g.weight([6, 5], 3, 0.25)])]), 0.0733, 4,
                signed=False)
    b = g.quant(g.op("MatMul", [h, g.weight([6, 5], 3, 0.125)]), 0.05, 5)
    s = g.quant(g.op("Relu", [g.op("Add", [a, b])]), 0.1, 4, signed=False)
    c = g.quant(g.op("MatMul", [h, g.weight([6, 3], 4, 0.0625)]), 0.125, 4)
    y = g.op("Concat", [s, c], axis=1)
    out.append(Case(g.name, g.model(x, [y]), x, what="Add and Concat of unequal scales"))

    # 16. an accumulator quantized per channel (per-column weight scales)
    #     through Reshape, Transpose, Squeeze and Flatten before its
    #     requantization: the quantization axis follows the channels
    g = Graph("per_channel_movement")
    x = f32(g.r.uniform(-2, 2, [4, 6]))
    h = input_quant(g, "x", scale=1 / 16)
    sw = np.array([0.25, 0.125, 0.5, 0.0625, 0.25])
    h = g.op("MatMul", [h, g.weight([6, 5], 4, sw, per_channel_axis=1)])
    h = g.op("Reshape", [h, g.const(np.array([4, 5, 1], dtype=np.int64), "shape")])
    h = g.op("Transpose", [h], perm=[2, 0, 1])
    h = g.op("Squeeze", [h, g.const(np.array([0], dtype=np.int64), "axes")])
    h = g.op("Unsqueeze", [h, g.const(np.array([2], dtype=np.int64), "axes")])
    h = g.op("Flatten", [h], axis=1)
    h = g.op("Mul", [h, g.const(f32(g.r.uniform(0.5, 1.5, 5)), "m")])
    y = g.quant(g.op("Relu", [h]), 0.1875, 4, signed=False)
    out.append(Case(g.name, g.model(x, [y]), x, what="per-channel quantization through movement"))

    # 17. Trunc after an average pool (as Brevitas exports a TruncAvgPool:
    #     AveragePool, Mul by the window size, Trunc): version 1 with FLOOR,
    #     version 2 (out_scale, clamp) with ROUND, on integers both
    g = Graph("trunc_after_pool")
    x = f32(g.r.uniform(0, 16, [1, 3, 6, 6]))
    q = g.quant("x", 1 / 16, 8, signed=False)

    def pool_sum(q):
        h = g.op("AveragePool", [q], kernel_shape=[2, 2], strides=[2, 2])
        return g.op("Mul", [h, g.const(f32(4.0), "k")])
    t1 = g.op("Trunc", [pool_sum(q), g.const(f32(1 / 16), "s"), g.const(f32(0.0), "z"),
                        g.const(f32(10.0), "b"), g.const(f32(8.0), "b")], domain=QDOMAIN,
              rounding_mode="FLOOR")
    t2 = g.op("Trunc", [pool_sum(q), g.const(f32(1 / 16), "s"), g.const(f32(0.0), "z"),
                        g.const(f32(10.0), "b"), g.const(f32(0.5), "os"), g.const(f32(5.0), "b")],
              domain=QDOMAIN, rounding_mode="ROUND", signed=0)
    h = g.op("Concat", [t1, t2], axis=1)
    y = g.quant(g.op("Mul", [h, g.const(f32(0.75), "m")]), 0.25, 6, signed=False)
    out.append(Case(g.name, g.model(x, [y]), x, what="Trunc versions 1 and 2 after a pool"))
    return out


def write_all(outdir):
    import onnx
    os.makedirs(outdir, exist_ok=True)
    written = []
    for c in cases():
        d = os.path.join(outdir, c.name)
        os.makedirs(d, exist_ok=True)
        onnx.save(c.model, os.path.join(d, "model.onnx"))
        np.save(os.path.join(d, "input.npy"), c.x)
        written.append(c)
    return written


if __name__ == "__main__":
    print("\n".join(c.name for c in write_all(sys.argv[1])))
