"""test_errors.py: what `qonnxc --target=hls` refuses and how, the output
directory's life, the testbench's own failure, and the reuse factor.

- A model with float arithmetic between integer layers (tests/lowering's
  stays_float: a zero point into a Conv, an AveragePool whose border windows
  count fewer elements) exits 1 with one line listing every such node and
  writes nothing, not even a temporary directory; a float model (no
  Quantize) likewise.
- -o: a missing directory or an empty one is created or filled; an earlier
  project is replaced whole; anything else is refused (exit 2) untouched.
- Usage errors exit 2: --hls-* options without --target=hls, a bad reuse
  factor, --target=hls without -o or with LLVM's --emit.
- The testbench fails when a layer differs: a golden value changed in one
  layer's file makes `make csim` exit non-zero naming that layer's node.
- --hls-input adds the model's own samples to the golden vectors; a bad file
  or a --name the generated C cannot use is a usage error.
- --hls-bitint makes the project's own build the _BitInt kernel with clang-19.
- --hls-reuse=N: each MatMul gets ceil(K / N) multipliers for its dot
  products of length K (K read from the IR's weight types), and the kernel
  is still bit-exact.
"""
import json
import math
import os
import re

import numpy as np
import pytest

import hlskit
import runner

SHARED = os.path.join(runner.SHARED, "models")
TFC = os.path.join(SHARED, "tfc_2w2a", "model.onnx")
FLOAT_MODEL = os.path.join(SHARED, "three_layer_keras", "model.onnx")


def one_error_line(p, code):
    lines = p.stderr.strip().splitlines()
    assert p.returncode == code, p.stderr
    assert len(lines) == 1 and lines[0].startswith("qonnxc: error: "), p.stderr
    return lines[0]


def test_float_between_integer_layers(lowering_models, tmp_path):
    model = os.path.join(lowering_models, "stays_float", "model.onnx")
    out = tmp_path / "prj"
    line = one_error_line(hlskit.generate(model, str(out)), 1)
    assert line.startswith("qonnxc: error: %s: HLS backend cannot map: node '" % model), line
    # every float op between a Dequantize and a Quantize, each with its reason
    for node in ("quant14_dq", "averagepool15", "quant19_q"):
        assert re.search(r"node '%s' \(\w+\): [^;]*between integer layers" % node, line), line
    assert not out.exists()
    assert os.listdir(str(tmp_path)) == []


def test_float_model(compiler, tmp_path):
    if not os.path.exists(FLOAT_MODEL):
        pytest.skip("shared model missing")
    line = one_error_line(hlskit.generate(FLOAT_MODEL, str(tmp_path / "prj")), 1)
    assert "HLS backend cannot map" in line and "no Quantize" in line, line
    assert os.listdir(str(tmp_path)) == []


def test_outdir_refused_untouched(compiler, tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    line = one_error_line(hlskit.generate(TFC, str(out)), 2)
    assert "refusing" in line, line
    assert os.listdir(str(out)) == ["notes.txt"]
    assert sorted(os.listdir(str(tmp_path))) == ["busy"]
    f = tmp_path / "file"
    f.write_text("x")
    one_error_line(hlskit.generate(TFC, str(f)), 2)
    assert f.read_text() == "x"


def test_outdir_empty_then_replaced(compiler, tmp_path):
    out = tmp_path / "prj"
    out.mkdir()
    p = hlskit.generate(TFC, str(out))
    assert p.returncode == 0, p.stderr
    assert (out / "src" / "model.c").exists() and (out / ".qonnxc-hls").exists()
    (out / "stale.txt").write_text("from before")
    p = hlskit.generate(TFC, str(out), "--name=tfc")
    assert p.returncode == 0, p.stderr
    assert (out / "src" / "tfc.c").exists()
    assert not (out / "stale.txt").exists() and not (out / "src" / "model.c").exists()
    assert sorted(os.listdir(str(tmp_path))) == ["prj"]


@pytest.mark.parametrize("args,what", [
    (["--hls-reuse=4", "-o", "x.o"], "need --target=hls"),
    (["--target=hls", "--hls-reuse=0", "-o", "d"], "--hls-reuse"),
    (["--target=hls"], "needs -o"),
    (["--target=hls", "-o", "d", "--emit=obj"], "do not apply"),
    (["--target=hls", "-o", "d", "--hls-clock=fast"], "--hls-clock"),
])
def test_usage_errors(compiler, tmp_path, args, what):
    p = hlskit.sh([hlskit.qonnxc(), TFC] + args, cwd=str(tmp_path))
    line = one_error_line(p, 2)
    assert what in line, line
    assert os.listdir(str(tmp_path)) == []


def test_testbench_names_the_first_differing_layer(compiler, workdir):
    d = os.path.join(workdir, "corrupt")
    p = hlskit.generate(TFC, d)
    assert p.returncode == 0, p.stderr
    report = json.load(open(os.path.join(d, "report.json")))
    layer = report["layers"][2]
    path = os.path.join(d, "tb", "layer2.npy")
    g = np.load(path)
    g[0, 5] += 1
    np.save(path, g)
    m = hlskit.make(d, "csim")
    assert m.returncode != 0
    assert "layer 2 '%s' (%s) is the first to differ: element 5" % (layer["node"], layer["op"]) \
        in m.stdout, m.stdout


def matmul_inner_dims(model):
    """K of every integer MatMul, from its weight operand's type in the IR."""
    ir = hlskit.emit_ir(model)
    types = dict(re.findall(r"^const %(\S+) : (\S+)", ir, re.M))
    ks = []
    for a, b in re.findall(r"= MatMul\(%(\S+), %(\S+)\) : [iu]\d+", ir):
        dims = re.search(r"\[([\d,]+)\]", types[b]).group(1).split(",")
        ks.append(int(dims[-2]))
    return ks


@pytest.mark.parametrize("reuse", [1, 4, 1000])
def test_reuse_factor(compiler, workdir, reuse):
    d = os.path.join(workdir, "reuse%d" % reuse)
    p = hlskit.generate(TFC, d, "--hls-reuse=%d" % reuse)
    assert p.returncode == 0, p.stderr
    report = json.load(open(os.path.join(d, "report.json")))
    got = [(l["dot_length"], l["multipliers"]) for l in report["layers"] if l["op"] == "MatMul"]
    want = [(k, math.ceil(k / min(reuse, k))) for k in matmul_inner_dims(TFC)]
    assert got == want
    assert report["totals"]["multipliers"] == sum(l["multipliers"] for l in report["layers"])
    assert hlskit.golden_ok(hlskit.make(d, "csim")) is None


def test_user_inputs_as_golden_vectors(compiler, workdir):
    """--hls-input: the samples of the model's own inputs, through the float
    head and the Quantize by the interpreter, join the random vectors."""
    inputs = os.path.join(SHARED, "tfc_2w2a", "inputs.npy")
    d = os.path.join(workdir, "user_inputs")
    p = hlskit.generate(TFC, d, "--hls-vectors=2", "--hls-input", inputs)
    assert p.returncode == 0, p.stderr
    samples = np.load(inputs).shape[0]
    assert np.load(os.path.join(d, "tb", "in0.npy")).shape[0] == 2 + samples
    m = hlskit.make(d, "csim")
    assert hlskit.golden_ok(m) is None, m.stdout
    assert "%d golden vectors" % (2 + samples) in m.stdout


def test_bad_user_inputs_and_names(compiler, tmp_path):
    bad = tmp_path / "bad.npy"
    np.save(str(bad), np.zeros((3, 5), np.float32))
    line = one_error_line(hlskit.generate(TFC, str(tmp_path / "a"), "--hls-input", str(bad)), 2)
    assert "--hls-input" in line, line
    line = one_error_line(hlskit.generate(TFC, str(tmp_path / "b"), "--name=int"), 2)
    assert "--name=int" in line, line
    assert sorted(os.listdir(str(tmp_path))) == ["bad.npy"]


def test_bitint_project(compiler, workdir):
    """--hls-bitint: the project's own build (make csim) uses the _BitInt
    kernel with clang-19, gives qonnxc run's outputs, and `make stdint`
    still builds the <stdint.h> one."""
    d = os.path.join(workdir, "bitint_project")
    p = hlskit.generate(TFC, d, "--hls-bitint")
    assert p.returncode == 0, p.stderr
    assert "#define QONNX_HLS_BITINT 1" in open(os.path.join(d, "src", "model.h")).read()
    m = hlskit.make(d, "csim")
    assert hlskit.golden_ok(m) is None, m.stdout + m.stderr
    dry = hlskit.sh(["make", "-B", "-n", "-C", d, "build/model_tb"])
    assert "clang-19" in dry.stdout and "-std=c2x" in dry.stdout, dry.stdout
    prj = hlskit.Project.at(TFC, d)
    out = os.path.join(workdir, "files", "bitint_project")
    os.makedirs(out, exist_ok=True)
    problem = hlskit.check_files_equal(prj, TFC, [os.path.join(SHARED, "tfc_2w2a", "inputs.npy")],
                                       out)
    assert problem is None, problem
    assert hlskit.golden_ok(hlskit.make(d, "stdint")) is None
