"""test_jit.py: `qonnxc run` through the JIT and `qonnxc verify`.

- run (JIT, default pipeline) against run --interp on the same IR (the
  default pipeline's), on the reference inputs of every shared model:
  outputs within FLOAT_RTOL of the output's largest magnitude, since the
  compiled float kernels may sum in another order than the interpreter
  (the integer parts agree exactly, and verify checks them).
- verify on every shared model with its inputs.npy: the numerical contract
  of the integer lowering against the float64 evaluation of the imported
  graph; the counts are printed.
- verify's command line: errors and exit codes.
"""
import os
import re
import subprocess

import numpy as np
import pytest

import llvmkit

SHARED = "/work/shared/models"
DEFAULT_PASSES = "cleanup,channels-last,lower-integer"
# float32 sums in another order: a few hundred ulp of the largest value
FLOAT_RTOL = 1e-4
VERIFY_LINE = re.compile(r"^output (\S+): (\d+) elements, max \|diff\| (\S+), (.*): (ok|CONTRACT BROKEN)$")


def shared_models():
    if not os.path.isdir(SHARED):
        return []
    return sorted(m for m in os.listdir(SHARED)
                  if os.path.exists(os.path.join(SHARED, m, "inputs.npy")))


def qonnxc(*args, timeout=600):
    return subprocess.run([llvmkit.qonnxc(), *args], capture_output=True, text=True,
                          timeout=timeout)


def run_both(model, inputs, tmp_path):
    args = []
    for k, x in enumerate(inputs):
        args += ["--input", x]
    jit = qonnxc("run", model, *args, "--output", str(tmp_path / "jit.npy"))
    ref = qonnxc("run", "--interp", "--passes=" + DEFAULT_PASSES, model, *args,
                 "--output", str(tmp_path / "ref.npy"))
    return jit, ref


def assert_close(got, want):
    assert got.shape == want.shape
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    assert np.all(np.abs(got.astype(np.float64) - want.astype(np.float64))
                  <= FLOAT_RTOL * scale + 1e-30), "max diff %g of %g" % (
        np.max(np.abs(got - want)), scale)


@pytest.mark.parametrize("name", shared_models())
def test_run_jit_shared(compiler, name, tmp_path):
    d = os.path.join(SHARED, name)
    jit, ref = run_both(os.path.join(d, "model.onnx"), [os.path.join(d, "inputs.npy")], tmp_path)
    assert ref.returncode == 0, ref.stderr
    assert jit.returncode == 0, jit.stderr
    assert_close(np.load(tmp_path / "jit.npy"), np.load(tmp_path / "ref.npy"))


@pytest.mark.parametrize("name", shared_models())
def test_verify_shared(compiler, name):
    d = os.path.join(SHARED, name)
    p = qonnxc("verify", os.path.join(d, "model.onnx"), "--input", os.path.join(d, "inputs.npy"))
    lines = [l for l in p.stdout.splitlines() if l.startswith("output ")]
    for line in lines:
        print(name, line)
        llvmkit.NOTES.append("verify %s: %s" % (name, line))
    assert lines and all(VERIFY_LINE.match(l) for l in lines), p.stdout + p.stderr
    assert p.returncode == 0, p.stdout + p.stderr


QUANTIZED = re.compile(r"quant|bipolar|trunc|^q")


def test_verify_random_inputs(compiler, test_models):
    """Without --input: random samples in the input quantizer's range, on
    every fourth generated quantized model with float inputs."""
    names = sorted(n for n in os.listdir(test_models) if QUANTIZED.search(n))
    assert len(names) > 20, "generated quantized models missing"
    checked, failed = 0, []
    for n in names[::4]:
        model = os.path.join(test_models, n, "model.onnx")
        p = qonnxc("verify", model)
        if "is not a float tensor" in p.stderr:
            continue
        assert p.stdout.startswith(model + ": 16 samples"), p.stdout + p.stderr
        if p.returncode != 0:
            failed.append(n + ": " + p.stdout.splitlines()[-1])
        checked += 1
    assert checked > 10
    assert not failed, "\n".join(failed)


@pytest.mark.parametrize("args,code,text", [
    (["verify"], 2, "no model given"),
    (["verify", "{m}", "-o", "x.o"], 2, "verify takes --input files and pass options only"),
    (["verify", "{m}", "--interp"], 2, "verify takes --input files and pass options only"),
    (["verify", "{m}", "--input", "/nonexistent.npy"], 2, "/nonexistent.npy"),
])
def test_verify_cli_errors(compiler, args, code, text):
    m = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mlp_w2a2.onnx")
    p = qonnxc(*[a.replace("{m}", m) for a in args])
    assert p.returncode == code, p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qonnxc: error: ") and text in lines[0], p.stderr


def run_jobs(model, x, jobs, tmp_path):
    out = tmp_path / ("jobs%s.npy" % jobs)
    args = ["run", model, "--input", str(x), "--output", str(out)]
    if jobs:
        args.insert(1, "--jobs=%d" % jobs)
    p = qonnxc(*args)
    assert p.returncode == 0, p.stderr
    return out.read_bytes()


def test_run_jobs_identical(compiler, tmp_path):
    """Samples spread over threads (each with its own workspace) give the
    bytes one thread gives, whatever the number of threads: the compiled
    code is reentrant and keeps no state between runs."""
    examples = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    model = os.path.join(examples, "mlp_w2a2.onnx")
    shape = list(np.load(os.path.join(examples, "mlp_w2a2_input.npy")).shape[1:])
    x = np.random.default_rng(7).uniform(-2, 2, size=[11] + shape).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    one = run_jobs(model, tmp_path / "x.npy", 1, tmp_path)
    for jobs in (2, 3, 16, 0):
        assert run_jobs(model, tmp_path / "x.npy", jobs, tmp_path) == one, jobs


@pytest.mark.parametrize("name", ["espcn_subpixel_quant", "tfc_2w2a"])
def test_run_jobs_identical_shared(compiler, name, tmp_path):
    d = os.path.join(SHARED, name)
    if not os.path.isdir(d):
        pytest.skip("no ../shared/models/" + name)
    model, x = os.path.join(d, "model.onnx"), os.path.join(d, "inputs.npy")
    one = run_jobs(model, x, 1, tmp_path)
    assert run_jobs(model, x, 3, tmp_path) == one


@pytest.mark.parametrize("args,text", [
    (["run", "--jobs=0", "{m}", "--input", "{m}"], "--jobs needs an integer from 1 to 256, got '0'"),
    (["run", "--jobs=x", "{m}", "--input", "{m}"], "--jobs needs an integer from 1 to 256, got 'x'"),
    (["run", "--jobs=257", "{m}", "--input", "{m}"], "--jobs needs an integer from 1 to 256"),
    (["{m}", "--jobs=2", "-o", "x.o"], "--jobs belong to 'qonnxc run'"),
    (["verify", "{m}", "--jobs=2"], "verify takes --input files and pass options only"),
])
def test_run_jobs_cli_errors(compiler, args, text):
    m = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "mlp_w2a2.onnx")
    p = qonnxc(*[a.replace("{m}", m) for a in args])
    assert p.returncode == 2, p.stderr
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and text in lines[0], p.stderr
