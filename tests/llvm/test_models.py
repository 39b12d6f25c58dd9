"""test_models.py: every generated test model (tests/models/) and every
shared model (../shared/models) compiled to an object, linked with the C
harness, run, and compared with the interpreter on the same IR (both with
the compile pipeline's passes).

A model using an op without an LLVM kernel yet is an expected failure that
names the op (the backend's own one-line error); everything else must
compile, have only the documented symbols and no writable data and a sound
memory plan (as `-v` prints it: tensors live at the same time never share
bytes), link, pass
the harness's checks (harness.c, mode check: P_run_v, random workspace
bytes, exactly sized buffers behind guard pages, refused bad arguments) and
agree with the interpreter. Where a model has quantized inputs or outputs
(the compile pipeline lowers quantizers to integers), P_run_q must give
P_run's results. Counts per group are printed at the end (conftest.py).
"""
import glob
import os

import numpy as np
import onnx
import pytest

import generate
import llvmkit
import runner

CASES = list(generate.all_cases())

SHARED_DIR = os.path.join(runner.SHARED, "models")
SHARED = sorted(os.path.basename(os.path.dirname(p))
                for p in glob.glob(os.path.join(SHARED_DIR, "*", "model.onnx")))
QUANTIZERS = {"Quant", "IntQuant", "BipolarQuant", "Trunc", "FloatQuant"}

# Shared models run their first samples only: the rest are more inputs of the
# same graph, and the interpreter is slow on the convolutional ones.
SHARED_SAMPLES = 8

# Shared-model float tolerance, compiled against the interpreter. Both run
# the same IR in float32 and differ only in the order of summations (the
# kernels may vectorize reductions): each output is a sum of up to a few
# thousand products, whose rounding error is a few float32 ulps of the
# magnitude of the summed terms. RTOL 1e-5 is ~80 ulps of the output; ATOL
# is relative to the largest output magnitude (ATOL_SCALE * max|ref|) since
# an output near zero comes from cancelling terms as large as the others.
RTOL = 1e-5
ATOL_SCALE = 1e-5
# Quantized models: a value entering a quantizer within rounding error of a
# rounding threshold may round the other way and change every later value
# of its sample by about a quantization step. Such flips have a probability
# of order 1e-6 per quantizer evaluation; the bound allowed is the larger of
# 1% of the elements and one sample's outputs.
STEP_FRACTION = 0.01


def build_and_run(model, inputs, tmp_path, harness, group, passes=llvmkit.DEFAULT_PASSES):
    """Compiles, links and runs model on the input files (harness mode
    check). When the model has quantized inputs or outputs, P_run_q (with
    libqonnxrt converting them, exactly as the model's Quantize and
    Dequantize do) must give P_run's results bit for bit. Returns (outputs
    as arrays, None) or (None, reason) after counting the outcome; xfails
    for an op without a kernel."""
    obj = str(tmp_path / "m.o")
    p = llvmkit.compile_model(model, obj, "m", passes, ["-v"])
    reason = llvmkit.unsupported(p)
    if reason:
        llvmkit.count(group, "unsupported")
        pytest.xfail(reason)
    if p.returncode != 0:
        llvmkit.count(group, "failed")
        return None, "qonnxc exited %d: %s" % (p.returncode, p.stderr.strip())
    llvmkit.count(group, "compiled")
    try:
        llvmkit.check_symbols_and_sections(obj, "m")
    except AssertionError as e:
        llvmkit.count(group, "failed")
        return None, "object: %s" % e
    problems = llvmkit.plan_problems(p.stderr, str(tmp_path / "m.h"))
    if problems:
        llvmkit.count(group, "failed")
        return None, "memory plan: " + "; ".join(problems[:5])
    exe = str(tmp_path / "run")
    p = harness.link(obj, str(tmp_path / "m.h"), "m", exe)
    if p.returncode != 0:
        llvmkit.count(group, "failed")
        return None, "linking failed: " + p.stderr.strip()[-2000:]
    llvmkit.count(group, "linked")
    nout = len(onnx.load(model, load_external_data=False).graph.output)
    outs = [str(tmp_path / ("out_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.run_harness(exe, "check", inputs, outs)
    if p.returncode != 0:
        llvmkit.count(group, "failed")
        return None, "harness exited %d: %s" % (p.returncode, p.stderr.strip())
    got = [np.load(o) for o in outs]
    if llvmkit.quantized_entry(str(tmp_path / "m.h")):
        llvmkit.count(group, "with P_run_q")
        problem = check_q_entry(exe, inputs, got, tmp_path)
        if problem:
            llvmkit.count(group, "failed")
            return None, problem
    return got, None


def check_q_entry(exe, inputs, got, tmp_path):
    outs = [str(tmp_path / ("q_%d.npy" % k)) for k in range(len(got))]
    p = llvmkit.run_harness(exe, "q", inputs, outs)
    if p.returncode != 0:
        return "harness (q) exited %d: %s" % (p.returncode, p.stderr.strip())
    for k, o in enumerate(outs):
        if not np.array_equal(np.load(o).view(np.uint32), got[k].view(np.uint32)):
            return "output %d of P_run_q differs from P_run" % k
    return None


def interp_outputs(model, inputs, nout, tmp_path, passes=llvmkit.DEFAULT_PASSES):
    outs = [str(tmp_path / ("ref_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.interp(model, inputs, outs, passes)
    assert p.returncode == 0, "interpreter failed: " + p.stderr
    return [np.load(o) for o in outs]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_generated(case, test_models, harness, tmp_path):
    d = os.path.join(test_models, case.name)
    model = os.path.join(d, "model.onnx")
    inputs = [os.path.join(d, "input_%d.npy" % k) for k in range(len(case.inputs))]
    got, problem = build_and_run(model, inputs, tmp_path, harness, "generated")
    if problem:
        pytest.fail(problem, pytrace=False)
    ref = interp_outputs(model, inputs, len(got), tmp_path)
    check_outputs(case, model, got, ref, "generated")


def check_outputs(case, model, got, ref, group):
    absref = None
    if case.tol == "accum":
        import reference
        absref = reference.run_model(model, case.inputs, wide=True, absolute=True)
    problems = [llvmkit.check_against_interp(g, r, case.tol,
                                             absref[k] if absref is not None else None,
                                             "output %d" % k)
                for k, (g, r) in enumerate(zip(got, ref))]
    problems = [p for p in problems if p]
    if problems:
        llvmkit.count(group, "failed")
        pytest.fail("%s [%s]:\n%s" % (case.name, case.what, "\n".join(problems)), pytrace=False)
    llvmkit.count(group, "passed")


def shared_inputs(name, tmp_path):
    x = np.load(os.path.join(SHARED_DIR, name, "inputs.npy"))[:SHARED_SAMPLES]
    path = str(tmp_path / "inputs.npy")
    np.save(path, x)
    return path


def is_quantized(model):
    m = onnx.load(model, load_external_data=False)
    return any(n.op_type in QUANTIZERS for n in m.graph.node)


def compare_shared(got, ref, quantized):
    """None when the compiled outputs match the interpreter's within the
    float tolerance above (plus rare quantizer flips for quantized models)."""
    problems = []
    for k, (g, r) in enumerate(zip(got, ref)):
        if g.shape != r.shape:
            problems.append("output %d: shape %s, expected %s" % (k, g.shape, r.shape))
            continue
        g64, r64 = g.astype(np.float64), r.astype(np.float64)
        atol = ATOL_SCALE * (np.max(np.abs(r64)) if r64.size else 0.0)
        bad = ~(np.abs(g64 - r64) <= atol + RTOL * np.abs(r64))
        bad &= ~(np.isnan(g64) & np.isnan(r64))
        n = int(bad.sum())
        per_sample = r.size // max(1, r.shape[0]) if r.ndim else 1
        allowed = max(STEP_FRACTION * r.size, per_sample) if quantized else 0
        if n > allowed:
            i = tuple(np.argwhere(bad)[0])
            problems.append("output %d: %d of %d elements differ (allowed %d); first at %s: "
                            "interpreter %r, compiled %r" % (k, n, r.size, allowed, list(i),
                                                             r[i].item(), g[i].item()))
    return "\n".join(problems) or None


def compile_only(model, tmp_path, group):
    """Compiles a model that has no inputs to run it on; an operator the
    front-end or the backend does not support is an expected failure."""
    obj = str(tmp_path / "m.o")
    p = llvmkit.compile_model(model, obj, "m", llvmkit.DEFAULT_PASSES)
    reason = llvmkit.unsupported(p)
    if reason:
        llvmkit.count(group, "unsupported")
        pytest.xfail(reason)
    assert p.returncode == 0, p.stderr
    llvmkit.count(group, "compiled")
    llvmkit.check_symbols_and_sections(obj, "m")


def shared_ids():
    return SHARED or ["shared-absent"]


@pytest.mark.parametrize("name", shared_ids())
def test_shared(name, harness, tmp_path):
    if not SHARED:
        pytest.skip("no models: %s not found" % SHARED_DIR)
    model = os.path.join(SHARED_DIR, name, "model.onnx")
    if not os.path.exists(os.path.join(SHARED_DIR, name, "inputs.npy")):
        compile_only(model, tmp_path, "shared")
        pytest.skip("%s has no inputs.npy: compiled, not run" % name)
    inputs = [shared_inputs(name, tmp_path)]
    got, problem = build_and_run(model, inputs, tmp_path, harness, "shared")
    if problem:
        pytest.fail(problem, pytrace=False)
    ref = interp_outputs(model, inputs, len(got), tmp_path)
    problem = compare_shared(got, ref, is_quantized(model))
    if problem:
        llvmkit.count("shared", "failed")
        pytest.fail(problem, pytrace=False)
    llvmkit.count("shared", "passed")
