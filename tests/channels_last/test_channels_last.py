"""test_channels_last.py: the channels-last pass, end to end through qonnxc.

For each model of models.py: after `--passes=cleanup,channels-last
--verify-each` the IR (--emit=ir) has the expected channels-last ops and no
more Transposes than the minimum the case states, and running it with the
interpreter gives
  - exactly the outputs of the same pipeline without channels-last: the pass
    only moves data, and the interpreter's kernels sum in the same order in
    both layouts (only their strides differ), so even float results keep
    every bit. (A MatMul whose weight rows the pass permuted sums in another
    order; it sums in double and rounds once, so a difference would be a
    1-ulp one, and none of these models shows any.)
  - the outputs of the unconverted model: exactly for quantized chains, for
    float ones within rounding, since cleanup folds biases and
    BatchNormalization into other ops (1e-5 relative, 1e-6 absolute).
Then every model of ../shared/models (skipped when absent) is compared the
same way; the number of Transposes left and of differing elements per model
go to the report printed at the end (conftest.py).

QONNXC names the compiler (default: build/qonnxc of this tree).
"""
import os
import re
import subprocess

import numpy as np
import onnx
import pytest

import models
from cl_reports import report

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared", "models"))
TIMEOUT = 120


def qonnxc_path():
    return os.environ.get("QONNXC") or os.path.join(ROOT, "build", "qonnxc")


@pytest.fixture(scope="session")
def qonnxc():
    path = qonnxc_path()
    if not os.path.exists(path):
        pytest.skip("qonnxc not built (%s missing) and QONNXC not set" % path)
    return path


def call(qonnxc, *args):
    r = subprocess.run([qonnxc] + list(args), capture_output=True, text=True, timeout=TIMEOUT)
    assert r.returncode == 0, "qonnxc %s failed:\n%s" % (" ".join(args), r.stderr)
    return r.stdout


def emit_ir(qonnxc, model, passes):
    return call(qonnxc, "--passes=" + passes, "--verify-each", "--emit=ir", model)


def transposes(ir):
    return len(re.findall(r"^%\S+ = Transpose\(", ir, re.M))


def nhwc_ops(ir):
    counts = {}
    for op in re.findall(r"^%\S+(?:, %\S+)* = (\w+)<nhwc>\(", ir, re.M):
        counts[op] = counts.get(op, 0) + 1
    return counts


def run(qonnxc, model, inputs, workdir, tag, passes=None, noutputs=1):
    """Outputs of the interpreter on model, after passes (None: none)."""
    args = ["run", "--interp", model]
    if passes:
        args += ["--passes=" + passes, "--verify-each"]
    for i, x in enumerate(inputs):
        path = os.path.join(workdir, "in%d.npy" % i)
        np.save(path, x)
        args += ["--input", path]
    outs = [os.path.join(workdir, "%s_out%d.npy" % (tag, i)) for i in range(noutputs)]
    for o in outs:
        args += ["--output", o]
    call(qonnxc, *args)
    return [np.load(o) for o in outs]


def without_channels_last(passes):
    rest = [p for p in passes.split(",") if p != "channels-last"]
    return ",".join(rest) or "none"


def differing(a, b):
    return int(np.sum(a != b)) if a.shape == b.shape else max(a.size, b.size)


# ---- the generated models ------------------------------------------------------------------

CASES = models.all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_generated(case, qonnxc, tmp_path):
    path = str(tmp_path / (case.name + ".onnx"))
    onnx.save(case.model, path)
    base = without_channels_last(case.passes)
    ir = emit_ir(qonnxc, path, case.passes)
    if case.unchanged:
        assert ir == emit_ir(qonnxc, path, base), "the pass changed a graph it has no work on"
    if case.transposes is not None:
        assert transposes(ir) == case.transposes, ir
    assert nhwc_ops(ir) == case.nhwc, ir
    for text in case.ir_checks:
        assert text in ir, "%r not in the IR:\n%s" % (text, ir)
    n = len(case.model.graph.output)
    after = run(qonnxc, path, case.inputs, str(tmp_path), "after", case.passes, n)
    before = run(qonnxc, path, case.inputs, str(tmp_path), "before", base, n)
    raw = run(qonnxc, path, case.inputs, str(tmp_path), "raw", None, n)
    for a, b, r in zip(after, before, raw):
        assert differing(a, b) == 0, "channels-last changed %d elements" % differing(a, b)
        if case.exact:
            assert differing(a, r) == 0
        else:
            np.testing.assert_allclose(a, r, rtol=1e-5, atol=1e-6)
    report("channels_last", "%-28s %d Transposes left, %s" % (
        case.name, transposes(ir), ", ".join("%s<nhwc> x%d" % kv for kv in
                                             sorted(nhwc_ops(ir).items())) or "no <nhwc> op"))


# ---- the shared models ------------------------------------------------------------------------

def shared_models():
    if not os.path.isdir(SHARED):
        return []
    return sorted(d for d in os.listdir(SHARED)
                  if os.path.exists(os.path.join(SHARED, d, "model.onnx")))


@pytest.mark.parametrize("name", shared_models() or ["(none)"])
def test_shared_model(name, qonnxc, tmp_path):
    folder = os.path.join(SHARED, name)
    model = os.path.join(folder, "model.onnx")
    if not os.path.exists(model):
        pytest.skip("%s is absent" % SHARED)
    if not os.path.exists(os.path.join(folder, "inputs.npy")):
        pytest.skip("%s has no reference inputs (not supported by the front-end)" % name)
    x = np.load(os.path.join(folder, "inputs.npy"))
    x = x[:1] if x[0].size > 100000 else x[:2]  # a few samples keep the suite fast
    ir = emit_ir(qonnxc, model, "cleanup,channels-last")
    quantized = "Quant(" in ir
    work = str(tmp_path)
    after = run(qonnxc, model, [x], work, "after", "cleanup,channels-last")[0]
    before = run(qonnxc, model, [x], work, "before", "cleanup")[0]
    raw = run(qonnxc, model, [x], work, "raw")[0]
    report("channels_last", "%-28s %d Transposes left, %s; %d of %d elements differ from "
           "the unconverted model%s" % (
               name, transposes(ir), ", ".join("%s<nhwc> x%d" % kv for kv in
                                               sorted(nhwc_ops(ir).items())) or "no <nhwc> op",
               differing(after, raw), raw.size, " (quantized)" if quantized else ""))
    assert differing(after, before) == 0
    if quantized:
        assert differing(after, raw) == 0
    else:
        np.testing.assert_allclose(after, raw, rtol=1e-5, atol=1e-6)
