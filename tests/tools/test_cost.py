"""test_cost.py: `qonnxc cost` against inference costs computed by hand.

The rules are qonnx's (qonnx-inference-cost): MatMul/Gemm MACs = the
reduction length times the output's elements, Conv MACs = batch * (out
channels / group) * in channels * kernel elements * output pixels; weight
and output elements per QONNX datatype; with sparsity discounted, MACs and
weight elements are multiplied by the share of nonzero (quantized) weights.
Datatypes: a Quant of scale 1 and zero point 0 gives INTn/UINTn (BIPOLAR or
BINARY at 1 bit), any other scale SCALEDINT<n>; an untyped tensor is
FLOAT32; MatMul/Gemm/Conv give INT32 (UINT32 when no input is signed) for
integer inputs, SCALEDINT<32> for scaled ones and FLOAT32 when an input
(a Gemm's float bias included) is float. Every expected number below is
written out from these rules for the model the test builds.
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
import pytest

from tools_kit import EXAMPLE, SHARED_MODELS, run

QDOMAIN = "qonnx.custom_op.general"


def quant(name, x, scale, bits, signed=1, narrow=0, zeropt=0.0):
    """A Quant node and its constant parameters."""
    inits = [numpy_helper.from_array(np.array(scale, np.float32), name + "_scale"),
             numpy_helper.from_array(np.array(zeropt, np.float32), name + "_zeropt"),
             numpy_helper.from_array(np.array(bits, np.float32), name + "_bits")]
    node = helper.make_node("Quant", [x, name + "_scale", name + "_zeropt", name + "_bits"],
                            [name], name=name, domain=QDOMAIN, signed=signed, narrow=narrow,
                            rounding_mode="ROUND")
    return node, inits


def save(tmp_path, nodes, inputs, outputs, inits, name="m"):
    g = helper.make_graph(nodes, name, inputs, outputs, inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                            helper.make_opsetid(QDOMAIN, 1)])
    path = os.path.join(str(tmp_path), name + ".onnx")
    onnx.save(m, path)
    return path


def vi(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def cost(path, *flags):
    p = run(["cost", "--json"] + list(flags) + [path])
    # the format is json.dump(..., sort_keys=True, indent=2), as qonnx writes it
    data = json.loads(p.stdout)
    assert p.stdout == json.dumps(data, sort_keys=True, indent=2) + "\n"
    return data


def matmul_model(tmp_path):
    """x [1,4] -> Quant INT8 -> MatMul with W [4,3] quantized to INT2 (3 of its
    12 values quantize to 0) -> y [1,3]."""
    w = np.array([[1, -1, 0], [1, 1, 1], [0, -1, 1], [1, 0, -1]], np.float32)
    qx, ix = quant("xq", "x", 1.0, 8)
    qw, iw = quant("wq", "w", 1.0, 2)
    mm = helper.make_node("MatMul", ["xq", "wq"], ["y"], name="mm")
    return save(tmp_path, [qx, qw, mm], [vi("x", [1, 4])], [vi("y", [1, 3])],
                ix + iw + [numpy_helper.from_array(w, "w")], "matmul")


def test_matmul_sparsity_discounted(qonnxc, tmp_path):
    t = cost(matmul_model(tmp_path))["total_cost"]
    # 4 * 3 MACs, 9 of 12 weights nonzero: 12 * 9/12 = 9
    assert t["op_mac_INT8_INT2"] == 9.0
    assert t["mem_w_INT2"] == 9.0
    assert t["mem_o_INT32"] == 3.0  # INT8 x INT2, signed
    assert t["total_macs"] == 9.0
    assert t["total_bops"] == 8 * 2 * 9.0
    assert t["total_mem_w_elems"] == 9.0 and t["total_mem_w_bits"] == 18.0
    assert t["total_mem_o_elems"] == 3.0 and t["total_mem_o_bits"] == 96.0
    assert t["discount_sparsity"] is True
    assert t["unsupported"] == "set()"


def test_matmul_dense(qonnxc, tmp_path):
    t = cost(matmul_model(tmp_path), "--dense")["total_cost"]
    assert t["op_mac_INT8_INT2"] == 12.0 and t["mem_w_INT2"] == 12.0
    assert t["total_bops"] == 8 * 2 * 12.0
    assert t["discount_sparsity"] is False


def test_per_layer_names_nodes_as_qonnx(qonnxc, tmp_path):
    d = cost(matmul_model(tmp_path), "--per-layer")
    # qonnx renames nodes OpType_K over the nodes left after folding: the
    # weight Quant is folded, the input Quant is Quant_0, the MatMul MatMul_0
    assert sorted(d["node_cost"]) == ["MatMul_0"]
    n = d["node_cost"]["MatMul_0"]
    assert n["op_mac_INT8_INT2"] == 9.0 and n["total_macs"] == 9.0
    assert n["total_mem_o_bits"] == 96.0
    assert d["optype_cost"]["MatMul"]["op_mac_INT8_INT2"] == 9.0


def test_gemm_trans_b_bipolar_uint4(qonnxc, tmp_path):
    """A [2,5] -> Quant UINT4 -> Gemm(transB=1) with B [3,5] quantized to
    BIPOLAR and a float bias [3] -> [2,3]."""
    b = np.arange(15, dtype=np.float32).reshape(3, 5) - 7  # bipolar: never 0
    qa, ia = quant("aq", "a", 1.0, 4, signed=0)
    qb, ib = quant("bq", "b", 1.0, 1, signed=1)
    gemm = helper.make_node("Gemm", ["aq", "bq", "c"], ["y"], name="gemm", transB=1)
    path = save(tmp_path, [qa, qb, gemm], [vi("a", [2, 5])], [vi("y", [2, 3])],
                ia + ib + [numpy_helper.from_array(b, "b"),
                           numpy_helper.from_array(np.ones(3, np.float32), "c")], "gemm")
    t = cost(path)["total_cost"]
    assert t["op_mac_UINT4_BIPOLAR"] == 5 * 2 * 3.0
    assert t["mem_w_BIPOLAR"] == 15.0
    assert t["mem_o_FLOAT32"] == 6.0  # the float bias makes the result FLOAT32
    assert t["total_bops"] == 4 * 1 * 30.0


def test_conv_groups_scaledint_float(qonnxc, tmp_path):
    """x [1,4,6,6] float -> Conv(group=2) with W [6,2,3,3] quantized with scale
    0.5 to 8 bits (SCALEDINT<8>, no zero) -> [1,6,4,4]."""
    w = (np.arange(108, dtype=np.float32).reshape(6, 2, 3, 3) % 7 + 1) * 0.5
    qw, iw = quant("wq", "w", 0.5, 8)
    conv = helper.make_node("Conv", ["x", "wq"], ["y"], name="conv", group=2,
                            kernel_shape=[3, 3])
    path = save(tmp_path, [qw, conv], [vi("x", [1, 4, 6, 6])], [vi("y", [1, 6, 4, 4])],
                iw + [numpy_helper.from_array(w, "w")], "conv")
    t = cost(path)["total_cost"]
    macs = 1 * (6 // 2) * 4 * 9 * 16
    assert t["op_mac_FLOAT32_SCALEDINT<8>"] == float(macs)
    assert t["mem_w_SCALEDINT<8>"] == 108.0
    assert t["mem_o_FLOAT32"] == 96.0
    assert t["total_bops"] == 32 * 8 * float(macs)


def test_binary_unsigned_result_and_unsupported(qonnxc, tmp_path):
    """BINARY x BINARY MatMul gives UINT32; a Softmax has no cost rule."""
    w = np.array([[1, 0], [1, 1], [0, 1]], np.float32)
    qx, ix = quant("xq", "x", 1.0, 1, signed=0)
    qw, iw = quant("wq", "w", 1.0, 1, signed=0)
    mm = helper.make_node("MatMul", ["xq", "wq"], ["mm"], name="mm")
    sm = helper.make_node("Softmax", ["mm"], ["y"], name="sm", axis=1)
    path = save(tmp_path, [qx, qw, mm, sm], [vi("x", [1, 3])], [vi("y", [1, 2])],
                ix + iw + [numpy_helper.from_array(w, "w")], "binary")
    t = cost(path, "--dense")["total_cost"]
    assert t["op_mac_BINARY_BINARY"] == 6.0
    assert t["mem_w_BINARY"] == 6.0 and t["mem_o_UINT32"] == 2.0
    assert t["unsupported"] == "{'Softmax'}"


def test_table_output(qonnxc):
    out = run(["cost", "--per-layer", EXAMPLE]).stdout
    assert "total MACs" in out and "MatMul_0 (fc0)" in out


def test_cost_rejects_compile_options(qonnxc):
    p = run(["cost", "-o", "x.o", EXAMPLE], check=False)
    assert p.returncode == 2 and p.stderr.startswith("qonnxc: error: ")
    p = run(["--json", EXAMPLE], check=False)
    assert p.returncode == 2 and "belong to 'qonnxc cost'" in p.stderr


def shared_models():
    if not os.path.isdir(SHARED_MODELS):
        return []
    return sorted(d for d in os.listdir(SHARED_MODELS)
                  if os.path.exists(os.path.join(SHARED_MODELS, d, "model.onnx")))


@pytest.mark.parametrize("name", shared_models())
def test_shared_model(qonnxc, name):
    """Every shared model the front-end imports gets a cost report; one it
    refuses gives the import's error line."""
    path = os.path.join(SHARED_MODELS, name, "model.onnx")
    if run(["--passes=none", path], check=False).returncode != 0:
        p = run(["cost", path], check=False)
        assert p.returncode == 1 and p.stderr.startswith("qonnxc: error: ")
        return
    d = cost(path, "--per-layer")
    t = d["total_cost"]
    assert t["total_macs"] == sum(v for k, v in t.items() if k.startswith("op_mac_"))
    assert sum(n["total_macs"] for n in d["node_cost"].values()) == pytest.approx(t["total_macs"])
    dense = cost(path, "--dense")["total_cost"]
    assert dense["total_macs"] >= t["total_macs"]
