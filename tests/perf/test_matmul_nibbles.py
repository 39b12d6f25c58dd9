"""test_matmul_nibbles.py: weights stored two per byte give the one-byte
kernel's bits.

An integer MatMul with known weights of at most 4 bits and a weight table
larger than the first-level cache runs the vpdpbusd kernel with the weights
two per byte (backends/llvm/k_dot_nibble.c): w + 8 in each half, the
activations' sum taken back off. Quantized MLP layers with 2- to 4-bit
weights, signed 8-bit and unsigned low-bit activations (with and without the
activation offset), reduction lengths that leave a partial row group and an
odd number of groups, and column counts that are not a multiple of the
vector run through the JIT with the host's features, with
--mattr=-avx512vnni,-avxvnni (one byte per weight, no vpdpbusd),
and --mattr=-avx2 (scalar loops); all outputs must be equal byte for byte
(integer arithmetic: no tolerance). On an AVX-512
VNNI host the test checks that the packed form was chosen, so it cannot pass
vacuously there. The cases with a per-channel affine before the quantizer
also check that the MultiThreshold was fused into the MatMul's stores
(backends/llvm/epilogue.c), which the scalar variant does not do.
"""
import os
import sys

import pytest

from variants_kit import QONNXC, ROOT, assert_variants_equal, cpu_has, kernel_notes, save_case

sys.path.insert(0, os.path.join(ROOT, "tests", "lowering"))
import qmodels  # noqa: E402

VARIANTS = [("host", []), ("vector", ["--mattr=-avx512vnni,-avxvnni"]),
            ("scalar", ["--mattr=-avx2"])]


def mlp(name, k, n, wbits, signed_in, abits=8, bn=False):
    g = qmodels.Graph(name)
    x = qmodels.f32(g.r.uniform(-3, 3, [3, k]))
    if signed_in:
        h = qmodels.input_quant(g, "x", bits=abits, scale=1 / 32)
    else:
        h = g.quant(g.op("Relu", ["x"]), 1 / 16, abits, signed=False)
    y = g.op("MatMul", [h, g.weight([k, n], wbits, 0.05)])
    if bn:  # a per-channel affine: the MultiThreshold then reads the MatMul directly
        y = g.op("Mul", [y, g.const(qmodels.f32(g.r.uniform(0.5, 1.5, [n])), "bn_s")])
        y = g.op("Add", [y, g.const(qmodels.f32(g.r.uniform(-0.3, 0.3, [n])), "bn_b")])
    y = g.quant(g.op("Relu", [y]), 0.25, 3, signed=False)
    return g.model(x, [y]), x


CASES = [
    ("k490_n256_w3_signed", lambda n: mlp(n, 490, 256, 3, True)),
    ("k1001_n64_w4_signed", lambda n: mlp(n, 1001, 64, 4, True)),
    ("k777_n200_w2_unsigned", lambda n: mlp(n, 777, 200, 2, False, abits=3)),
    ("k256_n256_w4_unsigned", lambda n: mlp(n, 256, 256, 4, False, abits=4)),
    ("k3005_n17_w3_signed", lambda n: mlp(n, 3005, 17, 3, True, abits=5)),
    ("k490_n256_w3_bn", lambda n: mlp(n, 490, 256, 3, True, bn=True)),
    ("k777_n200_w2_bn", lambda n: mlp(n, 777, 200, 2, False, abits=3, bn=True)),
]


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_nibbles_match_bytes(name, make, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    path, xin = save_case(*make(name), tmp_path)
    notes = kernel_notes(path, tmp_path)
    if cpu_has("avx512_vnni"):
        assert "stored two per byte" in notes, notes
        if name.endswith("_bn"):
            assert "MultiThreshold reading it fused" in notes, notes
    assert_variants_equal(path, xin, tmp_path, VARIANTS)
