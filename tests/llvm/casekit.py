"""casekit.py: what the kernel case files (linalg_cases.py,
movement_cases.py) and their tests share: building a one-graph model from
nodes and input arrays, writing a set of cases to disk, and checking one
case compiled (with the C harness) against the interpreter on the same IR.
"""
import os
import sys

import numpy as np
import pytest
from onnx import helper, mapping

import llvmkit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models"))


def vinfo(name, dtype, shape):
    return helper.make_tensor_value_info(name, mapping.NP_TYPE_TO_TENSOR_TYPE[np.dtype(dtype)],
                                         shape)


def case(name, nodes, inputs, outputs, inits=(), opset=13):
    """(name, model, input arrays): inputs are (name, array) graph inputs,
    outputs (name, dtype, shape)."""
    graph = helper.make_graph(list(nodes), name, [vinfo(n, a.dtype, a.shape) for n, a in inputs],
                              [vinfo(*o) for o in outputs], initializer=list(inits))
    m = helper.make_model(graph, producer_name="qonnxc-tests",
                          opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return name, m, [a for _, a in inputs]


def write_all(cases, outdir):
    """OUTDIR/NAME/{model.onnx,input_K.npy} for every case; their names."""
    names = []
    for name, m, inputs in cases:
        d = os.path.join(outdir, name)
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "model.onnx"), "wb") as f:
            f.write(m.SerializeToString())
        for k, a in enumerate(inputs):
            np.save(os.path.join(d, "input_%d.npy" % k), a)
        names.append(name)
    return names


def run_compiled(model, inputs, nout, passes, harness, tmp_path, group, allow_unsupported):
    """Compiles, links and runs model; its outputs as arrays. With
    allow_unsupported, an op without a kernel is an expected failure,
    counted in group."""
    obj = str(tmp_path / "m.o")
    p = llvmkit.compile_model(model, obj, "m", passes)
    reason = llvmkit.unsupported(p) if allow_unsupported else None
    if reason:
        llvmkit.count(group, "unsupported")
        pytest.xfail(reason)
    assert p.returncode == 0, "qonnxc failed: " + p.stderr
    exe = str(tmp_path / "run")
    p = harness.link(obj, str(tmp_path / "m.h"), "m", exe)
    assert p.returncode == 0, "linking failed: " + p.stderr[-2000:]
    outs = [str(tmp_path / ("out_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.run_harness(exe, "check", inputs, outs)
    assert p.returncode == 0, "harness exited %d: %s" % (p.returncode, p.stderr)
    return [np.load(o) for o in outs]


def check_case(case, models, passes, harness, tmp_path, tolerance, group,
               allow_unsupported=False):
    """Case compiled and interpreted after passes, compared output by output
    in the tolerance class (tests/e2e/compare.py); counted in group."""
    name, m, arrays = case
    d = os.path.join(models, name)
    model = os.path.join(d, "model.onnx")
    inputs = [os.path.join(d, "input_%d.npy" % k) for k in range(len(arrays))]
    nout = len(m.graph.output)
    got = run_compiled(model, inputs, nout, passes, harness, tmp_path, group,
                       allow_unsupported)
    refs = [str(tmp_path / ("ref_%d.npy" % k)) for k in range(nout)]
    p = llvmkit.interp(model, inputs, refs, passes)
    assert p.returncode == 0, "interpreter failed: " + p.stderr
    problems = [llvmkit.check_against_interp(g, np.load(r), tolerance, label="output %d" % k)
                for k, (g, r) in enumerate(zip(got, refs))]
    problems = [q for q in problems if q]
    llvmkit.count(group, "failed" if problems else "passed")
    assert not problems, "\n".join(problems)
