"""util.py: building small models and running qonnxc on them, for the pass tests.

Models are built with onnx.helper from fixed numbers or from rng(name), a
generator seeded from the test's name, so every run sees the same models.
qonnxc is $QONNXC (an absolute path) or ROOT/build/qonnxc.
"""
import collections
import os
import re
import subprocess
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.abspath(os.path.join(ROOT, "..", "shared"))
TIMEOUT = 120

QDOMAIN = "qonnx.custom_op.general"
CHANNELS_LAST = "qonnx.custom_op.channels_last"
ONNX_TYPE = {np.dtype(np.float32): TensorProto.FLOAT, np.dtype(np.float64): TensorProto.DOUBLE,
             np.dtype(np.int64): TensorProto.INT64, np.dtype(np.int32): TensorProto.INT32}

# Lines for the closing report (conftest.py prints them).
REPORT = []


def qonnxc_path():
    return os.environ.get("QONNXC") or os.path.join(ROOT, "build", "qonnxc")


def rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def f32(a):
    return np.asarray(a, dtype=np.float32)


# ---- building models ---------------------------------------------------------

def node(op, inputs, outputs, name=None, domain=None, **attrs):
    kw = {"domain": domain} if domain else {}
    return helper.make_node(op, list(inputs), list(outputs), name=name or outputs[0], **kw,
                            **attrs)


def model(nodes, inputs, outputs, inits=None, opset=13, quant=False):
    """inputs: [(name, array)]; outputs: [name]; inits: {name: array}."""
    ins = [helper.make_tensor_value_info(n, ONNX_TYPE[a.dtype], list(a.shape)) for n, a in inputs]
    outs = [helper.make_empty_tensor_value_info(o) for o in outputs]
    init = [numpy_helper.from_array(np.asarray(a), n) for n, a in (inits or {}).items()]
    g = helper.make_graph(list(nodes), "g", ins, outs, initializer=init)
    opsets = [helper.make_opsetid("", opset)]
    if quant:
        opsets.append(helper.make_opsetid(QDOMAIN, 1))
    m = helper.make_model(g, producer_name="qonnxc-pass-tests", opset_imports=opsets)
    m.ir_version = 8
    return m


def save(m, path):
    onnx.save(m, str(path))
    return str(path)


# ---- running qonnxc -------------------------------------------------------------

def run(args):
    return subprocess.run([qonnxc_path()] + [str(a) for a in args], capture_output=True,
                          text=True, timeout=TIMEOUT, errors="replace")


def ok(proc):
    assert proc.returncode == 0, "qonnxc exited %d: %s" % (proc.returncode, proc.stderr[-3000:])
    return proc


def emit_ir(path, passes="cleanup"):
    """The IR after `passes`, verified after each pass."""
    return ok(run(["--emit=ir", "--passes=" + passes, "--verify-each", path])).stdout


OP_LINE = re.compile(r"^%.* = ([A-Za-z]+)(<nhwc>)?\(", re.M)


def op_counts(ir):
    """Counter of op names in an IR text."""
    return collections.Counter(m.group(1) for m in OP_LINE.finditer(ir))


def interp(path, inputs, tmp_path, passes=None, tag="out"):
    """Runs the interpreter on arrays `inputs` (saved as .npy, or given as file
    paths) and returns the outputs, after `passes` when given."""
    files = []
    for k, a in enumerate(inputs):
        if isinstance(a, str):
            files.append(a)
        else:
            f = str(tmp_path / ("%s_in%d.npy" % (tag, k)))
            np.save(f, a)
            files.append(f)
    nout = len(onnx.load(path, load_external_data=False).graph.output)
    outs = [str(tmp_path / ("%s_%s_%d.npy" % (tag, passes or "none", k))) for k in range(nout)]
    args = ["run", "--interp", path]
    for f in files:
        args += ["--input", f]
    for o in outs:
        args += ["--output", o]
    if passes:
        args += ["--passes=" + passes, "--verify-each"]
    ok(run(args))
    return [np.load(o) for o in outs]


def before_after(path, inputs, tmp_path):
    """Interpreter outputs on the imported graph and after cleanup."""
    before = interp(path, inputs, tmp_path, tag="before")
    after = interp(path, inputs, tmp_path, passes="cleanup", tag="after")
    return before, after


EPS32 = 2.0 ** -24  # unit roundoff of float32: one rounding errs by at most this, relatively


def assert_exact(before, after):
    for k, (b, a) in enumerate(zip(before, after)):
        assert b.dtype == a.dtype and b.shape == a.shape, (k, b.dtype, a.dtype, b.shape, a.shape)
        diff = np.flatnonzero(b != a)
        assert diff.size == 0, "output %d: %d elements differ, first at %d: %r vs %r" % (
            k, diff.size, diff[0], b.flat[diff[0]], a.flat[diff[0]])


def assert_within(before, after, bound):
    """|before - after| <= bound element-wise (bound: one array per output)."""
    for k, (b, a, t) in enumerate(zip(before, after, bound)):
        assert b.shape == a.shape, (k, b.shape, a.shape)
        err = np.abs(b.astype(np.float64) - a.astype(np.float64))
        bad = np.flatnonzero(err > t)
        assert bad.size == 0, "output %d: %d elements beyond the bound, e.g. %r vs %r (bound %g)" % (
            k, bad.size, b.flat[bad[0]], a.flat[bad[0]], np.broadcast_to(t, b.shape).flat[bad[0]])
