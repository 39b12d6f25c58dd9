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
import subprocess
import sys

import numpy as np
import pytest
from onnx import save

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))
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


def host_has_avx2():
    try:
        with open("/proc/cpuinfo") as f:
            return " avx2" in f.read()
    except OSError:
        return False


def run(args):
    return subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_xnor_matches_bytes(name, make, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    model, x = make(name)
    path = tmp_path / "model.onnx"
    save(model, str(path))
    xin = tmp_path / "x.npy"
    np.save(xin, x[None])
    r = run(["-v", str(path), "-o", str(tmp_path / "m.o")])
    assert r.returncode == 0, r.stderr
    matmuls = [line for line in r.stderr.splitlines() if "kernel MatMul" in line]
    assert matmuls, r.stderr
    if host_has_avx2():
        assert all("xnor" in line for line in matmuls), r.stderr
    outs = {}
    for label, flags in VARIANTS:
        y = tmp_path / ("y_%s.npy" % label)
        r = run(["run", *flags, str(path), "--input", str(xin), "--output", str(y)])
        assert r.returncode == 0, (label, r.stderr)
        outs[label] = np.load(y)
    for label, _ in VARIANTS[1:]:
        assert outs[label].tobytes() == outs["host"].tobytes(), label
