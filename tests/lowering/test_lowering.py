"""test_lowering.py: the lower-integer pass on the shared MLP models.

For each model:
  (a) IR walk: after --passes=cleanup,lower-integer, no op other than
      Dequantize yields a float tensor between the first Quantize and the
      last Dequantize (the quantized part computes with integers only);
  (b) numerical contract: the lowered graph interpreted
      (--passes=promote-f64,cleanup,lower-integer) against the float64
      oracle (--passes=promote-f64) on the model's inputs.npy: equal element
      for element (outputs that are a dequantized accumulator, not a
      quantizer's output, may differ by float64 rounding of the oracle's
      float sums: at most 1e-12 relative, counted);
  (c) the lowered graph in float32 (--passes=cleanup,lower-integer) against
      outputs.npy (float32 ONNX Runtime): elements off by more than float32
      rounding are counted; at most 0.1% and never more than one step.
Run as `QONNXC=/abs/build/qonnxc python3 -m pytest -s tests/lowering`.
"""
import os
import re
import subprocess
import tempfile

import numpy as np
import pytest

MODELS_DIR = "/work/shared/models"
QONNXC = os.environ.get("QONNXC", os.path.join(os.path.dirname(__file__), "../../build/qonnxc"))
# model -> whether the whole quantized part lowers (IR walk enforced)
MODELS = {
    "tfc_2w2a": True,
    "tfc_1w2a": True,
    "tfc_1w1a": True,
    "unsw_nb15_mlp_w2a2": True,
    "jettagging_qkeras": True,
    "bnn_fc_1layer": True,
    "kwsmlp_w3a3": True,
}
LOWER = "cleanup,lower-integer"
OP_LINE = re.compile(r"^(%\S+(?:, %\S+)*) = (\w+)(?:<nhwc>)?\((.*)\)(?: \{.*\})? : (.*?)(?:  ; .*)?$")


def model_path(name):
    return os.path.join(MODELS_DIR, name, "model.onnx")


def have(name):
    return os.path.exists(model_path(name))


def emit_ir(passes, name):
    r = subprocess.run([QONNXC, "--passes=" + passes, "--verify-each", "--emit=ir",
                        model_path(name)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run(passes, name):
    with tempfile.TemporaryDirectory() as d:
        out = os.path.join(d, "y.npy")
        r = subprocess.run([QONNXC, "run", "--interp", "--passes=" + passes, model_path(name),
                            "--input", os.path.join(MODELS_DIR, name, "inputs.npy"),
                            "--output", out], capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return np.load(out)


def ops_of(ir):
    ops = []
    for line in ir.splitlines():
        m = OP_LINE.match(line)
        if m:
            ops.append((m.group(2), m.group(4), line))
    return ops


def float_ops_inside(ir):
    ops = ops_of(ir)
    first = next((i for i, o in enumerate(ops) if o[0] in ("Quantize", "MultiThreshold")), None)
    last = max((i for i, o in enumerate(ops) if o[0] == "Dequantize"), default=None)
    if first is None or last is None:
        return None
    return [o[2] for o in ops[first:last]
            if o[0] != "Dequantize" and re.match(r"f(32|64)\[", o[1])]


@pytest.mark.parametrize("name", sorted(MODELS))
def test_ir_is_integer(name):
    if not have(name):
        pytest.skip("model missing")
    ir = emit_ir(LOWER, name)
    bad = float_ops_inside(ir)
    assert bad is not None, "no Quantize/Dequantize after lowering"
    print("\n%s: float ops inside the quantized part: %d" % (name, len(bad)))
    if MODELS[name]:
        assert not bad, "\n".join(bad)


def output_is_quantized(name):
    ops = ops_of(emit_ir(LOWER, name))
    return ops and ops[-1][0] == "Dequantize" and "MultiThreshold" in ops[-2][0] + "" or \
        (ops and ops[-1][0] == "Dequantize" and ops[-2][0] in ("Quantize", "MultiThreshold"))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_matches_float64_oracle(name):
    if not have(name):
        pytest.skip("model missing")
    oracle = run("promote-f64", name)
    lowered = run("promote-f64," + LOWER, name)
    assert oracle.shape == lowered.shape
    differ = int((oracle != lowered).sum())
    scale = max(float(np.abs(oracle).max()), 1e-300)
    worst = float(np.abs(oracle - lowered).max()) / scale
    print("\n%s: %d elements, %d not identical to the float64 oracle (max rel %.3g)"
          % (name, oracle.size, differ, worst))
    if output_is_quantized(name):
        assert differ == 0
    assert worst <= 1e-12


@pytest.mark.parametrize("name", sorted(MODELS))
def test_against_onnxruntime(name):
    if not have(name):
        pytest.skip("model missing")
    ref = np.load(os.path.join(MODELS_DIR, name, "outputs.npy")).astype(np.float64)
    got = run(LOWER, name).astype(np.float64).reshape(ref.shape)
    mag = np.maximum(np.abs(ref), 1.0)
    off = np.abs(got - ref) > 1e-5 * mag
    print("\n%s: %d of %d elements differ from ONNX Runtime beyond float32 rounding"
          % (name, int(off.sum()), ref.size))
    assert off.sum() <= max(0.001 * ref.size, 0)
