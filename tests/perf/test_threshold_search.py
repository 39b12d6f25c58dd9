"""test_threshold_search.py: MultiThreshold by vector binary search gives
the scalar kernel's bits.

Quantized graphs with 8-bit (and 7-bit) activations after a Conv, a
per-channel scale and a Relu lower to MultiThreshold ops with 127 to 255
thresholds per channel, which the LLVM backend emits as a branchless binary search over a
vector of elements (k_threshold_search.c). Channel counts of 1, 3, 5, 16 and
17 and element counts that are not a multiple of the vector width exercise
the per-lane channels, the carried row offsets and the scalar tail; one
model has a single threshold row for every channel. Each model runs through
the JIT with the host's features, with --mattr=-avx2 (no gathers: the
scalar kernel) and at -O0, and the outputs must be equal byte for byte:
the arithmetic is integer, so no tolerance applies. The test checks that
the search kernel was chosen for every model on a host with AVX2, so it
cannot pass vacuously there.
"""
import os
import sys

import pytest

from variants_kit import QONNXC, ROOT, assert_variants_equal, cpu_has, kernel_notes, save_case

sys.path.insert(0, os.path.join(ROOT, "tests", "lowering"))
import qmodels  # noqa: E402

VARIANTS = [("host", []), ("scalar", ["--mattr=-avx2"]), ("O0", ["-O0"])]


def conv_model(name, cin, cout, hw, abits, per_channel):
    g = qmodels.Graph(name)
    x = qmodels.f32(g.r.uniform(-2, 2, [2, cin, hw[0], hw[1]]))
    h = qmodels.input_quant(g, "x")
    y = qmodels.conv_block(g, h, cin, cout, 3, abits=abits, per_channel=per_channel,
                           pads=[1, 1, 1, 1])
    return g.model(x, [y]), x


CASES = [
    ("conv_c3_8bit", lambda n: conv_model(n, 2, 3, (7, 5), 8, True)),
    ("conv_c5_8bit", lambda n: conv_model(n, 3, 5, (5, 5), 8, True)),
    ("conv_c16_8bit", lambda n: conv_model(n, 3, 16, (3, 3), 8, True)),
    ("conv_c17_7bit", lambda n: conv_model(n, 4, 17, (3, 4), 7, True)),
    ("conv_c5_one_row", lambda n: conv_model(n, 3, 5, (4, 5), 8, False)),
    ("conv_c1_8bit", lambda n: conv_model(n, 2, 1, (9, 7), 8, True)),
    ("conv_c3_odd", lambda n: conv_model(n, 1, 3, (11, 3), 8, True)),
]


@pytest.mark.parametrize("name,make", CASES, ids=[c[0] for c in CASES])
def test_search_matches_scalar(name, make, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    path, xin = save_case(*make(name), tmp_path)
    notes = kernel_notes(path, tmp_path)
    if cpu_has("avx2"):
        assert "vector-search" in notes, notes
    assert_variants_equal(path, xin, tmp_path, VARIANTS)
