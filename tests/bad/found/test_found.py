"""test_found.py: the inputs fuzzing found (fuzz/), each once a crash, a hang
or a sanitizer report, and what qonnxc must do with each now.

    QONNXC=build-san/qonnxc /usr/bin/python3 -m pytest -q tests/bad/found

expected.txt has one line per file, FILE<TAB>EXPECTATION:
  SUBSTRING      `qonnxc FILE` exits 1 with exactly one stderr line
                 'qonnxc: error: ...' containing SUBSTRING
  run: SUBSTRING the model compiles (exit 0, stderr empty); `qonnxc run` on
                 deterministic inputs exits 1 with one such line
  (accepted)     the model compiles and runs: both exit 0, stderr empty

"Compiles" is checked with each pipeline the fuzz targets use (PIPELINES:
the default one, the opt-in passes, --io-layout=nhwc), since some of these
bugs were in one pass only. An accepted model also goes through both
backends (`-o m.o` and `--target=hls -o prj`), as the fuzz targets send it:
each either writes its output (exit 0, stderr empty) or refuses the model
with one error line (exit 1); an HLS refusal is legitimate for a model
without a quantized part.

The inputs of `qonnxc run` are made from the declared graph input types,
small values of both signs, as the fuzz targets make them. Most of these
bugs were memory or undefined-behaviour errors, so the sanitized build
(make SANITIZE=1) is the one to run this with; the plain build checks the
messages.
"""
import os
import subprocess
import tempfile

import numpy as np
import onnx
import pytest
from onnx import TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
QONNXC = os.environ.get("QONNXC", os.path.join(HERE, "..", "..", "..", "build", "qonnxc"))
TIMEOUT = 60
PIPELINES = [
    [],
    ["--io-layout=nhwc"],
    ["--passes=cleanup,lower-integer"],
    ["--passes=cleanup,channels-last,lower-integer"],
    ["--passes=promote-f64,cleanup"],
]

NP_TYPES = {
    TensorProto.FLOAT: np.float32, TensorProto.DOUBLE: np.float64, TensorProto.BOOL: np.bool_,
    TensorProto.INT8: np.int8, TensorProto.INT16: np.int16, TensorProto.INT32: np.int32,
    TensorProto.INT64: np.int64, TensorProto.UINT8: np.uint8, TensorProto.UINT16: np.uint16,
    TensorProto.UINT32: np.uint32, TensorProto.UINT64: np.uint64,
}


def table():
    rows = []
    with open(os.path.join(HERE, "expected.txt")) as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                name, expect = line.split("\t", 1)
                rows.append((name, expect))
    return rows


def qonnxc(*args):
    return subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=TIMEOUT)


def check_error(r, substring):
    lines = r.stderr.splitlines()
    assert r.returncode == 1, "exit %d, stderr: %s" % (r.returncode, r.stderr)
    assert len(lines) == 1, "expected one stderr line, got: %r" % r.stderr
    assert lines[0].startswith("qonnxc: error: "), lines[0]
    assert substring in lines[0], "%r not in %r" % (substring, lines[0])


def check_ok(r):
    assert r.returncode == 0 and r.stderr == "", "exit %d, stderr: %s" % (r.returncode, r.stderr)


def make_inputs(path, outdir):
    """One .npy per graph input that is not an initializer."""
    model = onnx.load(path, load_external_data=False)
    inits = {t.name for t in model.graph.initializer}
    files = []
    for k, vi in enumerate(i for i in model.graph.input if i.name not in inits):
        tt = vi.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else 1 for d in tt.shape.dim]
        n = int(np.prod(shape)) if shape else 1
        pattern = (np.arange(n) * 7 + k * 3) % 17
        dtype = NP_TYPES.get(tt.elem_type, np.float32)
        if dtype in (np.float32, np.float64):
            a = (pattern - 8) * 0.375
        elif dtype == np.bool_:
            a = (np.arange(n) + k) % 2
        elif np.issubdtype(dtype, np.signedinteger):
            a = pattern - 8
        else:
            a = pattern
        f = os.path.join(outdir, "input_%d.npy" % k)
        np.save(f, np.asarray(a).astype(dtype).reshape(shape))
        files.append(f)
    return files


def run_args(path, outdir):
    args = ["run", "--interp", path]
    for f in make_inputs(path, outdir):
        args += ["--input", f]
    return args


@pytest.mark.parametrize("name,expect", table(), ids=[r[0] for r in table()])
def test_found(name, expect):
    path = os.path.join(HERE, name)
    assert os.path.exists(path), path
    accepted = expect == "(accepted)" or expect.startswith("run: ")
    for options in PIPELINES:
        compiled = qonnxc(*options, path)
        if accepted:
            check_ok(compiled)
        else:
            check_error(compiled, expect)
    if not accepted:
        return
    with tempfile.TemporaryDirectory() as d:
        check_backends(path, d)
        args = run_args(path, d)
        ran = qonnxc(*args)
        if expect == "(accepted)":
            assert ran.returncode == 0, "exit %d, stderr: %s" % (ran.returncode, ran.stderr)
            check_layout_exact(args, d)
        else:
            check_error(ran, expect[len("run: "):])


def check_backends(path, d):
    for kind, args, out in (("llvm", [], "m.o"), ("hls", ["--target=hls"], "prj")):
        target = os.path.join(d, out)
        r = qonnxc(*args, path, "-o", target)
        if r.returncode == 0:
            assert r.stderr == "", "%s: %s" % (kind, r.stderr)
            assert os.path.exists(target), kind
        else:
            check_error(r, "")
            assert not os.path.exists(target), "%s: failed but wrote %s" % (kind, target)


def check_layout_exact(args, d):
    """channels-last only moves data, so the outputs it gives are those of
    the model as imported, bit for bit (a Softmax once lost its axis)."""
    outs = []
    for tag, extra in (("plain", []), ("cl", ["--passes=channels-last"])):
        out = os.path.join(d, tag + ".npy")
        r = qonnxc(*args, *extra, "--output", out)
        check_ok(r)
        outs.append(np.load(out))
    assert outs[0].dtype == outs[1].dtype and outs[0].shape == outs[1].shape
    assert outs[0].tobytes() == outs[1].tobytes(), "channels-last changed the outputs"


def test_table_covers_every_file():
    listed = {r[0] for r in table()}
    files = {f for f in os.listdir(HERE) if f.endswith(".onnx")}
    assert files == listed, "unlisted: %s, missing: %s" % (files - listed, listed - files)
