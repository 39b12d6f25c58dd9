"""test_cleanup_models.py: the cleanup pass on real and generated models.

For each published model of ../shared/models and each model generated for the
end-to-end tests (tests/models, written to a temporary directory) or shipped
as an ONNX conformance test (../shared/onnx-tests): cleanup runs with the
verifier after it, and the interpreter's outputs on the imported graph and
after cleanup are compared. What differs is counted and reported at the end
of the run (conftest.py).

Tolerances. The published quantized models must give identical outputs:
there cleanup only reassociates float arithmetic between quantizers
(BatchNorm to Mul/Add, merged Mul/Add chains), whose results are rounded to
the next quantizer's grid; only a value within a rounding error of a
quantization threshold could flip, which none of the reference inputs has
(a future rewrite causing such a flip shows here with its count). Float
outputs, and the generated models (some quantize only their input and fold a
BatchNorm into float Conv weights after it), may differ by the few float32 roundings a rewrite moves (Gemm's
single rounding split over MatMul and Add, a bias added inside Conv's double
accumulation instead of after it, scaled weights, BatchNorm's scale computed
as scale / sqrt(var + eps)): each is at most 2^-24 of a value no larger than
the model's largest output times the gain of the layers after it, so
FLOAT_RTOL = 1e-6 of the largest output (16 roundings at gain 1) bounds them;
the worst seen is 1.2e-7. A wrong rewrite errs by O(1) of the output.
NaN outputs compare equal to NaN.
"""
import glob
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import onnx
import pytest

import util

MODELS_DIR = os.path.join(util.SHARED, "models")
MODELS = sorted(glob.glob(os.path.join(MODELS_DIR, "*", "model.onnx")))
CONFORMANCE = sorted(glob.glob(os.path.join(util.SHARED, "onnx-tests", "*", "*", "model.onnx")))
QUANTIZERS = {"Quant", "IntQuant", "BipolarQuant", "Trunc"}
FLOAT_RTOL = 1e-6
# The largest models run their first samples only (their per-sample cost is
# ~0.5 s in the interpreter); smaller ones run every reference sample.
MAX_INPUT_ELEMENTS = 100_000


def model_ids():
    return [os.path.basename(os.path.dirname(m)) for m in MODELS] or ["shared-absent"]


def compare(before, after, exact):
    """(number of differing elements, message or None)."""
    differing, problems = 0, []
    for k, (b, a) in enumerate(zip(before, after)):
        if b.shape != a.shape or b.dtype != a.dtype:
            problems.append("output %d: %s %s vs %s %s" % (k, b.dtype, b.shape, a.dtype, a.shape))
            continue
        same = (b == a) | (np.isnan(b) & np.isnan(a)) if b.dtype.kind == "f" else b == a
        differing += int((~same).sum())
        if exact or b.dtype.kind != "f" or same.all():
            if not same.all():
                problems.append("output %d: %d of %d elements differ" % (k, (~same).sum(), b.size))
            continue
        scale = np.nanmax(np.abs(b.astype(np.float64))) if b.size else 0.0
        err = np.abs(b.astype(np.float64) - a)
        err[~same & np.isnan(err)] = np.inf  # NaN on one side only
        if np.any(err[~same] > FLOAT_RTOL * scale):
            problems.append("output %d: max |diff| %g beyond %g * max|output| %g" % (
                k, err[~same].max(), FLOAT_RTOL, scale))
    return differing, "; ".join(problems) or None


def is_quantized(path):
    return any(n.op_type in QUANTIZERS for n in onnx.load(path, load_external_data=False).graph.node)


def unsupported(path):
    p = util.run([path, "--passes=none"])
    return p.returncode == 1 and re.search(r"unsupported operator", p.stderr, re.I)


# ---- the published models ----------------------------------------------------------

@pytest.mark.parametrize("name", model_ids())
def test_shared_model(qonnxc, tmp_path, name):
    if not MODELS:
        util.REPORT.append("shared models: skipped, %s not found" % MODELS_DIR)
        pytest.skip("no models: %s not found" % MODELS_DIR)
    path = os.path.join(MODELS_DIR, name, "model.onnx")
    if unsupported(path):
        util.REPORT.append("%-24s skipped: unsupported operators" % name)
        pytest.skip("unsupported operators")
    ir = util.emit_ir(path)
    ops = util.op_counts(ir)
    quantized = is_quantized(path)
    # In a quantized model a BatchNormalization whose affine constants are not
    # float32 numbers stays, for the integer lowering to evaluate exactly.
    gone_ops = ("Gemm", "Identity", "Dropout", "Shape") + (() if quantized else ("BatchNormalization",))
    for gone in gone_ops:
        assert gone not in ops, "%s left after cleanup:\n%s" % (gone, ir)
    inputs = os.path.join(MODELS_DIR, name, "inputs.npy")
    if not os.path.exists(inputs):
        util.REPORT.append("%-24s cleanup ok; no reference inputs" % name)
        return
    x = np.load(inputs)
    per_sample = int(np.prod(x.shape[1:]))
    x = x[:max(1, MAX_INPUT_ELEMENTS // per_sample)]
    before, after = util.before_after(path, [x], tmp_path)
    differing, problem = compare(before, after, exact=quantized)
    util.REPORT.append("%-24s %s, %d samples: %d of %d output elements differ after cleanup" % (
        name, "quantized" if quantized else "float", x.shape[0], differing,
        sum(b.size for b in before)))
    assert problem is None, problem


def test_tfc_flatten_chain_folded(qonnxc):
    path = os.path.join(MODELS_DIR, "tfc_2w2a", "model.onnx")
    if not os.path.exists(path):
        pytest.skip("%s not found" % path)
    ir = util.emit_ir(path)
    ops = util.op_counts(ir)
    # (its final BatchNormalization stays: inexact in float32, see above)
    for gone in ("Shape", "Gather", "Unsqueeze", "Concat", "Sub"):
        assert gone not in ops, ir
    reshape = re.search(r"^%\S+ = Reshape\(%\S+, %(\S+)\) : f32\[1,784\]", ir, re.M)
    assert reshape, ir
    assert re.search(r"^const %%%s : i64\[2\] = \[1, -1\]$" % re.escape(reshape.group(1)), ir,
                     re.M), ir
    # the weight quantizers are kept for the integer lowering
    assert ops["IntQuant"] == 8, ir


# ---- every generated and conformance model -------------------------------------------------

def sweep_one(path, inputs, tmp_dir):
    """None when cleanup keeps the model's behaviour, else what went wrong;
    also the count of differing elements."""
    if util.run([path, "--passes=none"]).returncode != 0:
        return None, 0  # not importable: nothing for cleanup to do
    p = util.run(["--emit=ir", "--passes=cleanup", "--verify-each", path])
    if p.returncode != 0:
        return "cleanup failed: %s" % p.stderr.strip(), 0
    outs = []
    for passes in (None, "cleanup"):
        try:
            outs.append(util.interp(path, inputs, tmp_dir, passes=passes))
        except AssertionError as e:
            if passes is None:
                return None, 0  # the original does not run either
            return "run after cleanup failed: %s" % e, 0
    differing, problem = compare(outs[0], outs[1], exact=False)
    return problem, differing


def sweep(cases, tmp_path, label):
    def job(item):
        k, (path, inputs) = item
        d = tmp_path / ("m%d" % k)
        d.mkdir()
        return path, sweep_one(path, inputs, d)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(job, enumerate(cases)))
    failures = ["%s: %s" % (p, r[0]) for p, r in results if r[0]]
    changed = sum(1 for _, r in results if r[1])
    util.REPORT.append("%s: %d models, %d with output elements changed by float reassociation, "
                       "%d failures" % (label, len(results), changed, len(failures)))
    assert not failures, "\n".join(failures)


def test_generated_models(qonnxc, tmp_path):
    sys.path.insert(0, os.path.join(util.ROOT, "tests", "models"))
    try:
        import generate
    except ImportError as e:
        pytest.skip("tests/models/generate.py not importable: %s" % e)
    out = tmp_path / "models"
    generate.write_all(str(out))
    cases = []
    for d in sorted(glob.glob(str(out / "*" / "model.onnx"))):
        ins = sorted(glob.glob(os.path.join(os.path.dirname(d), "input_*.npy")),
                     key=lambda f: int(re.search(r"input_(\d+)", f).group(1)))
        cases.append((d, ins))
    sweep(cases, tmp_path, "generated models")


def test_conformance_models(qonnxc, tmp_path):
    if not CONFORMANCE:
        pytest.skip("no ONNX conformance tests under %s" % util.SHARED)
    cases = []
    for m in CONFORMANCE:
        ins = sorted(glob.glob(os.path.join(os.path.dirname(m), "test_data_set_0", "input_*.pb")),
                     key=lambda f: int(re.search(r"input_(\d+)", f).group(1)))
        cases.append((m, ins))
    sweep(cases, tmp_path, "ONNX conformance models")
