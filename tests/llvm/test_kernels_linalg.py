"""test_kernels_linalg.py: the LLVM linear-algebra, window, reduction and
normalization kernels on the models of linalg_cases.py (integer and f64
types, partial float sums of convolutions, groups and dilations in 1 to 3
spatial dims, transposed convolutions, ceil_mode pools and MaxPool's
Indices, NaN in max-like reductions, normalizations).

Each model is compiled twice, with the compile pipeline (Conv and the pools
become channels-last there) and with no pass at all (the NCHW forms), linked
with the C harness, run in its check mode, and compared with the
interpreter on the same IR. The kernels repeat the interpreter's arithmetic
in its order (sums of products in double in the same partial sums, pools
and reductions in tap and row-major order, normalizations with the same
roundings), so every output must be equal bit for bit; except Softmax and
LogSoftmax, whose exp and log are the backend's inline functions, within a
few ulp of the C library's the interpreter calls: they are compared in the
"composite" class (tests/e2e/compare.py), whose bound covers a few ulp on
each of the exp terms, the sum, the log and the final division.
"""
import os

import numpy as np
import pytest

import linalg_cases
import llvmkit
import runner

CASES = linalg_cases.cases()
PIPELINES = {"passes": llvmkit.DEFAULT_PASSES, "nopasses": "none"}


def tolerance(name):
    return "composite" if "softmax" in name else "exact"


@pytest.fixture(scope="module")
def models(compiler):
    out = os.path.join(runner.BUILD, "llvm-linalg-models")
    linalg_cases.write_all(out)
    return out


def run_compiled(model, inputs, nout, passes, harness, tmp_path):
    """Compiles, links and runs model; its outputs as arrays."""
    obj = str(tmp_path / "m.o")
    p = llvmkit.compile_model(model, obj, "m", passes)
    assert p.returncode == 0, "qonnxc failed: " + p.stderr
    exe = str(tmp_path / "run")
    p = harness.link(obj, str(tmp_path / "m.h"), "m", exe)
    assert p.returncode == 0, "linking failed: " + p.stderr[-2000:]
    outs = [str(tmp_path / ("out_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.run_harness(exe, "check", inputs, outs)
    assert p.returncode == 0, "harness exited %d: %s" % (p.returncode, p.stderr)
    return [np.load(o) for o in outs]


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_linalg(case, pipeline, models, harness, tmp_path):
    name, m, arrays = case
    passes = PIPELINES[pipeline]
    d = os.path.join(models, name)
    model = os.path.join(d, "model.onnx")
    inputs = [os.path.join(d, "input_%d.npy" % k) for k in range(len(arrays))]
    nout = len(m.graph.output)
    got = run_compiled(model, inputs, nout, passes, harness, tmp_path)
    refs = [str(tmp_path / ("ref_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.interp(model, inputs, refs, passes)
    assert p.returncode == 0, "interpreter failed: " + p.stderr
    problems = [llvmkit.check_against_interp(g, np.load(r), tolerance(name),
                                             label="output %d" % k)
                for k, (g, r) in enumerate(zip(got, refs))]
    problems = [q for q in problems if q]
    llvmkit.count("linalg", "failed" if problems else "passed")
    assert not problems, "\n".join(problems)
