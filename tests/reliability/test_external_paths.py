"""test_external_paths.py: a model never makes qonnxc read outside its own
folder (compiler/onnx/external.c).

One small model whose weight tensor lives in external data, in a folder of
its own; beside that folder (outside it) a file holding the right number of
bytes, so that only the path check can refuse it. The location given in the
model is, in turn: a file in the folder (accepted: the baseline, compiled
and run), a path through '..', an absolute path, a symbolic link in the
folder pointing outside, a link to a folder outside, a link to /dev/zero,
and a named pipe in the folder (which would block a reader forever). Each
refusal is one error line naming the tensor, exit 1, within the time limit,
and no output file.
"""
import os

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import relkit
from relkit import run

WEIGHTS = np.arange(12, dtype=np.float32).reshape(3, 4) / 8


def write_model(folder, location):
    w = TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[3, 4])
    w.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "48")):
        e = w.external_data.add()
        e.key, e.value = key, value
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"], name="matmul")], "ext",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = os.path.join(folder, "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    return path


@pytest.fixture
def layout(tmp_path):
    """tmp_path/model/ (the model's folder), tmp_path/outside.bin and
    tmp_path/outdir/outside.bin beside it."""
    relkit.require_compiler()
    folder = tmp_path / "model"
    folder.mkdir()
    (tmp_path / "outdir").mkdir()
    for p in (folder / "inside.bin", tmp_path / "outside.bin", tmp_path / "outdir" / "outside.bin"):
        p.write_bytes(WEIGHTS.tobytes())
    (tmp_path / "tmp").mkdir()
    return tmp_path


def test_inside_is_read(layout):
    model = write_model(str(layout / "model"), "inside.bin")
    x = np.array([[1, 2, 3]], dtype=np.float32)
    np.save(str(layout / "x.npy"), x)
    r = run(["run", "--interp", model, "--input", str(layout / "x.npy"), "--output",
             str(layout / "y.npy")], layout / "tmp")
    assert r.returncode == 0, r.stderr
    assert np.array_equal(np.load(str(layout / "y.npy")), x @ WEIGHTS)  # small integers/8: exact


def make_escape(layout, kind):
    folder = layout / "model"
    if kind == "parent":
        return "../outside.bin"
    if kind == "parent-inner":
        return "sub/../../outside.bin"
    if kind == "absolute":
        return str(layout / "outside.bin")
    if kind == "link-file":
        os.symlink(str(layout / "outside.bin"), str(folder / "link.bin"))
        return "link.bin"
    if kind == "link-relative":
        os.symlink("../outside.bin", str(folder / "link.bin"))
        return "link.bin"
    if kind == "link-folder":
        os.symlink(str(layout / "outdir"), str(folder / "data"))
        return "data/outside.bin"
    if kind == "device":
        os.symlink("/dev/zero", str(folder / "zero.bin"))
        return "zero.bin"
    if kind == "fifo":
        os.mkfifo(str(folder / "pipe.bin"))
        return "pipe.bin"
    raise ValueError(kind)


ESCAPES = ["parent", "parent-inner", "absolute", "link-file", "link-relative", "link-folder",
           "device", "fifo"]


@pytest.mark.parametrize("kind", ESCAPES)
def test_refused(layout, kind):
    model = write_model(str(layout / "model"), make_escape(layout, kind))
    out = layout / "m.o"
    r = run([model, "-o", str(out)], layout / "tmp", timeout=30)
    lines = r.stderr.splitlines()
    assert r.returncode == 1, r.stderr
    assert len(lines) == 1 and lines[0].startswith("qonnxc: error: "), r.stderr
    assert "tensor 'w'" in lines[0] and "external data" in lines[0], lines[0]
    assert not out.exists()
