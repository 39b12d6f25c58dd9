"""layout_ops.py: channels-last operators (domain qonnx.custom_op.channels_last:
Conv, MaxPool, BatchNormalization on NHWC / NWC data, Conv weights as
(O, k..., I/group)) and models whose initializers live in external data files.

Channels-last models are written without an opset import for their domain,
as hls4ml's exports are, except one that has it.
"""
import numpy as np

from modelkit import CHANNELS_LAST, QDOMAIN, Case, const, f32, model, node, rng

G = "layout"


def u(r, shape, lo=-1.0, hi=1.0):
    return f32(r.uniform(lo, hi, shape))


def one(name, op, x, consts, attrs, tol, opset_import=False, noutputs=1):
    inits = [const(n, a) for n, a in consts]
    outs = ["y%d" % i for i in range(noutputs)]
    n = node(op, ["x"] + [n for n, _ in consts], outs, name="cl_" + op.lower(),
             domain=CHANNELS_LAST, **attrs)
    extra = [(CHANNELS_LAST, 1)] if opset_import else []
    m = model([n], [("x", x)], outs, inits, opset=13, extra_opsets=extra, name=name)
    return Case(name, m, [x], tol=tol, group=G,
                what="%s[channels_last](%s)" % (op, ", ".join("%s=%r" % kv
                                                              for kv in sorted(attrs.items()))))


def channels_last_cases():
    cases = []
    convs = [  # name, x NHWC, w (O, k..., I/g), attrs
        ("cl_conv2d", [1, 6, 6, 3], [4, 3, 3, 3], {"pads": [1, 1, 1, 1], "kernel_shape": [3, 3]}),
        ("cl_conv2d_strided", [1, 7, 6, 2], [3, 3, 2, 2], {"strides": [2, 1],
                                                           "pads": [0, 1, 1, 0]}),
        ("cl_conv2d_depthwise", [1, 5, 5, 3], [3, 3, 3, 1], {"group": 3, "pads": [1, 1, 1, 1]}),
        ("cl_conv2d_group2", [2, 4, 4, 4], [6, 1, 1, 2], {"group": 2}),
        ("cl_conv1d", [1, 10, 2], [3, 3, 2], {"pads": [1, 2], "kernel_shape": [3]}),
    ]
    for name, xs, ws, attrs in convs:
        r = rng(name)
        consts = [("w", u(r, ws)), ("b", u(r, [ws[0]]))]
        cases.append(one(name, "Conv", u(r, xs, -2, 2), consts, attrs, "accum",
                         opset_import=name == "cl_conv2d"))
    for name, xs, attrs in [
            ("cl_maxpool2d", [1, 6, 6, 3], {"kernel_shape": [2, 2], "strides": [2, 2]}),
            ("cl_maxpool2d_pads", [1, 5, 5, 2], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
            ("cl_maxpool1d", [2, 9, 3], {"kernel_shape": [3], "strides": [3]})]:
        r = rng(name)
        x = f32(r.permutation(int(np.prod(xs))).reshape(xs) * 0.25)
        cases.append(one(name, "MaxPool", x, [], attrs, "exact"))
    for name, xs in [("cl_batchnorm2d", [2, 3, 3, 4]), ("cl_batchnorm1d", [1, 5, 4])]:
        r = rng(name)
        c = xs[-1]
        consts = [("scale", u(r, [c], 0.5, 1.5)), ("bias", u(r, [c], -0.5, 0.5)),
                  ("mean", u(r, [c], -0.5, 0.5)), ("var", u(r, [c], 0.5, 2.0))]
        cases.append(one(name, "BatchNormalization", u(r, xs, -2, 2), consts,
                         {"epsilon": 1e-3}, "composite"))
    # an hls4ml-style chain: Quant -> Conv -> BatchNormalization -> Relu -> MaxPool
    r = rng("cl_chain")
    x = u(r, [1, 6, 6, 2], -2, 2)
    nodes = [
        node("Quant", ["x", "s", "z", "b"], ["xq"], domain=QDOMAIN, signed=1, narrow=0,
             rounding_mode="ROUND"),
        node("Conv", ["xq", "w", "cb"], ["c"], domain=CHANNELS_LAST, pads=[1, 1, 1, 1],
             kernel_shape=[3, 3]),
        node("BatchNormalization", ["c", "g", "bb", "m", "v"], ["n"], domain=CHANNELS_LAST),
        node("Relu", ["n"], ["a"]),
        node("MaxPool", ["a"], ["y"], domain=CHANNELS_LAST, kernel_shape=[2, 2],
             strides=[2, 2]),
    ]
    inits = [const("s", f32(0.125)), const("z", f32(0.0)), const("b", f32(6.0)),
             const("w", u(r, [3, 3, 3, 2])), const("cb", u(r, [3])),
             const("g", u(r, [3], 0.5, 1.5)), const("bb", u(r, [3])), const("m", u(r, [3])),
             const("v", u(r, [3], 0.5, 2))]
    m = model(nodes, [("x", x)], ["y"], inits, opset=13, extra_opsets=[(QDOMAIN, 1)],
              name="cl_chain")
    cases.append(Case("cl_chain", m, [x], tol="composite", group=G,
                      what="Quant -> Conv/BN/MaxPool[channels_last]"))
    return cases


def external_cases():
    cases = []
    for label, one_file in [("one_file", True), ("per_tensor", False)]:
        name = "external_" + label
        r = rng(name)
        x = u(r, [2, 16])
        nodes = [node("MatMul", ["x", "w"], ["h"]), node("Add", ["h", "b"], ["y"])]
        inits = [const("w", u(r, [16, 8])), const("b", u(r, [8]))]
        m = model(nodes, [("x", x)], ["y"], inits, opset=13, name=name)
        cases.append(Case(name, m, [x], tol="accum", group=G, external=True,
                          notes={"one_file": one_file},
                          what="MatMul + Add, initializers in external data (%s)" % label))
    name = "external_quant"
    r = rng(name)
    x = u(r, [1, 32], -3, 3)
    nodes = [node("Quant", ["x", "s", "z", "bits"], ["y"], domain=QDOMAIN, signed=1, narrow=0,
                  rounding_mode="ROUND")]
    inits = [const("s", f32(0.25)), const("z", f32(0.0)), const("bits", f32(4.0))]
    m = model(nodes, [("x", x)], ["y"], inits, opset=13, extra_opsets=[(QDOMAIN, 1)], name=name)
    cases.append(Case(name, m, [x], tol="exact", group=G, external=True,
                      notes={"one_file": True},
                      what="Quant with scale, zero point and bit width in external data"))
    return cases


def cases():
    return channels_last_cases() + external_cases()
