"""test_generated_models.py: generated quantized models as HLS projects: a
selection of tests/models (the quantizer cases for every rounding mode,
signedness and narrow range, bipolar, per-channel and zero-point cases, and
every other case with a QONNX quantizer that lowers to Quantize) and every graph of
tests/lowering/qmodels.py the lowering makes fully integer (convolution
stacks in both layouts, depthwise and grouped Conv, MaxPool, average pools as
sums, Concat, Resize, Pad, DepthToSpace, Transpose, residual Add, MatMul
biases, thresholds on every kind of monotone chain, zero points, unequal
scales, per-channel quantization through reshapes, Trunc).

For each: the project is generated, `make csim` passes every golden vector
bit for bit, the testbench on the case's own inputs gives exactly the
outputs of `qonnxc run`, and the kernel compiles as freestanding C with
nothing undefined. Every third case also runs the _BitInt kernel (clang-19).
A case whose IR has no Quantize after lower-integer (nothing to map) is
skipped and counted.
"""
import os

import pytest

import generate
import hlskit

QUANTIZERS = {"Quant", "IntQuant", "BipolarQuant"}
MODES = ("round", "ceil", "floor", "up", "down", "half_up", "half_down", "half_even")
# Of the families that repeat one graph over a parameter grid, the members
# kept: per rounding mode of the quant_MODE_SIGN_BITS grid a signed 8-bit and
# a bipolar case (and for ROUND an unsigned narrow 24-bit one), one rounding
# mode per scale and per zero point, a few of the lower-case mode names and
# per-channel cases.
GRID_KEPT = ("_s0_b8", "_s1_b1", "round_u1_b24")
FAMILIES = {
    "quant_scale": ("_round",),
    "quant_zp": ("_round",),
    "quant_lower_": ("_round", "_half_even", "_floor"),
    "quant_perchannel_": ("_round_s", "_floor_u", "_half_down_s", "_zeropt"),
    "bipolar_": ("_tensor", "_perchannel", "_shape1"),
    "quant_domain_": ("_finn",),
}


def selected(case):
    """Cases with a QONNX quantizer that lower-integer turns into Quantize
    (Trunc stays float), thinned where a family repeats one graph."""
    if not any(n.op_type in QUANTIZERS for n in case.model.graph.node):
        return False
    if any(n.op_type == "Trunc" for n in case.model.graph.node):
        return False
    name = case.name
    for mode in MODES:
        rest = name[len("quant_%s_" % mode):] if name.startswith("quant_%s_" % mode) else ""
        if rest[:2] in ("s0", "s1", "u0", "u1"):
            return name.endswith(GRID_KEPT)
    for prefix, kept in FAMILIES.items():
        if name.startswith(prefix):
            return name.endswith(kept)
    return True


CASES = sorted(c.name for c in generate.all_cases() if selected(c))
LOWERING = ["avgpool", "chains", "conv1d_bipolar", "conv_bias_exact", "conv_bias_tail",
            "conv_stack_nchw", "conv_stack_nhwc", "matmul_bias_exact", "movement",
            "per_channel_movement", "rank_change_in_chain", "residual_add", "trunc_after_pool",
            "unequal_scales", "zero_points"]


def check_case(model, inputs, workdir, group, name, bitint):
    prj = hlskit.Project.get(model, os.path.join(workdir, group), name)
    if prj.gen.returncode != 0 and "has no Quantize" in prj.gen.stderr:
        hlskit.count(group, "no integer part")
        pytest.skip("no integer part after lower-integer")
    assert prj.gen.returncode == 0, prj.gen.stderr
    problem = hlskit.golden_ok(prj.csim)
    out = os.path.join(workdir, "files", group, name)
    os.makedirs(out, exist_ok=True)
    problem = problem or hlskit.check_files_equal(prj, model, inputs, out)
    problem = problem or hlskit.freestanding_problem(prj.src("model.c"), out)
    if not problem and bitint:
        problem = hlskit.golden_ok(hlskit.make(prj.dir, "bitint"))
    hlskit.count(group, "passed" if not problem else "failed")
    assert problem is None, problem


@pytest.mark.parametrize("name", CASES)
def test_generated_case(name, generated_models, workdir):
    d = os.path.join(generated_models, name)
    inputs = sorted(os.path.join(d, f) for f in os.listdir(d) if f.startswith("input_"))
    check_case(os.path.join(d, "model.onnx"), inputs, workdir, "generated", name,
               CASES.index(name) % 3 == 0)


@pytest.mark.parametrize("name", LOWERING)
def test_lowering_graph(name, lowering_models, workdir):
    d = os.path.join(lowering_models, name)
    check_case(os.path.join(d, "model.onnx"), [os.path.join(d, "input.npy")], workdir,
               "lowering graphs", name, True)
