"""models.py: the small models the channels-last tests run, built with
onnx.helper.

Each case is a model, its inputs, and what the channels-last pass must make
of it: how many Transposes may be left (the minimum: typically one after an
NCHW input and one before an NCHW output, none inside), which ops become
channels-last, and whether its output must equal the unconverted model's
exactly (quantized chains) or within float rounding (cleanup folds biases
and BatchNormalization into other ops, which changes float rounding; the
channels-last pass itself is compared exactly, see test_channels_last.py).

Every random number comes from rng(case name): the same models and inputs on
every run.
"""
import zlib
from dataclasses import dataclass, field

import numpy as np
from onnx import helper, numpy_helper

QONNX = "qonnx.custom_op.general"
CHANNELS_LAST = "qonnx.custom_op.channels_last"


@dataclass
class Case:
    name: str
    model: object
    inputs: list
    transposes: int = None        # exact number of Transposes left; None: not checked
    nhwc: dict = field(default_factory=dict)  # op type -> number of <nhwc> ops expected
    passes: str = "cleanup,channels-last"
    exact: bool = False           # output equal to the unconverted model's, bit for bit
    unchanged: bool = False       # the pass must not change the IR at all
    ir_checks: list = field(default_factory=list)  # substrings the IR must contain


def rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


class Graph:
    """A graph under construction: ops get fresh tensor names."""

    def __init__(self, name):
        self.name = name
        self.r = rng(name)
        self.nodes, self.inits, self.inputs = [], [], []
        self.count = 0

    def fresh(self, base):
        self.count += 1
        return "%s%d" % (base, self.count)

    def const(self, array, base="c"):
        name = self.fresh(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def uniform(self, shape, lo=-1.0, hi=1.0):
        return self.r.uniform(lo, hi, shape).astype(np.float32)

    def input(self, shape, lo=-2.0, hi=2.0, name=None):
        name = name or "x%d" % len(self.inputs)
        self.inputs.append((name, self.uniform(shape, lo, hi)))
        return name

    def op(self, op_type, ins, nout=1, domain=None, **attrs):
        outs = [self.fresh(op_type.lower()) for _ in range(nout)]
        kw = {"domain": domain} if domain else {}
        self.nodes.append(helper.make_node(op_type, list(ins), outs, name=outs[0] + "_node",
                                           **kw, **attrs))
        return outs[0] if nout == 1 else outs

    def quant(self, x, scale, bits=4.0, signed=1, narrow=0, zero=0.0):
        s = self.const(np.asarray(scale, dtype=np.float32), "scale")
        return self.op("Quant", [x, s, self.const(np.float32(zero), "zp"),
                                 self.const(np.float32(bits), "bits")],
                       domain=QONNX, signed=signed, narrow=narrow, rounding_mode="ROUND")

    def conv(self, x, cin, cout, k=3, pad=1, group=1, bias=True, rank=2, quant_w=False,
             **attrs):
        w = self.uniform([cout, cin // group] + [k] * rank, -0.5, 0.5)
        if quant_w:
            scale = (np.abs(w).reshape(cout, -1).max(1) / 7).reshape([cout] + [1] * (rank + 1))
            wq = self.quant(self.const(w, "w"), scale, bits=4.0, narrow=1)
        else:
            wq = self.const(w, "w")
        ins = [x, wq] + ([self.const(self.uniform([cout], -0.2, 0.2), "b")] if bias else [])
        return self.op("Conv", ins, kernel_shape=[k] * rank, pads=[pad] * (2 * rank),
                       group=group, **attrs)

    def model(self, outputs, opset=13):
        ins = [helper.make_tensor_value_info(n, 1, list(a.shape)) for n, a in self.inputs]
        outs = [helper.make_empty_tensor_value_info(o) for o in outputs]
        g = helper.make_graph(self.nodes, self.name, ins, outs, initializer=self.inits)
        m = helper.make_model(g, producer_name="qonnxc-tests", opset_imports=[
            helper.make_opsetid("", opset), helper.make_opsetid(QONNX, 1)])
        m.ir_version = 8
        return m

    def case(self, outputs, **kw):
        return Case(self.name, self.model(outputs), [a for _, a in self.inputs], **kw)


# ---- the cases named in the specification ---------------------------------------------

def chain():
    """Conv -> Relu -> MaxPool -> Conv -> Relu: one Transpose in, one out."""
    g = Graph("chain")
    x = g.input([1, 3, 8, 8])
    y = g.op("MaxPool", [g.op("Relu", [g.conv(x, 3, 8)])], kernel_shape=[2, 2], strides=[2, 2])
    y = g.op("Relu", [g.conv(y, 8, 6)])
    return g.case([y], transposes=2, nhwc={"Conv": 2, "MaxPool": 1})


def quant_per_channel():
    """Per-channel quantizers: activation scales [1, C, 1, 1], weight scales
    [O, 1, 1, 1]; the weight quantizer stays and works on (O, k, k, I)."""
    g = Graph("quant_per_channel")
    x = g.input([1, 4, 6, 6])
    xq = g.quant(x, g.uniform([1, 4, 1, 1], 0.05, 0.2), bits=8.0)
    c = g.conv(xq, 4, 6, quant_w=True)
    a = g.quant(g.op("Relu", [c]), g.uniform([1, 6, 1, 1], 0.05, 0.2), signed=0)
    y = g.op("AveragePool", [a], kernel_shape=[2, 2], strides=[2, 2])
    return g.case([y], transposes=2, nhwc={"Conv": 1, "AveragePool": 1}, exact=True,
                  ir_checks=["f32[1,1,1,4]", "f32[1,1,1,6]", "IntQuant(", ": f32[6,3,3,4]"])


def residual():
    """Add of two convolution branches: the skip connection needs no Transpose."""
    g = Graph("residual")
    x = g.input([1, 4, 8, 8])
    a = g.conv(x, 4, 6)
    b = g.conv(g.op("Relu", [g.conv(a, 6, 6)]), 6, 6)
    y = g.op("MaxPool", [g.op("Relu", [g.op("Add", [a, b])])], kernel_shape=[2, 2],
             strides=[2, 2])
    return g.case([y], transposes=2, nhwc={"Conv": 3, "MaxPool": 1})


def concat():
    """Concat along channels becomes Concat along the last axis."""
    g = Graph("concat")
    x = g.input([1, 3, 8, 8])
    a, b = g.conv(x, 3, 4), g.conv(x, 3, 5, k=1, pad=0)
    y = g.conv(g.op("Relu", [g.op("Concat", [a, b], axis=1)]), 9, 2)
    return g.case([y], transposes=2, nhwc={"Conv": 3}, ir_checks=["Concat(", "axis = 3"])


def flatten_matmul():
    """Conv -> Flatten -> MatMul: the weight rows are permuted, no Transpose."""
    g = Graph("flatten_matmul")
    x = g.input([1, 3, 6, 6])
    f = g.op("Flatten", [g.op("Relu", [g.conv(x, 3, 4)])], axis=1)
    y = g.op("Add", [g.op("MatMul", [f, g.const(g.uniform([144, 10]), "fc")]),
                     g.const(g.uniform([10]), "fcb")])
    return g.case([y], transposes=1, nhwc={"Conv": 1})


def flatten_quant_matmul():
    """The same through a Reshape, a per-column Mul and quantizer, into a
    quantized weight stored [out, in] and transposed (Brevitas' export)."""
    g = Graph("flatten_quant_matmul")
    x = g.input([2, 3, 6, 6])
    c = g.op("Relu", [g.conv(x, 3, 4, quant_w=True)])
    f = g.op("Reshape", [c, g.const(np.array([2, -1], dtype=np.int64), "shape")])
    f = g.quant(g.op("Mul", [f, g.const(g.uniform([144], 0.5, 1.5), "colscale")]), 0.125,
                bits=8.0)
    w = g.uniform([10, 144])
    wq = g.quant(g.const(w, "fc"), (np.abs(w).max(1, keepdims=True) / 7), narrow=1)
    y = g.op("MatMul", [f, g.op("Transpose", [wq], perm=[1, 0])])
    return g.case([y], transposes=1, nhwc={"Conv": 1}, exact=True)


def gemm_without_cleanup():
    """Without cleanup: BatchNormalization becomes channels-last, Gemm takes
    the permuted rows (transB = 1: its columns)."""
    g = Graph("gemm_without_cleanup")
    x = g.input([1, 3, 5, 5])
    c = g.conv(x, 3, 4)
    bn = g.op("BatchNormalization", [c] + [g.const(g.uniform([4], lo, hi), n) for n, lo, hi in
                                           [("gamma", 0.5, 1.5), ("beta", -0.5, 0.5),
                                            ("mean", -0.5, 0.5), ("var", 0.5, 2.0)]])
    f = g.op("Flatten", [g.op("Relu", [bn])])
    y = g.op("Gemm", [f, g.const(g.uniform([7, 100]), "fc"), g.const(g.uniform([7]), "fcb")],
             transB=1)
    return g.case([y], transposes=1, nhwc={"Conv": 1, "BatchNormalization": 1},
                  passes="channels-last")


def depth_to_space(mode):
    """ESPCN's sub-pixel upscaling: Conv -> DepthToSpace -> Relu."""
    g = Graph("depth_to_space_" + mode.lower())
    x = g.input([1, 3, 5, 5])
    d = g.op("DepthToSpace", [g.conv(g.op("Relu", [g.conv(x, 3, 8)]), 8, 12)], blocksize=2,
             mode=mode)
    y = g.op("Relu", [d])
    return g.case([y], transposes=2, nhwc={"Conv": 2, "DepthToSpace": 1})


def space_to_depth():
    g = Graph("space_to_depth")
    x = g.input([1, 2, 8, 8])
    y = g.conv(g.op("SpaceToDepth", [x], blocksize=2), 8, 4)
    return g.case([y], transposes=2, nhwc={"Conv": 1, "SpaceToDepth": 1})


def resize(by_sizes):
    """Resize nearest between two convolutions: its scales (or sizes) are permuted."""
    g = Graph("resize_" + ("sizes" if by_sizes else "scales"))
    x = g.input([1, 3, 6, 6])
    a = g.op("Relu", [g.conv(x, 3, 4)])
    empty = g.const(np.zeros([0], dtype=np.float32), "roi")
    if by_sizes:
        r = g.op("Resize", [a, empty, g.const(np.zeros([0], dtype=np.float32), "scales"),
                            g.const(np.array([1, 4, 12, 9], dtype=np.int64), "sizes")],
                 mode="nearest")
    else:
        r = g.op("Resize", [a, empty, g.const(np.array([1, 1, 2, 2], dtype=np.float32),
                                              "scales")], mode="nearest")
    y = g.conv(r, 4, 2)
    return g.case([y], transposes=2, nhwc={"Conv": 2}, ir_checks=["Resize("])


def conv1d():
    """NCW: Conv1d -> Relu -> MaxPool1d -> Conv1d."""
    g = Graph("conv1d")
    x = g.input([1, 4, 16])
    m = g.op("MaxPool", [g.op("Relu", [g.conv(x, 4, 6, rank=1)])], kernel_shape=[2],
             strides=[2])
    y = g.conv(m, 6, 3, rank=1)
    return g.case([y], transposes=2, nhwc={"Conv": 2, "MaxPool": 1})


def global_average_pool():
    """GlobalAveragePool -> Flatten -> MatMul: [N, 1, 1, C] flattens like [N, C, 1, 1]."""
    g = Graph("global_average_pool")
    x = g.input([1, 3, 8, 8])
    p = g.op("GlobalAveragePool", [g.op("Relu", [g.conv(x, 3, 8)])])
    y = g.op("MatMul", [g.op("Flatten", [p]), g.const(g.uniform([8, 5]), "fc")])
    return g.case([y], transposes=1, nhwc={"Conv": 1, "GlobalAveragePool": 1})


def already_channels_last():
    """Ops of the channels-last domain on NHWC data: nothing to do."""
    g = Graph("already_channels_last")
    x = g.input([1, 6, 6, 3])
    c = g.op("Conv", [x, g.const(g.uniform([4, 3, 3, 3]), "w"), g.const(g.uniform([4]), "b")],
             domain=CHANNELS_LAST, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    y = g.op("MaxPool", [g.op("Relu", [c])], domain=CHANNELS_LAST, kernel_shape=[2, 2],
             strides=[2, 2])
    return g.case([y], transposes=0, nhwc={"Conv": 1, "MaxPool": 1}, unchanged=True)


def no_spatial_ops():
    """A quantized MLP on a 4-D input: nothing to do."""
    g = Graph("no_spatial_ops")
    x = g.input([1, 1, 4, 4])
    f = g.quant(g.op("Flatten", [x]), 0.25, bits=4.0)
    h = g.op("Relu", [g.op("MatMul", [f, g.const(g.uniform([16, 8]), "fc")])])
    y = g.op("Softmax", [h], axis=1)
    return g.case([y], transposes=0, unchanged=True)


def se_block():
    """Squeeze-and-excitation: a [N, C, 1, 1] gate multiplies the feature map."""
    g = Graph("se_block")
    x = g.input([1, 4, 6, 6])
    r = g.op("Relu", [g.conv(x, 4, 8)])
    s = g.op("GlobalAveragePool", [r])
    s = g.op("Sigmoid", [g.conv(g.op("Relu", [g.conv(s, 8, 2, k=1, pad=0)]), 2, 8, k=1, pad=0)])
    y = g.conv(g.op("Mul", [r, s]), 8, 3)
    return g.case([y], transposes=2, nhwc={"Conv": 4, "GlobalAveragePool": 1})


def spec_cases():
    return [chain(), quant_per_channel(), residual(), concat(), flatten_matmul(),
            flatten_quant_matmul(), gemm_without_cleanup(), depth_to_space("CRD"),
            depth_to_space("DCR"), space_to_depth(), resize(False), resize(True), conv1d(),
            global_average_pool(), already_channels_last(), no_spatial_ops(), se_block()]


# ---- odd graphs: they must convert correctly, whatever is left -----------------------------

def conv_transpose_between():
    """ConvTranspose has no channels-last form: Transposes around it."""
    g = Graph("conv_transpose_between")
    x = g.input([1, 3, 6, 6])
    a = g.op("Relu", [g.conv(x, 3, 4)])
    t = g.op("ConvTranspose", [a, g.const(g.uniform([4, 2, 2, 2]), "wt")], strides=[2, 2])
    y = g.conv(g.op("Relu", [t]), 2, 3)
    return g.case([y], transposes=4, nhwc={"Conv": 2})


def shape_idiom():
    """PyTorch's flatten idiom, Shape -> Gather -> Unsqueeze -> Concat -> Reshape,
    left unfolded (no cleanup)."""
    g = Graph("shape_idiom")
    x = g.input([2, 3, 5, 5])
    c = g.op("Relu", [g.conv(x, 3, 4)])
    n = g.op("Unsqueeze", [g.op("Gather", [g.op("Shape", [c]),
                                          g.const(np.int64(0), "zero")], axis=0),
                           g.const(np.array([0], dtype=np.int64), "axes")])
    shape = g.op("Concat", [n, g.const(np.array([-1], dtype=np.int64), "minus1")], axis=0)
    y = g.op("MatMul", [g.op("Reshape", [c, shape]), g.const(g.uniform([100, 6]), "fc")])
    return g.case([y], passes="channels-last", nhwc={"Conv": 1})


def dynamic_weight():
    """A Conv whose weight is a graph input: its Transpose stays."""
    g = Graph("dynamic_weight")
    x = g.input([1, 3, 6, 6])
    w = g.input([4, 3, 3, 3], name="w")
    y = g.op("Relu", [g.op("Conv", [x, w], kernel_shape=[3, 3], pads=[1, 1, 1, 1])])
    return g.case([y], transposes=3, nhwc={"Conv": 1})


def maxpool_indices():
    """MaxPool's Indices are NCHW flat indices: it stays NCHW."""
    g = Graph("maxpool_indices")
    x = g.input([1, 3, 6, 6])
    y, i = g.op("MaxPool", [g.conv(x, 3, 4)], nout=2, kernel_shape=[2, 2], strides=[2, 2])
    return g.case([y, i], transposes=2, nhwc={"Conv": 1})


def axis_ops():
    """Split, Pad, Concat, Softmax along channels and ReduceMean without
    keepdims, between convolutions."""
    g = Graph("axis_ops")
    x = g.input([1, 3, 6, 6])
    a, b = g.op("Split", [g.conv(x, 3, 6)], nout=2, axis=1)
    b = g.op("Pad", [b, g.const(np.array([0, 0, 1, 0, 0, 0, 0, 1], dtype=np.int64), "pads")],
             mode="reflect")
    a = g.op("Pad", [a, g.const(np.array([0, 0, 1, 0, 0, 0, 0, 1], dtype=np.int64), "pads")])
    s = g.op("Softmax", [g.op("Concat", [a, b], axis=1)], axis=1)
    c = g.conv(s, 6, 4)
    y = g.op("ReduceMean", [c], axes=[2, 3], keepdims=0)
    return g.case([y], transposes=1, nhwc={"Conv": 2})


def slice_reduce():
    g = Graph("slice_reduce")
    x = g.input([1, 3, 6, 6])
    c = g.conv(x, 3, 6)
    s = g.op("Slice", [c, g.const(np.array([1], dtype=np.int64), "st"),
                       g.const(np.array([5], dtype=np.int64), "en"),
                       g.const(np.array([1], dtype=np.int64), "ax")])
    r = g.op("ReduceSum", [s, g.const(np.array([1], dtype=np.int64), "rax")], keepdims=1)
    y = g.conv(g.op("Add", [s, r]), 4, 2)
    return g.case([y], transposes=2, nhwc={"Conv": 2})


def keras_style():
    """An NHWC model with Transposes around NCHW ops: they all cancel."""
    g = Graph("keras_style")
    x = g.input([1, 6, 6, 3])
    t = g.op("Transpose", [x], perm=[0, 3, 1, 2])
    c = g.op("Relu", [g.conv(t, 3, 4)])
    y = g.op("Transpose", [g.op("MaxPool", [c], kernel_shape=[2, 2], strides=[2, 2])],
             perm=[0, 2, 3, 1])
    return g.case([y], transposes=0, nhwc={"Conv": 1, "MaxPool": 1})


def output_also_used():
    """A graph output that is also used inside, and an input that is an output."""
    g = Graph("output_also_used")
    x = g.input([1, 3, 6, 6])
    a = g.conv(x, 3, 4)
    y = g.conv(g.op("Relu", [a]), 4, 2)
    ident = g.op("Identity", [x])
    return g.case([a, y, ident], transposes=3, nhwc={"Conv": 2})


def instance_norm_and_depthwise():
    g = Graph("instance_norm_and_depthwise")
    x = g.input([1, 4, 7, 7])
    d = g.conv(x, 4, 4, group=4)
    n = g.op("InstanceNormalization", [d, g.const(g.uniform([4], 0.5, 1.5), "s"),
                                       g.const(g.uniform([4]), "b")])
    y = g.conv(g.op("Relu", [n]), 4, 6, k=1, pad=0)
    return g.case([y], transposes=2, nhwc={"Conv": 2, "InstanceNormalization": 1})


def pools_3d():
    """Conv3d and pools over three spatial dims (NCDHW)."""
    g = Graph("pools_3d")
    x = g.input([1, 2, 4, 5, 6])
    c = g.op("Relu", [g.conv(x, 2, 3, rank=3)])
    a = g.op("AveragePool", [c], kernel_shape=[2, 2, 2], pads=[0, 1, 0, 1, 0, 1],
             ceil_mode=1, count_include_pad=1)
    y = g.op("GlobalMaxPool", [a])
    return g.case([y], transposes=1, nhwc={"Conv": 1, "AveragePool": 1, "GlobalMaxPool": 1})


def matmul_on_4d():
    """A MatMul on the last axis of a 4-D tensor needs NCHW back."""
    g = Graph("matmul_on_4d")
    x = g.input([1, 3, 6, 6])
    c = g.op("Relu", [g.conv(x, 3, 4)])
    y = g.op("MatMul", [c, g.const(g.uniform([6, 5]), "m")])
    return g.case([y], transposes=2, nhwc={"Conv": 1})


def quantizers_mixed():
    """Trunc and BipolarQuant with per-channel parameters, Clip and Where."""
    g = Graph("quantizers_mixed")
    x = g.input([1, 3, 6, 6])
    c = g.quant(g.conv(x, 3, 4), g.uniform([1, 4, 1, 1], 0.05, 0.1), bits=8.0)
    s = g.const(g.uniform([1, 4, 1, 1], 0.05, 0.1), "ts")
    t = g.op("Trunc", [c, s, g.const(np.float32(0), "tz"), g.const(np.float32(8), "tin"),
                       g.const(np.float32(4), "tout")], domain=QONNX, rounding_mode="FLOOR")
    cl = g.op("Clip", [t, g.const(np.float32(-0.3), "lo"), g.const(np.float32(0.3), "hi")])
    w = g.op("Where", [g.op("Greater", [cl, g.const(g.uniform([4, 1, 1], -0.1, 0.1), "th")]),
                       cl, g.const(np.float32(0.0), "zero")])
    b = g.op("BipolarQuant", [g.conv(w, 4, 3), g.const(g.uniform([3, 1, 1], 0.5, 1.0), "bs")],
             domain=QONNX)
    return g.case([b], transposes=2, nhwc={"Conv": 2}, exact=True)


def shared_weight():
    """Two convolutions share one quantized weight; the Flatten feeds both a
    MatMul and a graph output."""
    g = Graph("shared_weight")
    x = g.input([1, 4, 5, 5])
    w = g.uniform([4, 4, 3, 3], -0.5, 0.5)
    wq = g.quant(g.const(w, "w"), np.full([4, 1, 1, 1], 0.1, dtype=np.float32), narrow=1)
    a = g.op("Relu", [g.op("Conv", [x, wq], kernel_shape=[3, 3], pads=[1, 1, 1, 1])])
    b = g.op("Conv", [a, wq], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    f = g.op("Flatten", [b])
    y = g.op("MatMul", [f, g.const(g.uniform([100, 3]), "fc")])
    return g.case([y, f], transposes=2, nhwc={"Conv": 2}, exact=True)


def swap_hw():
    """A Transpose of H and W between convolutions stays one Transpose."""
    g = Graph("swap_hw")
    x = g.input([1, 3, 5, 7])
    t = g.op("Transpose", [g.op("Relu", [g.conv(x, 3, 4)])], perm=[0, 1, 3, 2])
    y = g.conv(t, 4, 2)
    return g.case([y], transposes=3, nhwc={"Conv": 2},
                  ir_checks=["perm = [0, 2, 1, 3]"])


def odd_cases():
    return [conv_transpose_between(), shape_idiom(), dynamic_weight(), maxpool_indices(),
            axis_ops(), slice_reduce(), keras_style(), output_also_used(),
            instance_norm_and_depthwise(), pools_3d(), matmul_on_4d(), quantizers_mixed(),
            shared_weight(), swap_hw()]


def all_cases():
    return spec_cases() + odd_cases()
