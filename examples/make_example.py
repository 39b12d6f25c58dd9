"""Generates examples/mlp_w2a2.onnx and examples/mlp_w2a2_input.npy.

A small QONNX multilayer perceptron in the style of Brevitas' exports: an
8-bit input quantizer, two layers with 2-bit weights (Quant on the weight
initializer), BatchNormalization and a 2-bit unsigned activation quantizer, and
a final 4-bit-weight layer. Weights come from a fixed seed, so the files are
reproducible: /usr/bin/python3 examples/make_example.py examples/
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

QDOMAIN = "qonnx.custom_op.general"


def const(name, array):
    return numpy_helper.from_array(np.asarray(array, dtype=np.float32), name)


def quant(nodes, inits, x, out, scale, bits, signed, narrow, name):
    inits += [const(f"{name}_scale", scale), const(f"{name}_zeropt", 0.0),
              const(f"{name}_bitwidth", float(bits))]
    nodes.append(helper.make_node(
        "Quant", [x, f"{name}_scale", f"{name}_zeropt", f"{name}_bitwidth"], [out],
        name=name, domain=QDOMAIN, signed=signed, narrow=narrow, rounding_mode="ROUND"))


def layer(nodes, inits, rng, x, n_in, n_out, wbits, idx, batchnorm):
    w = rng.normal(0, 0.5, (n_in, n_out))
    inits.append(const(f"fc{idx}_weight", w))
    quant(nodes, inits, f"fc{idx}_weight", f"fc{idx}_weight_q", 0.25, wbits, 1, 1, f"fc{idx}_wquant")
    nodes.append(helper.make_node("MatMul", [x, f"fc{idx}_weight_q"], [f"fc{idx}_out"], name=f"fc{idx}"))
    if not batchnorm:
        return f"fc{idx}_out"
    inits += [const(f"bn{idx}_scale", rng.uniform(0.5, 1.5, n_out)),
              const(f"bn{idx}_bias", rng.normal(0, 0.2, n_out)),
              const(f"bn{idx}_mean", rng.normal(0, 0.5, n_out)),
              const(f"bn{idx}_var", rng.uniform(0.5, 2.0, n_out))]
    nodes.append(helper.make_node(
        "Unsqueeze", [f"fc{idx}_out"], [f"fc{idx}_out4d"], name=f"unsq{idx}", axes=[2, 3]))
    nodes.append(helper.make_node(
        "BatchNormalization",
        [f"fc{idx}_out4d", f"bn{idx}_scale", f"bn{idx}_bias", f"bn{idx}_mean", f"bn{idx}_var"],
        [f"bn{idx}_out4d"], name=f"bn{idx}", epsilon=1e-4))
    nodes.append(helper.make_node(
        "Squeeze", [f"bn{idx}_out4d"], [f"bn{idx}_out"], name=f"sq{idx}", axes=[2, 3]))
    quant(nodes, inits, f"bn{idx}_out", f"act{idx}", 0.5, 2, 0, 0, f"act{idx}_quant")
    return f"act{idx}"


def build():
    rng = np.random.default_rng(2024)
    nodes, inits = [], []
    quant(nodes, inits, "input", "input_q", 1.0 / 64, 8, 1, 0, "input_quant")
    h = layer(nodes, inits, rng, "input_q", 16, 32, 2, 0, True)
    h = layer(nodes, inits, rng, h, 32, 32, 2, 1, True)
    h = layer(nodes, inits, rng, h, 32, 5, 4, 2, False)
    nodes.append(helper.make_node("Identity", [h], ["scores"], name="output"))
    graph = helper.make_graph(
        nodes, "mlp_w2a2",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 16])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["batch", 5])],
        initializer=inits)
    model = helper.make_model(graph, producer_name="qonnxc-examples",
                              opset_imports=[helper.make_opsetid("", 11),
                                             helper.make_opsetid(QDOMAIN, 1)])
    model.ir_version = 7
    return model


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    onnx.save(build(), os.path.join(out, "mlp_w2a2.onnx"))
    x = np.random.default_rng(7).uniform(-1, 1, (3, 1, 16)).astype(np.float32)
    np.save(os.path.join(out, "mlp_w2a2_input.npy"), x)


if __name__ == "__main__":
    main()
