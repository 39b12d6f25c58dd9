"""test_conv_blocks.py: the integer Conv's blocks of output positions give
the one-position path's bits.

The dot-product Conv (backends/llvm/k_conv_dot.c) runs the interior
positions of each output row in blocks that share the weight loads, and the
border positions (and what a block does not fill) one at a time. Quantized
Convs of several geometries (strides, dilations, asymmetric and zero pads,
1-D and 2-D, rows shorter and longer than a block, channel counts giving one
to several output vectors) run through the JIT with the host's features
(blocks with AVX-512 VNNI or AVX-VNNI), with --mattr=-avx512vnni,-avxvnni
(the portable vector kernel, one position at a time) and with
--mattr=-avx2 (scalar loops); the outputs must be equal byte for byte:
integer sums are exact, so no tolerance applies. On a VNNI host the test
also checks that blocks were chosen, so it cannot pass vacuously there.
"""
import os
import sys

import pytest

from variants_kit import QONNXC, ROOT, assert_variants_equal, cpu_has, kernel_notes, save_case

sys.path.insert(0, os.path.join(ROOT, "tests", "lowering"))
import qmodels  # noqa: E402

VARIANTS = [("host", []), ("vector", ["--mattr=-avx512vnni,-avxvnni"]),
            ("scalar", ["--mattr=-avx2"])]


def conv2d(name, cin, cout, hw, k, **attrs):
    g = qmodels.Graph(name)
    x = qmodels.f32(g.r.uniform(-2, 2, [1, cin, hw[0], hw[1]]))
    h = qmodels.input_quant(g, "x")
    y = qmodels.conv_block(g, h, cin, cout, k, abits=4, **attrs)
    return g.model(x, [y]), x


def conv1d(name, cin, cout, n, k, **attrs):
    g = qmodels.Graph(name)
    x = qmodels.f32(g.r.uniform(-2, 2, [2, cin, n]))
    h = qmodels.input_quant(g, "x")
    w = g.weight([cout, cin, k], 4, g.r.uniform(0.01, 0.1, cout), per_channel_axis=0)
    y = g.op("Conv", [h, w], kernel_shape=[k], **attrs)
    y = g.quant(g.op("Relu", [y]), 0.0733, 4, signed=False)
    return g.model(x, [y]), x


CASES = [
    ("k3_pad1_c64", lambda n: conv2d(n, 8, 64, (6, 20), 3, pads=[1, 1, 1, 1])),
    ("k3_pad1_c16", lambda n: conv2d(n, 4, 16, (5, 19), 3, pads=[1, 1, 1, 1])),
    ("k5_pad2_c3", lambda n: conv2d(n, 3, 3, (7, 23), 5, pads=[2, 2, 2, 2])),
    ("k3_stride2_c32", lambda n: conv2d(n, 5, 32, (9, 30), 3, strides=[2, 2], pads=[1, 1, 1, 1])),
    ("k3_dil2_c20", lambda n: conv2d(n, 6, 20, (8, 25), 3, dilations=[2, 2], pads=[2, 2, 2, 2])),
    ("k3_asym_c48", lambda n: conv2d(n, 7, 48, (6, 21), 3, pads=[0, 2, 1, 0])),
    ("k3_nopad_c17", lambda n: conv2d(n, 9, 17, (5, 14), 3)),
    ("k3_short_row", lambda n: conv2d(n, 4, 16, (6, 4), 3, pads=[1, 1, 1, 1])),
    ("c200_no_block", lambda n: conv2d(n, 4, 200, (3, 12), 3, pads=[1, 1, 1, 1])),
    ("conv1d_k7", lambda n: conv1d(n, 5, 24, 40, 7, pads=[3, 2])),
    ("conv1d_stride3", lambda n: conv1d(n, 3, 8, 50, 4, strides=[3])),
]


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_blocks_match_one_position(name, make, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    path, xin = save_case(*make(name), tmp_path)
    notes = kernel_notes(path, tmp_path)
    if (cpu_has("avx512_vnni") or cpu_has("avx_vnni")) and name != "c200_no_block":
        assert "blocks sharing the weight loads" in notes, notes
    assert_variants_equal(path, xin, tmp_path, VARIANTS)
