"""test_kernels_elementwise.py: accuracy of the inline math the LLVM backend
emits instead of calling libm (backends/llvm/cg_math*.c), and the integer
arithmetic the interpreter cannot check because it stops with an error.

Each model is compiled with no pass, linked with the C harness and run on
arguments covering the whole range of each function: random values over
several scales, values near the overflow and underflow bounds, zeros of
both signs, infinities, NaN, subnormals and exact halves. The reference is
numpy's float64 function (the C library's, correctly rounded or within one
ulp of double) rounded to float32.

- float32 functions are computed in double and rounded once, so they may
  differ from the correctly rounded result only where the exact value lies
  within a few double ulps of a float32 rounding boundary: at most one
  float32 ulp, and rarely (allowed: 1 in 10^4 of the arguments; measured: 0
  in 6 million). Rounding functions and sqrt must be exact.
- float64 functions are checked through a model that computes the relative
  error (F(x) - R) / R against a float64 constant R = numpy's F(x), so the
  float32 interface keeps its digits: at most 4 ulps of double (against
  the C library on 6 million arguments: up to 3 for tanh and erf, 1 for exp
  and log, 0 for sqrt; here against numpy, whose own result may be one ulp
  off, up to 2), and for pow 4 + |y ln x| / 32 ulps (the
  double-double logarithm is good to about 2^-58, which the exponential
  multiplies by |y ln x|; measured 25 ulps at |y ln x| = 745).
"""
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import llvmkit

F32, F64 = TensorProto.FLOAT, TensorProto.DOUBLE


def arguments(kind, n=20000, seed=7):
    """float32 arguments: random values over many scales plus edge cases."""
    r = np.random.default_rng(seed)
    special = [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5,
               1e-45, -1e-45, 1e-40, 1.17549435e-38, 3.4e38, -3.4e38, 8388607.5, -8388607.5,
               8388608.0, 88.72, 89.0, -87.3, -103.0, -104.0, 9.0, 22.0, 1.4999, 4.0, 6.0,
               2.0 ** -24, 0.49999997]
    if kind == "positive":
        mags = np.exp(r.uniform(np.log(1e-38), np.log(3e38), n))
        vals = np.concatenate([mags, r.uniform(0, 4, n)])
    else:
        vals = np.concatenate([r.uniform(-10, 10, n), r.uniform(-100, 100, n),
                               np.exp(r.uniform(np.log(1e-30), np.log(1e30), n))
                               * r.choice([-1, 1], n)])
    return np.concatenate([np.array(special), vals]).astype(np.float32)


def ulp_distance(a, b):
    """|a - b| in float32 ulps (ordered integer line); 0 where both are NaN."""
    ia = a.astype(np.float32).view(np.int32).astype(np.int64)
    ib = b.astype(np.float32).view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7fffffff), ia)
    ib = np.where(ib < 0, -(ib & 0x7fffffff), ib)
    d = np.abs(ia - ib)
    return np.where(np.isnan(a) & np.isnan(b), 0, d)


def save_model(path, nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(m, path)


def run(model, arrays, nout, harness, tmp_path):
    """Compiles (no pass), links and runs model on arrays; its outputs."""
    ins = []
    for k, a in enumerate(arrays):
        ins.append(str(tmp_path / ("in_%d.npy" % k)))
        np.save(ins[-1], a)
    obj = str(tmp_path / "m.o")
    p = llvmkit.compile_model(model, obj, "m", "none")
    assert p.returncode == 0, "qonnxc failed: " + p.stderr
    exe = str(tmp_path / "run")
    p = harness.link(obj, str(tmp_path / "m.h"), "m", exe)
    assert p.returncode == 0, "linking failed: " + p.stderr[-2000:]
    outs = [str(tmp_path / ("out_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.run_harness(exe, "check", ins, outs)
    assert p.returncode == 0, "harness exited %d: %s" % (p.returncode, p.stderr)
    return [np.load(o) for o in outs]


def f32(v):
    return v.astype(np.float32).astype(np.float64)


# Softplus and Sigmoid follow the interpreter's formula step by step, each
# step rounded to float32 (its float library calls are rounded once each).
def softplus(x):
    e = f32(np.exp(np.where(x > 0, -x, x)))
    l = f32(np.log1p(e))
    return np.where(x > 0, f32(x + l), l)


def sigmoid(x):
    e = f32(np.exp(-x))
    return f32(1 / f32(1 + e))


def erf(x):
    import math
    return np.array([math.erf(v) for v in x.astype(np.float64)])


# op -> (reference on float64, argument kind, exact)
UNARY = {
    "Exp": (np.exp, "any", False),
    "Log": (np.log, "positive", False),
    "Sqrt": (np.sqrt, "positive", True),
    "Tanh": (np.tanh, "any", False),
    "Erf": (erf, "any", False),
    "Softplus": (softplus, "any", False),
    "Sigmoid": (sigmoid, "any", False),
    "Floor": (np.floor, "any", True),
    "Ceil": (np.ceil, "any", True),
    "Round": (np.rint, "any", True),
}


@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_f32(op, compiler, harness, tmp_path):
    ref_fn, kind, exact = UNARY[op]
    x = arguments(kind)
    if kind == "positive":  # negative arguments and zeros too
        x = np.concatenate([x, -x[:50]])
    model = str(tmp_path / "m.onnx")
    save_model(model, [helper.make_node(op, ["x"], ["y"])],
               [helper.make_tensor_value_info("x", F32, [len(x)])],
               [helper.make_tensor_value_info("y", F32, [len(x)])])
    (got,) = run(model, [x], 1, harness, tmp_path)
    with np.errstate(all="ignore"):
        ref = ref_fn(x.astype(np.float64)).astype(np.float32)
    d = ulp_distance(got, ref)
    worst = int(np.argmax(d))
    assert d.max() <= (0 if exact else 1), \
        "%s(%r) = %r, expected %r" % (op, x[worst], got[worst], ref[worst])
    assert np.count_nonzero(d) <= len(x) // 10000, \
        "%d of %d results not correctly rounded" % (np.count_nonzero(d), len(x))
    # signs of zeros are part of the result
    zeros = (ref == 0) & (got == 0)
    assert (np.signbit(ref[zeros]) == np.signbit(got[zeros])).all()


def test_pow_f32(compiler, harness, tmp_path):
    r = np.random.default_rng(3)
    n = 20000
    x = np.concatenate([r.uniform(0, 10, n), r.uniform(-10, 10, n)]).astype(np.float32)
    y = np.concatenate([r.uniform(-8, 8, n), np.round(r.uniform(-8, 8, n))]).astype(np.float32)
    special = np.array([0.0, -0.0, 1.0, -1.0, 2.0, 0.5, np.inf, -np.inf, np.nan, -2.0, 1e-40],
                       np.float32)
    sx, sy = np.meshgrid(special, np.array(list(special) + [3.0, -3.0, 0.5, -0.5], np.float32))
    x, y = np.concatenate([x, sx.ravel()]), np.concatenate([y, sy.ravel()])
    model = str(tmp_path / "m.onnx")
    save_model(model, [helper.make_node("Pow", ["x", "y"], ["z"])],
               [helper.make_tensor_value_info("x", F32, [len(x)]),
                helper.make_tensor_value_info("y", F32, [len(x)])],
               [helper.make_tensor_value_info("z", F32, [len(x)])])
    (got,) = run(model, [x, y], 1, harness, tmp_path)
    with np.errstate(all="ignore"):
        ref = np.power(x.astype(np.float64), y.astype(np.float64)).astype(np.float32)
    # y == 3 is x * x * x in float (two roundings), as ONNX Runtime and the
    # interpreter compute it: within 1 ulp as well
    d = ulp_distance(got, ref)
    worst = int(np.argmax(d))
    assert d.max() <= 1, "pow(%r, %r) = %r, expected %r" % (x[worst], y[worst], got[worst],
                                                            ref[worst])
    assert np.count_nonzero(d[y != 3]) <= len(x) // 10000


def relative_error_model(path, op, nargs, refs):
    """(op(Cast(x_k to double)...) - R) / R with R the float64 constant refs."""
    n = len(refs)
    nodes, inputs = [], []
    for k in range(nargs):
        inputs.append(helper.make_tensor_value_info("x%d" % k, F32, [n]))
        nodes.append(helper.make_node("Cast", ["x%d" % k], ["d%d" % k], to=F64))
    nodes += [helper.make_node(op, ["d%d" % k for k in range(nargs)], ["f"]),
              helper.make_node("Sub", ["f", "r"], ["e"]),
              helper.make_node("Div", ["e", "r"], ["rel"])]
    save_model(path, nodes, inputs, [helper.make_tensor_value_info("rel", F64, [n])],
               [numpy_helper.from_array(refs.astype(np.float64), "r")])


F64_CASES = {
    "Exp": (np.exp, lambda r, n: [r.uniform(-700, 700, n)]),
    "Log": (np.log, lambda r, n: [np.exp(r.uniform(-80, 80, n))]),
    "Sqrt": (np.sqrt, lambda r, n: [np.exp(r.uniform(-80, 80, n))]),
    "Tanh": (np.tanh, lambda r, n: [r.uniform(-20, 20, n)]),
    "Erf": (erf, lambda r, n: [r.uniform(-5.8, 5.8, n)]),
    "Sigmoid": (lambda x: 1 / (1 + np.exp(-x)), lambda r, n: [r.uniform(-30, 30, n)]),
    "Pow": (np.power, lambda r, n: [np.exp(r.uniform(-5, 5, n)), r.uniform(-60, 60, n)]),
}


@pytest.mark.parametrize("op", sorted(F64_CASES))
def test_f64_accuracy(op, compiler, harness, tmp_path):
    ref_fn, gen = F64_CASES[op]
    r = np.random.default_rng(11)
    args = [a.astype(np.float32) for a in gen(r, 20000)]
    wide = [a.astype(np.float64) for a in args]
    ref = ref_fn(*wide)
    keep = np.isfinite(ref) & (np.abs(ref) > 1e-300)
    args, wide, ref = [a[keep] for a in args], [w[keep] for w in wide], ref[keep]
    model = str(tmp_path / "m.onnx")
    relative_error_model(model, op, len(args), ref)
    (rel,) = run(model, args, 1, harness, tmp_path)
    ulps = np.abs(rel.astype(np.float64)) * np.abs(ref) / np.spacing(np.abs(ref))
    allowed = np.full(len(ref), 4.0)
    if op == "Pow":
        allowed += np.abs(wide[1] * np.log(wide[0])) / 32
    worst = int(np.argmax(ulps - allowed))
    assert (ulps <= allowed).all(), "%s%r: %.1f ulps off (allowed %.1f)" % (
        op, tuple(w[worst] for w in wide), ulps[worst], allowed[worst])


INT32_MIN = -2 ** 31


@pytest.mark.parametrize("bits", [8, 32])
def test_integer_division_never_traps(bits, compiler, harness, tmp_path):
    """Truncating division, INT_MIN / -1 wrapping to INT_MIN as the
    interpreter's wrapping arithmetic does, and a zero divisor (an error in
    the interpreter, which generated code cannot report) giving 0."""
    lo = -2 ** (bits - 1)
    a = np.array([7, -7, 7, -7, lo, lo, 5, lo, 0, 1], np.float32)
    b = np.array([2, 2, -2, -2, -1, 1, 0, 0, 0, -1], np.float32)
    want = np.array([3, -3, -3, 3, lo, lo, 0, 0, 0, -1], np.float32)
    t = TensorProto.INT8 if bits == 8 else TensorProto.INT32
    model = str(tmp_path / "m.onnx")
    save_model(model, [helper.make_node("Div", ["a", "b"], ["q"])],
               [helper.make_tensor_value_info("a", t, [len(a)]),
                helper.make_tensor_value_info("b", t, [len(a)])],
               [helper.make_tensor_value_info("q", t, [len(a)])])
    (got,) = run(model, [a, b], 1, harness, tmp_path)
    assert got.tolist() == want.tolist()
