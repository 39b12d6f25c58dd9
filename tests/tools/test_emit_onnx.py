"""test_emit_onnx.py: `qonnxc --emit=onnx` and `--expand-quant`.

The written model must pass Debian's onnx.checker (with shape inference),
and qonnxc's interpreter must give, bit for bit, the outputs of the IR it
was written from: the original model after the same passes (`run --interp
--passes=...`). With --expand-quant the model holds standard ONNX ops only
and must give the same outputs (onnx.reference is not in onnx 1.12, so the
expanded model is evaluated by qonnxc's interpreter, whose quantizers
compute step by step in float32 as the expanded ops do).

Generated models: every 6th of tests/models/generate.py's (and every third
quantizer model for --expand-quant), to keep the run near a minute.
"""
import glob
import os
import re

import numpy as np
import onnx
import pytest

from tools_kit import EXAMPLE, EXAMPLE_INPUT, SHARED_MODELS, run

FLOAT_PASSES = "cleanup,channels-last"
QUANTIZER = re.compile(r"quant|trunc|bipolar|^q", re.I)


def case_dirs(root, step, pattern=None):
    names = sorted(n for n in os.listdir(root) if os.path.exists(os.path.join(root, n, "model.onnx")))
    if pattern:
        names = [n for n in names if pattern.search(n)]
    return [os.path.join(root, n) for n in names[::step]]


def interp(model, inputs, out, passes=None):
    args = ["run", "--interp", model] + (["--passes=" + passes] if passes else [])
    for i in inputs:
        args += ["--input", i]
    p = run(args + ["--output", out], check=False)
    return np.load(out) if p.returncode == 0 else None


def check_written(path):
    m = onnx.load(path)
    onnx.checker.check_model(m, full_check=True)
    return m


def roundtrip(tmp_path, model, inputs, flags):
    """The written model's outputs; None when the front-end refuses the
    original (generated models include some refused on purpose)."""
    out = os.path.join(str(tmp_path), "written.onnx")
    p = run(["--emit=onnx", "-o", out, model] + flags, check=False)
    if p.returncode:
        assert run(["--passes=none", model], check=False).returncode, p.stderr
        return None
    m = check_written(out)
    want = interp(model, inputs, os.path.join(str(tmp_path), "want.npy"), FLOAT_PASSES)
    got = interp(out, inputs, os.path.join(str(tmp_path), "got.npy"))
    assert want is not None, "the interpreter does not run the original"
    assert got is not None, "the written model does not run"
    assert got.dtype == want.dtype and got.shape == want.shape
    assert np.array_equal(got, want, equal_nan=True)
    return m


def test_generated_models(qonnxc, test_models, tmp_path_factory):
    """Every 6th generated model (the ones qonnxc imports)."""
    done = 0
    for d in case_dirs(test_models, 6):
        done += roundtrip(tmp_path_factory.mktemp("g"), os.path.join(d, "model.onnx"),
                          sorted(glob.glob(os.path.join(d, "input_*.npy"))), []) is not None
    assert done > 90


def test_expand_quant_generated(qonnxc, test_models, tmp_path_factory):
    """Every third quantizer model, all rounding modes among them."""
    done = 0
    for d in case_dirs(test_models, 3, QUANTIZER):
        m = roundtrip(tmp_path_factory.mktemp("q"), os.path.join(d, "model.onnx"),
                      sorted(glob.glob(os.path.join(d, "input_*.npy"))), ["--expand-quant"])
        if m is None:
            continue
        assert all(n.domain in ("", "ai.onnx") or n.domain == "qonnx.custom_op.channels_last"
                   for n in m.graph.node), d
        assert not any(n.op_type in ("Quant", "BipolarQuant", "Trunc") for n in m.graph.node)
        done += 1
    assert done > 70


def test_example_domains(qonnxc, tmp_path):
    m = roundtrip(tmp_path, EXAMPLE, [EXAMPLE_INPUT], [])
    quants = [n for n in m.graph.node if n.op_type == "Quant"]
    assert len(quants) == 6 and all(n.domain == "qonnx.custom_op.general" for n in quants)
    domains = {o.domain: o.version for o in m.opset_import}
    assert domains[""] == 17 and "qonnx.custom_op.general" in domains
    assert [o.name for o in m.graph.output] == ["scores"]


def test_example_expanded(qonnxc, tmp_path):
    m = roundtrip(tmp_path, EXAMPLE, [EXAMPLE_INPUT], ["--expand-quant"])
    types = {n.op_type for n in m.graph.node}
    assert {"Div", "Min", "Max", "Round", "Mul"} <= types
    # the weight quantizers are folded: no Quant, and the weights are constants
    assert "Quant" not in types


def test_channels_last_domain(qonnxc, tmp_path):
    path = os.path.join(SHARED_MODELS, "separable_conv_ch_last", "model.onnx")
    if not os.path.exists(path):
        pytest.skip("shared model missing")
    out = os.path.join(str(tmp_path), "cl.onnx")
    run(["--emit=onnx", "-o", out, path])
    m = check_written(out)
    convs = [n for n in m.graph.node if n.op_type == "Conv"]
    assert convs and all(n.domain == "qonnx.custom_op.channels_last" for n in convs)


def test_integer_lowered_ir_is_refused(qonnxc, tmp_path):
    out = os.path.join(str(tmp_path), "low.onnx")
    p = run(["--emit=onnx", "--passes=cleanup,channels-last,lower-integer", "-o", out, EXAMPLE],
            check=False)
    assert p.returncode == 1
    assert re.fullmatch(r"qonnxc: error: .*no ONNX form.*\n", p.stderr), p.stderr
    assert not os.path.exists(out)


def test_expand_quant_needs_emit_onnx(qonnxc):
    p = run(["--expand-quant", "--emit=ir", EXAMPLE], check=False)
    assert p.returncode == 2 and "--expand-quant goes with --emit=onnx" in p.stderr
