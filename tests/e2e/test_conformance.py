"""test_conformance.py: the ONNX project's conformance tests in
../shared/onnx-tests/*/* (model.onnx, test_data_set_0/input_*.pb and
output_*.pb), run with `qonnxc run --interp` on the .pb inputs and compared
with the expected outputs at ONNX's own backend-test tolerance (rtol 1e-3,
atol 1e-7).

A test whose import fails with "unsupported operators" is counted as
unsupported and skipped with the operators named; every other failure is a
failure. The count line `conformance: P passed, U unsupported, F failed` is
printed at the end of the test run and written to build/reports/conformance.txt
(conftest.py).
"""
import glob
import os
import re

import numpy as np
import onnx
import pytest
from onnx import numpy_helper

import runner

TESTS_DIR = os.path.join(runner.SHARED, "onnx-tests")
TESTS = sorted(d for d in glob.glob(os.path.join(TESTS_DIR, "*", "*"))
               if os.path.exists(os.path.join(d, "model.onnx")))
ABSENT = "no conformance tests: %s not found" % TESTS_DIR
RTOL, ATOL = 1e-3, 1e-7


def conformance_ids():
    return [os.path.relpath(d, TESTS_DIR) for d in TESTS] or ["shared-absent"]


def read_pb(path):
    t = onnx.TensorProto()
    with open(path, "rb") as f:
        t.ParseFromString(f.read())
    return numpy_helper.to_array(t)


def numbered(d, prefix):
    files = glob.glob(os.path.join(d, "test_data_set_0", prefix + "_*.pb"))
    return sorted(files, key=lambda p: int(re.search(r"_(\d+)\.pb$", p).group(1)))


def record(outcome, name, detail=""):
    runner.count("conformance", outcome)
    if detail:
        runner.report("conformance", "%-60s %s %s" % (name, outcome, detail))


@pytest.mark.parametrize("name", conformance_ids())
def test_conformance(name, qonnxc, tmp_path):
    if not TESTS:
        runner.report("conformance", "skipped: " + ABSENT)
        pytest.skip(ABSENT)
    d = os.path.join(TESTS_DIR, name)
    ins = numbered(d, "input")
    expected = [read_pb(p) for p in numbered(d, "output")]
    outs = [str(tmp_path / ("out_%d.npy" % k)) for k in range(len(expected))]
    p = runner.run_interp(os.path.join(d, "model.onnx"), ins, outs)
    if p.returncode != 0 and re.search(r"unsupported operator", p.stderr, re.I):
        record("unsupported", name, p.stderr.strip())
        pytest.skip("unsupported: " + p.stderr.strip())
    problem = None
    if p.returncode != 0:
        problem = "qonnxc exited %d: %s" % (p.returncode, p.stderr.strip())
    else:
        for k, (o, e) in enumerate(zip(outs, expected)):
            got = np.load(o)
            if got.shape != e.shape:
                problem = "output %d: shape %s, expected %s" % (k, list(got.shape),
                                                                list(e.shape))
            elif e.dtype.kind in "biu":
                if not np.array_equal(got, e):
                    problem = "output %d: values differ" % k
            elif not np.allclose(got, e, rtol=RTOL, atol=ATOL, equal_nan=True):
                diff = np.abs(got.astype(np.float64) - e)
                i = np.unravel_index(np.argmax(diff - RTOL * np.abs(e)), e.shape)
                problem = "output %d: %d of %d elements differ, worst at %s: got %r, " \
                    "expected %r" % (k, int((diff > ATOL + RTOL * np.abs(e)).sum()), e.size,
                                     list(i), got[i].item(), e[i].item())
            if problem:
                break
    if problem:
        record("failed", name, problem)
        pytest.fail(problem, pytrace=False)
    record("passed", name)
