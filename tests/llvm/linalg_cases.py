"""linalg_cases.py: models for the LLVM linear-algebra, window, reduction and
normalization kernels beyond tests/models.

The generated op models cover each op in f32 with its common attributes;
these cases add what only the compiled code can get wrong: integer and f64
element types (integer sums wrapped at their width, unsigned orders, Mean
truncating), convolutions whose patch is not a multiple of four (the last
partial sums of the float accumulation), groups with several channels each
in 1 to 3 spatial dims with strides, dilations and uneven pads, transposed
convolutions with everything at once, pools whose ceil_mode windows reach
past the end padding, MaxPool's Indices in both storage orders, convolution
windows that miss the input entirely, NaN and infinities in max-like
reductions, reductions keeping a contiguous tail, and normalizations in
f64 and over 3 spatial dims. Expected outputs always come from the
interpreter (the test compares the compiled model with `qonnxc run
--interp`), never from this file.

    /usr/bin/python3 tests/llvm/linalg_cases.py OUTDIR   writes OUTDIR/NAME/{model.onnx,input_K.npy}
"""
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))


import casekit  # noqa: E402
from casekit import case  # noqa: E402

from modelkit import const, i64, node, rng  # noqa: E402


def data(name, shape, dtype, lo=None, hi=None, full_range=False):
    """Random elements; integers in [lo, hi], by default the type's range,
    within +-2^24 unless full_range: graph inputs pass through the float32
    entry point, which holds such integers exactly (constants need not)."""
    r = rng(name)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        limit = None if full_range else 2 ** 24
        lo = int(info.min) if lo is None else lo
        hi = int(info.max) if hi is None else hi
        if limit:
            lo, hi = max(lo, -limit), min(hi, limit)
        return r.integers(lo, hi, size=shape, dtype=dtype, endpoint=True)
    return (r.standard_normal(shape) * 3).astype(np.float32).astype(dtype)


def matmul_cases():
    out = []
    # integer MatMul: products and sums wrap at the type's width
    for t in (np.int32, np.uint32, np.int64, np.uint64):
        tn = np.dtype(t).name
        a = data("mm_a_" + tn, [2, 3, 5], t)
        b = data("mm_b_" + tn, [5, 4], t, full_range=True)
        out.append(case("lk_matmul_" + tn, [node("MatMul", ["a", "b"], ["y"])],
                        [("a", a)], [("y", t, [2, 3, 4])], [const("b", b)]))
    a = data("mm_f64_a", [3, 1, 4, 6], np.float64)
    b = data("mm_f64_b", [2, 6, 3], np.float64)
    out.append(case("lk_matmul_f64_bcast", [node("MatMul", ["a", "b"], ["y"])],
                    [("a", a), ("b", b)], [("y", np.float64, [3, 2, 4, 3])]))
    a = data("mm_vec_a", [7], np.float32)
    b = data("mm_vec_b", [2, 7, 3], np.float32)
    out.append(case("lk_matmul_vec_batched", [node("MatMul", ["a", "b"], ["y"])],
                    [("a", a)], [("y", np.float32, [2, 3])], [const("b", b)]))
    a = data("gemm_i_a", [4, 3], np.int32, -1000, 1000)
    b = data("gemm_i_b", [5, 4], np.int32, -1000, 1000)
    c = data("gemm_i_c", [5], np.int32)
    out.append(case("lk_gemm_int_alpha_beta",
                    [node("Gemm", ["a", "b", "c"], ["y"], transA=1, transB=1, alpha=2.7,
                          beta=-1.5)],
                    [("a", a), ("c", c)], [("y", np.int32, [3, 5])], [const("b", b)]))
    a = data("gemm_d_a", [6, 4], np.float64)
    b = data("gemm_d_b", [6, 5], np.float64)
    c = data("gemm_d_c", [4, 1], np.float64)
    out.append(case("lk_gemm_f64_transA",
                    [node("Gemm", ["a", "b", "c"], ["y"], transA=1, alpha=0.5, beta=3.0)],
                    [("a", a), ("b", b), ("c", c)], [("y", np.float64, [4, 5])]))
    return out


def conv_case(name, xshape, wshape, attrs, bias=True, dtype=np.float32, yshape=None,
              op="Conv", opset=13):
    x = data(name + "_x", xshape, dtype)
    w = data(name + "_w", wshape, dtype)
    inits = [const("w", w)]
    names = ["x", "w"]
    if bias:
        ch = wshape[0] if op == "Conv" else wshape[1] * attrs.get("group", 1)
        inits.append(const("b", data(name + "_b", [ch], dtype)))
        names.append("b")
    return case(name, [node(op, names, ["y"], **attrs)], [("x", x)], [("y", dtype, yshape)],
                inits, opset=opset)


def conv_cases():
    return [
        # patch 3 * 3 * 3 = 27: three products in the last partial sum
        conv_case("lk_conv_patch27", [1, 3, 7, 6], [5, 3, 3, 3], {"pads": [1, 0, 2, 1]},
                  yshape=[1, 5, 8, 5]),
        conv_case("lk_conv_group3_strided", [2, 6, 9, 8], [9, 2, 3, 2],
                  {"group": 3, "strides": [2, 3], "dilations": [2, 1], "pads": [2, 1, 0, 2]},
                  yshape=[2, 9, 3, 3]),
        conv_case("lk_conv3d_group", [1, 4, 5, 6, 4], [6, 2, 2, 3, 2],
                  {"group": 2, "strides": [1, 2, 1], "pads": [1, 0, 1, 0, 2, 1],
                   "dilations": [2, 1, 1]}, yshape=[1, 6, 5, 3, 5]),
        conv_case("lk_conv1d_same_lower", [1, 3, 11], [4, 3, 4],
                  {"auto_pad": "SAME_LOWER", "strides": [2]}, yshape=[1, 4, 6]),
        conv_case("lk_conv_f64_depthwise", [1, 4, 6, 6], [8, 1, 3, 3],
                  {"group": 4, "pads": [1, 1, 1, 1]}, dtype=np.float64, yshape=[1, 8, 6, 6]),
        # pads larger than the kernel reach: whole rows of windows miss the input
        conv_case("lk_conv_pads_beyond", [1, 2, 3, 3], [2, 2, 2, 2], {"pads": [3, 0, 3, 4]},
                  bias=False, yshape=[1, 2, 8, 6]),
        conv_case("lk_convtranspose_all", [1, 4, 3, 4], [4, 3, 3, 2],
                  {"group": 2, "strides": [2, 3], "dilations": [1, 2], "pads": [1, 0, 0, 2],
                   "output_padding": [1, 2]},
                  op="ConvTranspose", yshape=[1, 6, 7, 11]),
        conv_case("lk_convtranspose3d", [1, 2, 2, 3, 2], [2, 3, 2, 2, 3],
                  {"strides": [2, 1, 2]}, op="ConvTranspose", bias=False,
                  yshape=[1, 3, 4, 4, 5]),
        conv_case("lk_convtranspose_f64_same", [1, 2, 5], [2, 2, 3],
                  {"auto_pad": "SAME_UPPER", "strides": [2]}, op="ConvTranspose",
                  dtype=np.float64, yshape=[1, 2, 10]),
    ]


def pool_cases():
    out = []
    specs = [  # name, op, x shape, attrs, y shape
        ("lk_maxpool_ceil_dil", "MaxPool", [1, 3, 8, 7],
         {"kernel_shape": [3, 2], "strides": [3, 2], "dilations": [2, 2], "pads": [1, 0, 2, 1],
          "ceil_mode": 1}, [1, 3, 4, 4]),
        ("lk_avgpool_ceil_include", "AveragePool", [1, 2, 7, 6],
         {"kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 1], "ceil_mode": 1,
          "count_include_pad": 1}, [1, 2, 5, 4]),
        ("lk_avgpool3d_exclude", "AveragePool", [1, 2, 4, 5, 3],
         {"kernel_shape": [2, 3, 2], "strides": [2, 2, 1], "pads": [1, 1, 0, 0, 1, 1]},
         [1, 2, 3, 3, 4]),
        ("lk_maxpool1d_same", "MaxPool", [2, 3, 9],
         {"kernel_shape": [4], "strides": [2], "auto_pad": "SAME_UPPER"}, [2, 3, 5]),
    ]
    for name, op, xs, attrs, ys in specs:
        out.append(case(name, [node(op, ["x"], ["y"], **attrs)],
                        [("x", data(name, xs, np.float32))], [("y", np.float32, ys)]))
    # integer pools compare by signedness
    for t in (np.int8, np.uint8):
        tn = np.dtype(t).name
        out.append(case("lk_maxpool_" + tn,
                        [node("MaxPool", ["x"], ["y"], kernel_shape=[3, 2], pads=[2, 0, 0, 1],
                              dilations=[1, 2])],
                        [("x", data("maxpool_" + tn, [1, 2, 4, 5], t))], [("y", t, [1, 2, 4, 4])],
                        opset=12))
    for order in (0, 1):
        x = data("maxpool_ind%d" % order, [2, 3, 5, 6], np.float32)
        out.append(case("lk_maxpool_indices_order%d" % order,
                        [node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 3], strides=[2, 2],
                              pads=[1, 1, 1, 0], ceil_mode=1, storage_order=order)],
                        [("x", x)], [("y", np.float32, [2, 3, 4, 3]), ("i", np.int64, [2, 3, 4, 3])]))
    x = data("maxpool_ind3d", [1, 2, 3, 4, 5], np.float32)
    out.append(case("lk_maxpool3d_indices_col",
                    [node("MaxPool", ["x"], ["y", "i"], kernel_shape=[2, 2, 3], dilations=[1, 2, 1],
                          pads=[0, 1, 1, 1, 0, 1], storage_order=1)],
                    [("x", x)], [("y", np.float32, [1, 2, 3, 3, 4]), ("i", np.int64, [1, 2, 3, 3, 4])]))
    x = data("maxpool_nan", [1, 2, 4, 4], np.float32)
    x[0, 0, 0, 0] = np.nan
    x[0, 0, 2, 3] = np.nan
    x[0, 1, 1, 1] = -np.inf
    x[0, 1, 3, :] = -np.inf
    out.append(case("lk_maxpool_nan_inf", [node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2])],
                    [("x", x)], [("y", np.float32, [1, 2, 3, 3])]))
    out.append(case("lk_globalmaxpool_nan", [node("GlobalMaxPool", ["x"], ["y"])],
                    [("x", x)], [("y", np.float32, [1, 2, 1, 1])]))
    out.append(case("lk_globalavgpool3d_f64", [node("GlobalAveragePool", ["x"], ["y"])],
                    [("x", data("gap3d", [2, 3, 2, 3, 4], np.float64))],
                    [("y", np.float64, [2, 3, 1, 1, 1])]))
    return out


def reduce_cases():
    out = []
    ops = ["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin"]
    for t in (np.int8, np.uint8, np.int32, np.uint32, np.int64, np.uint64, np.float64):
        tn = np.dtype(t).name
        x = data("reduce_" + tn, [3, 4, 2, 5], t)
        nodes = [node(op, ["x", "ax"], [op.lower()], keepdims=k)
                 for op, k in zip(ops, (1, 0, 1, 0))]
        outs = [("reducesum", t, [3, 1, 1, 5]), ("reducemean", t, [3, 5]),
                ("reducemax", t, [3, 1, 1, 5]), ("reducemin", t, [3, 5])]
        out.append(case("lk_reduce_" + tn, nodes, [("x", x)], outs, [const("ax", i64([1, 2]))],
                        opset=18))
    x = data("reduce_nan", [2, 3, 4], np.float32)
    x[0, 1, 2] = np.nan
    x[1, 0, :] = np.inf
    x[1, 2, 1] = -np.inf
    nodes = [node(op, ["x", "ax"], [op.lower()], keepdims=1) for op in ops]
    outs = [(op.lower(), np.float32, [2, 1, 4]) for op in ops]
    out.append(case("lk_reduce_nan_inf", nodes, [("x", x)], outs, [const("ax", i64([-2]))],
                    opset=18))
    x = data("reduce_interleaved", [2, 3, 4, 5], np.float32)
    nodes = [node(op, ["x", "ax"], [op.lower()], keepdims=0) for op in ops]
    outs = [(op.lower(), np.float32, [3, 5]) for op in ops]
    out.append(case("lk_reduce_interleaved", nodes, [("x", x)], outs,
                    [const("ax", i64([0, 2]))], opset=18))
    return out


def softmax_cases():
    out = []
    x = data("softmax_f64", [2, 3, 4], np.float64)
    out.append(case("lk_softmax_f64_axis1",
                    [node("Softmax", ["x"], ["s"], axis=1), node("LogSoftmax", ["x"], ["l"], axis=1)],
                    [("x", x)], [("s", np.float64, [2, 3, 4]), ("l", np.float64, [2, 3, 4])]))
    x = data("softmax_big", [3, 5], np.float32) * 40
    x[1, 2] = -np.inf
    out.append(case("lk_softmax_large",
                    [node("Softmax", ["x"], ["s"], axis=-1), node("LogSoftmax", ["x"], ["l"], axis=0)],
                    [("x", x)], [("s", np.float32, [3, 5]), ("l", np.float32, [3, 5])]))
    return out


def norm_cases():
    out = []
    c = 3
    stats = [const("scale", data("bn_scale", [c], np.float32)),
             const("bias", data("bn_bias", [c], np.float32)),
             const("mean", data("bn_mean", [c], np.float32)),
             const("var", np.abs(data("bn_var", [c], np.float32)))]
    out.append(case("lk_batchnorm_nd", [node("BatchNormalization",
                                             ["x", "scale", "bias", "mean", "var"], ["y"],
                                             epsilon=1e-3)],
                    [("x", data("bn_x", [2, c, 2, 3, 2], np.float32))],
                    [("y", np.float32, [2, c, 2, 3, 2])], stats, opset=15))
    stats64 = [const("scale", data("bn64_scale", [c], np.float64)),
               const("bias", data("bn64_bias", [c], np.float64)),
               const("mean", data("bn64_mean", [c], np.float64)),
               const("var", np.abs(data("bn64_var", [c], np.float64)))]
    out.append(case("lk_batchnorm_f64", [node("BatchNormalization",
                                              ["x", "scale", "bias", "mean", "var"], ["y"])],
                    [("x", data("bn64_x", [2, c, 5], np.float64))],
                    [("y", np.float64, [2, c, 5])], stats64, opset=15))
    out.append(case("lk_instancenorm_3d", [node("InstanceNormalization", ["x", "s", "b"], ["y"],
                                                epsilon=0.01)],
                    [("x", data("in_x", [2, c, 3, 2, 4], np.float32) + 5)],
                    [("y", np.float32, [2, c, 3, 2, 4])],
                    [const("s", data("in_s", [c], np.float32)),
                     const("b", data("in_b", [c], np.float32))]))
    return out


def cases():
    return (matmul_cases() + conv_cases() + pool_cases() + reduce_cases() + softmax_cases() +
            norm_cases())


def write_all(outdir):
    return casekit.write_all(cases(), outdir)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    print("\n".join(write_all(sys.argv[1])))
