"""test_op_coverage.py: the models of op_cases.py, which put into the float
head and tail and into the integer kernel the ops the shared and generated
models leave out (reflect and edge Pad, MaxPool with padding, Clip,
LeakyRelu, Slice with steps, Tile, SpaceToDepth, Gather, Expand,
GlobalMaxPool, Resize, Concat, Sigmoid, Tanh, Softmax; a 16-bit input grid
and a 24-bit bias).

For each: `make csim` and `make bitint` pass every golden vector bit for
bit, the kernel compiles freestanding with nothing undefined, and the
testbench on the case's inputs gives the outputs of `qonnxc run`: exactly,
or where the float tail calls exp or tanh within 16 float32 ulps (the C
library's functions against the JIT's inline ones, as in
test_hls_shared_models.py).
"""
import os

import pytest

import hlskit
import op_cases
import runner

CASES = [c[0] for c in op_cases.cases()]


@pytest.fixture(scope="module")
def op_models(compiler):
    out = os.path.join(runner.BUILD, "hls-op-cases")
    return {name: (model, inputs, tr) for name, model, inputs, tr in op_cases.write_all(out)}


@pytest.mark.parametrize("name", CASES)
def test_op_case(name, op_models, workdir):
    model, inputs, transcendental = op_models[name]
    prj = hlskit.Project.get(model, os.path.join(workdir, "ops"), name)
    assert prj.gen.returncode == 0, prj.gen.stderr
    out = os.path.join(workdir, "files", "ops", name)
    os.makedirs(out, exist_ok=True)
    problem = (hlskit.golden_ok(prj.csim) or
               hlskit.check_files_equal(prj, model, inputs, out, exact=not transcendental,
                                        ulps=16) or
               hlskit.freestanding_problem(prj.src("model.c"), out) or
               hlskit.golden_ok(hlskit.make(prj.dir, "bitint")))
    hlskit.count("op coverage", "passed" if not problem else "failed")
    assert problem is None, problem
