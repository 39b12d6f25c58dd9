"""std_ops.py: one-node (and a few small multi-node) models of every standard
ONNX operator in ir/ops.def, in current-opset form (opset 13 unless the
operator's canonical form needs a newer one), with the attribute variants
that change its semantics.

Inputs are drawn in ranges where the operator is well conditioned (positive
for Log and Sqrt, denominators away from zero) so that a mismatch means a
wrong result, not an ill-posed comparison. The comparison class ("tol") of
each case is explained in tests/e2e/compare.py.
"""
import numpy as np

from modelkit import Case, const, f32, i64, model, node, rng, single

G = "std"


def u(r, shape, lo=-2.0, hi=2.0):
    return f32(r.uniform(lo, hi, shape))


def nonzero(r, shape, lo=0.5, hi=2.0):
    return f32(r.uniform(lo, hi, shape) * r.choice([-1.0, 1.0], shape))


def binary_cases():
    cases = []
    shapes = {"same": ([2, 3, 4], [2, 3, 4]), "bcast": ([2, 3, 4], [3, 1]),
              "bcast2": ([3, 1, 5], [1, 4, 1]), "scalar": ([2, 3], [])}
    for op in ["Add", "Sub", "Mul", "Div"]:
        for sname, (sa, sb) in shapes.items():
            name = "%s_%s" % (op.lower(), sname)
            r = rng(name)
            a = u(r, sa)
            b = nonzero(r, sb) if op == "Div" else u(r, sb)
            cases.append(single(name, op, [a, b], tol="exact", group=G))
        # second operand as an initializer, the usual form in exported models
        name = "%s_const" % op.lower()
        r = rng(name)
        cases.append(single(name, op, [u(r, [1, 3, 2, 2])],
                            consts=[("b", nonzero(r, [3, 1, 1]))], group=G))
        name = "%s_int" % op.lower()
        r = rng(name)
        a = i64(r.integers(-50, 50, [3, 4]))
        b = i64(r.integers(1, 7, [4]) * r.choice([-1, 1], [4]))
        cases.append(single(name, op, [a, b], group=G))
    r = rng("pow")
    cases.append(single("pow_tensor", "Pow", [u(r, [2, 3], 0.1, 3.0), f32([0.5, 2.0, -1.5])],
                        tol="ulp", group=G))
    cases.append(single("pow_square", "Pow", [u(r, [2, 3], -3.0, 3.0)], consts=[("e", f32(2.0))],
                        tol="ulp", group=G))
    r = rng("prelu")
    cases.append(single("prelu_channel", "PRelu", [u(r, [1, 3, 4, 4])],
                        consts=[("slope", f32([[[0.1]], [[-0.5]], [[2.0]]]))], group=G))
    cases.append(single("prelu_scalar", "PRelu", [u(r, [2, 5])], consts=[("slope", f32([0.25]))],
                        group=G))
    r = rng("logic")
    a = r.random([2, 3, 4]) > 0.5
    b = r.random([3, 1]) > 0.5
    cases.append(single("and_bcast", "And", [a, b], group=G))
    cases.append(single("or_bcast", "Or", [a, b], group=G))
    cases.append(single("not", "Not", [a], group=G))
    r = rng("compare")
    x = f32(r.integers(-3, 4, [3, 4]) * 0.5)
    y = f32(r.integers(-3, 4, [4]) * 0.5)
    for op in ["Greater", "GreaterOrEqual", "Less", "LessOrEqual", "Equal"]:
        opset = 16 if op.endswith("OrEqual") else 13
        cases.append(single(op.lower(), op, [x, y], opset=opset, group=G))
    cases.append(single("equal_int", "Equal", [i64([1, 2, 3, 4]), i64([1, 0, 3, 5])], group=G))
    cases.append(single("greater_int", "Greater", [i64([[1, 2], [3, 4]]), i64([2, 2])], group=G))
    return cases


def variadic_cases():
    cases = []
    for op, tol in [("Min", "exact"), ("Max", "exact"), ("Sum", "accum"), ("Mean", "accum")]:
        r = rng(op)
        cases.append(single("%s_one" % op.lower(), op, [u(r, [2, 3])], tol=tol, group=G))
        cases.append(single("%s_three" % op.lower(), op,
                            [u(r, [2, 3, 4]), u(r, [3, 1]), u(r, [4])], tol=tol, group=G))
    cases.append(single("max_int", "Max", [i64([1, -5, 7]), i64([[3], [-9]])], group=G))
    r = rng("where")
    cond = r.random([2, 1, 4]) > 0.5
    cases.append(single("where_bcast", "Where", [cond, u(r, [2, 3, 4]), u(r, [])], group=G))
    cases.append(single("where_int", "Where", [cond, i64(r.integers(-9, 9, [3, 4])), i64([7])],
                        group=G))
    return cases


ROUND_EDGES = f32([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, -3.5, 0.49999997, -0.49999997,
                   0.50000006, 1.4999999, 2.5000002, -0.0, 0.0, 8388607.5 - 0.5, 4194303.5,
                   -4194303.5, 1e-8, -7.25])


def unary_cases():
    cases = []
    spec = [  # op, tol, input range, attrs
        ("Neg", "exact", (-3, 3), {}), ("Abs", "exact", (-3, 3), {}),
        ("Sign", "exact", (-3, 3), {}), ("Relu", "exact", (-3, 3), {}),
        ("Floor", "exact", (-3, 3), {}), ("Ceil", "exact", (-3, 3), {}),
        ("Sqrt", "exact", (0.01, 9), {}), ("Reciprocal", "exact", (0.2, 4), {}),
        ("Exp", "ulp", (-5, 5), {}), ("Log", "ulp", (0.01, 20), {}),
        ("Erf", "ulp", (-3, 3), {}), ("Sigmoid", "ulp", (-8, 8), {}),
        ("Tanh", "ulp", (-4, 4), {}), ("Softplus", "ulp", (-6, 6), {}),
        ("Softsign", "ulp", (-6, 6), {}),
        ("LeakyRelu", "exact", (-3, 3), {}), ("LeakyRelu", "exact", (-3, 3), {"alpha": 0.3}),
        ("Elu", "ulp", (-4, 3), {}), ("Elu", "ulp", (-4, 3), {"alpha": 0.5}),
        ("Selu", "ulp", (-4, 3), {}), ("Selu", "ulp", (-4, 3), {"alpha": 1.5, "gamma": 2.0}),
        ("HardSigmoid", "ulp", (-5, 5), {}),
        ("HardSigmoid", "ulp", (-5, 5), {"alpha": 0.25, "beta": 0.4}),
    ]
    for op, tol, (lo, hi), attrs in spec:
        name = op.lower() + ("_attrs" if attrs else "")
        r = rng(name)
        x = u(r, [2, 3, 5], lo, hi)
        if op == "Sign":
            x[0, 0, :3] = [0.0, -0.0, 1e-30]
        cases.append(single(name, op, [x], attrs=attrs, tol=tol, group=G))
    cases.append(single("round_ties", "Round", [ROUND_EDGES], group=G))
    cases.append(single("neg_int", "Neg", [i64([3, -4, 0])], group=G))
    cases.append(single("abs_int", "Abs", [i64([3, -4, 0])], group=G))
    cases.append(single("sign_int", "Sign", [i64([3, -4, 0])], group=G))
    cases.append(single("relu_int", "Relu", [i64([3, -4, 0])], opset=14, group=G))
    return cases


def clip_cast_cases():
    cases = []
    r = rng("clip")
    x = u(r, [3, 4], -3, 3)
    cases.append(single("clip_both", "Clip", [x], consts=[("lo", f32(-1.0)), ("hi", f32(0.5))],
                        group=G))
    cases.append(single("clip_max_only", "Clip", [x], consts=[None, ("hi", f32(0.5))], group=G))
    cases.append(single("clip_min_only", "Clip", [x], consts=[("lo", f32(-0.25))], group=G))
    cases.append(single("clip_none", "Clip", [x], group=G))
    cases.append(single("clip_int", "Clip", [i64([-9, -2, 0, 3, 12])],
                        consts=[("lo", i64(-3)), ("hi", i64(5))], group=G))
    from onnx import TensorProto as T
    xs = f32([-2.7, -1.0, -0.5, 0.0, 0.5, 2.7, 100.25])
    cases.append(single("cast_f32_i64", "Cast", [xs], attrs={"to": T.INT64}, group=G))
    cases.append(single("cast_f32_i32", "Cast", [xs], attrs={"to": T.INT32}, group=G))
    cases.append(single("cast_f32_i8", "Cast", [xs], attrs={"to": T.INT8}, group=G))
    cases.append(single("cast_f32_bool", "Cast", [xs], attrs={"to": T.BOOL}, group=G))
    cases.append(single("cast_f32_f64", "Cast", [xs], attrs={"to": T.DOUBLE}, group=G))
    cases.append(single("cast_f64_f32", "Cast", [np.array([0.1, -1e-3, 3.0000001], np.float64)],
                        attrs={"to": T.FLOAT}, group=G))
    cases.append(single("cast_i64_f32", "Cast", [i64([-3, 0, 7, 16777217])],
                        attrs={"to": T.FLOAT}, group=G))
    cases.append(single("cast_bool_f32", "Cast", [np.array([True, False, True])],
                        attrs={"to": T.FLOAT}, group=G))
    cases.append(single("cast_i64_bool", "Cast", [i64([0, 2, -1])], attrs={"to": T.BOOL},
                        group=G))
    cases.append(single("identity", "Identity", [u(r, [2, 3])], group=G))
    cases.append(single("dropout", "Dropout", [u(r, [2, 3])], group=G))
    cases.append(single("dropout_mask", "Dropout", [u(r, [2, 3])],
                        consts=[("ratio", f32(0.3))], noutputs=2, group=G))
    return cases


def matmul_gemm_cases():
    cases = []
    mm = {"2d": ([3, 4], [4, 5]), "3d_2d": ([2, 3, 4], [4, 5]), "3d_3d": ([2, 3, 4], [2, 4, 5]),
          "bcast_batch": ([1, 3, 4], [2, 4, 5]), "vec_mat": ([4], [4, 5]),
          "mat_vec": ([3, 4], [4]), "4d": ([2, 1, 3, 4], [1, 2, 4, 2])}
    for k, (sa, sb) in mm.items():
        name = "matmul_" + k
        r = rng(name)
        cases.append(single(name, "MatMul", [u(r, sa)], consts=[("w", u(r, sb))], tol="accum",
                            group=G))
    r = rng("matmul_inputs")
    cases.append(single("matmul_two_inputs", "MatMul", [u(r, [2, 3]), u(r, [3, 2])], tol="accum",
                        group=G))
    cases.append(single("matmul_int", "MatMul", [i64([[1, -2, 3], [4, 5, -6]])],
                        consts=[("w", i64([[1, 2], [3, -4], [5, 6]]))], group=G))
    variants = [
        ("gemm_default", {}, [3, 4], [4, 5], [5]),
        ("gemm_transA", {"transA": 1}, [4, 3], [4, 5], [5]),
        ("gemm_transB", {"transB": 1}, [3, 4], [5, 4], [1, 5]),
        ("gemm_alpha_beta", {"alpha": 0.5, "beta": 2.0}, [3, 4], [4, 5], [3, 5]),
        ("gemm_c_column", {}, [3, 4], [4, 5], [3, 1]),
        ("gemm_c_scalar", {"transA": 1, "transB": 1}, [4, 3], [5, 4], []),
        ("gemm_no_c", {"alpha": 1.5}, [3, 4], [4, 5], None),
    ]
    for name, attrs, sa, sb, sc in variants:
        r = rng(name)
        consts = [("w", u(r, sb))]
        if sc is not None:
            consts.append(("c", u(r, sc)))
        cases.append(single(name, "Gemm", [u(r, sa)], attrs=attrs, consts=consts, tol="accum",
                            group=G))
    return cases


def conv_cases():
    cases = []
    variants = [  # name, x shape, w shape, attrs, bias
        ("conv2d_basic", [1, 3, 6, 6], [4, 3, 3, 3], {}, True),
        ("conv2d_pads", [1, 2, 5, 5], [3, 2, 3, 3], {"pads": [1, 1, 1, 1]}, True),
        ("conv2d_asym_pads", [1, 2, 5, 6], [3, 2, 3, 2], {"pads": [0, 1, 2, 1]}, True),
        ("conv2d_strides", [1, 2, 7, 7], [2, 2, 3, 3], {"strides": [2, 2], "pads": [1, 1, 1, 1]},
         True),
        ("conv2d_strides_hw", [2, 2, 7, 8], [2, 2, 3, 2], {"strides": [2, 3]}, True),
        ("conv2d_dilations", [1, 2, 8, 8], [2, 2, 3, 3], {"dilations": [2, 2]}, True),
        ("conv2d_group2", [1, 4, 5, 5], [6, 2, 3, 3], {"group": 2, "pads": [1, 1, 1, 1]}, True),
        ("conv2d_depthwise", [1, 3, 5, 5], [3, 1, 3, 3], {"group": 3}, True),
        ("conv2d_depthwise_mult", [1, 2, 5, 5], [4, 1, 3, 3], {"group": 2}, False),
        ("conv2d_no_bias", [1, 3, 5, 5], [2, 3, 3, 3], {}, False),
        ("conv2d_kernel_shape", [1, 3, 5, 5], [2, 3, 3, 3], {"kernel_shape": [3, 3]}, True),
        ("conv2d_1x1", [2, 5, 3, 3], [4, 5, 1, 1], {}, True),
        ("conv2d_same_upper", [1, 2, 6, 6], [2, 2, 4, 4], {"auto_pad": "SAME_UPPER",
                                                           "strides": [2, 2]}, True),
        ("conv2d_same_lower", [1, 2, 6, 6], [2, 2, 4, 4], {"auto_pad": "SAME_LOWER",
                                                           "strides": [2, 2]}, True),
        ("conv2d_same_upper_odd", [1, 1, 5, 5], [1, 1, 2, 2], {"auto_pad": "SAME_UPPER"}, True),
        ("conv2d_valid", [1, 2, 6, 6], [2, 2, 3, 3], {"auto_pad": "VALID"}, True),
        ("conv1d", [2, 3, 10], [4, 3, 3], {"pads": [1, 2], "strides": [2]}, True),
        ("conv1d_dilated", [1, 2, 12], [2, 2, 3], {"dilations": [3]}, True),
        ("conv3d", [1, 2, 4, 5, 5], [3, 2, 2, 3, 3], {"pads": [1, 0, 1, 1, 1, 1]}, True),
    ]
    for name, xs, ws, attrs, bias in variants:
        r = rng(name)
        consts = [("w", u(r, ws, -1, 1))]
        if bias:
            consts.append(("b", u(r, [ws[0]], -1, 1)))
        cases.append(single(name, "Conv", [u(r, xs)], attrs=attrs, consts=consts, tol="accum",
                            group=G))
    tvariants = [
        ("convtranspose2d_basic", [1, 2, 3, 3], [2, 3, 3, 3], {}, True),
        ("convtranspose2d_strides", [1, 2, 3, 4], [2, 2, 3, 3], {"strides": [2, 2]}, True),
        ("convtranspose2d_pads", [1, 2, 4, 4], [2, 3, 3, 3], {"strides": [2, 2],
                                                              "pads": [1, 1, 1, 1]}, True),
        ("convtranspose2d_output_padding", [1, 1, 3, 3], [1, 2, 3, 3],
         {"strides": [2, 2], "pads": [1, 1, 1, 1], "output_padding": [1, 1]}, True),
        ("convtranspose2d_group", [1, 4, 3, 3], [4, 1, 2, 2], {"group": 2, "strides": [2, 2]},
         True),
        ("convtranspose2d_dilations", [1, 1, 3, 3], [1, 1, 2, 2], {"dilations": [2, 2]}, False),
        ("convtranspose2d_output_shape", [1, 1, 3, 3], [1, 2, 3, 3],
         {"strides": [2, 2], "output_shape": [5, 5]}, True),
        ("convtranspose2d_no_bias", [1, 2, 3, 3], [2, 1, 2, 2], {"strides": [2, 2]}, False),
        ("convtranspose1d", [1, 2, 5], [2, 3, 4], {"strides": [2], "pads": [1, 1]}, True),
    ]
    for name, xs, ws, attrs, bias in tvariants:
        r = rng(name)
        group = attrs.get("group", 1)
        consts = [("w", u(r, ws, -1, 1))]
        if bias:
            consts.append(("b", u(r, [ws[1] * group], -1, 1)))
        cases.append(single(name, "ConvTranspose", [u(r, xs)], attrs=attrs, consts=consts,
                            tol="accum", group=G))
    return cases


def pool_cases():
    cases = []
    maxp = [
        ("maxpool2d_2x2", [1, 2, 6, 6], {"kernel_shape": [2, 2], "strides": [2, 2]}),
        ("maxpool2d_3x3_pads", [1, 2, 5, 5], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
        ("maxpool2d_ceil", [1, 1, 7, 7], {"kernel_shape": [2, 2], "strides": [2, 2],
                                          "ceil_mode": 1}),
        ("maxpool2d_dilations", [1, 1, 7, 7], {"kernel_shape": [2, 2], "dilations": [2, 2]}),
        ("maxpool2d_same_upper", [1, 2, 5, 5], {"kernel_shape": [2, 2], "strides": [2, 2],
                                                "auto_pad": "SAME_UPPER"}),
        ("maxpool2d_asym_pads", [1, 1, 5, 6], {"kernel_shape": [3, 2], "pads": [0, 1, 2, 0],
                                               "strides": [2, 1]}),
        ("maxpool1d", [2, 3, 9], {"kernel_shape": [3], "strides": [2]}),
        ("maxpool3d", [1, 1, 4, 4, 4], {"kernel_shape": [2, 2, 2], "strides": [2, 2, 2]}),
    ]
    for name, xs, attrs in maxp:
        r = rng(name)
        x = f32(r.permutation(int(np.prod(xs))).reshape(xs) * 0.125 - 3)  # distinct values
        cases.append(single(name, "MaxPool", [x], attrs=attrs, group=G))
    r = rng("maxpool_indices")
    x = f32(r.permutation(2 * 2 * 4 * 4).reshape([2, 2, 4, 4]) * 0.5)
    cases.append(single("maxpool2d_indices", "MaxPool", [x],
                        attrs={"kernel_shape": [2, 2], "strides": [2, 2]}, noutputs=2, group=G))
    avgp = [
        ("avgpool2d_2x2", [1, 2, 6, 6], {"kernel_shape": [2, 2], "strides": [2, 2]}),
        ("avgpool2d_pads_exclude", [1, 2, 5, 5], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}),
        ("avgpool2d_pads_include", [1, 2, 5, 5], {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1],
                                                  "count_include_pad": 1}),
        ("avgpool2d_ceil", [1, 1, 7, 7], {"kernel_shape": [3, 3], "strides": [2, 2],
                                          "ceil_mode": 1}),
        ("avgpool2d_same_upper", [1, 1, 5, 5], {"kernel_shape": [2, 2], "auto_pad": "SAME_UPPER"}),
        ("avgpool1d", [1, 3, 8], {"kernel_shape": [3], "strides": [1], "pads": [1, 1]}),
        ("avgpool3d", [1, 1, 4, 4, 4], {"kernel_shape": [2, 2, 2], "strides": [2, 2, 2]}),
    ]
    for name, xs, attrs in avgp:
        r = rng(name)
        cases.append(single(name, "AveragePool", [u(r, xs)], attrs=attrs, tol="accum", group=G))
    r = rng("global_pools")
    cases.append(single("globalavgpool2d", "GlobalAveragePool", [u(r, [2, 3, 4, 5])], tol="accum",
                        group=G))
    cases.append(single("globalavgpool1d", "GlobalAveragePool", [u(r, [1, 3, 7])], tol="accum",
                        group=G))
    cases.append(single("globalmaxpool2d", "GlobalMaxPool", [u(r, [2, 3, 4, 5])], group=G))
    return cases


def norm_softmax_cases():
    cases = []
    for name, xs, opset in [("batchnorm_4d", [2, 3, 4, 4], 15), ("batchnorm_2d", [4, 3], 15),
                            ("batchnorm_3d", [2, 3, 5], 15)]:
        r = rng(name)
        c = xs[1]
        consts = [("scale", u(r, [c], 0.5, 1.5)), ("bias", u(r, [c], -0.5, 0.5)),
                  ("mean", u(r, [c], -0.5, 0.5)), ("var", u(r, [c], 0.5, 2.0))]
        cases.append(single(name, "BatchNormalization", [u(r, xs)], consts=consts,
                            attrs={"epsilon": 1e-3}, opset=opset, tol="composite", group=G))
    r = rng("instancenorm")
    cases.append(single("instancenorm", "InstanceNormalization", [u(r, [2, 3, 4, 4])],
                        consts=[("scale", u(r, [3], 0.5, 1.5)), ("bias", u(r, [3], -0.5, 0.5))],
                        tol="composite", group=G))
    for op in ["Softmax", "LogSoftmax"]:
        for axis, xs in [(None, [2, 3, 5]), (1, [2, 3, 5]), (0, [3, 4]), (-2, [2, 3, 2, 2])]:
            name = "%s_axis_%s" % (op.lower(), "default" if axis is None else str(axis))
            r = rng(name)
            attrs = {} if axis is None else {"axis": axis}
            cases.append(single(name, op, [u(r, xs, -4, 4)], attrs=attrs, tol="composite",
                                group=G))
    return cases


def reduce_cases():
    cases = []
    for op in ["ReduceMean", "ReduceMax", "ReduceMin", "ReduceSum"]:
        tol = "accum" if op in ("ReduceMean", "ReduceSum") else "exact"
        for label, axes, keep in [("axes1", [1], 1), ("axes02_nokeep", [0, 2], 0),
                                  ("all", None, 1), ("neg", [-1], 0)]:
            name = "%s_%s" % (op.lower(), label)
            r = rng(name)
            x = u(r, [2, 3, 4])
            attrs = {"keepdims": keep}
            if op == "ReduceSum":  # axes is an input from opset 13 on
                consts = [("axes", i64(axes))] if axes is not None else []
                cases.append(single(name, op, [x], attrs=attrs, consts=consts, tol=tol, group=G))
            else:
                if axes is not None:
                    attrs["axes"] = axes
                cases.append(single(name, op, [x], attrs=attrs, tol=tol, group=G))
        name = "%s_opset18" % op.lower()
        r = rng(name)
        cases.append(single(name, op, [u(r, [2, 3, 4])], consts=[("axes", i64([0, -1]))],
                            attrs={"keepdims": 1}, opset=18, tol=tol, group=G))
    r = rng("reducesum_noop")
    cases.append(single("reducesum_noop_empty", "ReduceSum", [u(r, [2, 3])],
                        consts=[("axes", i64(np.zeros([0], np.int64)))],
                        attrs={"noop_with_empty_axes": 1}, tol="accum", group=G))
    cases.append(single("reducesum_int", "ReduceSum", [i64([[1, 2, 3], [4, -5, 6]])],
                        consts=[("axes", i64([1]))], group=G))
    return cases


def shape_cases():
    cases = []
    r = rng("shape_ops")
    x4 = u(r, [2, 3, 4, 5])
    for axis in [0, 1, 2, -1]:
        cases.append(single("flatten_axis%d" % axis, "Flatten", [x4], attrs={"axis": axis},
                            group=G))
    cases.append(single("flatten_default", "Flatten", [x4], group=G))
    x3 = u(r, [2, 3, 4])
    cases.append(single("reshape_plain", "Reshape", [x3], consts=[("s", i64([4, 6]))], group=G))
    cases.append(single("reshape_zero_minus1", "Reshape", [x3], consts=[("s", i64([0, -1]))],
                        group=G))
    cases.append(single("reshape_allowzero", "Reshape", [x3], consts=[("s", i64([6, 4]))],
                        attrs={"allowzero": 1}, opset=14, group=G))
    cases.append(single("transpose_default", "Transpose", [x3], group=G))
    cases.append(single("transpose_nhwc", "Transpose", [x4], attrs={"perm": [0, 2, 3, 1]},
                        group=G))
    cases.append(single("transpose_2d", "Transpose", [u(r, [3, 5])], attrs={"perm": [1, 0]},
                        group=G))
    xs = u(r, [1, 3, 1, 2])
    cases.append(single("squeeze_axes", "Squeeze", [xs], consts=[("a", i64([0, 2]))], group=G))
    cases.append(single("squeeze_all", "Squeeze", [xs], group=G))
    cases.append(single("squeeze_neg", "Squeeze", [xs], consts=[("a", i64([-2]))], group=G))
    cases.append(single("unsqueeze_axes", "Unsqueeze", [x3], consts=[("a", i64([0, 3]))],
                        group=G))
    cases.append(single("unsqueeze_neg", "Unsqueeze", [x3], consts=[("a", i64([-1, 1]))],
                        group=G))
    cases.append(single("unsqueeze_scalar", "Unsqueeze", [f32(2.5)], consts=[("a", i64([0]))],
                        group=G))
    cases.append(single("concat_axis1", "Concat", [u(r, [2, 1, 3]), u(r, [2, 4, 3]),
                                                   u(r, [2, 2, 3])], attrs={"axis": 1}, group=G))
    cases.append(single("concat_neg", "Concat", [u(r, [2, 3]), u(r, [2, 1])], attrs={"axis": -1},
                        group=G))
    cases.append(single("concat_const", "Concat", [u(r, [1, 3])], consts=[("c", u(r, [2, 3]))],
                        attrs={"axis": 0}, group=G))
    cases.append(single("concat_int", "Concat", [i64([1, 2]), i64([3])], attrs={"axis": 0},
                        group=G))
    x6 = u(r, [2, 6, 3])
    cases.append(single("split_sizes", "Split", [x6], consts=[("s", i64([2, 4]))],
                        attrs={"axis": 1}, noutputs=2, group=G))
    cases.append(single("split_equal", "Split", [x6], attrs={"axis": 1}, noutputs=3, group=G))
    cases.append(single("split_default_axis", "Split", [u(r, [4, 3])], noutputs=2, group=G))
    cases.append(single("split_num_outputs", "Split", [u(r, [7, 2])],
                        attrs={"axis": 0, "num_outputs": 3}, noutputs=3, opset=18, group=G))
    xsl = u(r, [4, 5, 6])
    big = np.iinfo(np.int64).max
    slices = [
        ("slice_basic", [1, 0], [3, 4], [0, 1], None),
        ("slice_neg", [-3], [-1], [2], None),
        ("slice_steps", [0, 1], [4, 6], [0, 2], [2, 2]),
        ("slice_reverse", [-1], [-big], [1], [-1]),
        ("slice_reverse_step2", [5, 3], [0, -100], [2, 1], [-2, -1]),
        ("slice_clamp", [2], [1000], [0], None),
        ("slice_no_axes", [1, 1, 1], [3, 3, 3], None, None),
        ("slice_neg_axes", [1], [4], [-1], None),
    ]
    for name, starts, ends, axes, steps in slices:
        consts = [("starts", i64(starts)), ("ends", i64(ends))]
        if axes is not None:
            consts.append(("axes", i64(axes)))
        if steps is not None:
            if axes is None:
                consts.append(None)
            consts.append(("steps", i64(steps)))
        cases.append(single(name, "Slice", [xsl], consts=consts, group=G))
    xg = u(r, [5, 4, 3])
    cases.append(single("gather_axis0", "Gather", [xg], consts=[("i", i64([4, 0, 2]))], group=G))
    cases.append(single("gather_axis1_2d", "Gather", [xg], consts=[("i", i64([[0, 3], [1, 1]]))],
                        attrs={"axis": 1}, group=G))
    cases.append(single("gather_negative", "Gather", [xg], consts=[("i", i64([-1, -5]))],
                        group=G))
    cases.append(single("gather_scalar", "Gather", [xg], consts=[("i", i64(2))],
                        attrs={"axis": -1}, group=G))
    cases.append(single("gather_runtime_indices", "Gather", [xg, i64([3, -2, 0])],
                        attrs={"axis": 0}, group=G))
    cases.append(single("gather_int_data", "Gather", [i64([10, 20, 30, 40])],
                        consts=[("i", i64([3, 1]))], group=G))
    cases.append(single("shape", "Shape", [x4], group=G))
    cases.append(single("shape_start_end", "Shape", [x4], attrs={"start": 1, "end": -1},
                        opset=15, group=G))
    cases.append(single("expand", "Expand", [u(r, [3, 1])], consts=[("s", i64([2, 3, 4]))],
                        group=G))
    cases.append(single("expand_smaller_shape", "Expand", [u(r, [2, 1, 4])],
                        consts=[("s", i64([3, 1]))], group=G))
    cases.append(single("tile", "Tile", [u(r, [2, 3, 1])], consts=[("rep", i64([2, 1, 3]))],
                        group=G))
    xp = u(r, [1, 2, 3, 4])
    pads = [
        ("pad_constant", "constant", [0, 0, 1, 2, 0, 0, 2, 1], 1.5),
        ("pad_reflect", "reflect", [0, 0, 2, 1, 0, 0, 1, 3], None),
        ("pad_edge", "edge", [0, 1, 1, 0, 0, 0, 2, 2], None),
        ("pad_negative", "constant", [0, 0, -1, 1, 0, 0, 0, -2], None),
    ]
    for name, mode, p, value in pads:
        consts = [("pads", i64(p))]
        if value is not None:
            consts.append(("v", f32(value)))
        cases.append(single(name, "Pad", [xp], attrs={"mode": mode}, consts=consts, group=G))
    cases.append(single("pad_axes", "Pad", [xp], consts=[("pads", i64([1, 2, 0, 1])),
                                                         ("v", f32(-1.0)), ("axes", i64([1, -1]))],
                        opset=18, group=G))
    xd = u(r, [1, 8, 2, 3])
    cases.append(single("depthtospace_dcr", "DepthToSpace", [xd], attrs={"blocksize": 2},
                        group=G))
    cases.append(single("depthtospace_crd", "DepthToSpace", [xd],
                        attrs={"blocksize": 2, "mode": "CRD"}, group=G))
    cases.append(single("spacetodepth", "SpaceToDepth", [u(r, [1, 2, 4, 6])],
                        attrs={"blocksize": 2}, group=G))
    return cases


def resize_cases():
    cases = []
    r = rng("resize")
    x = f32(r.permutation(2 * 3 * 4).reshape([1, 2, 3, 4]) * 0.25)
    no_roi = ("roi", f32(np.zeros([0])))
    specs = [  # name, attrs, scales, sizes, tol
        ("resize_nearest_default", {"mode": "nearest"}, [1, 1, 2, 2], None, "exact"),
        ("resize_nearest_asym_floor", {"mode": "nearest", "nearest_mode": "floor",
                                       "coordinate_transformation_mode": "asymmetric"},
         [1, 1, 3, 3], None, "exact"),
        ("resize_nearest_asym_ceil", {"mode": "nearest", "nearest_mode": "round_prefer_ceil",
                                      "coordinate_transformation_mode": "asymmetric"},
         [1, 1, 2, 2], None, "exact"),
        ("resize_nearest_asym_prefer_floor", {"mode": "nearest",
                                              "nearest_mode": "round_prefer_floor",
                                              "coordinate_transformation_mode": "asymmetric"},
         [1, 1, 2, 2], None, "exact"),
        ("resize_nearest_down_half_pixel", {"mode": "nearest"}, [1, 1, 0.5, 0.5], None, "exact"),
        ("resize_nearest_down_ceil", {"mode": "nearest", "nearest_mode": "ceil"},
         [1, 1, 0.5, 0.5], None, "exact"),
        ("resize_nearest_sizes", {"mode": "nearest"}, None, [1, 2, 7, 9], "exact"),
        ("resize_nearest_align_corners", {"mode": "nearest",
                                          "coordinate_transformation_mode": "align_corners"},
         None, [1, 2, 5, 7], "exact"),
        ("resize_linear_half_pixel", {"mode": "linear"}, [1, 1, 2, 2], None, "composite"),
        ("resize_linear_align_corners", {"mode": "linear",
                                         "coordinate_transformation_mode": "align_corners"},
         [1, 1, 2, 2], None, "composite"),
        ("resize_linear_asymmetric", {"mode": "linear",
                                      "coordinate_transformation_mode": "asymmetric"},
         [1, 1, 2, 3], None, "composite"),
        ("resize_linear_pytorch_sizes", {"mode": "linear",
                                         "coordinate_transformation_mode": "pytorch_half_pixel"},
         None, [1, 2, 1, 7], "composite"),
        ("resize_linear_down", {"mode": "linear"}, [1, 1, 0.5, 0.5], None, "composite"),
    ]
    for name, attrs, scales, sizes, tol in specs:
        if sizes is None:
            consts = [no_roi, ("scales", f32(scales))]
        else:
            consts = [None, None, ("sizes", i64(sizes))]
        cases.append(single(name, "Resize", [x], attrs=attrs, consts=consts, tol=tol, group=G))
    x1 = f32(r.permutation(2 * 3).reshape([1, 1, 2, 3]))
    cases.append(single("resize_opset11_roi", "Resize", [x1],
                        attrs={"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                               "nearest_mode": "floor"},
                        consts=[("roi", f32([0, 0, 0, 0, 1, 1, 1, 1])),
                                ("scales", f32([1, 1, 2, 2]))], opset=11, group=G))
    cases.append(single("resize_opset10", "Resize", [x1], attrs={"mode": "nearest"},
                        consts=[("scales", f32([1, 1, 2, 3]))], opset=10, group=G))
    return cases


def graph_cases():
    """Small multi-node graphs in the shapes exporters produce."""
    cases = []
    # PyTorch's flatten as Brevitas exports it: Shape -> Gather -> Unsqueeze -> Concat -> Reshape
    r = rng("flatten_chain")
    x = u(r, [1, 2, 3, 4])
    nodes = [
        node("Shape", ["x"], ["shp"]),
        node("Gather", ["shp", "zero"], ["n"], axis=0),
        node("Unsqueeze", ["n", "ax0"], ["n1"]),
        node("Concat", ["n1", "minus1"], ["newshape"], axis=0),
        node("Reshape", ["x", "newshape"], ["flat"]),
        node("MatMul", ["flat", "w"], ["y"]),
    ]
    inits = [const("zero", i64(0)), const("ax0", i64([0])), const("minus1", i64([-1])),
             const("w", u(r, [24, 3]))]
    m = model(nodes, [("x", x)], ["y"], inits, opset=13, name="flatten_chain")
    cases.append(Case("graph_flatten_chain", m, [x], tol="accum", group=G,
                      what="Shape->Gather->Unsqueeze->Concat->Reshape->MatMul"))
    # Constant nodes in their three common spellings
    from onnx import helper
    nodes = [
        helper.make_node("Constant", [], ["c_tensor"], name="c0",
                         value=const("cv", f32([[1.0, -2.0, 0.5]]))),
        helper.make_node("Constant", [], ["c_float"], name="c1", value_float=0.25),
        helper.make_node("Constant", [], ["c_shape"], name="c2", value_ints=[3, 1]),
        node("Add", ["x", "c_tensor"], ["t0"]),
        node("Mul", ["t0", "c_float"], ["t1"]),
        node("Reshape", ["t1", "c_shape"], ["y"]),
    ]
    x = u(r, [1, 3])
    m = model(nodes, [("x", x)], ["y"], [], opset=13, name="constants")
    cases.append(Case("graph_constant_nodes", m, [x], group=G,
                      what="Constant(value, value_float, value_ints)"))
    # a small conv net: Conv -> Relu -> MaxPool -> Flatten -> Gemm -> Softmax
    r = rng("convnet")
    x = u(r, [1, 1, 8, 8])
    nodes = [
        node("Conv", ["x", "cw", "cb"], ["c"], pads=[1, 1, 1, 1]),
        node("Relu", ["c"], ["r"]),
        node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        node("Flatten", ["p"], ["f"]),
        node("Gemm", ["f", "gw", "gb"], ["g"], transB=1),
        node("Softmax", ["g"], ["y"]),
    ]
    inits = [const("cw", u(r, [4, 1, 3, 3], -1, 1)), const("cb", u(r, [4], -0.1, 0.1)),
             const("gw", u(r, [5, 64], -0.3, 0.3)), const("gb", u(r, [5], -0.1, 0.1))]
    m = model(nodes, [("x", x)], ["y"], inits, opset=13, name="convnet")
    cases.append(Case("graph_convnet", m, [x], tol="composite", group=G,
                      what="Conv->Relu->MaxPool->Flatten->Gemm->Softmax"))
    # two inputs, two outputs, an output that is also used inside the graph
    r = rng("multi_io")
    a, b = u(r, [2, 3]), u(r, [2, 3])
    nodes = [node("Add", ["a", "b"], ["s"]), node("Mul", ["s", "a"], ["p"]),
             node("Greater", ["p", "b"], ["g"])]
    m = model(nodes, [("a", a), ("b", b)], ["s", "p", "g"], [], opset=13, name="multi_io")
    cases.append(Case("graph_multi_io", m, [a, b], group=G, what="Add, Mul, Greater; 3 outputs"))
    return cases


def edge_cases():
    """Scalars, empty tensors and high ranks."""
    cases = []
    r = rng("edges")
    cases.append(single("add_scalars", "Add", [f32(1.5), f32(-0.25)], group=G))
    cases.append(single("matmul_vec_vec", "MatMul", [u(r, [4])], consts=[("w", u(r, [4]))],
                        tol="accum", group=G))
    cases.append(single("reducesum_all_nokeep", "ReduceSum", [u(r, [2, 3])],
                        attrs={"keepdims": 0}, tol="accum", group=G))
    cases.append(single("reducemax_all_nokeep", "ReduceMax", [u(r, [2, 3])],
                        attrs={"keepdims": 0}, group=G))
    xsl = u(r, [4, 5])
    cases.append(single("slice_empty", "Slice", [xsl], consts=[("s", i64([2])), ("e", i64([2])),
                                                               ("a", i64([0]))], group=G))
    cases.append(single("concat_empty_part", "Concat", [u(r, [2, 3])],
                        consts=[("c", f32(np.zeros([2, 0])))], attrs={"axis": 1}, group=G))
    cases.append(single("transpose_rank6", "Transpose", [u(r, [2, 1, 3, 2, 1, 2])],
                        attrs={"perm": [5, 3, 1, 0, 4, 2]}, group=G))
    cases.append(single("add_rank8_bcast", "Add", [u(r, [2, 1, 2, 1, 2, 1, 2, 1]), u(r, [3, 1, 2])],
                        group=G))
    cases.append(single("flatten_rank1", "Flatten", [u(r, [5])], attrs={"axis": 0}, group=G))
    cases.append(single("pow_negative_base", "Pow", [f32([-2.0, -1.5, 3.0, -0.5])],
                        consts=[("e", f32([3.0, 2.0, -1.0, 3.0]))], tol="ulp", group=G))
    return cases


def cases():
    out = []
    for f in [binary_cases, variadic_cases, unary_cases, clip_cast_cases, matmul_gemm_cases,
              conv_cases, pool_cases, norm_softmax_cases, reduce_cases, shape_cases,
              resize_cases, graph_cases, edge_cases]:
        out += f()
    return out
