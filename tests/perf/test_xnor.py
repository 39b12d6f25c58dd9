"""test_xnor.py: the XNOR-popcount MatMul gives the byte kernels' bits.

MatMuls of bipolar activations (a BipolarQuant of the input, or of an
earlier layer's sums, which lowers to a one-threshold MultiThreshold) by
bipolar weights run by XNOR and popcount of 64-bit words
(backends/llvm/k_xnor.c). Reduction lengths below, at and past 64 and not a
multiple of it, column counts that are not a multiple of the vector, and
several rows run through the JIT with the host's features, with
--mattr=-avx2 (the scalar loops) and at -O0; the outputs must be equal byte
for byte (integer sums: no tolerance). On an AVX2 host the test checks that
the XNOR kernel was chosen for every MatMul, so it cannot pass vacuously.
"""
import os
import sys

import pytest

from variants_kit import QONNXC, ROOT, assert_variants_equal, cpu_has, kernel_notes, save_case

sys.path.insert(0, os.path.join(ROOT, "tests", "lowering"))
import qmodels  # noqa: E402

VARIANTS = [("host", []), ("scalar", ["--mattr=-avx2"]), ("O0", ["-O0"])]


def bipolar(g, x):
    return g.op("BipolarQuant", [x, g.const(qmodels.f32(1.0), "s")], domain=qmodels.QDOMAIN)


def bnn(name, rows, dims):
    """Layers of bipolar MatMuls: dims = [K, N1, N2, ...]."""
    g = qmodels.Graph(name)
    x = qmodels.f32(g.r.uniform(-1, 1, [rows, dims[0]]))
    h = bipolar(g, "x")
    for k, n in zip(dims, dims[1:]):
        y = g.op("MatMul", [h, g.weight([k, n], 1, 1.0)])
        y = g.op("Add", [y, g.const(qmodels.f32(g.r.uniform(-3, 3, [n])), "t")])
        h = bipolar(g, y)
    return g.model(x, [y]), x


CASES = [
    ("k784_64_64_10", lambda n: bnn(n, 1, [784, 64, 64, 10])),
    ("k7_3", lambda n: bnn(n, 2, [7, 3])),
    ("k64_17_130", lambda n: bnn(n, 3, [64, 17, 130, 9])),
    ("k1000_8_65", lambda n: bnn(n, 2, [1000, 8, 65, 1])),
]


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_xnor_matches_bytes(name, make, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    path, xin = save_case(*make(name), tmp_path)
    notes = kernel_notes(path, tmp_path)
    matmuls = [line for line in notes.splitlines() if "kernel MatMul" in line]
    assert matmuls, notes
    if cpu_has("avx2"):
        assert all("xnor" in line for line in matmuls), notes
    assert_variants_equal(path, xin, tmp_path, VARIANTS)
