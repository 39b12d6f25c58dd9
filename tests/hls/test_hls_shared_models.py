"""test_hls_shared_models.py: every quantized shared model (../shared/models whose
IR after the default pipeline has a Quantize, hence an integer kernel) as an
HLS project:

- the project is generated and `make csim` passes: every golden vector (the
  interpreter's results on the same integer IR) bit for bit, every layer
  traced;
- its testbench on the model's inputs.npy (quantize, kernel, dequantize)
  gives exactly the float32 outputs of `qonnxc run` (the JIT); where the
  float tail computes a transcendental function (Softmax...), the host C
  calls the C library where the JIT inlines its own approximation, which
  tests/llvm/test_kernels_elementwise.py bounds by one float32 ulp per
  call: a softmax adds a few such errors (its exps, the sum, the quotient),
  so 16 ulps are allowed there and nothing anywhere else;
- the kernel file compiles as freestanding C99 without floating-point
  registers or VLAs and needs no outside symbol (nm -u empty);
- the _BitInt kernel (`make bitint`, clang-19) passes the golden vectors and
  gives the same float outputs;
- generating twice gives byte-identical projects.
"""
import glob
import os

import numpy as np
import pytest

import hlskit
import runner

SHARED_DIR = os.path.join(runner.SHARED, "models")
TRANSCENDENTAL = {"Softmax", "LogSoftmax", "Exp", "Log", "Sigmoid", "Tanh", "Erf", "Pow",
                  "Sqrt", "Elu", "Softplus"}


def quantized_shared_models():
    if not os.path.exists(hlskit.qonnxc()):
        return []
    names = sorted(os.path.basename(os.path.dirname(p))
                   for p in glob.glob(os.path.join(SHARED_DIR, "*", "model.onnx")))
    return [n for n in names if hlskit.has_integer_part(os.path.join(SHARED_DIR, n, "model.onnx"))]


MODELS = quantized_shared_models()


def model_path(name):
    return os.path.join(SHARED_DIR, name, "model.onnx")


def project(name, workdir):
    prj = hlskit.Project.get(model_path(name), os.path.join(workdir, "shared"), name)
    assert prj.gen.returncode == 0, prj.gen.stderr
    return prj


def tail_ops(model):
    """Float ops after the last Dequantize of the IR."""
    ir = hlskit.emit_ir(model)
    tail = ir[ir.rfind("= Dequantize("):]
    return {m for m in TRANSCENDENTAL if "= %s(" % m in tail}


def test_quantized_shared_models_found(compiler):
    if os.path.isdir(SHARED_DIR):
        assert len(MODELS) >= 1, "no shared model has an integer part after lower-integer"


@pytest.mark.parametrize("name", MODELS)
def test_csim_bit_exact(name, workdir):
    prj = project(name, workdir)
    problem = hlskit.golden_ok(prj.csim)
    hlskit.count("shared csim", "passed" if not problem else "failed")
    assert problem is None, problem


@pytest.mark.parametrize("name", MODELS)
def test_files_as_qonnxc_run(name, workdir):
    prj = project(name, workdir)
    assert prj.csim.returncode == 0, prj.csim.stdout + prj.csim.stderr
    inputs = os.path.join(SHARED_DIR, name, "inputs.npy")
    if not os.path.exists(inputs):
        pytest.skip("no inputs.npy")
    out = os.path.join(workdir, "files", name)
    os.makedirs(out, exist_ok=True)
    transcendental = tail_ops(model_path(name))
    problem = hlskit.check_files_equal(prj, model_path(name), [inputs], out,
                                       exact=not transcendental, ulps=16)
    hlskit.count("shared files = qonnxc run", "passed" if not problem else "failed")
    assert problem is None, problem


@pytest.mark.parametrize("name", MODELS)
def test_kernel_freestanding(name, workdir):
    prj = project(name, workdir)
    problem = hlskit.freestanding_problem(prj.src("model.c"), os.path.join(workdir, "files"))
    hlskit.count("shared freestanding", "passed" if not problem else "failed")
    assert problem is None, problem


@pytest.mark.parametrize("name", MODELS)
def test_bitint(name, workdir):
    prj = project(name, workdir)
    p = hlskit.make(prj.dir, "bitint")
    problem = hlskit.golden_ok(p)
    assert problem is None, problem
    inputs = os.path.join(SHARED_DIR, name, "inputs.npy")
    if os.path.exists(inputs):
        d = os.path.join(workdir, "files", name)
        os.makedirs(d, exist_ok=True)
        a, b = os.path.join(d, "bitint.npy"), os.path.join(d, "stdint.npy")
        for exe, out in ((prj.exe + "_bitint", a), (prj.exe, b)):
            r = hlskit.tb_files(exe, [inputs], [out])
            assert r.returncode == 0, r.stderr
        assert np.array_equal(np.load(a), np.load(b), equal_nan=True)
    problem = hlskit.freestanding_problem(prj.src("model.c"), os.path.join(workdir, "files"),
                                          hlskit.CLANG, "-std=c2x", ["-DQONNX_HLS_BITINT"])
    assert problem is None, problem
    hlskit.count("shared bitint", "passed")


@pytest.mark.parametrize("name", MODELS)
def test_byte_identical(name, workdir):
    prj = project(name, workdir)
    again = os.path.join(workdir, "again", name)
    os.makedirs(os.path.dirname(again), exist_ok=True)
    p = hlskit.generate(model_path(name), again)
    assert p.returncode == 0, p.stderr
    first, second = hlskit.project_files(prj.dir), hlskit.project_files(again)
    assert sorted(first) == sorted(second)
    differ = [k for k in first if first[k] != second[k]]
    assert not differ, "files differ: %s" % differ
