"""test_kernels_movement.py: the LLVM movement kernels on the models of
movement_cases.py (every element type, run-time Gather indices, extreme
Slice steps, Pad and Resize modes the generated op models leave out,
quantized integers after the integer lowering).

Each model is compiled twice, with the compile pipeline (DepthToSpace and
SpaceToDepth become channels-last there) and with no pass at all (Shape and
the NCHW forms survive), linked with the C harness, run in its check mode,
and compared with the interpreter on the same IR. Movement kernels copy
elements and Resize repeats the interpreter's arithmetic in its order, so
every output must be equal bit for bit. A model using an op of another
family that has no kernel yet is an expected failure naming it. Operands the backend needs at
compile time are rejected with a one-line error when they are not constant.
"""
import os

import numpy as np
import onnx
import pytest
from onnx import helper

import casekit
import llvmkit
import movement_cases
import runner

CASES = movement_cases.cases()
PIPELINES = {"passes": llvmkit.DEFAULT_PASSES, "nopasses": "none"}


@pytest.fixture(scope="module")
def models(compiler):
    out = os.path.join(runner.BUILD, "llvm-movement-models")
    movement_cases.write_all(out)
    return out


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_movement(case, pipeline, models, harness, tmp_path):
    casekit.check_case(case, models, PIPELINES[pipeline], harness, tmp_path, "exact", "movement", allow_unsupported=True)


def runtime_operand_model(op, data_shape, operand, operand_value, attrs=None):
    """op(x, ...) where operand `operand` (the op's second-or-later input)
    is a graph input: a value only known at run time."""
    x = helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, data_shape)
    r = helper.make_tensor_value_info("r", onnx.TensorProto.INT64, [len(operand_value)])
    ins = ["x"] + [""] * (operand - 1) + ["r"]
    inits = []
    if op == "Slice":  # (data, starts, ends): starts at run time, ends constant
        ins = ["x", "r", "ends"]
        inits = [onnx.numpy_helper.from_array(np.array([2], dtype=np.int64), "ends")]
    n = helper.make_node(op, ins, ["y"], **(attrs or {}))
    y = helper.make_empty_tensor_value_info("y")
    g = helper.make_graph([n], "g", [x, r], [y], initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("op,operand,value", [("Slice", 1, [0]), ("Pad", 1, [1, 1])])
def test_runtime_operand_rejected(op, operand, value, compiler, tmp_path):
    """Slice's starts and Pad's pads decide the result's shape, so a model
    with them at run time does not even import; the backend's own check is
    for operands folded late. Either way the compiler must fail cleanly
    with a one-line message naming the node, never crash."""
    model = str(tmp_path / "m.onnx")
    onnx.save(runtime_operand_model(op, [4], operand, value), model)
    p = llvmkit.compile_model(model, str(tmp_path / "m.o"), "m", "none")
    assert p.returncode == 1, p.stderr
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("qonnxc: error:"), p.stderr
    assert "node" in lines[0], p.stderr
