"""--io-layout=nhwc: the graph's inputs and outputs become channels-last too.

A Conv -> Relu -> MaxPool model compiled with --io-layout=nhwc must keep no
Transpose at all, and interpreting it on the NHWC-transposed input must give
the NHWC-transposed output of the original model, exactly (the interpreter
sums convolutions in the same order in both layouts)."""
import os
import subprocess

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QONNXC = os.environ.get("QONNXC", "build/qonnxc")


def conv_model(path):
    rng = np.random.default_rng(11)
    w = numpy_helper.from_array(rng.normal(size=(4, 3, 3, 3)).astype(np.float32), "w")
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"]),
             helper.make_node("MaxPool", ["r"], ["y"], kernel_shape=[2, 2], strides=[2, 2])]
    g = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 4, 4])], initializer=[w])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), path)


def test_io_layout_nhwc(tmp_path):
    model = str(tmp_path / "m.onnx")
    conv_model(model)
    ir = subprocess.run([QONNXC, "--emit=ir", "--io-layout=nhwc", model],
                        capture_output=True, text=True, check=True).stdout
    assert "Transpose(" not in ir
    assert "Conv<nhwc>" in ir and "input %x : f32[1,8,8,3]" in ir
    x = np.random.default_rng(3).normal(size=(2, 1, 3, 8, 8)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "xt.npy", x.transpose(0, 1, 3, 4, 2))
    subprocess.run([QONNXC, "run", "--interp", model, "--input", str(tmp_path / "x.npy"),
                    "--output", str(tmp_path / "a.npy")], check=True)
    subprocess.run([QONNXC, "run", "--interp", "--passes=cleanup,channels-last", "--io-layout=nhwc",
                    model, "--input", str(tmp_path / "xt.npy"), "--output", str(tmp_path / "b.npy")],
                   check=True)
    a, b = np.load(tmp_path / "a.npy"), np.load(tmp_path / "b.npy")
    assert np.array_equal(a.transpose(0, 1, 3, 4, 2), b)


def test_io_layout_rejects_unknown(tmp_path):
    r = subprocess.run([QONNXC, "--io-layout=nchwc", "x.onnx"], capture_output=True, text=True)
    assert r.returncode == 2 and "--io-layout" in r.stderr
