"""test_matmul_grid.py: the float MatMul with known weights on an integer
grid (backends/llvm/k_matmul_vec.c, variant grid-exact-*) gives the
interpreter's bits.

Each case is a one-MatMul model, A [M, K] an input and B [K, N] a constant
whose floats are exactly w * c for integers w and one float c (the form a
Dequantize of integer weights with a per-tensor scale leaves). The kernel
sums a row of A in i32 when the row is integers of at most 7 bits times a
power of two, and in double vectors in the interpreter's order otherwise;
so the rows of A are of several kinds:
  - "int": integers in [-127, 127] times 2^e, e from -149 (subnormal floats)
    to 100, the integer path;
  - "binary": 0.5 and 1.0 only, as the model this kernel was written for;
  - "zero": all zero (the sum must be +0 also where B holds -0.0);
  - "fine": an int row with one element 3 * 2^-10 finer than the others, so
    the integer path does not apply (taking it anyway, with that element
    rounded, would change the sums);
  - "spread": floats over six decades plus two large terms +H and -H (H a
    power of two near 2^40, against weights of the same column), which
    cancel in the total while the running sum rounds the small terms to H's
    precision in between: another summation order or an inexact product
    changes the result's low bits;
  - "inf" and "nan": one infinite or NaN element (both take the double
    vectors, whose results are infinities and NaN as the interpreter's).
The JIT output (`qonnxc run`) with the host's features, with the portable
vector dot product (--mattr=-avx512vnni,-avxvnni), with vectors of four
doubles (--mattr=-avx512f) and at -O0 must equal `qonnxc run --interp` byte
for byte: the kernel promises the interpreter's exact results, so no
tolerance applies. The grid path belongs to double sums, the float MatMuls
of quantized models (unsw_nb15's first layer); these one-MatMul models have
no quantizer, so they run without the f32-sums pass (PASSES), and the
interpreter runs on the IR after the same passes. On an AVX-512 host, -v must name the grid variant, so the
comparison cannot pass on the plain double kernel alone; a B off any grid
must not be taken for one.
"""
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))
PASSES = "--passes=cleanup,channels-last,lower-integer"

ROWS = ["int", "binary", "zero", "fine", "spread", "inf", "nan", "int"]

# name: (K, N, weight range lo..hi, zero fraction, c, negative zeros in B, grid form
# expected: B on a grid and K at least the kernel's GRID_MIN_K, 128)
CASES = {
    "w2_k600_n64": (600, 64, (-2, 1), 0.3, "full", False, True),
    "w8_k137_n24": (137, 24, (-127, 127), 0.0, "short", False, True),
    "w8_k37_n24_too_short": (37, 24, (-127, 127), 0.0, "short", False, False),
    "w4_k130_n8_negzero": (130, 8, (-8, 7), 0.5, "short", True, True),
    "w3_k1001_n16": (1001, 16, (-3, 3), 0.2, "pow2", False, True),
    "w4_k800_n64_nibbles": (800, 64, (-8, 7), 0.1, "short", False, True),
    "w1_k129_n8": (129, 8, (-1, 1), 0.0, "full", True, True),
    "offgrid_k40_n16": (40, 16, None, 0.0, "full", False, False),
}

VARIANTS = [("host", []), ("portable-dot", ["--mattr=-avx512vnni,-avxvnni"]),
            ("avx2", ["--mattr=-avx512f"]), ("O0", ["-O0"])]


def scale(rng, kind):
    """c: a float of 24 significant bits (products by w may round in float,
    used with |w| <= 2 where they do not), of 17 bits (w * c exact in float
    for |w| <= 127), or a power of two."""
    if kind == "full":
        return np.float32(rng.uniform(1, 40))
    if kind == "short":
        return np.float32(int(rng.integers(1 << 16, 1 << 17)) * 2.0 ** -20)
    return np.float32(2.0 ** -7)


def weights(rng, case):
    k, n, rng_w, zeros, ckind, negzero, on_grid = case
    if not on_grid:
        return (rng.standard_normal((k, n)) * 3).astype(np.float32)
    w = rng.integers(rng_w[0], rng_w[1] + 1, size=(k, n))
    w[rng.random((k, n)) < zeros] = 0
    c = scale(rng, ckind)
    b = (w.astype(np.float64) * np.float64(c)).astype(np.float32)
    assert np.all(b.astype(np.float64) == w * np.float64(c)), "test data off its grid"
    if negzero:
        b[(w == 0) & (rng.random((k, n)) < 0.5)] = np.float32(-0.0)
    return b


def row(rng, kind, k, b):
    if kind in ("int", "fine", "inf", "nan"):
        e = int(rng.choice([-60, -7, 0, 3, 100] if kind == "fine" else [-149, -60, -7, 0, 100]))
        x = rng.integers(-127, 128, size=k).astype(np.float64)
        x[0] = 127  # the largest magnitude sets the power of two
        r = (x * 2.0 ** e).astype(np.float32)
        if kind == "fine":
            r[k // 2] = np.float32(3 * 2.0 ** (e - 10))
        if kind == "inf":
            r[k - 1] = np.float32(-np.inf)
        if kind == "nan":
            r[k // 3] = np.float32(np.nan)
        return r
    if kind == "binary":
        return rng.choice([0.5, 1.0], size=k).astype(np.float32)
    if kind == "zero":
        return np.zeros(k, np.float32)
    r = (rng.standard_normal(k) * 10.0 ** rng.uniform(-3, 3, k)).astype(np.float32)
    if k >= 4:
        # +H at k0 and -H at k1 against B's rows k0 and k1, per column, need
        # B[k0, j] == B[k1, j] != 0; the rows of A set H's sign
        k0, k1 = 1, k - 2
        h = np.float32(2.0 ** int(rng.integers(36, 44)))
        same = (b[k0] == b[k1]) & (b[k0] != 0)
        if np.any(same):
            r[k0], r[k1] = h, -h
    return r


def build(path, name, rng):
    case = CASES[name]
    k, n = case[0], case[1]
    b = weights(rng, case)
    if k >= 4:  # rows k0 = 1 and k1 = K - 2 equal, for the cancelling terms
        b[k - 2] = b[1]
    a = np.stack([row(rng, kind, k, b) for kind in ROWS])
    node = helper.make_node("MatMul", ["a", "b"], ["y"])
    graph = helper.make_graph(
        [node], "mm", [helper.make_tensor_value_info("a", TensorProto.FLOAT, list(a.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[numpy_helper.from_array(b, "b")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)
    return a


def run(args):
    r = subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, "%s: %s" % (" ".join(args), r.stderr.strip())
    return r


def host_has_avx512():
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return " avx512f" in flags and " avx2" in flags


@pytest.mark.parametrize("name", sorted(CASES))
def test_matmul_grid_bits_equal_interpreter(name, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    rng = np.random.default_rng(sorted(CASES).index(name) + 11)
    model = str(tmp_path / "m.onnx")
    a = build(model, name, rng)
    x = str(tmp_path / "a.npy")
    np.save(x, a)
    notes = run(["-v", PASSES, model, "-o", str(tmp_path / "m.o")]).stderr
    assert "kernel MatMul" in notes, notes
    if not CASES[name][6]:
        assert "grid-exact" not in notes, notes
    elif host_has_avx512():
        assert "grid-exact-" in notes and "vector-f64x8" in notes, notes
    ref = tmp_path / "ref.npy"
    run(["run", "--interp", PASSES, model, "--input", x, "--output", str(ref)])
    want = np.load(ref)
    assert np.any(np.isnan(want)) and np.any(np.isinf(want)), "the special rows lost their point"
    for label, flags in VARIANTS:
        out = tmp_path / ("y_%s.npy" % label)
        run(["run", PASSES, *flags, model, "--input", x, "--output", str(out)])
        got = np.load(out)
        assert got.shape == want.shape and got.dtype == want.dtype, label
        bad = np.nonzero(got.view(np.uint32) != want.view(np.uint32))
        assert bad[0].size == 0, "%s: %d of %d elements differ from the interpreter, rows %s" % (
            label, bad[0].size, want.size, sorted(set(ROWS[i] for i in bad[0])))
