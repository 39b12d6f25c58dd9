"""legacy_ops.py: operators in the older-opset forms that the ONNX front-end
rewrites into the canonical (opset 21) forms of ir/ops.def:

- opset 6 element-wise ops with legacy broadcast (`broadcast=1`, `axis`),
- Clip with min/max attributes (opset 6), Pad with attributes (operator
  version 2, in an opset 6 model) and with inputs (opset 11), Slice with
  attributes (opset 9),
- Upsample (opset 7 attribute scales, opset 9 input scales),
- Squeeze/Unsqueeze/Split/ReduceSum with axes or split as attributes (opset 11),
- Softmax/LogSoftmax before opset 13, which coerce the input to 2-D at `axis`,
- BatchNormalization, Dropout, Gemm and MaxPool in their opset 6..10 forms.

The expected results follow each opset's own definition (tests/e2e/reference.py
dispatches on the opset the model imports).
"""
from modelkit import f32, i64, single

G = "legacy"


def u(r, shape, lo=-2.0, hi=2.0):
    return f32(r.uniform(lo, hi, shape))


def broadcast_cases(r):
    a = u(r, [2, 3, 4, 5])
    return [
        single("legacy_add_axis1", "Add", [a], consts=[("b", u(r, [3, 4]))],
               attrs={"broadcast": 1, "axis": 1}, opset=6, group=G),
        single("legacy_mul_suffix", "Mul", [a], consts=[("b", u(r, [5]))],
               attrs={"broadcast": 1}, opset=6, group=G),
        single("legacy_sub_axis0", "Sub", [a], consts=[("b", u(r, [2]))],
               attrs={"broadcast": 1, "axis": 0}, opset=6, group=G),
        single("legacy_div_scalar", "Div", [a], consts=[("b", f32([4.0]))],
               attrs={"broadcast": 1}, opset=6, group=G),
        single("legacy_add_same", "Add", [a, u(r, [2, 3, 4, 5])], opset=6, group=G),
        single("legacy_add_channel", "Add", [u(r, [1, 3, 2, 2])], consts=[("b", u(r, [3]))],
               attrs={"broadcast": 1, "axis": 1}, opset=6, group=G),
        single("legacy_sum_opset6", "Sum", [u(r, [2, 3]), u(r, [2, 3])], opset=6, tol="accum",
               group=G),
        single("legacy_gemm_broadcast", "Gemm", [u(r, [3, 4])],
               consts=[("w", u(r, [5, 4])), ("c", u(r, [5]))],
               attrs={"broadcast": 1, "transB": 1}, opset=6, tol="accum", group=G),
    ]


def attribute_form_cases(r):
    x = u(r, [3, 4], -3, 3)
    xp = u(r, [1, 2, 3, 4])
    xsl = u(r, [4, 5, 6])
    xs = u(r, [1, 3, 1, 2])
    return [
        single("clip6_min_max", "Clip", [x], attrs={"min": -1.0, "max": 0.5}, opset=6, group=G),
        single("clip6_max_only", "Clip", [x], attrs={"max": 0.5}, opset=6, group=G),
        single("clip6_none", "Clip", [x], opset=6, group=G),
        single("clip11_inputs", "Clip", [x], consts=[("lo", f32(-0.5)), ("hi", f32(2.0))],
               opset=11, group=G),
        single("pad6_constant", "Pad", [xp], attrs={"pads": [0, 0, 1, 2, 0, 0, 2, 1],
                                                    "value": 0.75}, opset=6, group=G),
        single("pad6_reflect", "Pad", [xp], attrs={"pads": [0, 0, 1, 2, 0, 0, 2, 1],
                                                   "mode": "reflect"}, opset=6, group=G),
        single("pad6_edge", "Pad", [xp], attrs={"pads": [0, 0, 0, 1, 0, 0, 1, 1],
                                                "mode": "edge"}, opset=6, group=G),
        single("pad11_inputs", "Pad", [xp], consts=[("pads", i64([0, 0, 1, 1, 0, 0, 1, 1])),
                                                    ("v", f32(-2.0))], opset=11, group=G),
        single("pad11_no_value", "Pad", [xp], consts=[("pads", i64([0, 1, 0, 0, 0, 0, 0, 2]))],
               opset=11, group=G),
        single("slice9_attrs", "Slice", [xsl], attrs={"starts": [1, -4], "ends": [3, 1000],
                                                      "axes": [0, 2]}, opset=9, group=G),
        single("slice9_no_axes", "Slice", [xsl], attrs={"starts": [1, 0], "ends": [2, -1]},
               opset=9, group=G),
        single("slice10_inputs", "Slice", [xsl], consts=[("s", i64([0, 1])), ("e", i64([2, 4])),
                                                         ("a", i64([1, 2]))], opset=10, group=G),
        single("squeeze11_attr", "Squeeze", [xs], attrs={"axes": [0, 2]}, opset=11, group=G),
        single("squeeze11_none", "Squeeze", [xs], opset=11, group=G),
        single("unsqueeze11_attr", "Unsqueeze", [x], attrs={"axes": [0, -1]}, opset=11,
               group=G),
        single("split11_attr", "Split", [u(r, [2, 6])], attrs={"axis": 1, "split": [1, 5]},
               noutputs=2, opset=11, group=G),
        single("split6_equal", "Split", [u(r, [4, 2])], noutputs=2, opset=6, group=G),
        single("reducesum11_attr", "ReduceSum", [u(r, [2, 3, 4])],
               attrs={"axes": [1], "keepdims": 0}, opset=11, tol="accum", group=G),
        single("reducemean11_all", "ReduceMean", [u(r, [2, 3, 4])], opset=11, tol="accum",
               group=G),
    ]


def softmax_cases(r):
    cases = []
    for op in ["Softmax", "LogSoftmax"]:
        low = op.lower()
        cases += [
            # coerce-to-2D: normalized over dims 1.. together, not over dim 1 alone
            single("%s12_rank3_axis1" % low, op, [u(r, [2, 3, 4], -3, 3)], attrs={"axis": 1},
                   opset=12, tol="composite", group=G),
            single("%s11_rank3_default" % low, op, [u(r, [2, 3, 4], -3, 3)], opset=11,
                   tol="composite", group=G),
            single("%s11_rank4_axis2" % low, op, [u(r, [2, 2, 3, 2], -3, 3)], attrs={"axis": 2},
                   opset=11, tol="composite", group=G),
            single("%s11_rank2_last" % low, op, [u(r, [3, 5], -3, 3)], attrs={"axis": -1},
                   opset=11, tol="composite", group=G),
            single("%s6_rank2" % low, op, [u(r, [3, 5], -3, 3)], opset=6, tol="composite",
                   group=G),
        ]
    return cases


def upsample_cases(r):
    x = f32(r.permutation(2 * 2 * 3).reshape([1, 2, 2, 3]))
    return [
        single("upsample9_nearest", "Upsample", [x], consts=[("s", f32([1, 1, 2, 2]))],
               attrs={"mode": "nearest"}, opset=9, group=G),
        single("upsample9_nearest_x3", "Upsample", [x], consts=[("s", f32([1, 1, 3, 3]))],
               attrs={"mode": "nearest"}, opset=9, group=G),
        single("upsample9_nearest_default", "Upsample", [x], consts=[("s", f32([1, 1, 2, 1]))],
               opset=9, group=G),
        single("upsample9_linear", "Upsample", [x], consts=[("s", f32([1, 1, 2, 2]))],
               attrs={"mode": "linear"}, opset=9, tol="composite", group=G),
        single("upsample7_attr", "Upsample", [x], attrs={"mode": "nearest",
                                                         "scales": [1.0, 1.0, 2.0, 2.0]},
               opset=7, group=G),
    ]


def other_cases(r):
    c = 3
    bn = [("scale", u(r, [c], 0.5, 1.5)), ("bias", u(r, [c], -0.5, 0.5)),
          ("mean", u(r, [c], -0.5, 0.5)), ("var", u(r, [c], 0.5, 2.0))]
    x = u(r, [2, c, 3, 3])
    pool_x = f32(r.permutation(36).reshape([1, 1, 6, 6]))
    return [
        single("batchnorm9", "BatchNormalization", [x], consts=bn, attrs={"epsilon": 1e-5},
               opset=9, tol="composite", group=G),
        single("batchnorm7_spatial", "BatchNormalization", [x], consts=bn,
               attrs={"spatial": 1}, opset=7, tol="composite", group=G),
        single("dropout7", "Dropout", [x], attrs={"ratio": 0.2}, opset=7, group=G),
        single("dropout10_mask", "Dropout", [x], noutputs=2, opset=10, group=G),
        single("maxpool8_indices", "MaxPool", [pool_x], attrs={"kernel_shape": [2, 2],
                                                               "strides": [2, 2]},
               noutputs=2, opset=8, group=G),
        single("maxpool10_ceil", "MaxPool", [pool_x[:, :, :5, :5]],
               attrs={"kernel_shape": [2, 2], "strides": [2, 2], "ceil_mode": 1}, opset=10,
               group=G),
        single("averagepool7_include_pad", "AveragePool", [u(r, [1, 1, 4, 4])],
               attrs={"kernel_shape": [3, 3], "pads": [1, 1, 1, 1], "count_include_pad": 1},
               opset=7, tol="accum", group=G),
        single("flatten9", "Flatten", [x], attrs={"axis": 2}, opset=9, group=G),
        single("concat6", "Concat", [x, x], attrs={"axis": 1}, opset=6, group=G),
        single("transpose6", "Transpose", [x], attrs={"perm": [0, 2, 3, 1]}, opset=6, group=G),
        single("reshape6", "Reshape", [x], consts=[("s", i64([2, -1]))], opset=6, group=G),
        single("gather6", "Gather", [x], consts=[("i", i64([1, 0]))], attrs={"axis": 1},
               opset=6, group=G),
        single("conv6", "Conv", [x], consts=[("w", u(r, [2, c, 2, 2])), ("b", u(r, [2]))],
               attrs={"pads": [1, 1, 0, 0]}, opset=6, tol="accum", group=G),
        single("relu6", "Relu", [x], opset=6, group=G),
        single("leakyrelu6", "LeakyRelu", [x], attrs={"alpha": 0.2}, opset=6, group=G),
        single("matmul9", "MatMul", [u(r, [2, 3])], consts=[("w", u(r, [3, 4]))], opset=9,
               tol="accum", group=G),
        single("cast6", "Cast", [x], attrs={"to": 7}, opset=6, group=G),
    ]


def cases():
    from modelkit import rng
    out = []
    for f in [broadcast_cases, attribute_form_cases, softmax_cases, upsample_cases, other_cases]:
        out += f(rng("legacy_" + f.__name__))
    return out
