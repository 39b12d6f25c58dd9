"""test_float_conv_vec.py: the vectorized channels-last float Conv
(backends/llvm/k_conv_vec.c) gives the interpreter's bits, in both of its
arithmetics: sums in double (a Conv the f32-sums pass did not mark; here
by leaving it out of --passes) and float32 fused multiply-adds over the
patch in kernel-position order (what the default pipeline marks). The
interpreter runs on the IR after the same passes, so it sums as the op is
marked.

Each case is a one-Conv float model (NCHW in ONNX; the channels-last pass
turns it into the NHWC Conv that kernel handles) with random weights and
inputs spanning several orders of magnitude. A double sum of float
products is so much more precise than a float that another summation order
would rarely change the rounded result; so, with at least two input
channels, channel 0 of X is all ones and its weights are +H and -H
alternately (H a power of two near 2^40): the large terms cancel in the
total, but the lane that holds them rounds its small terms to H's
precision, so the result's low bits depend on which product went into which
lane and in which order. The JIT output
(`qonnxc run`) with the host's features, with --mattr=-avx512f (vectors of
four doubles) and at -O0 must equal `qonnxc run --interp` byte for byte:
the kernel promises the interpreter's exact summation order, so no
tolerance applies. The generic loops (--mattr=-avx2) must match too. In
float32 no such terms are needed (and they would hide the products'
rounding under H's): another order of terms, or a product rounded before
its addition (an unfused multiply-add), changes the low bits of most
results. The cases cover the shapes the kernel plans for: output
channels below, at and above a vector block, patches with and without a
remainder modulo 4, padding, strides, dilations, 1-D and 3-D windows,
batch > 1, no bias, weights larger than the stack table limit (a constant
table) and weights that are a graph input (the table filled on the stack).
Each case also checks with -v that the vector kernel was chosen.
"""
import os
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))

# name: (batch, cin, spatial, cout, kernel, pads, strides, dilations, bias, w_input)
CASES = {
    "c1_k5_o8_same": (1, 1, (12, 11), 8, (5, 5), (2, 2, 2, 2), (1, 1), (1, 1), True, False),
    "c8_k5_o16": (1, 8, (9, 10), 16, (5, 5), (2, 2, 2, 2), (1, 1), (1, 1), True, False),
    "c3_k8_s4_o14": (1, 3, (22, 26), 14, (8, 8), (0, 0, 0, 0), (4, 4), (1, 1), True, False),
    "c14_k3_o14": (1, 14, (7, 9), 14, (3, 3), (1, 1, 1, 1), (1, 1), (1, 1), True, False),
    "c64_k3_o64_big": (1, 64, (4, 4), 64, (3, 3), (1, 1, 1, 1), (1, 1), (1, 1), True, False),
    "c5_k3_o27_nobias": (1, 5, (6, 5), 27, (3, 3), (1, 1, 1, 1), (1, 1), (1, 1), False, False),
    "c3_k3_o5_dil_str": (2, 3, (11, 13), 5, (3, 2), (2, 0, 1, 3), (2, 3), (2, 2), True, False),
    "c7_k1_o33": (1, 7, (5, 7), 33, (1, 1), (0, 0, 0, 0), (1, 1), (1, 1), True, False),
    "c2_k4_1d_o9": (3, 2, (17,), 9, (4,), (1, 2), (1,), (1,), True, False),
    "c2_k3_3d_o6": (1, 2, (4, 5, 6), 6, (3, 3, 3), (1, 0, 1, 1, 0, 1), (1, 1, 1), (1, 1, 1),
                    True, False),
    "c4_k3_o12_winput": (1, 4, (6, 7), 12, (3, 3), (1, 1, 1, 1), (1, 1), (1, 1), True, True),
}

VARIANTS = [("host", []), ("avx2", ["--mattr=-avx512f"]), ("O0", ["-O0"]),
            ("loops", ["--mattr=-avx2"])]

# mode: (the passes, the kernel variant -v must name)
LOWERED = "cleanup,channels-last,lower-integer"
MODES = {"double": (LOWERED, "vector-f64x"), "f32fma": (LOWERED + ",f32-sums", "vector-f32x")}


def spread(rng, shape):
    """Random floats over about six decades, of both signs."""
    return (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(np.float32)


def build(path, case, rng, cancel):
    batch, cin, sp, cout, kern, pads, strides, dil, bias, w_input = case
    xshape = [batch, cin, *sp]
    wshape = [cout, cin, *kern]
    w = spread(rng, wshape)
    x = spread(rng, xshape)
    if cin >= 2 and cancel:
        taps = int(np.prod(kern))
        sign = np.array([(-1.0) ** k if k < taps - taps % 2 else 0.0 for k in range(taps)])
        h = 2.0 ** rng.integers(36, 44, size=(cout, 1))
        w[:, 0] = (h * sign).reshape([cout, *kern]).astype(np.float32)
        x[:, 0] = 1.0
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, xshape)]
    inits = []
    if w_input:
        inputs.append(helper.make_tensor_value_info("w", TensorProto.FLOAT, wshape))
    else:
        inits.append(numpy_helper.from_array(w, "w"))
    names = ["x", "w"]
    if bias:
        inits.append(numpy_helper.from_array(spread(rng, [cout]), "b"))
        names.append("b")
    node = helper.make_node("Conv", names, ["y"], kernel_shape=list(kern), pads=list(pads),
                            strides=list(strides), dilations=list(dil))
    graph = helper.make_graph([node], "conv", inputs,
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                              initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(model, path)
    feeds = [x]
    if w_input:
        feeds.append(w)
    return feeds


def run(args):
    r = subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, "%s: %s" % (" ".join(args), r.stderr.strip())
    return r


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_conv_vec_bits_equal_interpreter(name, mode, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    rng = np.random.default_rng(sorted(CASES).index(name) + 1)
    model = str(tmp_path / "m.onnx")
    feeds = build(model, CASES[name], rng, mode == "double")
    ins = []
    for k, a in enumerate(feeds):
        p = str(tmp_path / ("x%d.npy" % k))
        np.save(p, a)
        ins += ["--input", p]
    passes, variant = MODES[mode]
    pflag = "--passes=" + passes
    notes = run(["-v", pflag, model, "-o", str(tmp_path / "m.o")]).stderr
    assert "kernel Conv" in notes and variant in notes, notes
    ref = tmp_path / "ref.npy"
    run(["run", "--interp", pflag, model, *ins, "--output", str(ref)])
    want = np.load(ref)
    for label, flags in VARIANTS:
        out = tmp_path / ("y_%s.npy" % label)
        run(["run", pflag, *flags, model, *ins, "--output", str(out)])
        got = np.load(out)
        assert got.shape == want.shape and got.dtype == want.dtype, label
        differ = int(np.sum(got.view(np.uint32) != want.view(np.uint32)))
        assert differ == 0, "%s: %d of %d elements differ from the interpreter" % (
            label, differ, want.size)
