"""test_cleanup_rules.py: each rewrite of the cleanup pass on a small model.

Every test checks two things: the IR after `--passes=cleanup --verify-each`
no longer holds what the rule removes (and still holds what it must keep),
and the interpreter gives the same outputs on the imported graph and after
cleanup. Rewrites that only move data (no-ops, folding, Shape chains, Gemm's
transposes) must be exact. Rewrites that reassociate float arithmetic (Gemm to
MatMul + Add, BatchNormalization to Mul + Add, merged Mul/Add chains, scaled
weights) are compared against a bound derived for each: every float32 rounding
errs by at most EPS32 = 2^-24 of the value rounded, every value rounded is at
most `mag` (the same computation done on absolute values, in float64), so n
roundings on either side differ by at most n * EPS32 * mag. A wrong rewrite is
off by O(mag), millions of times more.
"""
import numpy as np
import pytest

import util
from util import EPS32, f32, node, op_counts

I64 = np.int64


def check(tmp_path, name, m, inputs):
    """Saves m, returns (IR after cleanup, op counts, outputs before, after)."""
    path = util.save(m, tmp_path / (name + ".onnx"))
    ir = util.emit_ir(path)
    before, after = util.before_after(path, inputs, tmp_path)
    return ir, op_counts(ir), before, after


def uniform(name, shape, lo=-1.0, hi=1.0):
    return f32(util.rng(name).uniform(lo, hi, shape))


# ---- no-ops -----------------------------------------------------------------------

def test_identity_before_output_takes_its_name(qonnxc, tmp_path):
    x = uniform("identity_x", [2, 3])
    m = util.model([node("Relu", ["x"], ["r"]), node("Identity", ["r"], ["i1"]),
                    node("Neg", ["i1"], ["n"]), node("Identity", ["n"], ["y"])],
                   [("x", x)], ["y"])
    ir, ops, before, after = check(tmp_path, "identity", m, [x])
    assert "Identity" not in ops
    assert "%y = Neg(%r)" in ir and ir.rstrip().endswith("output %y"), ir
    util.assert_exact(before, after)


def test_identity_from_input_to_output_stays(qonnxc, tmp_path):
    x = uniform("identity_io", [3])
    m = util.model([node("Identity", ["x"], ["y"]), node("Relu", ["x"], ["z"])],
                   [("x", x)], ["y", "z", "x"])
    ir, ops, before, after = check(tmp_path, "identity_io", m, [x])
    assert ops["Identity"] == 1, ir  # y must keep its name, x is an input
    assert ir.rstrip().endswith("output %y\noutput %z\noutput %x"), ir
    util.assert_exact(before, after)


@pytest.mark.parametrize("with_mask", [False, True])
def test_dropout_removed(qonnxc, tmp_path, with_mask):
    x = uniform("dropout", [2, 5])
    outs = ["d", "mask"] if with_mask else ["d"]
    m = util.model([node("Dropout", ["x", "ratio"], outs), node("Relu", ["d"], ["y"])],
                   [("x", x)], ["y"], {"ratio": f32(0.5)})
    ir, ops, before, after = check(tmp_path, "dropout", m, [x])
    assert "Dropout" not in ops and "%y = Relu(%x)" in ir, ir
    util.assert_exact(before, after)


def test_dropout_with_used_mask_stays(qonnxc, tmp_path):
    x = uniform("dropout_mask", [4])
    m = util.model([node("Dropout", ["x"], ["y", "mask"])], [("x", x)], ["y", "mask"])
    ir, ops, before, after = check(tmp_path, "dropout_mask", m, [x])
    assert ops["Dropout"] == 1
    util.assert_exact(before, after)


def test_shape_noops_removed(qonnxc, tmp_path):
    x = uniform("shape_noops", [2, 3])
    nodes = [node("Reshape", ["x", "shape23"], ["a"]),
             node("Flatten", ["a"], ["b"], axis=1),
             node("Squeeze", ["b"], ["c"]),
             node("Transpose", ["c"], ["d"], perm=[0, 1]),
             node("Cast", ["d"], ["e"], to=1),
             node("Expand", ["e", "shape23"], ["f"]),
             node("Tile", ["f", "ones2"], ["g"]),
             node("Concat", ["g"], ["h"], axis=0),
             node("Clip", ["h"], ["i"]),
             node("Relu", ["i"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"shape23": np.array([2, 3], I64),
                                             "ones2": np.array([1, 1], I64)})
    ir, ops, before, after = check(tmp_path, "shape_noops", m, [x])
    assert dict(ops) == {"Relu": 1}, ir
    assert "%y = Relu(%x)" in ir
    util.assert_exact(before, after)


def test_shape_changing_ops_stay(qonnxc, tmp_path):
    x = uniform("shape_changing", [2, 3])
    nodes = [node("Reshape", ["x", "shape32"], ["a"]), node("Transpose", ["a"], ["b"]),
             node("Cast", ["b"], ["c"], to=11), node("Unsqueeze", ["c", "axes"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"shape32": np.array([3, 2], I64),
                                             "axes": np.array([0], I64)})
    ir, ops, before, after = check(tmp_path, "shape_changing", m, [x])
    assert dict(ops) == {"Reshape": 1, "Transpose": 1, "Cast": 1, "Unsqueeze": 1}, ir
    util.assert_exact(before, after)


def test_arithmetic_noops_removed(qonnxc, tmp_path):
    x = uniform("arith_noops", [2, 3], 0.5, 2)  # no zeros: x + 0 would turn -0 into +0
    nodes = [node("Mul", ["x", "ones3"], ["a"]), node("Mul", ["one", "a"], ["b"]),
             node("Div", ["b", "one"], ["c"]), node("Add", ["c", "zeros3"], ["d"]),
             node("Add", ["zero", "d"], ["e"]), node("Sub", ["e", "zero"], ["f"]),
             node("Relu", ["f"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"ones3": f32([1, 1, 1]), "one": f32(1),
                                             "zeros3": f32([0, 0, 0]), "zero": f32(0)})
    ir, ops, before, after = check(tmp_path, "arith_noops", m, [x])
    assert dict(ops) == {"Relu": 1}, ir
    util.assert_exact(before, after)


def test_broadcasting_add_of_zero_stays(qonnxc, tmp_path):
    x = uniform("bcast_zero", [1, 3])
    m = util.model([node("Add", ["x", "zeros"], ["y"])], [("x", x)], ["y"],
                   {"zeros": f32(np.zeros([2, 3]))})
    ir, ops, before, after = check(tmp_path, "bcast_zero", m, [x])
    assert ops["Add"] == 1 and "f32[2,3]" in ir, ir
    util.assert_exact(before, after)


def test_integer_noops(qonnxc, tmp_path):
    x = np.array([[3, -4, 5]], I64)
    nodes = [node("Mul", ["x", "one"], ["a"]), node("Add", ["a", "zero"], ["b"]),
             node("Neg", ["b"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"one": np.array(1, I64), "zero": np.array(0, I64)})
    ir, ops, before, after = check(tmp_path, "int_noops", m, [x])
    assert dict(ops) == {"Neg": 1}, ir
    util.assert_exact(before, after)


# ---- constant folding -----------------------------------------------------------------

def test_constant_subgraph_folded(qonnxc, tmp_path):
    r = util.rng("fold")
    x = uniform("fold_x", [2, 4])
    nodes = [node("Mul", ["a", "b"], ["ab"]), node("Transpose", ["ab"], ["w"]),
             node("Neg", ["w"], ["nw"]), node("MatMul", ["x", "nw"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"a": f32(r.uniform(-1, 1, [3, 4])),
                                             "b": f32(r.uniform(-1, 1, [3, 4]))})
    ir, ops, before, after = check(tmp_path, "fold", m, [x])
    assert dict(ops) == {"MatMul": 1}, ir
    assert "const %nw : f32[4,3]" in ir and "%y = MatMul(%x, %nw)" in ir, ir
    assert "const %a " not in ir and "const %b " not in ir, ir  # unused constants dropped
    util.assert_exact(before, after)


def test_quantizer_on_constant_weight_not_folded(qonnxc, tmp_path):
    r = util.rng("quant_weight")
    x = uniform("quant_weight_x", [1, 4])
    nodes = [node("Quant", ["w", "s", "z", "bits"], ["wq"], domain=util.QDOMAIN, signed=1,
                  narrow=1, rounding_mode="ROUND"),
             node("Transpose", ["wq"], ["wt"]), node("MatMul", ["x", "wt"], ["h"]),
             node("Mul", ["h", "c"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"],
                   {"w": f32(r.uniform(-1, 1, [3, 4])), "s": f32(0.25), "z": f32(0),
                    "bits": f32(4), "c": f32([0.5, 2, 3])}, quant=True)
    ir, ops, before, after = check(tmp_path, "quant_weight", m, [x])
    # the quantizer stays, so does the Transpose of its result, and the Mul
    # is not folded into weights that come from a quantizer
    assert ops == {"IntQuant": 1, "Transpose": 1, "MatMul": 1, "Mul": 1}, ir
    util.assert_exact(before, after)


def flatten_chain(batch):
    r = util.rng("flatten_chain")
    nodes = [node("Shape", ["x"], ["shp"]), node("Gather", ["shp", "zero"], ["n"], axis=0),
             node("Unsqueeze", ["n", "ax0"], ["n1"]),
             node("Concat", ["n1", "minus1"], ["newshape"], axis=0),
             node("Reshape", ["x", "newshape"], ["flat"]), node("MatMul", ["flat", "w"], ["y"])]
    x = f32(r.uniform(-1, 1, [batch, 2, 3, 4]))
    return util.model(nodes, [("x", x)], ["y"],
                      {"zero": np.array(0, I64), "ax0": np.array([0], I64),
                       "minus1": np.array([-1], I64), "w": f32(r.uniform(-1, 1, [24, 3]))}), x


def test_shape_chain_folded(qonnxc, tmp_path):
    m, x = flatten_chain(2)
    ir, ops, before, after = check(tmp_path, "flatten_chain", m, [x])
    assert dict(ops) == {"Reshape": 1, "MatMul": 1}, ir
    assert "const %newshape : i64[2] = [2, -1]" in ir, ir
    assert "%flat = Reshape(%x, %newshape) : f32[2,24]" in ir, ir
    util.assert_exact(before, after)


def test_whole_graph_folds_to_constant_outputs(qonnxc, tmp_path):
    x = uniform("all_const", [2])
    nodes = [node("Mul", ["a", "b"], ["t"]), node("Add", ["t", "c"], ["y"]),
             node("Shape", ["x"], ["z"]), node("Identity", ["c"], ["w"])]
    m = util.model(nodes, [("x", x)], ["y", "z", "w", "y"],
                   {"a": f32([1, 2]), "b": f32([3, 4]), "c": f32(0.5)})
    ir, ops, before, after = check(tmp_path, "all_const", m, [x])
    assert not ops, ir
    for line in ("input %x : f32[2]", "const %y : f32[2] = [3.5, 8.5]",
                 "const %z : i64[1] = [2]", "const %w : f32[] = [0.5]"):
        assert line in ir, ir
    assert ir.rstrip().endswith("output %y\noutput %z\noutput %w\noutput %y"), ir
    util.assert_exact(before, after)


def test_large_expand_of_constant_not_folded(qonnxc, tmp_path):
    x = uniform("expand", [64, 64])
    m = util.model([node("Expand", ["c", "shape"], ["e"]), node("Add", ["x", "e"], ["y"])],
                   [("x", x)], ["y"], {"c": f32(0.25), "shape": np.array([64, 64], I64)})
    ir, ops, before, after = check(tmp_path, "expand", m, [x])
    assert ops["Expand"] == 1, ir  # 16 KiB from 4 bytes: left to run time
    util.assert_exact(before, after)


def test_failing_constant_op_left_for_run_time(qonnxc, tmp_path):
    x = np.array([1, 2], I64)
    m = util.model([node("Div", ["a", "b"], ["q"]), node("Add", ["x", "q"], ["y"])],
                   [("x", x)], ["y"], {"a": np.array([1, 2], I64), "b": np.array([0, 1], I64)})
    path = util.save(m, tmp_path / "div0.onnx")
    assert op_counts(util.emit_ir(path))["Div"] == 1
    xf = tmp_path / "x.npy"
    np.save(xf, x)
    for extra in ([], ["--passes=cleanup"]):
        p = util.run(["run", "--interp", path, "--input", xf] + extra)
        assert p.returncode == 1 and "node 'q' (Div)" in p.stderr, p.stderr


# ---- Gemm ---------------------------------------------------------------------------------

GEMMS = [  # transA, transB, alpha, beta, C shape (None: absent), B constant
    (0, 0, 1.0, 1.0, [5], True),
    (0, 1, 1.0, 1.0, [3, 5], True),
    (1, 0, 0.5, 2.0, [1, 5], True),
    (1, 1, 1.5, 0.25, [3, 1], False),
    (0, 0, 2.0, 1.0, None, True),
    (0, 1, 1.0, 0.0, [5], True),
]


@pytest.mark.parametrize("trans_a,trans_b,alpha,beta,c_shape,b_const", GEMMS)
def test_gemm_to_matmul(qonnxc, tmp_path, trans_a, trans_b, alpha, beta, c_shape, b_const):
    name = "gemm_%d%d_%g_%g_%s_%d" % (trans_a, trans_b, alpha, beta, c_shape, b_const)
    r = util.rng(name)
    a = f32(r.uniform(-2, 2, [4, 3] if trans_a else [3, 4]))
    b = f32(r.uniform(-2, 2, [5, 4] if trans_b else [4, 5]))
    c = f32(r.uniform(-2, 2, c_shape)) if c_shape else None
    inputs = [("a", a)] + ([] if b_const else [("b", b)])
    inits = ({"b": b} if b_const else {})
    operands = ["a", "b"]
    if c is not None:
        inits["c"] = c
        operands.append("c")
    m = util.model([node("Gemm", operands, ["y"], transA=trans_a, transB=trans_b, alpha=alpha,
                         beta=beta)], inputs, ["y"], inits)
    feeds = [a] if b_const else [a, b]
    ir, ops, before, after = check(tmp_path, name, m, feeds)
    assert "Gemm" not in ops and ops["MatMul"] == 1, ir
    # transposes of constants fold; a transposed input stays a Transpose
    assert ops["Transpose"] == trans_a + (0 if b_const else trans_b), ir
    assert ("%y = " in ir) and ir.rstrip().endswith("output %y"), ir
    at = a.T if trans_a else a
    bt = b.T if trans_b else b
    mag = abs(alpha) * (np.abs(at).astype(np.float64) @ np.abs(bt))
    if c is not None:
        mag = mag + abs(beta) * np.abs(c)
    # Gemm rounds once; MatMul, Mul by alpha, beta * C and Add round four times
    util.assert_within(before, after, [5 * EPS32 * mag])


# ---- BatchNormalization ----------------------------------------------------------------

def bn_params(name, channels):
    r = util.rng(name)
    return {"scale": f32(r.uniform(0.5, 1.5, [channels])), "bias": f32(r.uniform(-1, 1, [channels])),
            "mean": f32(r.uniform(-1, 1, [channels])), "var": f32(r.uniform(0.5, 2, [channels]))}


def bn_mag(x, p, axis, eps=1e-5):
    """Bound on the magnitudes rounded in x * A + (B - mean * A), float64."""
    a = np.abs(p["scale"].astype(np.float64) / np.sqrt(p["var"].astype(np.float64) + eps))
    shape = [1] * x.ndim
    shape[axis] = -1
    a = a.reshape(shape)
    return np.abs(x) * a + np.abs(p["bias"]).reshape(shape) + np.abs(p["mean"]).reshape(shape) * a


@pytest.mark.parametrize("shape", [[2, 3, 4, 5], [4, 3], [2, 3, 5]])
def test_batchnorm_to_mul_add(qonnxc, tmp_path, shape):
    name = "bn_%d" % len(shape)
    x = uniform(name, shape, -2, 2)
    p = bn_params(name, shape[1])
    m = util.model([node("Relu", ["x"], ["r"]),
                    node("BatchNormalization", ["r", "scale", "bias", "mean", "var"], ["y"])],
                   [("x", x)], ["y"], p)
    ir, ops, before, after = check(tmp_path, name, m, [x])
    assert dict(ops) == {"Relu": 1, "Mul": 1, "Add": 1}, ir
    const_shape = "f32[3%s]" % (",1" * (len(shape) - 2))
    assert "_scale : " + const_shape in ir and "_shift : " + const_shape in ir, ir
    # A = scale / sqrt(var + eps) differs from the interpreter's
    # scale * (1 / sqrt(var + eps)) by up to 3 roundings; then 4 more each side
    util.assert_within(before, after, [10 * EPS32 * bn_mag(np.maximum(x, 0), p, 1)])


def test_batchnorm_channels_last(qonnxc, tmp_path):
    x = uniform("bn_nhwc", [2, 3, 3, 4], -2, 2)
    p = bn_params("bn_nhwc", 4)
    m = util.model([node("Relu", ["x"], ["r"]),
                    node("BatchNormalization", ["r", "scale", "bias", "mean", "var"], ["y"],
                         domain=util.CHANNELS_LAST)], [("x", x)], ["y"], p)
    ir, ops, before, after = check(tmp_path, "bn_nhwc", m, [x])
    assert dict(ops) == {"Relu": 1, "Mul": 1, "Add": 1}, ir
    assert "_scale : f32[4] " in ir, ir
    util.assert_within(before, after, [10 * EPS32 * bn_mag(np.maximum(x, 0), p, 3)])


def conv_abs(x, w):
    """Sum of |x| * |w| over each window: NCHW, stride 1, no padding, group 1."""
    win = np.lib.stride_tricks.sliding_window_view(np.abs(x).astype(np.float64),
                                                   w.shape[2:], axis=(2, 3))
    return np.einsum("nchwij,ocij->nohw", win, np.abs(w).astype(np.float64))


def test_conv_batchnorm_folds_into_conv(qonnxc, tmp_path):
    r = util.rng("conv_bn")
    x = f32(r.uniform(-1, 1, [1, 2, 6, 6]))
    w = f32(r.uniform(-1, 1, [3, 2, 3, 3]))
    cb = f32(r.uniform(-1, 1, [3]))
    p = bn_params("conv_bn", 3)
    m = util.model([node("Conv", ["x", "w", "cb"], ["c"], kernel_shape=[3, 3]),
                    node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["y"])],
                   [("x", x)], ["y"], dict(w=w, cb=cb, **p))
    ir, ops, before, after = check(tmp_path, "conv_bn", m, [x])
    assert dict(ops) == {"Conv": 1}, ir
    assert "%y = Conv(%x, " in ir, ir
    conv = conv_abs(x, w) + np.abs(cb).reshape(1, 3, 1, 1)
    # scaled weights (one rounding each), the bias computation and the
    # original's Conv, Mul and Add: at most 10 roundings of terms <= mag
    util.assert_within(before, after, [10 * EPS32 * bn_mag(conv, p, 1)])


def test_conv_add_mul_fold_into_conv(qonnxc, tmp_path):
    r = util.rng("conv_add_mul")
    x = f32(r.uniform(-1, 1, [1, 2, 5, 5]))
    w = f32(r.uniform(-1, 1, [4, 2, 2, 2]))
    d = f32(r.uniform(-1, 1, [1, 4, 1, 1]))
    nodes = [node("Conv", ["x", "w"], ["c"]), node("Add", ["c", "d"], ["s"]),
             node("Mul", ["s", "k"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"w": w, "d": d, "k": f32(3.0)})
    ir, ops, before, after = check(tmp_path, "conv_add_mul", m, [x])
    assert dict(ops) == {"Conv": 1}, ir
    mag = 3 * (conv_abs(x, w) + np.abs(d))
    util.assert_within(before, after, [6 * EPS32 * mag])


# ---- Mul/Add chains and weights ---------------------------------------------------------

def test_affine_chain_merged(qonnxc, tmp_path):
    x = uniform("chain", [2, 3], -2, 2)
    # combinations exact in float32, so the whole chain merges
    c = {"a": f32([0.5, -1.5, 2.0]), "b": f32(1.25), "c": f32([0.125, 0.25, -0.375]),
         "d": f32(0.75), "e": f32(4.0), "f": f32([1, -1, 0.5])}
    nodes = [node("Mul", ["x", "a"], ["t1"]), node("Mul", ["b", "t1"], ["t2"]),
             node("Add", ["t2", "c"], ["t3"]), node("Sub", ["t3", "d"], ["t4"]),
             node("Div", ["t4", "e"], ["t5"]), node("Add", ["t5", "f"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], c)
    ir, ops, before, after = check(tmp_path, "chain", m, [x])
    assert dict(ops) == {"Mul": 1, "Add": 1}, ir
    v = {k: np.abs(a.astype(np.float64)) for k, a in c.items()}
    mag = (np.abs(x) * v["a"] * v["b"] + v["c"] + v["d"]) / v["e"] + v["f"]
    util.assert_within(before, after, [16 * EPS32 * mag])


def test_inexact_combination_not_merged(qonnxc, tmp_path):
    """0.1 + 0.2 is not a float32 number: merging would change the real-valued
    function the integer lowering evaluates."""
    x = uniform("inexact", [2, 3], -2, 2)
    nodes = [node("Add", ["x", "a"], ["t"]), node("Add", ["t", "b"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"a": f32([0.1, 0.5, 1.0]), "b": f32(0.2)})
    ir, ops, before, after = check(tmp_path, "inexact", m, [x])
    assert dict(ops) == {"Add": 2}, ir
    util.assert_exact(before, after)


def test_exact_and_inexact_division(qonnxc, tmp_path):
    x = uniform("div", [2, 3], -2, 2)
    nodes = [node("Div", ["x", "quarter"], ["a"]), node("Div", ["a", "three"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"quarter": f32([0.25, 0.5, 2 ** -20]),
                                             "three": f32(3.0)})
    ir, ops, before, after = check(tmp_path, "div", m, [x])
    assert dict(ops) == {"Mul": 1, "Div": 1}, ir  # 1/3 is not exact: that Div stays
    util.assert_exact(before, after)


def test_chain_with_shared_intermediate_not_merged(qonnxc, tmp_path):
    x = uniform("chain_shared", [3])
    nodes = [node("Add", ["x", "a"], ["t"]), node("Mul", ["t", "b"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y", "t"], {"a": f32(0.5), "b": f32(3.0)})
    ir, ops, before, after = check(tmp_path, "chain_shared", m, [x])
    assert dict(ops) == {"Add": 1, "Mul": 1} and "%y = Mul(%t, %b)" in ir, ir
    util.assert_exact(before, after)


def test_mul_folds_into_matmul_weights(qonnxc, tmp_path):
    r = util.rng("matmul_mul")
    x = f32(r.uniform(-1, 1, [2, 4]))
    w = f32(r.uniform(-1, 1, [4, 3]))
    c, d = f32(r.uniform(0.5, 2, [3])), f32(r.uniform(-1, 1, [1, 3]))
    nodes = [node("MatMul", ["x", "w"], ["h"]), node("Mul", ["h", "c"], ["s"]),
             node("Add", ["s", "d"], ["y"])]
    m = util.model(nodes, [("x", x)], ["y"], {"w": w, "c": c, "d": d})
    ir, ops, before, after = check(tmp_path, "matmul_mul", m, [x])
    assert dict(ops) == {"MatMul": 1, "Add": 1}, ir  # MatMul has no bias: the Add stays
    mag = np.abs(x).astype(np.float64) @ (np.abs(w) * c) + np.abs(d)
    util.assert_within(before, after, [4 * EPS32 * mag])


@pytest.mark.parametrize("case", ["row_scale", "shared", "input_weight"])
def test_mul_not_folded_into_matmul(qonnxc, tmp_path, case):
    r = util.rng("matmul_nofold_" + case)
    x = f32(r.uniform(-1, 1, [2, 4]))
    w = f32(r.uniform(-1, 1, [4, 3]))
    inputs, inits, outs = [("x", x)], {"w": w, "c": f32([[2.0], [3.0]])}, ["y"]
    if case == "row_scale":    # c varies along the rows, not the output channels
        pass
    elif case == "shared":     # the product is also a graph output
        inits["c"] = f32(3.0)
        outs = ["y", "h"]
    else:                      # the weight is not a constant
        inits = {"c": f32(3.0)}
        inputs.append(("w", w))
    m = util.model([node("MatMul", ["x", "w"], ["h"]), node("Mul", ["h", "c"], ["y"])],
                   inputs, outs, inits)
    feeds = [x] if case != "input_weight" else [x, w]
    ir, ops, before, after = check(tmp_path, "nofold_" + case, m, feeds)
    assert dict(ops) == {"MatMul": 1, "Mul": 1}, ir
    util.assert_exact(before, after)
