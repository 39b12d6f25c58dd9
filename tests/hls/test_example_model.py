"""test_example_model.py: the project's own example model (examples/mlp_w2a2.onnx,
a Linear -> BatchNorm1d -> quantized activation network as Brevitas exports it,
with Unsqueeze/Squeeze around each BatchNormalization) as an HLS project: it
lowers fully, so the backend accepts it; `make csim` passes every golden vector
bit for bit; the testbench on the example input gives exactly the float32
outputs of `qonnxc run`; the kernel is freestanding C99.
"""
import os

import hlskit
import runner

EXAMPLE = os.path.join(runner.ROOT, "examples", "mlp_w2a2.onnx")
INPUT = os.path.join(runner.ROOT, "examples", "mlp_w2a2_input.npy")


def example_project(workdir):
    prj = hlskit.Project.get(EXAMPLE, os.path.join(workdir, "example"), "mlp_w2a2")
    assert prj.gen.returncode == 0, prj.gen.stderr
    return prj


def test_example_csim_bit_exact(workdir):
    problem = hlskit.golden_ok(example_project(workdir).csim)
    assert problem is None, problem


def test_example_files_as_qonnxc_run(workdir):
    prj = example_project(workdir)
    out = os.path.join(workdir, "example_files")
    os.makedirs(out, exist_ok=True)
    problem = hlskit.check_files_equal(prj, EXAMPLE, [INPUT], out, exact=True, ulps=0)
    assert problem is None, problem


def test_example_kernel_freestanding(workdir):
    prj = example_project(workdir)
    problem = hlskit.freestanding_problem(prj.src("model.c"), os.path.join(workdir, "example_files"))
    assert problem is None, problem
