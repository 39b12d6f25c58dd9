"""test_conv_chain.py: a BatchNormalization or Relu that reads a float
Conv's result is computed by the Conv's kernel before its store
(backends/llvm/float_epilogue.c), with the bytes the separate ops give.

Each case is a float model Conv -> (BatchNormalization | Relu)... whose
BatchNormalization parameters are graph inputs (constant ones would become a
Mul and an Add, a chain this fusion does not take). The parameters include
what trained networks have: dead channels with a subnormal scale and
variance (so x * scale lands among the float subnormals), negative scales
(signed zeros from underflow), a zero shift, and inputs over six decades;
a fused multiply-add instead of the product and the sum, or a Relu giving
-0, changes some results. Both of the Conv's arithmetics are
covered (double sums, forced by leaving f32-sums out of --passes, and
float32 fused multiply-adds), as are its two kernels: the vector kernel
(one group) and the generic loops (two groups, or --mattr=-avx2).

The JIT output with the host's features, --mattr=-avx512f, --mattr=-avx2
and -O0 must equal `qonnxc run --interp` (which runs every op on its own)
byte for byte. With -v the chain's ops must be reported fused and the
values before the chain's last must have no workspace; where a value of
the chain is also a graph output, the chain stops before it.
"""
import os
import re
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))

C_OUT = 20  # output channels: one full block of 16 floats and a remainder

# name: (ops after the Conv, Conv groups, graph outputs among the chain's values)
CASES = {
    "bn_relu": (["bn", "relu"], 1, []),
    "relu": (["relu"], 1, []),
    "bn": (["bn"], 1, []),
    "relu_bn": (["relu", "bn"], 1, []),
    "bn_relu_bn": (["bn", "relu", "bn"], 1, []),
    "bn_relu_groups": (["bn", "relu"], 2, []),
    "bn_out_relu": (["bn", "relu"], 1, [0]),
}

VARIANTS = [("host", []), ("avx2", ["--mattr=-avx512f"]), ("loops", ["--mattr=-avx2"]),
            ("O0", ["-O0"])]
LOWERED = "cleanup,channels-last,lower-integer"
MODES = {"double": LOWERED, "f32fma": LOWERED + ",f32-sums"}


def spread(rng, shape):
    """Random floats over about six decades, of both signs."""
    return (rng.standard_normal(shape) * 10.0 ** rng.uniform(-3, 3, shape)).astype(np.float32)


def bn_params(rng):
    """scale, B, mean, var with dead channels (subnormal scale and var)."""
    scale = spread(rng, [C_OUT])
    bias = spread(rng, [C_OUT])
    mean = spread(rng, [C_OUT])
    var = np.abs(spread(rng, [C_OUT])).astype(np.float32)
    dead = [1, 4, 7, 17]
    # with var + epsilon ~ 1e-5 the channel's scale is ~316 times these;
    # channels 7 and 17 (no shift) then give x * scale itself, around the
    # smallest normal float for the Conv's typical |x| of 1e3 to 1e5
    scale[dead] = np.array([3.07e-43, -6.92e-43, 4.2e-45, -1.4e-44], dtype=np.float32)
    var[dead] = np.float32(6e-45)
    bias[[4, 7, 17]] = 0.0
    mean[[7, 17]] = 0.0
    return [scale, bias, mean, var]


def build(path, ops, groups, outs, rng):
    cin, h, w = 4, 9, 10
    xshape, wshape = [1, cin, h, w], [C_OUT, cin // groups, 3, 3]
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, xshape)]
    feeds = [spread(rng, xshape)]
    inits = [numpy_helper.from_array(spread(rng, wshape), "w"),
             numpy_helper.from_array(spread(rng, [C_OUT]), "b")]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["v0"], name="n0", kernel_shape=[3, 3],
                              pads=[1, 1, 1, 1], group=groups)]
    for k, op in enumerate(ops):
        src, dst = "v%d" % k, "v%d" % (k + 1)
        if op == "relu":
            nodes.append(helper.make_node("Relu", [src], [dst], name="n%d" % (k + 1)))
            continue
        names = ["s%d_%s" % (k, p) for p in ("scale", "B", "mean", "var")]
        for name, a in zip(names, bn_params(rng)):
            inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, [C_OUT]))
            feeds.append(a)
        nodes.append(helper.make_node("BatchNormalization", [src, *names], [dst],
                                      name="n%d" % (k + 1)))
    results = ["v%d" % (k + 1) for k in outs] + ["v%d" % len(ops)]
    graph = helper.make_graph(
        nodes, "chain", inputs,
        [helper.make_tensor_value_info(r, TensorProto.FLOAT, None) for r in results],
        initializer=inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)]), path)
    return feeds, len(results)


def run(args):
    r = subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, "%s: %s" % (" ".join(args), r.stderr.strip())
    return r


def planned(notes):
    """Names of the values the -v workspace plan lists."""
    return set(re.findall(r"^\s+\d+\s+\d+\s+\S+\s+'([^']*)'", notes, re.M))


def check_notes(notes, ops, outs):
    """The chain runs from the Conv to the first op whose result is a graph
    output (or to the end): its ops are fused, its values before the last
    are not in the workspace plan (the last may be the caller's array)."""
    chain = min(outs) + 1 if outs else len(ops)
    for k in range(len(ops)):
        fused = re.search(r"kernel \w+ 'n%d': fused" % (k + 1), notes) is not None
        assert fused == (k < chain), "n%d fused: %s" % (k + 1, fused)
    values = {v[:-len("_nhwc")] if v.endswith("_nhwc") else v for v in planned(notes)}
    for k in range(chain):
        assert "v%d" % k not in values, "v%d planned: %s" % (k, sorted(values))


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", sorted(CASES))
def test_conv_chain_bits_equal_interpreter(name, mode, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    ops, groups, outs = CASES[name]
    rng = np.random.default_rng(sorted(CASES).index(name) + 11)
    model = str(tmp_path / "m.onnx")
    feeds, nout = build(model, ops, groups, outs, rng)
    ins = []
    for k, a in enumerate(feeds):
        p = str(tmp_path / ("in%d.npy" % k))
        np.save(p, a)
        ins += ["--input", p]
    pflag = "--passes=" + MODES[mode]
    check_notes(run(["-v", pflag, model, "-o", str(tmp_path / "m.o")]).stderr, ops, outs)
    refs = [str(tmp_path / ("ref%d.npy" % k)) for k in range(nout)]
    run(["run", "--interp", pflag, model, *ins, *sum((["--output", r] for r in refs), [])])
    want = [np.load(r) for r in refs]
    assert any(np.sum((w.view(np.uint32) & 0x7f800000) == 0) > 0 for w in want[-1:]) or \
        "bn" not in ops[-1:], "no zero or subnormal results: the case misses its point"
    for label, flags in VARIANTS:
        outs_ = [str(tmp_path / ("y_%s_%d.npy" % (label, k))) for k in range(nout)]
        run(["run", pflag, *flags, model, *ins, *sum((["--output", o] for o in outs_), [])])
        for k, o in enumerate(outs_):
            got = np.load(o)
            assert got.shape == want[k].shape and got.dtype == want[k].dtype, label
            differ = int(np.sum(got.view(np.uint32) != want[k].view(np.uint32)))
            assert differ == 0, "%s, output %d: %d of %d elements differ from the interpreter" % (
                label, k, differ, got.size)
