"""test_cli.py: qonnxc's command line: --help and --version, usage errors
(exit 2, one error line), import-and-verify, --emit=ir naming values after the
ONNX tensor names, `run --interp` with .npy and .pb inputs, several inputs and
outputs and their .npy types, samples along an extra leading dimension,
--batch binding a symbolic or overriding a fixed first dimension, and the
rule that nothing is written to an output path when the command fails."""
import os
import re

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

import compare
import reference
import runner

F = TensorProto.FLOAT


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def save(model, path):
    model.ir_version = 8
    onnx.save(model, str(path))
    return str(path)


def mlp(first_dim):
    """x[first_dim, 4] @ w[4, 3] -> Relu, tensor names chosen to be recognizable."""
    w = np.random.default_rng(5).uniform(-1, 1, [4, 3]).astype(np.float32)
    nodes = [helper.make_node("MatMul", ["input_x", "weights_w"], ["hidden"], name="fc"),
             helper.make_node("Relu", ["hidden"], ["scores"], name="act")]
    g = helper.make_graph(nodes, "mlp", [vi("input_x", [first_dim, 4])],
                          [vi("scores", [first_dim, 3])],
                          initializer=[numpy_helper.from_array(w, "weights_w")])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def multi_io():
    """(a f32[2,3], b i64[3]) -> (total f32[2,3], as_int i64[2,3], bigger bool[2,3])."""
    nodes = [helper.make_node("Cast", ["b"], ["bf"], to=F),
             helper.make_node("Add", ["a", "bf"], ["total"]),
             helper.make_node("Cast", ["total"], ["as_int"], to=TensorProto.INT64),
             helper.make_node("Greater", ["a", "bf"], ["bigger"])]
    g = helper.make_graph(nodes, "multi", [vi("a", [2, 3]), vi("b", [3], TensorProto.INT64)],
                          [vi("total", [2, 3]), vi("as_int", [2, 3], TensorProto.INT64),
                           vi("bigger", [2, 3], TensorProto.BOOL)])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def symbolic_inner():
    g = helper.make_graph([helper.make_node("Relu", ["x_sym"], ["y"])], "sym",
                          [vi("x_sym", ["N", "K"])], [vi("y", ["N", "K"])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


def odd_names():
    g = helper.make_graph([helper.make_node("Neg", ["in put"], ['out"q'], name="neg node")],
                          "odd", [vi("in put", [2])], [vi('out"q', [2])])
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.fixture(scope="module")
def models(qonnxc, tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    return {
        "mlp": save(mlp("N"), d / "mlp.onnx"),
        "fixed": save(mlp(1), d / "fixed.onnx"),
        "multi": save(multi_io(), d / "multi.onnx"),
        "sym": save(symbolic_inner(), d / "sym.onnx"),
        "odd": save(odd_names(), d / "odd.onnx"),
        "dir": d,
    }


def npy(path, a):
    np.save(str(path), a)
    return str(path)


def ok(proc):
    assert proc.returncode == 0, "exit %d: %s" % (proc.returncode, proc.stderr)
    return proc


def ref_mlp(models, x):
    return reference.run_model(models["mlp"], [x])[0]


def assert_mlp(models, got, x):
    """got is the mlp's result on x, within the accumulation bound of compare.py."""
    m = models["mlp"]
    wide = reference.run_model(m, [x], wide=True)[0]
    absref = reference.run_model(m, [x], wide=True, absolute=True)[0]
    problem = compare.check_output("scores", got, wide, "accum", absref,
                                   want_dtype=np.dtype("<f4"))
    assert problem is None, problem


# ---- help, version, usage errors -------------------------------------------

@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help(qonnxc, flag):
    p = ok(runner.run([flag]))
    assert "usage: qonnxc" in p.stdout
    assert "--emit=ir" in p.stdout and "--batch" in p.stdout
    assert p.stderr == ""


def test_version(qonnxc):
    p = ok(runner.run(["--version"]))
    assert re.fullmatch(r"qonnxc \d+\.\d+\.\d+ \(LLVM \d+\.\d+\.\d+\)\n", p.stdout), p.stdout
    assert p.stderr == ""


USAGE = {
    "no_arguments": [],
    "unknown_option": ["--bogus", "{mlp}"],
    "unknown_emit": ["--emit=exe", "{mlp}"],
    "unknown_opt_level": ["-O7", "{mlp}"],
    "name_not_identifier": ["--name=3x", "-o", "{dir}/x.o", "{mlp}"],
    "batch_zero": ["--batch", "0", "{mlp}"],
    "batch_negative": ["--batch=-2", "{mlp}"],
    "batch_not_number": ["--batch", "two", "{mlp}"],
    "batch_missing_value": ["{mlp}", "--batch"],
    "two_models": ["{mlp}", "{fixed}"],
    "object_to_stdout": ["--emit=obj", "{mlp}"],
    "input_without_run": ["{mlp}", "--input", "{dir}/x.npy"],
    "run_with_emit": ["run", "--interp", "{mlp}", "--emit=ir"],
    "run_with_o": ["run", "--interp", "{mlp}", "-o", "{dir}/y"],
    "run_missing_input_value": ["run", "--interp", "{mlp}", "--input"],
    "max_memory_bad": ["--max-memory=lots", "{mlp}"],
    "run_no_model": ["run", "--interp"],
}


@pytest.mark.parametrize("name", sorted(USAGE))
def test_usage_error(models, name):
    args = [a.format(**{k: str(v) for k, v in models.items()}) for a in USAGE[name]]
    p = runner.run(args)
    problem = runner.error_contract(p, 2)
    assert problem is None, "%s: %s" % (args, problem)
    assert p.stdout == ""


def test_input_count_mismatch(models, tmp_path):
    x = npy(tmp_path / "x.npy", np.zeros([1, 4], np.float32))
    out = tmp_path / "o.npy"
    p = runner.run_interp(models["multi"], [x], [out])
    assert runner.error_contract(p, 2) is None, p.stderr
    assert not out.exists()
    p = runner.run_interp(models["mlp"], [], [])
    assert runner.error_contract(p, 2) is None, p.stderr


def test_too_many_outputs(models, tmp_path):
    x = npy(tmp_path / "x.npy", np.zeros([1, 4], np.float32))
    outs = [tmp_path / "a.npy", tmp_path / "b.npy"]
    p = runner.run_interp(models["mlp"], [x], outs)
    assert runner.error_contract(p, 2) is None, p.stderr
    assert not any(o.exists() for o in outs)


def test_wrong_input_shape_writes_nothing(models, tmp_path):
    x = npy(tmp_path / "x.npy", np.zeros([1, 5], np.float32))
    out = tmp_path / "o.npy"
    out.write_bytes(b"previous content")
    p = runner.run_interp(models["mlp"], [x], [out])
    assert runner.error_contract(p, 2) is None, p.stderr
    assert "input_x" in p.stderr
    assert out.read_bytes() == b"previous content"


def test_corrupt_input_file(models, tmp_path):
    bad = tmp_path / "x.npy"
    bad.write_bytes(b"\x93NUMPY garbage")
    p = runner.run_interp(models["mlp"], [str(bad)], [])
    assert runner.error_contract(p, 2) is None, p.stderr


def test_missing_model_file(qonnxc, tmp_path):
    p = runner.run([tmp_path / "absent.onnx"])
    assert p.returncode in (1, 2)
    assert runner.error_contract(p, p.returncode) is None, p.stderr
    assert "absent.onnx" in p.stderr


# ---- import, verify, --emit=ir ---------------------------------------------

def test_verify_only(models):
    p = ok(runner.run([models["mlp"]]))
    assert p.stdout == "" and p.stderr == ""


def test_verbose(models):
    p = ok(runner.run(["-v", models["mlp"]]))
    assert "verified" in p.stderr


def test_emit_ir_names(models):
    p = ok(runner.run(["--emit=ir", models["mlp"]]))
    ir = p.stdout
    assert re.search(r"^input %input_x : f32\[1,4\]$", ir, re.M), ir
    assert re.search(r"^const %weights_w : f32\[4,3\]", ir, re.M), ir
    assert re.search(r"^%hidden = MatMul\(%input_x, %weights_w\) \[f32 fma sums\] : f32\[1,3\]",
                     ir, re.M), ir
    assert re.search(r"^%scores = Relu\(%hidden\) : f32\[1,3\]", ir, re.M), ir
    assert re.search(r"^output %scores$", ir, re.M), ir


def test_emit_ir_batch(models):
    p = ok(runner.run(["--emit=ir", "--batch", "5", models["mlp"]]))
    assert "input %input_x : f32[5,4]" in p.stdout
    assert "%scores = Relu(%hidden) : f32[5,3]" in p.stdout


def test_emit_ir_quoted_names(models):
    p = ok(runner.run(["--emit=ir", models["odd"]]))
    assert 'input %"in put" : f32[2]' in p.stdout, p.stdout
    assert '%"out\\"q" = Neg(%"in put") : f32[2]' in p.stdout, p.stdout


def test_emit_ir_to_file(models, tmp_path):
    out = tmp_path / "m.ir"
    p = ok(runner.run(["--emit=ir", "-o", out, models["mlp"]]))
    assert p.stdout == ""
    assert out.read_text() == ok(runner.run(["--emit=ir", models["mlp"]])).stdout


def test_max_memory(models):
    p = runner.run(["--max-memory=16", models["mlp"]])
    assert runner.error_contract(p, 1) is None, p.stderr
    assert re.search(r"limit|memory|large", p.stderr, re.I), p.stderr
    ok(runner.run(["--max-memory=1M", models["mlp"]]))


# ---- run ---------------------------------------------------------------------

def test_run_prints_outputs(models, tmp_path):
    x = np.array([[1.0, -2.0, 0.5, 3.0]], np.float32)
    p = ok(runner.run_interp(models["mlp"], [npy(tmp_path / "x.npy", x)], []))
    lines = p.stdout.strip().splitlines()
    assert lines[0] == "output scores : f32[1,3]", p.stdout
    got = np.array([float(v) for v in lines[1].split()], np.float32).reshape(1, 3)
    assert_mlp(models, got, x)


def test_run_output_types(models, tmp_path):
    a = np.array([[0.5, -1.5, 2.25], [3.0, 4.75, -0.25]], np.float32)
    b = np.array([1, -2, 3], np.int64)
    outs = [tmp_path / n for n in ("t.npy", "i.npy", "g.npy")]
    ok(runner.run_interp(models["multi"], [npy(tmp_path / "a.npy", a),
                                           npy(tmp_path / "b.npy", b)], outs))
    exp = reference.run_model(models["multi"], [a, b])
    got = [np.load(str(o)) for o in outs]
    assert [g.dtype.str for g in got] == ["<f4", "<i8", "|b1"]
    for g, e in zip(got, exp):
        assert np.array_equal(g, e)


def test_run_fewer_outputs_than_model(models, tmp_path):
    a = np.ones([2, 3], np.float32)
    b = np.array([1, 2, 3], np.int64)
    out = tmp_path / "t.npy"
    p = ok(runner.run_interp(models["multi"], [npy(tmp_path / "a.npy", a),
                                               npy(tmp_path / "b.npy", b)], [out]))
    assert np.array_equal(np.load(str(out)), a + b.astype(np.float32))
    assert p.stdout == ""


def test_run_pb_input(models, tmp_path):
    x = np.array([[0.25, -1.0, 2.0, 0.0]], np.float32)
    pb = tmp_path / "x.pb"
    pb.write_bytes(numpy_helper.from_array(x, "input_x").SerializeToString())
    out = tmp_path / "o.npy"
    ok(runner.run_interp(models["mlp"], [pb], [out]))
    assert_mlp(models, np.load(str(out)), x)


def test_run_float64_input_is_converted(models, tmp_path):
    x = np.array([[0.1, -0.2, 0.3, 0.4]], np.float64)
    out = tmp_path / "o.npy"
    ok(runner.run_interp(models["mlp"], [npy(tmp_path / "x.npy", x)], [out]))
    got = np.load(str(out))
    assert got.dtype == np.float32
    assert_mlp(models, got, x.astype(np.float32))


def run_samples(models, tmp_path, model, x, extra=()):
    out = tmp_path / "o.npy"
    ok(runner.run_interp(models[model], [npy(tmp_path / "x.npy", x)], [out], extra))
    return np.load(str(out))


def test_samples_on_leading_dimension(models, tmp_path):
    # the symbolic batch is bound to 1; an extra leading dimension of 5 holds samples
    x = np.random.default_rng(1).uniform(-1, 1, [5, 1, 4]).astype(np.float32)
    got = run_samples(models, tmp_path, "mlp", x)
    assert got.shape == (5, 1, 3)
    for s in range(5):
        assert_mlp(models, got[s], x[s])


def test_batch_binds_symbolic_dimension(models, tmp_path):
    x = np.random.default_rng(2).uniform(-1, 1, [3, 4]).astype(np.float32)
    got = run_samples(models, tmp_path, "mlp", x, ["--batch", "3"])
    assert got.shape == (3, 3)
    assert_mlp(models, got, x)


def test_batch_with_samples(models, tmp_path):
    x = np.random.default_rng(3).uniform(-1, 1, [2, 3, 4]).astype(np.float32)
    got = run_samples(models, tmp_path, "mlp", x, ["--batch=3"])
    assert got.shape == (2, 3, 3)
    for s in range(2):
        assert_mlp(models, got[s], x[s])


def test_batch_overrides_fixed_first_dimension(models, tmp_path):
    x = np.random.default_rng(4).uniform(-1, 1, [4, 4]).astype(np.float32)
    got = run_samples(models, tmp_path, "fixed", x, ["--batch", "4"])
    assert got.shape == (4, 3)
    assert_mlp(models, got, x)
    # without --batch the fixed dimension 1 holds, and 4 rows are 4 samples
    got = run_samples(models, tmp_path, "fixed", x.reshape(4, 1, 4))
    assert got.shape == (4, 1, 3)


def test_symbolic_inner_dimension_is_an_error(models, tmp_path):
    x = npy(tmp_path / "x.npy", np.zeros([1, 3], np.float32))
    for args in ([models["sym"]], ["run", "--interp", models["sym"], "--input", x]):
        p = runner.run(args)
        problem = runner.error_contract(p, 1)
        assert problem is None, problem
        assert "x_sym" in p.stderr and re.search(r"\bK\b", p.stderr), p.stderr


def test_example_model(qonnxc, tmp_path):
    model = os.path.join(runner.ROOT, "examples", "mlp_w2a2.onnx")
    x = np.load(os.path.join(runner.ROOT, "examples", "mlp_w2a2_input.npy"))
    out = tmp_path / "o.npy"
    ok(runner.run_interp(model, [os.path.join(runner.ROOT, "examples", "mlp_w2a2_input.npy")],
                         [out]))
    got = np.load(str(out))
    assert got.shape == (x.shape[0], 1, 5)
    for s in range(x.shape[0]):
        # Exact: every value entering a quantizer is at least 0.0067 of a step away
        # from a rounding threshold for this input (measured with the reference),
        # far more than BatchNormalization's float32 error (~1e-6 of a step), and the
        # last MatMul sums 32 products of 2-bit and 4-bit grid values with
        # power-of-two scales, which float32 represents exactly in any order.
        assert np.array_equal(got[s], reference.run_model(model, [x[s]])[0]), s


def test_runtime_error_writes_nothing(qonnxc, tmp_path):
    """An error only visible at run time (a Gather index out of range, indices
    from an input file) fails with exit 1, one line naming the node."""
    g = helper.make_graph(
        [helper.make_node("Gather", ["data", "idx"], ["y"], name="gather_rt", axis=0)], "rt",
        [vi("data", [3, 2]), vi("idx", [2], TensorProto.INT64)], [vi("y", [2, 2])])
    path = save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]),
                tmp_path / "rt.onnx")
    data = npy(tmp_path / "d.npy", np.zeros([3, 2], np.float32))
    out = tmp_path / "o.npy"
    ok(runner.run_interp(path, [data, npy(tmp_path / "i.npy", np.array([2, -3]))], [out]))
    out.unlink()
    p = runner.run_interp(path, [data, npy(tmp_path / "i.npy", np.array([0, 3]))], [out])
    assert runner.error_contract(p, 1) is None, p.stderr
    assert "node 'gather_rt' (Gather)" in p.stderr, p.stderr
    assert not out.exists()


def flatten_chain(first_dim):
    """PyTorch's flatten as exported: Shape -> Gather -> Unsqueeze -> Concat -> Reshape,
    whose computed shape must follow the batch size."""
    w = np.random.default_rng(6).uniform(-1, 1, [24, 3]).astype(np.float32)
    inits = [numpy_helper.from_array(np.array(0, np.int64), "zero"),
             numpy_helper.from_array(np.array([0], np.int64), "ax0"),
             numpy_helper.from_array(np.array([-1], np.int64), "minus1"),
             numpy_helper.from_array(w, "w")]
    nodes = [helper.make_node("Shape", ["x"], ["shp"]),
             helper.make_node("Gather", ["shp", "zero"], ["n"], axis=0),
             helper.make_node("Unsqueeze", ["n", "ax0"], ["n1"]),
             helper.make_node("Concat", ["n1", "minus1"], ["newshape"], axis=0),
             helper.make_node("Reshape", ["x", "newshape"], ["flat"]),
             helper.make_node("MatMul", ["flat", "w"], ["y"])]
    g = helper.make_graph(nodes, "chain", [vi("x", [first_dim, 2, 3, 4])],
                          [vi("y", [first_dim, 3])], initializer=inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])


@pytest.mark.parametrize("first_dim", ["batch", 1])
def test_batch_through_shape_computation(qonnxc, tmp_path, first_dim):
    path = save(flatten_chain(first_dim), tmp_path / "chain.onnx")
    x = np.random.default_rng(7).uniform(-1, 1, [2, 2, 3, 4]).astype(np.float32)
    out = tmp_path / "o.npy"
    ok(runner.run_interp(path, [npy(tmp_path / "x.npy", x)], [out], ["--batch", "2"]))
    got = np.load(str(out))
    assert got.shape == (2, 3)
    wide = reference.run_model(path, [x], wide=True)[0]
    absref = reference.run_model(path, [x], wide=True, absolute=True)[0]
    assert compare.check_output("y", got, wide, "accum", absref,
                                want_dtype=np.dtype("<f4")) is None
    ok(runner.run_interp(path, [npy(tmp_path / "x.npy", x.reshape(2, 1, 2, 3, 4))], [out]))
    assert np.load(str(out)).shape == (2, 1, 3)
    ir = ok(runner.run(["--emit=ir", "--batch", "3", path])).stdout
    assert re.search(r"^%flat = Reshape\(%x, %newshape\) : f32\[3,24\]", ir, re.M), ir

def test_long_chain_does_not_crash(qonnxc, tmp_path):
    """A valid but deep graph (100000 nodes in one chain) must not exhaust the
    stack in toposort, verification or interpretation: it either runs, or is
    refused with the one-line error. (Not in test_bad_inputs.py, which also
    runs under ASan, where this size takes minutes.)"""
    n = 100_000
    nodes = [helper.make_node("Neg", ["t%d" % i], ["t%d" % (i + 1)], name="n%d" % i)
             for i in range(n)]
    g = helper.make_graph(nodes, "chain",
                          [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [3])],
                          [helper.make_tensor_value_info("t%d" % n, TensorProto.FLOAT, [3])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 8
    path = tmp_path / "chain.onnx"
    path.write_bytes(m.SerializeToString())
    x = tmp_path / "x.npy"
    np.save(x, np.array([1.0, -2.0, 0.5], np.float32))
    out = tmp_path / "y.npy"
    proc = runner.run(["run", "--interp", path, "--input", x, "--output", out])
    if proc.returncode == 0:
        assert np.array_equal(np.load(out), np.array([1.0, -2.0, 0.5], np.float32))
    else:
        assert runner.error_contract(proc, 1) is None, proc.stderr[-2000:]
