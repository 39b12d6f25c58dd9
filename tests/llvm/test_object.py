"""test_object.py: what a generated object and header promise, beyond the
numbers (those are test_models.py's): the command line (outputs, names,
errors, targets), the symbols and sections of the object, the header as C99
and C++11, byte-identical rebuilds, several models (and one model twice) in
one program, and a run under AddressSanitizer with a workspace malloc'ed at
exactly its advertised size.

The models are built here with onnx.helper from ops the backend has kernels
for (MatMul, Add, Relu), so these tests do not depend on kernels still being
written; their numeric results are checked against the interpreter.
"""
import os
import re
import shutil

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import llvmkit
import runner

RNG = np.random.default_rng(7)


def mlp_model(path, hidden=16, name="mlp"):
    """x[1,8] -> MatMul+Add -> Relu -> MatMul+Add -> y[1,4], plus the
    hidden activation as a second output: intermediates need a workspace."""
    w1 = RNG.standard_normal((8, hidden)).astype(np.float32)
    b1 = RNG.standard_normal((hidden,)).astype(np.float32)
    w2 = RNG.standard_normal((hidden, 4)).astype(np.float32)
    b2 = RNG.standard_normal((4,)).astype(np.float32)
    inits = [helper.make_tensor(n, TensorProto.FLOAT, a.shape, a.ravel())
             for n, a in (("w1", w1), ("b1", b1), ("w2", w2), ("b2", b2))]
    nodes = [helper.make_node("MatMul", ["x", "w1"], ["h0"], name="mm1"),
             helper.make_node("Add", ["h0", "b1"], ["h1"], name="add1"),
             helper.make_node("Relu", ["h1"], ["h"], name="relu"),
             helper.make_node("MatMul", ["h", "w2"], ["y0"], name="mm2"),
             helper.make_node("Add", ["y0", "b2"], ["y"], name="add2")]
    g = helper.make_graph(nodes, name,
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4]),
                           helper.make_tensor_value_info("h", TensorProto.FLOAT, [1, hidden])],
                          inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
    onnx.save(m, str(path))
    return str(path)


def unsupported_model(path):
    """A model the backend rejects: MaxPool's optional Indices result has
    no kernel (if it gains one, the test using this model skips)."""
    g = helper.make_graph([helper.make_node("MaxPool", ["x"], ["y", "i"], name="pool",
                                            kernel_shape=[2, 2])], "pool",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 3, 3]),
                           helper.make_tensor_value_info("i", TensorProto.INT64, [1, 1, 3, 3])])
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return str(path)


@pytest.fixture
def mlp(tmp_path):
    return mlp_model(tmp_path / "mlp.onnx")


@pytest.fixture
def x_npy(tmp_path):
    path = str(tmp_path / "x.npy")
    np.save(path, RNG.standard_normal((5, 1, 8)).astype(np.float32))  # 5 samples
    return path


def compile_ok(args):
    p = llvmkit.sh([llvmkit.qonnxc()] + [str(a) for a in args])
    assert p.returncode == 0, p.stderr
    assert p.stderr == "" or "-v" in args, p.stderr
    return p


def one_error_line(p, code):
    problem = runner.error_contract(p, code)
    assert problem is None, problem


# ---- command line -------------------------------------------------------------

def test_object_and_header_beside(compiler, mlp, tmp_path):
    compile_ok([mlp, "-o", tmp_path / "net.o"])
    assert (tmp_path / "net.o").read_bytes()[:4] == b"\x7fELF"
    h = (tmp_path / "net.h").read_text()
    assert "int net_run(const float *in0, float *out0, float *out1, void *workspace);" in h
    assert "#define NET_NUM_OUTPUTS 2" in h


def test_header_option_and_default_prefix(compiler, mlp, tmp_path):
    compile_ok([mlp, "-o", tmp_path / "my-net.v2.o", "--header", tmp_path / "inc.h"])
    h = (tmp_path / "inc.h").read_text()
    assert "int my_net_v2_run(" in h and "MY_NET_V2_WORKSPACE_SIZE" in h
    assert not (tmp_path / "my-net.v2.h").exists()
    compile_ok([mlp, "-o", tmp_path / "3d.o"])
    assert "int model_3d_run(" in (tmp_path / "3d.h").read_text()


def test_emit_kinds(compiler, mlp, tmp_path):
    compile_ok([mlp, "--emit=asm", "-o", tmp_path / "a.s", "--name=k"])
    assert re.search(r"^k_run:", (tmp_path / "a.s").read_text(), re.M)
    compile_ok([mlp, "--emit=llvm", "-o", tmp_path / "a.ll", "--name=k"])
    ll = (tmp_path / "a.ll").read_text()
    assert re.search(r"^define .*@k_run\(", ll, re.M) and 'source_filename = "mlp.onnx"' in ll
    compile_ok([mlp, "--emit=bc", "-o", tmp_path / "a.bc", "--name=k"])
    assert (tmp_path / "a.bc").read_bytes()[:4] == b"BC\xc0\xde"
    compile_ok([mlp, "--emit=header", "-o", tmp_path / "only.h", "--name=k"])
    assert (tmp_path / "only.h").read_text() == (tmp_path / "a.h").read_text()
    assert sorted(os.listdir(tmp_path)) == ["a.bc", "a.h", "a.ll", "a.s", "mlp.onnx", "only.h"]


def test_verbose_prints_the_plan(compiler, mlp, tmp_path):
    p = compile_ok([mlp, "-o", tmp_path / "v.o", "-v"])
    m = re.search(r"workspace plan: (\d+) tensors \(and \d+ views of them\), (\d+) bytes; "
                  r"peak live (\d+) bytes, efficiency ([\d.]+)%", p.stderr)
    assert m, p.stderr
    size = int(m.group(2))
    h = (tmp_path / "v.h").read_text()
    assert "#define V_WORKSPACE_SIZE %d\n" % size in h
    assert size % 64 == 0 and 0 < int(m.group(3)) <= size


@pytest.mark.parametrize("args,code", [
    (["--target=nonsense-unknown-none"], 2),
    (["--mcpu=no-such-cpu"], 2),
    (["--mattr=+no-such-feature"], 2),
    (["--relocation-model=dynamic"], 2),
    (["--name=not an identifier"], 2),
    (["-O4"], 2),
])
def test_usage_errors_write_nothing(compiler, mlp, tmp_path, args, code):
    out = tmp_path / "x.o"
    p = llvmkit.sh([llvmkit.qonnxc(), mlp, "-o", out] + args)
    one_error_line(p, code)
    assert sorted(os.listdir(tmp_path)) == ["mlp.onnx"]


def test_unsupported_op_leaves_outputs_alone(compiler, tmp_path):
    model = unsupported_model(tmp_path / "pool.onnx")
    (tmp_path / "x.o").write_bytes(b"old object")
    (tmp_path / "x.h").write_text("old header")
    p = llvmkit.sh([llvmkit.qonnxc(), model, "-o", tmp_path / "x.o"])
    if p.returncode == 0:
        pytest.skip("MaxPool's Indices have a kernel now; no unsupported op to test with")
    one_error_line(p, 1)
    assert "node 'pool' (MaxPool)" in p.stderr
    assert (tmp_path / "x.o").read_bytes() == b"old object"
    assert (tmp_path / "x.h").read_text() == "old header"
    assert sorted(os.listdir(tmp_path)) == ["pool.onnx", "x.h", "x.o"]


# ---- symbols and sections -----------------------------------------------------

def test_symbols_and_sections_host(compiler, mlp, tmp_path):
    obj = str(tmp_path / "s.o")
    compile_ok([mlp, "-o", obj, "--name=sym"])
    llvmkit.check_symbols_and_sections(obj, "sym")


@pytest.mark.parametrize("target,extra", [
    ("aarch64-linux-gnu", []),
    ("thumbv7em-none-eabi", ["--mcpu=cortex-m4"]),
    ("riscv32-unknown-elf", []),
    ("i686-linux-gnu", ["--relocation-model=static"]),
])
def test_cross_targets(compiler, mlp, tmp_path, target, extra):
    obj = str(tmp_path / "c.o")
    compile_ok([mlp, "-o", obj, "--target=" + target, "--name=cross"] + extra)
    assert (tmp_path / "c.o").read_bytes()[:4] == b"\x7fELF"
    llvmkit.check_symbols_and_sections(obj, "cross", bare_metal="-none-" in target or "-elf" in target)


# ---- the header ----------------------------------------------------------------

def test_header_is_clean_c99_and_cxx11(compiler, mlp, tmp_path):
    compile_ok([mlp, "-o", tmp_path / "hdr.o"])
    h = (tmp_path / "hdr.h").read_text()
    assert re.findall(r"^\s*#\s*include\s*(\S+)", h, re.M) == ["<stddef.h>", "<stdint.h>"]
    assert "/tmp" not in h and str(tmp_path) not in h
    rt = os.path.join(runner.ROOT, "runtime")
    uses = ("int main(void) { static char ws[HDR_WORKSPACE_SIZE + 64]; "
            "float x[HDR_IN0_SIZE] = {0}, y[HDR_OUT0_SIZE], h[HDR_OUT1_SIZE]; "
            "const int64_t shape[] = HDR_IN0_SHAPE; (void)shape; (void)ws; (void)x; (void)y; "
            "(void)h; return hdr_info()->num_inputs == HDR_NUM_INPUTS ? 0 : 1; }\n")
    variants = {"alone.c": '#include "hdr.h"\n',
                "model_first.c": '#include "hdr.h"\n#include "qonnx_runtime.h"\n',
                "runtime_first.c": '#include "qonnx_runtime.h"\n#include "hdr.h"\n'}
    for name, includes in variants.items():
        for cc, std, ext in ((llvmkit.CC, "-std=c99", ".c"), (llvmkit.CXX, "-std=c++11", ".cc")):
            src = tmp_path / (name[:-2] + ext)
            src.write_text(includes + uses)
            p = llvmkit.sh([cc, std, "-Wall", "-Wextra", "-Werror", "-pedantic", "-I", tmp_path,
                            "-I", rt, "-c", src, "-o", tmp_path / "x.o"])
            assert p.returncode == 0, "%s %s: %s" % (cc, src.name, p.stderr)


def shared_block(text):
    m = re.search(r"^#ifndef QONNX_MODEL_INFO_DEFINED\n.*?^#endif /\* QONNX_MODEL_INFO_DEFINED \*/$",
                  text, re.M | re.S)
    assert m, "no QONNX_MODEL_INFO_DEFINED block"
    return m.group(0)


def test_header_shares_the_runtime_definitions(compiler, mlp, tmp_path):
    compile_ok([mlp, "-o", tmp_path / "s.o"])
    with open(os.path.join(runner.ROOT, "runtime", "qonnx_runtime.h")) as f:
        runtime = f.read()
    assert shared_block((tmp_path / "s.h").read_text()) == shared_block(runtime)


def test_header_escapes_names(compiler, tmp_path):
    """Tensor names are model data: quotes, backslashes, comment ends and
    trigraphs must not break the header."""
    name = 'a"b\\c*/d??=e'
    g = helper.make_graph([helper.make_node("Relu", [name], ["y"], name="r")], "esc",
                          [helper.make_tensor_value_info(name, TensorProto.FLOAT, [3])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])])
    model = str(tmp_path / "esc.onnx")
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), model)
    compile_ok([model, "-o", tmp_path / "esc.o"])
    src = tmp_path / "use.c"
    src.write_text('#include "esc.h"\n#include <string.h>\n'
                   'int main(void) { return strcmp(ESC_IN0_NAME, "a\\"b\\\\c*/d\\?\\?=e"); }\n')
    p = llvmkit.sh([llvmkit.CC, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
                    "-I", tmp_path, src, tmp_path / "esc.o", "-o", tmp_path / "use"])
    assert p.returncode == 0, p.stderr
    assert llvmkit.sh([tmp_path / "use"]).returncode == 0


# ---- reproducibility ------------------------------------------------------------

def test_byte_identical_rebuild(compiler, mlp, tmp_path):
    """Same model and flags, different directories: same bytes (no time
    stamps, no absolute paths)."""
    other = tmp_path / "elsewhere" / "deeper"
    other.mkdir(parents=True)
    shutil.copy(mlp, other / "mlp.onnx")
    (tmp_path / "one").mkdir()
    compile_ok([mlp, "-o", tmp_path / "one" / "m.o"])
    compile_ok([other / "mlp.onnx", "-o", other / "m.o"])
    for ext in ("o", "h"):
        a = (tmp_path / "one" / ("m." + ext)).read_bytes()
        b = (other / ("m." + ext)).read_bytes()
        assert a == b, "m.%s differs between two builds" % ext
        assert str(tmp_path).encode() not in a


# ---- several models in one program ----------------------------------------------

TWO_MODELS = r"""
#include "a.h"
#include "b.h"
#include "c.h"
#include "qonnx_runtime.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *ws(size_t n) { void *p = NULL; return posix_memalign(&p, 64, n ? n : 64) ? NULL : p; }

static int save(const char *path, const float *y, int64_t n)
{
	char err[200];
	struct qrt_array a = {QRT_F32, 1, {n}, (void *)y};
	return qrt_npy_write(path, &a, err, sizeof err);
}

int main(int argc, char **argv)
{
	char err[200];
	struct qrt_array x;
	if (argc != 2 || qrt_npy_read(argv[1], &x, err, sizeof err) < 0)
		return 1;
	float ya[A_OUT0_SIZE], ha[A_OUT1_SIZE], yb[B_OUT0_SIZE], hb[B_OUT1_SIZE];
	float yc[C_OUT0_SIZE], hc[C_OUT1_SIZE];
	if (a_run(x.data, ya, ha, ws(A_WORKSPACE_SIZE)) || b_run(x.data, yb, hb, ws(B_WORKSPACE_SIZE)) ||
	    c_run(x.data, yc, hc, ws(C_WORKSPACE_SIZE)))
		return 2;
	if (memcmp(ya, yc, sizeof ya) || memcmp(ha, hc, sizeof ha))
		return 3; /* one model under two prefixes */
	if (strcmp(a_info()->prefix, "a") || strcmp(c_info()->prefix, "c") ||
	    strcmp(b_info()->source, "mlp_b.onnx"))
		return 4;
	return save("ya.npy", ya, A_OUT0_SIZE) || save("yb.npy", yb, B_OUT0_SIZE) ||
	       save("hb.npy", hb, B_OUT1_SIZE);
}
"""


def test_two_models_and_one_model_twice(compiler, tmp_path):
    ma = mlp_model(tmp_path / "mlp_a.onnx", hidden=16)
    mb = mlp_model(tmp_path / "mlp_b.onnx", hidden=24)
    compile_ok([ma, "-o", tmp_path / "a.o", "--name=a"])
    compile_ok([mb, "-o", tmp_path / "b.o", "--name=b"])
    compile_ok([ma, "-o", tmp_path / "c.o", "--name=c"])
    (tmp_path / "main.c").write_text(TWO_MODELS)
    p = llvmkit.sh([llvmkit.CC, "-std=c99", "-D_POSIX_C_SOURCE=200112L", "-Wall", "-Wextra",
                    "-Werror", "-pedantic", "-I", tmp_path, "-I",
                    os.path.join(runner.ROOT, "runtime"), tmp_path / "main.c",
                    tmp_path / "a.o", tmp_path / "b.o", tmp_path / "c.o", llvmkit.librt(),
                    "-lm", "-o", tmp_path / "main"])
    assert p.returncode == 0, p.stderr
    x = tmp_path / "x.npy"
    np.save(str(x), RNG.standard_normal(8).astype(np.float32))
    p = llvmkit.sh([tmp_path / "main", x], cwd=str(tmp_path))
    assert p.returncode == 0, "main exited %d: %s" % (p.returncode, p.stderr)
    xi = tmp_path / "xi.npy"
    np.save(str(xi), np.load(str(x)).reshape(1, 8))
    for model, outs in ((ma, ["ya"]), (mb, ["yb", "hb"])):
        refs = [str(tmp_path / (o + "_ref.npy")) for o in outs]
        p = llvmkit.interp(model, [str(xi)], refs, llvmkit.DEFAULT_PASSES)
        assert p.returncode == 0, p.stderr
        for o, r in zip(outs, refs):
            # MatMul of 8 and 16/24 terms: class accum, bounded here by the
            # interpreter's own result with a relative 1e-5 (well above
            # 2 * 64 * 2^-24 ~ 7.6e-6 of the summed magnitudes, which are of
            # the order of the results for these random weights) plus 1e-5.
            got, ref = np.load(str(tmp_path / (o + ".npy"))), np.load(r).ravel()
            assert np.allclose(got, ref, rtol=1e-5, atol=1e-5), (o, got, ref)


# ---- an exact workspace under AddressSanitizer ------------------------------------

def test_exact_workspace_under_asan(compiler, harness, mlp, x_npy, tmp_path):
    """The harness (with ASan) mallocs exactly P_WORKSPACE_SIZE bytes and
    fills them with random bytes before each sample; the result must be
    the check mode's, bit for bit. (ASan instruments the harness; the
    object's own accesses are checked by the check mode's guard pages.)"""
    obj, hdr = str(tmp_path / "m.o"), str(tmp_path / "m.h")
    compile_ok([mlp, "-o", obj, "--name=m"])
    assert int(re.search(r"#define M_WORKSPACE_SIZE (\d+)", open(hdr).read()).group(1)) > 0
    plain, asan = str(tmp_path / "plain"), str(tmp_path / "asan")
    assert harness.link(obj, hdr, "m", plain).returncode == 0
    p = harness.link(obj, hdr, "m", asan, asan=True)
    assert p.returncode == 0, p.stderr
    outs = {mode: [str(tmp_path / ("%s_%d.npy" % (mode, k))) for k in range(2)]
            for mode in ("check", "malloc")}
    p = llvmkit.run_harness(plain, "check", [x_npy], outs["check"])
    assert p.returncode == 0, p.stderr
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:abort_on_error=0")
    p = llvmkit.run_harness(asan, "malloc", [x_npy], outs["malloc"], env=env)
    assert p.returncode == 0, p.stderr
    for a, b in zip(outs["check"], outs["malloc"]):
        assert np.array_equal(np.load(a).view(np.uint32), np.load(b).view(np.uint32))


@pytest.mark.parametrize("level", ["-O0", "-O1", "-O2", "-O3"])
def test_optimization_levels_agree(compiler, harness, mlp, x_npy, tmp_path, level):
    """No level reassociates float arithmetic (no fast-math flags), so every
    level computes the same bits, equal to the interpreter's within the
    MatMul tolerance."""
    obj, hdr = str(tmp_path / "m.o"), str(tmp_path / "m.h")
    compile_ok([mlp, "-o", obj, "--name=m", level])
    exe = str(tmp_path / "run")
    assert harness.link(obj, hdr, "m", exe).returncode == 0
    outs = [str(tmp_path / ("o%d.npy" % k)) for k in range(2)]
    p = llvmkit.run_harness(exe, "check", [x_npy], outs)
    assert p.returncode == 0, p.stderr
    refs = [str(tmp_path / ("r%d.npy" % k)) for k in range(2)]
    assert llvmkit.interp(mlp, [x_npy], refs, llvmkit.DEFAULT_PASSES).returncode == 0
    for o, r in zip(outs, refs):
        assert np.allclose(np.load(o), np.load(r), rtol=1e-5, atol=1e-5)


# ---- bit-packed constants -------------------------------------------------------

def quantized_weight_model(path, bits, signed, shape=(4, 37)):
    """y = x + Quant(W) with a bits-wide quantizer on a constant: after the
    integer lowering the quantized weight is a constant of `bits` bits read
    by a Dequantize, so the object stores it bit-packed."""
    w = RNG.standard_normal(shape).astype(np.float32) * 2
    inits = [helper.make_tensor("W", TensorProto.FLOAT, shape, w.ravel()),
             helper.make_tensor("s", TensorProto.FLOAT, [], [0.25]),
             helper.make_tensor("z", TensorProto.FLOAT, [], [0.0]),
             helper.make_tensor("b", TensorProto.FLOAT, [], [float(bits)])]
    nodes = [helper.make_node("Quant", ["W", "s", "z", "b"], ["Wq"], name="q",
                              domain="qonnx.custom_op.general", signed=int(signed), narrow=0,
                              rounding_mode="ROUND"),
             helper.make_node("Add", ["x", "Wq"], ["y"], name="add")]
    g = helper.make_graph(nodes, "packed",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(shape))],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(shape))],
                          inits)
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13),
                                                  helper.make_opsetid("qonnx.custom_op.general",
                                                                      1)]), str(path))
    return str(path)


@pytest.mark.parametrize("bits", [2, 3, 4, 5, 7, 8])
@pytest.mark.parametrize("signed", [True, False])
def test_packed_constants(compiler, harness, tmp_path, bits, signed):
    """Integer constants below 8 bits take `bits` bits per element in the
    object (148 elements: 3, 5 and 7 bits straddle bytes) and read back
    exactly: the sum with the dequantized weight is correctly rounded, so
    it equals the interpreter's bit for bit."""
    model = quantized_weight_model(tmp_path / "packed.onnx", bits, signed)
    p = llvmkit.sh([llvmkit.qonnxc(), "--passes=" + llvmkit.LOWERED_PASSES, "--emit=ir", model])
    assert p.returncode == 0, p.stderr
    m = re.search(r"^const %\S+ : ([iu])(\d+)<", p.stdout, re.M)
    assert m and int(m.group(2)) == bits, "the lowering did not make a %d-bit constant" % bits
    obj, hdr = str(tmp_path / "m.o"), str(tmp_path / "m.h")
    compile_ok([model, "-o", obj, "--name=m", "--passes=" + llvmkit.LOWERED_PASSES])
    weights = int(re.search(r"#define M_WEIGHTS_SIZE (\d+)", open(hdr).read()).group(1))
    n = 4 * 37
    want = n if bits == 8 else (n * bits + 7) // 8 + (8 % bits != 0)
    assert weights == want, "weights take %d bytes, expected %d" % (weights, want)
    exe = str(tmp_path / "run")
    assert harness.link(obj, hdr, "m", exe).returncode == 0
    x = str(tmp_path / "x.npy")
    np.save(x, RNG.standard_normal((4, 37)).astype(np.float32))
    out, ref = str(tmp_path / "y.npy"), str(tmp_path / "r.npy")
    p = llvmkit.run_harness(exe, "check", [x], [out])
    assert p.returncode == 0, p.stderr
    assert llvmkit.interp(model, [x], [ref], llvmkit.LOWERED_PASSES).returncode == 0
    assert np.array_equal(np.load(out), np.load(ref))
