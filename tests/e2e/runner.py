"""runner.py: running qonnxc from the end-to-end tests, checking its one-line
error contract, and collecting the per-run reports that conftest.py prints
at the end of the run and writes to build/reports/.

Paths: ROOT is the repository; the compiler is $QONNXC (an absolute path),
else ROOT/build/qonnxc; generated models go to ROOT/build/test-models and
ROOT/build/bad-models; the shared data is ROOT/../shared.
"""
import os
import re
import subprocess
import sys

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared"))
REPORT_DIR = os.path.join(BUILD, "reports")

sys.path.insert(0, os.path.join(ROOT, "tests", "models"))
sys.path.insert(0, os.path.join(ROOT, "tests", "bad"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402
import reference  # noqa: E402

ERROR_LINE = re.compile(r"^qonnxc: error: .+$")
TIMEOUT = 120  # seconds for one qonnxc run; the largest shared model takes a few

# report name -> list of lines; filled by tests, printed by conftest.py
REPORTS = {}


# report name -> outcome -> count; the conformance count line comes from here
COUNTS = {}


def report(name, line):
    REPORTS.setdefault(name, []).append(line)


def count(name, outcome):
    c = COUNTS.setdefault(name, {})
    c[outcome] = c.get(outcome, 0) + 1


def conformance_line():
    c = COUNTS.get("conformance", {})
    return "conformance: %d passed, %d unsupported, %d failed" % (
        c.get("passed", 0), c.get("unsupported", 0), c.get("failed", 0))


def qonnxc_path():
    return os.environ.get("QONNXC") or os.path.join(BUILD, "qonnxc")


def run(args, timeout=TIMEOUT, binary=None):
    """Runs qonnxc (or binary) with args; returns the CompletedProcess (text)."""
    return subprocess.run([binary or qonnxc_path()] + [str(a) for a in args],
                          capture_output=True, text=True, timeout=timeout, errors="replace")


def run_interp(model, inputs, outputs, extra=()):
    args = ["run", "--interp", model]
    for i in inputs:
        args += ["--input", i]
    for o in outputs:
        args += ["--output", o]
    return run(args + list(extra))


def error_contract(proc, code):
    """None when proc failed with exit code `code` and exactly one stderr line
    of the form 'qonnxc: error: ...', else what is wrong."""
    lines = proc.stderr.splitlines()
    if proc.returncode != code:
        return "exit status %d, expected %d; stderr: %r" % (proc.returncode, code,
                                                            proc.stderr[-2000:])
    if len(lines) != 1 or not ERROR_LINE.match(lines[0]):
        return "stderr is not one 'qonnxc: error: ' line: %r" % proc.stderr[-2000:]
    return None


def case_dir(models_dir, case):
    return os.path.join(models_dir, case.name)


def check_case(case, models_dir, tmp_path):
    """Runs one generated case with the interpreter and compares every output
    with the reference. Returns a failure description or None."""
    d = case_dir(models_dir, case)
    model = os.path.join(d, "model.onnx")
    ins = [os.path.join(d, "input_%d.npy" % k) for k in range(len(case.inputs))]
    nout = len(case.model.graph.output)
    outs = [str(tmp_path / ("out_%d.npy" % k)) for k in range(nout)]
    proc = run_interp(model, ins, outs)
    head = "%s [%s]" % (case.name, case.what)
    if proc.returncode != 0:
        return "%s: qonnxc exited %d: %s" % (head, proc.returncode, proc.stderr.strip()[-1500:])
    exp = reference.run_model(model, case.inputs)
    wide = absref = None
    if case.tol == "accum":
        wide = reference.run_model(model, case.inputs, wide=True)
        absref = reference.run_model(model, case.inputs, wide=True, absolute=True)
    x = case.inputs[0] if case.inputs else None
    problems = []
    for k in range(nout):
        if not os.path.exists(outs[k]):
            problems.append("output %d (%s) was not written" % (k, case.model.graph.output[k].name))
            continue
        got = np.load(outs[k])
        label = "output %d '%s'" % (k, case.model.graph.output[k].name)
        if case.tol == "accum" and exp[k].dtype.kind == "f":
            msg = compare.check_output(label, got, wide[k], "accum", absref[k], x,
                                       want_dtype=compare.expected_dtype(exp[k]))
        else:
            tol = case.tol if exp[k].dtype.kind == "f" else "exact"
            msg = compare.check_output(label, got, exp[k], tol, None, x)
        if msg:
            problems.append(msg)
    if problems:
        return "%s:\n%s" % (head, "\n".join(problems))
    return None


def write_reports():
    """Writes each report to build/reports/NAME.txt; returns their text."""
    os.makedirs(REPORT_DIR, exist_ok=True)
    if "conformance" in COUNTS:
        report("conformance", conformance_line())
    texts = {}
    for name, lines in sorted(REPORTS.items()):
        text = "\n".join(lines) + "\n"
        with open(os.path.join(REPORT_DIR, name + ".txt"), "w") as f:
            f.write(text)
        texts[name] = text
    return texts
