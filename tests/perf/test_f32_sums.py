"""test_f32_sums.py: the f32-sums pass and the float MatMul it selects.

A model without quantizers gets its float32 Conv and MatMul marked
`[f32 fma sums]` by the default pipeline (compiler/passes/f32_sums.c); a
quantized model gets its float32 Convs marked and keeps double sums in its
float MatMuls, and for --target=hls keeps double sums everywhere (the HLS
backend refuses marked ops, so the project must build). A marked MatMul sums every
output in k order with float32 fused multiply-adds, in the interpreter
(`run --interp` on the IR after the same passes) and in every compiled
variant: the vector kernel with the host's features (16 floats per vector
with AVX-512), with --mattr=-avx512f (8 per vector), the generic loops
(--mattr=-avx2) and -O0 must all give the interpreter's bytes, and so must
the vector kernel and the loops on a target without an FMA instruction
(-fma), where each fused multiply-add is emulated in double with rounding
to odd (backends/llvm/cg_util.c). Random
operands over several decades make each product's rounding visible, so an
unfused multiply-add or another order of terms fails the comparison. The
result must also be within the float32 error bound of the exact sum:
|y - s| <= K * 2^-24 * sum |a b| (at most K roundings, each within half an
ulp of a partial sum no larger than sum |a b|).

test_fma_rounds_once builds a sum whose exact value lies just below a
float32 rounding midpoint by far less than a double's ulp: an unfused
multiply-add and a plain double emulation (the midpoint, then ties to even)
both round it up, a single correct rounding down. The expected value is
the exact rational sum rounded to the nearest float32.
"""
from fractions import Fraction
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))
DEFAULT = "--passes=cleanup,channels-last,lower-integer,f32-sums"
VARIANTS = [("host", []), ("avx2", ["--mattr=-avx512f"]), ("loops", ["--mattr=-avx2"]),
            ("O0", ["-O0"]), ("emulated-avx2", ["--mattr=-avx512f,-fma"]),
            ("emulated-loops", ["--mattr=-avx2,-fma"])]

# name: (M, K, N)
CASES = {"m1_k100_n32": (1, 100, 32), "m3_k17_n16": (3, 17, 16), "m2_k300_n48": (2, 300, 48),
         "m1_k64_n8": (1, 64, 8)}


def run(args):
    r = subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, "%s: %s" % (" ".join(args), r.stderr.strip())
    return r


def spread(rng, shape):
    return (rng.standard_normal(shape) * 10.0 ** rng.uniform(-2, 2, shape)).astype(np.float32)


def matmul_model(path, m, k, n, w):
    node = helper.make_node("MatMul", ["a", "w"], ["y"])
    graph = helper.make_graph([node], "mm", [helper.make_tensor_value_info("a", TensorProto.FLOAT,
                                                                           [m, k])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])],
                              initializer=[numpy_helper.from_array(w, "w")])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def need_qonnxc():
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")


def quantized_model(path, op):
    """x -> op (a float Conv or MatMul with constant weights) -> a 4-bit
    QONNX Quant -> y."""
    rng = np.random.default_rng(3)
    if op == "Conv":
        xshape, w = [1, 2, 5, 5], rng.standard_normal((3, 2, 3, 3)).astype(np.float32)
        node = helper.make_node("Conv", ["x", "w"], ["f"], kernel_shape=[3, 3], pads=[1] * 4)
    else:
        xshape, w = [1, 8], rng.standard_normal((8, 4)).astype(np.float32)
        node = helper.make_node("MatMul", ["x", "w"], ["f"])
    params = [numpy_helper.from_array(np.array(v, np.float32), n)
              for n, v in (("s", 0.25), ("z", 0.0), ("b", 4.0))]
    quant = helper.make_node("Quant", ["f", "s", "z", "b"], ["y"], domain="qonnx.custom_op.general",
                             signed=1, narrow=0, rounding_mode="ROUND")
    graph = helper.make_graph([node, quant], "q",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, xshape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=[numpy_helper.from_array(w, "w"), *params])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), path)


def test_float_model_marked_quantized_model_not(tmp_path):
    need_qonnxc()
    model = str(tmp_path / "m.onnx")
    matmul_model(model, 1, 8, 4, np.ones((8, 4), np.float32))
    ir = run(["--emit=ir", model]).stdout
    assert "MatMul(%a, %w) [f32 fma sums] : f32[1,4]" in ir, ir
    ir = run(["--emit=ir", "--passes=cleanup,channels-last,lower-integer", model]).stdout
    assert "f32 fma sums" not in ir, ir
    example = os.path.join(ROOT, "examples", "mlp_w2a2.onnx")
    ir = run(["--emit=ir", example]).stdout
    assert "MatMul" in ir and "f32 fma sums" not in ir, ir


@pytest.mark.parametrize("op", ["Conv", "MatMul"])
def test_quantized_model_conv_marked_matmul_not(op, tmp_path):
    need_qonnxc()
    model = str(tmp_path / "q.onnx")
    quantized_model(model, op)
    ir = run(["--emit=ir", model]).stdout
    line = [l for l in ir.splitlines() if "= %s" % op in l and "Quantize" not in l]
    assert len(line) == 1 and "Quantize(" in ir, ir
    assert ("[f32 fma sums]" in line[0]) == (op == "Conv"), line[0]
    # the HLS target keeps double sums, which its backend maps
    out = run(["--target=hls", "-o", str(tmp_path / "prj"), model])
    assert os.path.isdir(tmp_path / "prj"), out.stderr


@pytest.mark.parametrize("name", sorted(CASES))
def test_f32_matmul_bits_equal_interpreter(name, tmp_path):
    need_qonnxc()
    m, k, n = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name) + 5)
    w, a = spread(rng, (k, n)), spread(rng, (m, k))
    model, x = str(tmp_path / "m.onnx"), str(tmp_path / "a.npy")
    matmul_model(model, m, k, n, w)
    np.save(x, a)
    notes = run(["-v", model, "-o", str(tmp_path / "m.o")]).stderr
    assert "kernel MatMul" in notes, notes
    if n % 8 == 0:
        assert "vector-f32x" in notes, notes
    ref = str(tmp_path / "ref.npy")
    run(["run", "--interp", DEFAULT, model, "--input", x, "--output", ref])
    want = np.load(ref)
    exact = a.astype(np.float64) @ w.astype(np.float64)
    bound = k * 2.0 ** -24 * (np.abs(a).astype(np.float64) @ np.abs(w).astype(np.float64))
    assert np.all(np.abs(want - exact) <= bound), "the interpreter's float32 sums are off"
    for label, flags in VARIANTS:
        out = str(tmp_path / ("y_%s.npy" % label))
        run(["run", *flags, model, "--input", x, "--output", out])
        got = np.load(out)
        differ = int(np.sum(got.view(np.uint32) != want.view(np.uint32)))
        assert differ == 0, "%s: %d of %d elements differ from the interpreter" % (
            label, differ, want.size)


def nearest_f32(q):
    """The float32 nearest to the rational q, ties to even."""
    f = np.float32(float(q))
    best = None
    for c in (np.nextafter(f, np.float32(-np.inf)), f, np.nextafter(f, np.float32(np.inf))):
        d = abs(Fraction(float(c)) - q)
        even = int(np.array(c).view(np.uint32)) % 2 == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, c)
    return best[1]


def test_fma_rounds_once(tmp_path):
    need_qonnxc()
    e = np.float32(2.0 ** -23)
    a = np.array([[1 + e, (1 + e) * np.float32(2.0 ** -24)]], np.float32)
    w = np.tile(np.array([[1.0], [1 - e]], np.float32), (1, 16))
    model, x = str(tmp_path / "m.onnx"), str(tmp_path / "a.npy")
    matmul_model(model, 1, 2, 16, w)
    np.save(x, a)
    s1 = nearest_f32(Fraction(float(a[0, 0])) * Fraction(float(w[0, 0])))
    want = nearest_f32(Fraction(float(s1)) + Fraction(float(a[0, 1])) * Fraction(float(w[1, 0])))
    unfused = np.float32(s1 + np.float32(a[0, 1] * w[1, 0]))
    assert want != unfused, "the case lost its point"
    for label, flags in VARIANTS + [("interp", ["--interp", DEFAULT])]:
        out = str(tmp_path / ("y_%s.npy" % label))
        run(["run", *flags, model, "--input", x, "--output", out])
        got = np.load(out)
        assert np.all(got == want), "%s: %r, correctly rounded %r" % (label, got[0, 0], want)
