"""test_qonnx_ops.py: the QONNX quantizers (IntQuant/Quant, BipolarQuant,
Trunc v1 and v2) across rounding modes, signedness, narrow ranges, bit widths,
per-tensor and per-channel parameters and exporter domains (tests/models/
qonnx_ops.py), compared exactly with tests/e2e/reference.py."""
import numpy as np
import pytest

import generate
import reference
import runner

CASES = [c for c in generate.all_cases() if c.group == "qonnx"]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_quantizer(case, test_models, tmp_path):
    problem = runner.check_case(case, test_models, tmp_path)
    if problem:
        pytest.fail(problem, pytrace=False)


# The reference itself, on hand-computed values: these pin down the formulas
# of ../shared/QONNX.md independently of any generated model.
class FakeNode:
    def __init__(self, **attrs):
        self.attrs = attrs

    def get(self, name, default=None):
        return self.attrs.get(name, default)


def quant(x, scale, zp, bits, **attrs):
    f = np.float32
    return reference.int_quant(FakeNode(**attrs), np.asarray(x, f), np.asarray(scale, f),
                               np.asarray(zp, f), np.asarray(bits, f))[0].tolist()


def test_reference_rounding_modes():
    t = [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997, -0.49999997, -1.25, 1.75, -0.50000006]
    want = {
        "ROUND": [-2, -2, -0, 0, 2, 2, 0, 0, -1, 2, -1],
        "HALF_EVEN": [-2, -2, -0, 0, 2, 2, 0, 0, -1, 2, -1],
        "CEIL": [-2, -1, -0, 1, 2, 3, 1, 0, -1, 2, 0],
        "FLOOR": [-3, -2, -1, 0, 1, 2, 0, -1, -2, 1, -1],
        "UP": [-3, -2, -1, 1, 2, 3, 1, -1, -2, 2, -1],
        "DOWN": [-2, -1, -0, 0, 1, 2, 0, 0, -1, 1, 0],
        "HALF_UP": [-3, -2, -1, 1, 2, 3, 0, 0, -1, 2, -1],
        "HALF_DOWN": [-2, -1, -0, 0, 1, 2, 0, 0, -1, 2, -1],
    }
    for mode, w in want.items():
        got = reference.round_mode(np.asarray(t, np.float32), mode).tolist()
        assert got == w, mode


def test_reference_quant_formulas():
    # clamp first, then round: 4-bit signed, scale 0.5: q in [-8, 7]
    assert quant([3.75, 3.6, -4.2, -5.0], 0.5, 0, 4, signed=1, narrow=0) == [3.5, 3.5, -4.0, -4.0]
    assert quant([-5.0], 0.5, 0, 4, signed=1, narrow=1) == [-3.5]
    assert quant([-1.0, 9.0], 1.0, 0, 3, signed=0, narrow=0) == [0.0, 7.0]
    assert quant([9.0], 1.0, 0, 3, signed=0, narrow=1) == [6.0]
    # nonzero zero point: y = (clamp(round(x/s + z)) - z) * s
    assert quant([0.0, -1.0, 10.0], 1.0, 2, 3, signed=0, narrow=0) == [0.0, -1.0, 5.0]
    # 1-bit signed is bipolar, whatever the rounding mode
    assert quant([-0.1, 0.0, 0.3], 2.0, 0, 1, signed=1, narrow=0,
                 rounding_mode="FLOOR") == [-2.0, 2.0, 2.0]
    # 1-bit unsigned is an ordinary {0, 1} quantizer
    assert quant([-0.1, 0.3, 0.6], 1.0, 0, 1, signed=0, narrow=0) == [0.0, 0.0, 1.0]


def test_reference_trunc():
    f = np.float32
    n = FakeNode()  # FLOOR
    x = np.asarray([16.0, 24.0, -8.0, 7.5], f)  # scale 1: q = 16, 24, -8, 8 (half-even)
    y = reference.trunc(n, x, f(1), f(0), f(8), f(4))[0].tolist()
    assert y == [1.0, 1.0, -1.0, 0.0]  # q / 16, floored
    n2 = FakeNode(rounding_mode="ROUND")
    y2 = reference.trunc(n2, x, f(1), f(0), f(8), f(16), f(3))[0].tolist()
    # v2: t = 16, clamp to [-4, 3], round half-even, times out_scale 16
    assert y2 == [16.0, 32.0, -0.0, 0.0]
