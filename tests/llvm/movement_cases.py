"""movement_cases.py: models for the LLVM movement kernels beyond tests/models.

The generated op models cover each movement op in f32 with its common
attributes; these cases add what only the compiled code can get wrong:
every element type (bool, int8 to int64, unsigned, f64), negative and
oversized slice steps, Gather with run-time and negative indices, Pad
reflecting as far as allowed and cropping, constant_value of an integer
type, Resize in cubic mode, tf_crop_and_resize with extrapolation,
half_pixel_symmetric, the keep_aspect_ratio policies, the axes attribute,
nearest Resize of integers, Shape with start/end, and a chain of movement
ops between QONNX quantizers, which the integer lowering turns into moves of
4-bit integers. Expected outputs always come from the interpreter (the test
compares the compiled model with `qonnxc run --interp`), never from this
file.

    /usr/bin/python3 tests/llvm/movement_cases.py OUTDIR   writes OUTDIR/NAME/{model.onnx,input_K.npy}
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))

from onnx import helper  # noqa: E402

import casekit  # noqa: E402
from casekit import case, vinfo  # noqa: E402,F401

from modelkit import const, i64, f32, node, rng  # noqa: E402


def data(name, shape, dtype, full_range=False):
    """Random data of dtype. Graph inputs travel as float32 through the
    compiled model's entry points, so unless full_range (for constants),
    integers stay within 2^24 and f64 values are float32 values."""
    r = rng(name)
    if dtype == np.bool_:
        return r.integers(0, 2, size=shape).astype(np.bool_)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        lo, hi = int(info.min), int(info.max)
        if not full_range:
            lo, hi = max(lo, -2 ** 24), min(hi, 2 ** 24)
        return r.integers(lo, hi, size=shape, dtype=dtype, endpoint=True)
    return (r.standard_normal(shape) * 3).astype(np.float32).astype(dtype)


TYPES = [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64,
         np.uint64, np.float64]


def type_cases():
    """Transpose, Concat, Slice, Gather, Tile, Expand, Split on every type
    (8 outputs, the most the test harness takes)."""
    out = []
    for t in TYPES:
        tn = np.dtype(t).name
        x = data("types_" + tn, [2, 3, 4], t)
        x2 = data("types2_" + tn, [2, 1, 4], t)
        nodes = [
            node("Transpose", ["x"], ["tr"], perm=[2, 0, 1]),
            node("Concat", ["x", "x2"], ["cat"], axis=1),
            node("Slice", ["cat", "st", "en", "ax", "sp"], ["sl"]),
            node("Gather", ["x", "gi"], ["ga"], axis=2),
            node("Tile", ["x2", "rep"], ["ti"]),
            node("Expand", ["x2", "shp"], ["ex"]),
            node("Split", ["x", "spl"], ["s0", "s1"], axis=-1),
        ]
        inits = [const("st", i64([3, 3])), const("en", i64([-100, 0])), const("ax", i64([1, 2])),
                 const("sp", i64([-2, -1])), const("gi", i64([[3, -4], [1, 1]])),
                 const("rep", i64([1, 2, 1])), const("shp", i64([3, 2, 3, 4])),
                 const("spl", i64([1, 3]))]
        outs = [("tr", t, [4, 2, 3]), ("cat", t, [2, 4, 4]), ("sl", t, [2, 2, 3]),
                ("ga", t, [2, 3, 2, 2]), ("ti", t, [2, 2, 4]), ("ex", t, [3, 2, 3, 4]),
                ("s0", t, [2, 3, 1]), ("s1", t, [2, 3, 3])]
        out.append(case("mv_types_" + tn, nodes, [("x", x), ("x2", x2)], outs, inits))
    return out


def gather_cases():
    out = []
    x = data("gather_rt", [5, 3], np.float32)
    for it in (np.int32, np.int64):
        idx = np.array([[0, -1, 4], [-5, 2, 3]], dtype=it)
        out.append(case("mv_gather_runtime_" + np.dtype(it).name,
                        [node("Gather", ["x", "i"], ["y"], axis=0)],
                        [("x", x), ("i", idx)], [("y", np.float32, [2, 3, 3])]))
    out.append(case("mv_gather_runtime_axis1",
                    [node("Gather", ["x", "i"], ["y"], axis=-1)],
                    [("x", x), ("i", np.array([2, -3, 1, 0], dtype=np.int64))],
                    [("y", np.float32, [5, 4])]))
    big = data("gather_big", [3, 4], np.int64, full_range=True)
    out.append(case("mv_concat_const_int64",
                    [node("Concat", ["x", "c"], ["y"], axis=0)],
                    [("x", data("concat_x", [2, 4], np.int64))], [("y", np.int64, [5, 4])],
                    [const("c", big)]))
    out.append(case("mv_gather_const_data",
                    [node("Gather", ["w", "i"], ["y"], axis=0)],
                    [("i", np.array([3, 0, 3, -1], dtype=np.int64))], [("y", np.int8, [4, 6])],
                    [const("w", data("gather_w", [7, 6], np.int8))]))
    return out


def slice_cases():
    x = data("slice_x", [4, 5, 6], np.float32)
    specs = [  # name, starts, ends, axes, steps, result shape
        ("mv_slice_big_steps", [1, -1, 0], [4, 0, 6], [0, 1, 2], [5, -7, 10], [1, 1, 1]),
        ("mv_slice_reverse_all", [-1, -1, -1], [-100, -100, -100], [0, 1, 2], [-1, -2, -3],
         [4, 3, 2]),
        ("mv_slice_int_max", [2, 1], [2 ** 63 - 1, -(2 ** 63)], [-1, 1], [1, -1], [4, 2, 4]),
    ]
    out = []
    for name, st, en, ax, sp, shape in specs:
        inits = [const("st", i64(st)), const("en", i64(en)), const("ax", i64(ax)),
                 const("sp", i64(sp))]
        out.append(case(name, [node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], [("x", x)],
                        [("y", np.float32, shape)], inits))
    return out


def pad_cases():
    out = []
    x = data("pad_x", [1, 2, 3, 4], np.float32)
    specs = [  # name, mode, pads, result shape
        ("mv_pad_reflect_max", "reflect", [0, 0, 2, 3, 0, 1, 2, 3], [1, 3, 7, 10]),
        ("mv_pad_edge_crop", "edge", [0, 0, -1, 3, 0, 0, 2, -2], [1, 2, 4, 5]),
    ]
    for name, mode, pads, shape in specs:
        out.append(case(name, [node("Pad", ["x", "p"], ["y"], mode=mode)], [("x", x)],
                        [("y", np.float32, shape)], [const("p", i64(pads))], opset=19))
    xi = data("pad_xi", [3, 4], np.int16)
    out.append(case("mv_pad_int_value", [node("Pad", ["x", "p", "v"], ["y"])], [("x", xi)],
                    [("y", np.int16, [5, 7])],
                    [const("p", i64([1, 2, 1, 1])), const("v", np.array(-7, dtype=np.int16))]))
    xb = data("pad_xb", [2, 3], np.bool_)
    out.append(case("mv_pad_bool", [node("Pad", ["x", "p", "v"], ["y"])], [("x", xb)],
                    [("y", np.bool_, [3, 6])],
                    [const("p", i64([0, 1, 1, 2])), const("v", np.array(True))]))
    xd = data("pad_xd", [2, 3], np.float64)
    out.append(case("mv_pad_f64_reflect", [node("Pad", ["x", "p"], ["y"], mode="reflect")],
                    [("x", xd)], [("y", np.float64, [4, 7])], [const("p", i64([1, 2, 1, 2]))]))
    return out


def resize_case(name, x, attrs, scales=None, sizes=None, roi=None, shape=None, opset=19):
    names = ["x", "roi" if roi is not None else "", "scales" if scales is not None else "",
             "sizes" if sizes is not None else ""]
    while names[-1] == "":
        names.pop()
    inits = []
    if roi is not None:
        inits.append(const("roi", f32(roi)))
    if scales is not None:
        inits.append(const("scales", f32(scales)))
    if sizes is not None:
        inits.append(const("sizes", i64(sizes)))
    return case(name, [node("Resize", names, ["y"], **attrs)], [("x", x)],
                [("y", x.dtype, shape)], inits, opset=opset)


def resize_cases():
    x = data("resize_x", [1, 2, 4, 5], np.float32)
    xd = data("resize_xd", [1, 2, 4, 5], np.float64)
    xi = data("resize_xi", [1, 2, 4, 5], np.int8)
    out = [
        resize_case("mv_resize_cubic", x, {"mode": "cubic"}, scales=[1, 1, 1.5, 2],
                    shape=[1, 2, 6, 10]),
        resize_case("mv_resize_cubic_exclude", x,
                    {"mode": "cubic", "exclude_outside": 1, "cubic_coeff_a": -0.5,
                     "coordinate_transformation_mode": "align_corners"},
                    sizes=[1, 2, 3, 7], shape=[1, 2, 3, 7]),
        resize_case("mv_resize_crop_linear", x,
                    {"mode": "linear", "coordinate_transformation_mode": "tf_crop_and_resize",
                     "extrapolation_value": -3.5},
                    roi=[0, 0, -0.2, 0.1, 1, 1, 0.9, 1.4], sizes=[1, 2, 5, 6], shape=[1, 2, 5, 6]),
        resize_case("mv_resize_crop_nearest_int", xi,
                    {"mode": "nearest", "coordinate_transformation_mode": "tf_crop_and_resize",
                     "extrapolation_value": 300.7},
                    roi=[0, 0, 0.3, -0.5, 1, 1, 1.2, 0.8], sizes=[1, 2, 4, 6], shape=[1, 2, 4, 6]),
        resize_case("mv_resize_symmetric", x,
                    {"mode": "linear", "coordinate_transformation_mode": "half_pixel_symmetric"},
                    scales=[1, 1, 1.7, 0.6], shape=[1, 2, 6, 3]),
        resize_case("mv_resize_not_larger", x,
                    {"mode": "linear", "keep_aspect_ratio_policy": "not_larger",
                     "axes": [2, 3]}, sizes=[7, 7], shape=[1, 2, 6, 7]),
        resize_case("mv_resize_not_smaller", x,
                    {"mode": "nearest", "keep_aspect_ratio_policy": "not_smaller",
                     "axes": [3, 2], "nearest_mode": "round_prefer_ceil"},
                    sizes=[7, 7], shape=[1, 2, 7, 9]),
        resize_case("mv_resize_f64_linear", xd, {"mode": "linear"}, scales=[1, 1.5, 0.75, 2.5],
                    shape=[1, 3, 3, 12]),
        resize_case("mv_resize_int8_nearest", xi,
                    {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                     "nearest_mode": "ceil"},
                    scales=[1, 1, 2.5, 1.25], shape=[1, 2, 10, 6]),
        resize_case("mv_resize_3axes", x, {"mode": "linear"}, scales=[1, 2, 1.5, 1.3],
                    shape=[1, 4, 6, 6]),
    ]
    return out


def misc_cases():
    out = []
    x = data("misc_x", [2, 3, 4], np.float32)
    out.append(case("mv_shape_slice", [node("Shape", ["x"], ["s"], start=-2, end=10)],
                    [("x", x)], [("s", np.int64, [2])], opset=15))
    xu = data("misc_xu", [2, 3, 4], np.uint16)
    out.append(case("mv_reshape_chain_u16",
                    [node("Unsqueeze", ["x", "a0"], ["u"]), node("Squeeze", ["u", "a0"], ["q"]),
                     node("Flatten", ["q"], ["f"], axis=2), node("Identity", ["f"], ["i"]),
                     node("Reshape", ["i", "s"], ["y"])],
                    [("x", xu)], [("y", np.uint16, [4, 6])],
                    [const("a0", i64([1])), const("s", i64([4, -1]))]))
    out.append(case("mv_dropout_mask", [node("Dropout", ["x"], ["y", "m"])], [("x", x)],
                    [("y", np.float32, [2, 3, 4]), ("m", np.bool_, [2, 3, 4])], opset=12))
    xs = data("misc_s2d", [2, 3, 6, 4], np.int32)
    out.append(case("mv_s2d_d2s_int",
                    [node("SpaceToDepth", ["x"], ["s"], blocksize=2),
                     node("DepthToSpace", ["s"], ["y"], blocksize=2, mode="CRD")],
                    [("x", xs)], [("s", np.int32, [2, 12, 3, 2]), ("y", np.int32, [2, 3, 6, 4])]))
    return out


QDOMAIN = "qonnx.custom_op.general"


def quant_node(x, y, scale, bits, signed):
    """A QONNX Quant node x -> y; its scale, zero point and bit width are
    initializers named after y."""
    inits = [const(y + "_s", f32(scale)), const(y + "_z", f32(0)), const(y + "_b", f32(bits))]
    n = helper.make_node("Quant", [x, y + "_s", y + "_z", y + "_b"], [y], name=y,
                         domain=QDOMAIN, signed=signed, narrow=0, rounding_mode="ROUND")
    return n, inits


def quant_cases():
    """Movement ops between quantizers: with the integer lowering in the
    pipeline they move quantized integers (4 and 8 bits) instead of floats."""
    out = []
    x = data("quant_x", [1, 2, 4, 4], np.float32)
    q1, i1 = quant_node("x", "q1", 0.25, 4, 1)
    nodes = [q1,
             node("Transpose", ["q1"], ["t"], perm=[0, 2, 3, 1]),
             node("Resize", ["t", "", "sc"], ["r"], mode="nearest"),
             node("Pad", ["r", "p"], ["pd"], mode="edge"),
             node("Slice", ["pd", "st", "en", "ax", "sp"], ["sl"]),
             node("Gather", ["pd", "gi"], ["g"], axis=1),
             node("Concat", ["sl", "g"], ["c"], axis=1),
             node("Flatten", ["c"], ["f"], axis=1)]
    q3, i3 = quant_node("f", "y", 0.5, 8, 0)
    inits = i1 + i3 + [const("sc", f32([1, 2, 2, 1])), const("p", i64([0, 1, 0, 0, 0, 1, 2, 0])),
                            const("st", i64([0, 0])), const("en", i64([4, 2])),
                            const("ax", i64([1, 3])), const("sp", i64([2, 1])),
                            const("gi", i64([9, 0, -6]))]
    graph = helper.make_graph(nodes + [q3], "mv_quant_chain", [vinfo("x", np.float32, x.shape)],
                              [vinfo("y", np.float32, [1, 100])], initializer=inits)
    m = helper.make_model(graph, producer_name="qonnxc-tests",
                          opset_imports=[helper.make_opsetid("", 13),
                                         helper.make_opsetid(QDOMAIN, 1)])
    m.ir_version = 8
    out.append(("mv_quant_chain", m, [x]))
    return out


def cases():
    return type_cases() + gather_cases() + slice_cases() + pad_cases() + resize_cases() + \
        misc_cases() + quant_cases()


def write_all(outdir):
    return casekit.write_all(cases(), outdir)


if __name__ == "__main__":
    for n in write_all(sys.argv[1]):
        print(n)
