"""test_lowering.py: the lower-integer pass on the shared quantized models, on
the small quantized graphs of qmodels.py and on every generated test model.

For each shared quantized model (the default pipeline, cleanup,
channels-last,lower-integer, and also without channels-last, NCHW):
  (a) IR walk: no float op lies between two quantizers, i.e. no op with a
      float result (other than Dequantize) and no Quantize has a quantizer
      (Quantize or MultiThreshold) upstream and one downstream. What stays
      float is the input before its quantizer and the tail after the last
      Dequantize;
  (b) numerical contract: the lowered graph interpreted in float64
      (--passes=promote-f64,<pipeline>) against the float64 oracle
      (--passes=promote-f64) on the model's inputs.npy: every output that is
      a quantizer's (a Dequantize of a Quantize/MultiThreshold result, moved
      through data movement only) equal element for element; a float tail
      (a Dequantize'd accumulator, a float bias after it) within 1e-12 of
      the output's magnitude: the oracle sums float64 products of scaled
      values, each rounded to 2^-53, while the lowered graph scales an exact
      integer sum once;
  (c) the lowered graph in float32 (the default pipeline) against
      outputs.npy (ONNX Runtime, float32): elements of a quantized output are
      compared in steps of its scale; the counts off by one step and by more
      are printed, with the float64 oracle's own counts beside them;
      together at most 0.1% of the elements, and none larger than one step
      except where the float64 oracle itself is (see below).
The graphs of qmodels.py get (a) (where they must lower fully) and (b) in
both layouts. The generated test models (tests/models) run before and after
lower-integer: equal element for element in float64; in float32 equal except
where the original's float32 quantizer rounds across a boundary and the
lowered graph holds the real-valued result (counted).
Run as `QONNXC=/abs/build/qonnxc python3 -m pytest -s tests/lowering`.
"""
import glob
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import qmodels  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MODELS_DIR = os.path.abspath(os.path.join(ROOT, "..", "shared", "models"))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))

# Shared models with quantizers. residual_block, conv1d_small_keras,
# conv2d_small_keras, two_layer_keras and three_layer_keras have none (float
# models: nothing to lower); fp8_floatquant is rejected at import.
SHARED = ["tfc_2w2a", "tfc_1w2a", "tfc_1w1a", "unsw_nb15_mlp_w2a2", "jettagging_qkeras",
          "bnn_fc_1layer", "kwsmlp_w3a3", "espcn_nn_resize_quant", "espcn_subpixel_quant",
          "eltwise_chanlast", "separable_conv_ch_last"]
PIPELINES = {"default": "cleanup,channels-last,lower-integer", "nchw": "cleanup,lower-integer"}

# (c): elements more than one step away from ONNX Runtime. In
# espcn_nn_resize_quant an input value within float32 rounding of a rounding
# boundary of the input quantizer (the input is not on its grid) is rounded
# the other way by float32 evaluation, and that flip moves the sums of the
# following 5x5 and 3x3 convolutions, so that later quantizers can move by
# several steps. It is a property of float32 evaluation, not of the
# lowering: the float64 oracle, which the lowered graph equals exactly (b),
# is itself more than one step from ONNX Runtime in 185 of 1966080 elements
# (at most 4 steps), and the original graph interpreted in float32 (no
# lowering) in 60 (at most 3). So the test does not ask for "none larger
# than one step" where the real-valued function itself is further than that
# from ONNX Runtime: every element of the lowered graph more than one step
# away must be one where the float64 oracle is more than one step away too
# (and no further from the oracle than one step), which fails as soon as the
# lowering adds a multi-step error of its own.
# The largest models run their first samples only (each of their samples
# takes ~0.7 s in the interpreter); smaller ones run every reference sample.
MAX_INPUT_ELEMENTS = 2_000_000

OP_LINE = re.compile(r"^(%\S+(?:, %\S+)*) = (\w+)(?:<nhwc>)?\((.*?)\)(?: \{.*\})? : (\S+)")
QUANTIZERS = ("Quantize", "MultiThreshold")


# ---- running qonnxc --------------------------------------------------------------------

def emit_ir(passes, model):
    r = subprocess.run([QONNXC, "--passes=" + passes, "--verify-each", "--emit=ir", model],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def run(passes, model, inputs, nout=1):
    """The interpreter's outputs on input arrays after `passes`."""
    with tempfile.TemporaryDirectory() as d:
        args = [QONNXC, "run", "--interp", "--verify-each", "--passes=" + passes, model]
        for k, a in enumerate(inputs):
            f = os.path.join(d, "x%d.npy" % k)
            np.save(f, a)
            args += ["--input", f]
        outs = [os.path.join(d, "y%d.npy" % k) for k in range(nout)]
        for o in outs:
            args += ["--output", o]
        r = subprocess.run(args, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return [np.load(o) for o in outs]


def shared_path(name):
    return os.path.join(MODELS_DIR, name, "model.onnx")


def shared_inputs(name):
    x = np.load(os.path.join(MODELS_DIR, name, "inputs.npy"))
    per_sample = int(np.prod(x.shape[1:]))
    return x[:max(1, MAX_INPUT_ELEMENTS // per_sample)]


# ---- reading the IR --------------------------------------------------------------------

class Ir:
    """The ops of an --emit=ir text: kind, result type, operand and result names."""

    def __init__(self, text):
        self.ops, self.def_of, self.outputs = [], {}, []
        for line in text.splitlines():
            if line.startswith("output "):
                self.outputs.append(line.split()[1])
            m = OP_LINE.match(line)
            if not m:
                continue
            results = [r.strip() for r in m.group(1).split(",")]
            operands = re.findall(r"%[^,\s)]+", m.group(3))
            for r in results:
                self.def_of[r] = len(self.ops)
            self.ops.append({"kind": m.group(2), "type": m.group(4), "operands": operands,
                             "results": results, "line": line})
        self.users = {}
        for i, op in enumerate(self.ops):
            for v in op["operands"]:
                self.users.setdefault(v, []).append(i)

    def reach(self, start, forward):
        """Ops reachable from op `start` (excluded) following uses or definitions."""
        seen, pending = set(), [start]
        while pending:
            i = pending.pop()
            nxt = []
            if forward:
                for r in self.ops[i]["results"]:
                    nxt += self.users.get(r, [])
            else:
                nxt = [self.def_of[v] for v in self.ops[i]["operands"] if v in self.def_of]
            for j in nxt:
                if j not in seen:
                    seen.add(j)
                    pending.append(j)
        return seen

    def float_inside(self):
        """Lines of float ops between two quantizers (see (a))."""
        bad = []
        for i, op in enumerate(self.ops):
            is_float = re.match(r"f(32|64)\[", op["type"]) and op["kind"] != "Dequantize"
            if not is_float and op["kind"] != "Quantize":
                continue
            up = any(self.ops[j]["kind"] in QUANTIZERS for j in self.reach(i, False))
            down = any(self.ops[j]["kind"] in QUANTIZERS for j in self.reach(i, True))
            if up and down:
                bad.append(op["line"])
        return bad

    def output_is_quantized(self, k):
        """Output k is Dequantize(q), q from a quantizer through data movement."""
        i = self.def_of.get(self.outputs[k])
        if i is None or self.ops[i]["kind"] != "Dequantize":
            return False
        v = self.ops[i]["operands"][0]
        while v in self.def_of:
            op = self.ops[self.def_of[v]]
            if op["kind"] in QUANTIZERS:
                return True
            if op["kind"] not in MOVEMENT:
                return False
            v = op["operands"][0]
        return False


MOVEMENT = {"Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Identity", "Slice",
            "Expand", "Tile", "DepthToSpace", "SpaceToDepth", "Resize", "Pad", "MaxPool",
            "GlobalMaxPool", "Concat", "Relu"}


def check_oracle(label, model, inputs, nout, passes):
    """(b): the number of elements compared and of quantized elements differing."""
    ir = Ir(emit_ir("promote-f64," + passes, model))
    oracle = run("promote-f64", model, inputs, nout)
    lowered = run("promote-f64," + passes, model, inputs, nout)
    quantized_elems = differ = 0
    for k, (o, lo) in enumerate(zip(oracle, lowered)):
        assert o.shape == lo.shape and o.dtype == lo.dtype, (k, o.shape, lo.shape)
        if ir.output_is_quantized(k):
            quantized_elems += o.size
            differ += int((o != lo).sum())
        else:
            scale = max(float(np.abs(o).max()), 1e-300) if o.size else 1.0
            worst = float(np.abs(o - lo).max()) / scale if o.size else 0.0
            print("%s: float output %d: max |diff| %.3g of max |output|" % (label, k, worst))
            assert worst <= 1e-12, (label, k, worst)
    print("%s: %d quantized output elements, %d differ from the float64 oracle"
          % (label, quantized_elems, differ))
    assert differ == 0
    return quantized_elems


# ---- (a), (b), (c) on the shared models ---------------------------------------------------

def need(name):
    if not os.path.exists(shared_path(name)):
        pytest.skip("%s not found" % shared_path(name))


@pytest.mark.parametrize("layout", sorted(PIPELINES))
@pytest.mark.parametrize("name", SHARED)
def test_shared_ir_is_integer(name, layout):
    need(name)
    ir = Ir(emit_ir(PIPELINES[layout], shared_path(name)))
    assert any(op["kind"] in QUANTIZERS for op in ir.ops), "no quantizer after lowering"
    bad = ir.float_inside()
    print("\n%s (%s): %d float ops between quantizers" % (name, layout, len(bad)))
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("layout", sorted(PIPELINES))
@pytest.mark.parametrize("name", SHARED)
def test_shared_matches_float64_oracle(name, layout):
    need(name)
    print()
    check_oracle("%s (%s)" % (name, layout), shared_path(name), [shared_inputs(name)], 1,
                 PIPELINES[layout])


def output_step(ir):
    """The scale of the quantized output, from the IR: the quant of the
    Dequantize's operand type, e.g. u8<0.00392156886>[...]."""
    i = ir.def_of[ir.outputs[0]]
    v = ir.ops[i]["operands"][0]
    t = ir.ops[ir.def_of[v]]["type"]
    m = re.match(r"[iu]\d+<([0-9.e+-]+)>", t)
    return float(m.group(1)) if m else None


@pytest.mark.parametrize("name", SHARED)
def test_shared_against_onnxruntime(name):
    need(name)
    model = shared_path(name)
    x = shared_inputs(name)
    ref = np.load(os.path.join(MODELS_DIR, name, "outputs.npy"))[:x.shape[0]].astype(np.float64)
    got = run(PIPELINES["default"], model, [x])[0].astype(np.float64).reshape(ref.shape)
    ir = Ir(emit_ir(PIPELINES["default"], model))
    step = output_step(ir) if ir.output_is_quantized(0) else None
    if step is None:
        # a float tail: float32 rounding of the same real numbers
        off = np.abs(got - ref) > 1e-5 * np.maximum(np.abs(ref), 1.0)
        print("\n%s: float output, %d of %d elements beyond float32 rounding"
              % (name, int(off.sum()), ref.size))
        assert off.sum() <= 0.001 * ref.size
        return
    oracle = run("promote-f64", model, [x])[0].astype(np.float64).reshape(ref.shape)
    counts = {}
    for label, y in (("lowered", got), ("float64 oracle", oracle)):
        steps = np.abs(np.round(y / step) - np.round(ref / step))
        counts[label] = (int((steps == 1).sum()), int((steps > 1).sum()), int(steps.max()))
        print("\n%s: %s: %d elements, %d one step (%.4f%%), %d more (max %d) from ONNX Runtime"
              % ((name, label, ref.size) + counts[label][:1] +
                 (100.0 * counts[label][0] / ref.size,) + counts[label][1:]))
    one, more, worst = counts["lowered"]
    assert one + more <= 0.001 * ref.size
    far = np.abs(np.round(got / step) - np.round(ref / step)) > 1
    oracle_far = np.abs(np.round(oracle / step) - np.round(ref / step)) > 1
    from_oracle = np.abs(np.round(got / step) - np.round(oracle / step))
    unexplained = far & ~(oracle_far & (from_oracle <= 1))
    print("%s: %d elements more than one step from ONNX Runtime where the float64 oracle "
          "is not" % (name, int(unexplained.sum())))
    assert not unexplained.any()


def test_print_after_all_tfc():
    """Each tfc_2w2a layer reads as one integer MatMul and one requantization."""
    need("tfc_2w2a")
    r = subprocess.run([QONNXC, "--print-after-all", shared_path("tfc_2w2a")],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    after = r.stderr.split("; IR after lower-integer\n")[-1].split("; IR after")[0]
    kinds = [op["kind"] for op in Ir(after).ops]
    assert kinds.count("MatMul") == 4 and kinds.count("MultiThreshold") == 3, kinds
    layers = [k for k in kinds if k in ("MatMul", "MultiThreshold")]
    assert layers == ["MatMul", "MultiThreshold"] * 3 + ["MatMul"], layers
    assert re.search(r"MatMul\(.*\) : i\d+<1>\[1,64\]", after), after


# ---- the graphs of qmodels.py --------------------------------------------------------------

QCASES = {c.name: c for c in qmodels.cases()}


@pytest.fixture(scope="module")
def qdir(tmp_path_factory):
    d = str(tmp_path_factory.mktemp("qmodels"))
    qmodels.write_all(d)
    return d


@pytest.mark.parametrize("layout", sorted(PIPELINES))
@pytest.mark.parametrize("name", sorted(QCASES))
def test_qmodel(qdir, name, layout):
    case = QCASES[name]
    model = os.path.join(qdir, name, "model.onnx")
    ir = Ir(emit_ir(PIPELINES[layout], model))
    bad = ir.float_inside()
    print("\n%s (%s, %s): %d float ops between quantizers" % (name, layout, case.what, len(bad)))
    if case.lowers:
        assert not bad, "\n".join(bad)
    else:
        assert bad, "expected something to stay float"
    check_oracle("%s (%s)" % (name, layout), model, [case.x], 1, PIPELINES[layout])


def test_batchnorm_into_thresholds(qdir):
    """Without cleanup (which may rewrite it as Mul/Add), a BatchNormalization
    before a quantizer joins the threshold chain, evaluated as the float64
    interpreter does: nothing float remains, and the oracle is matched."""
    model = os.path.join(qdir, "batchnorm_chain", "model.onnx")
    for passes in ("lower-integer", "channels-last,lower-integer"):
        ir = Ir(emit_ir(passes, model))
        assert not ir.float_inside(), "\n".join(ir.float_inside())
        assert "BatchNormalization" not in [op["kind"] for op in ir.ops]
        check_oracle("batchnorm_chain (%s)" % passes, model, [QCASES["batchnorm_chain"].x], 1,
                     passes)


# ---- every generated test model, before and after ---------------------------------------

def generated_models(out):
    sys.path.insert(0, os.path.join(ROOT, "tests", "models"))
    import generate
    generate.write_all(out)
    cases = []
    for d in sorted(glob.glob(os.path.join(out, "*", "model.onnx"))):
        ins = sorted(glob.glob(os.path.join(os.path.dirname(d), "input_*.npy")),
                     key=lambda f: int(re.search(r"input_(\d+)", f).group(1)))
        cases.append((d, ins))
    return cases


def same(b, a):
    """Element-wise equality, NaN equal to NaN."""
    if b.dtype.kind == "f":
        return (b == a) | (np.isnan(b) & np.isnan(a))
    return b == a


def before_after(model, inputs):
    """(None or what differs, number of float32 elements that follow the
    real-valued quantizer where float32 IntQuant does not, whether
    lower-integer changed the graph)."""
    import onnx
    nout = len(onnx.load(model, load_external_data=False).graph.output)
    base = "cleanup,channels-last"
    if subprocess.run([QONNXC, "--passes=" + base, model], capture_output=True).returncode:
        return None, 0, False  # not compilable before lowering either (bad input by design)
    arrays = [np.load(f) for f in inputs]
    ir = emit_ir(base + ",lower-integer", model)
    lowered = "Quantize(" in ir or "Dequantize(" in ir
    outs = {}
    for prefix in ("", "promote-f64,"):
        try:
            outs[prefix] = (run(prefix + base, model, arrays, nout),
                            run(prefix + base + ",lower-integer", model, arrays, nout))
        except AssertionError:
            return None, 0, lowered  # the model does not run before lowering either
    problems, ties = [], 0
    for k in range(nout):
        b64, a64 = outs["promote-f64,"][0][k], outs["promote-f64,"][1][k]
        b32, a32 = outs[""][0][k], outs[""][1][k]
        if b64.shape != a64.shape or b32.shape != a32.shape or b32.dtype != a32.dtype:
            problems.append("output %d: shapes or types differ" % k)
            continue
        if not same(b64, a64).all():
            problems.append("float64 output %d differs" % k)
        # float32: where the lowered graph differs from the original, it
        # must hold the real-valued result (the float64 oracle's, rounded
        # to float32 once): the original rounded a quotient x / scale in
        # float32 across a rounding boundary of the quantizer
        moved = ~same(b32, a32)
        if moved.any():
            real = b64.astype(b32.dtype) if b32.dtype.kind == "f" else b64
            if not same(a32[moved], real[moved]).all():
                problems.append("float32 output %d differs beyond rounding ties" % k)
            ties += int(moved.sum())
    return "; ".join(problems) or None, ties, lowered


def test_generated_models_before_after(tmp_path):
    """Lowering keeps every output of every generated model: equal element
    for element in float64; in float32 too, except where the original's
    float32 IntQuant rounds x / scale across a rounding boundary and the
    lowered graph gives the real-valued result instead (counted; those
    elements must equal the float64 result)."""
    cases = generated_models(str(tmp_path / "models"))

    def job(case):
        return case[0], before_after(*case)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(job, cases))
    failures = ["%s: %s" % (m, r[0]) for m, r in results if r[0]]
    touched = sum(1 for _, r in results if r[2])
    ties = sum(r[1] for _, r in results)
    tied_models = sum(1 for _, r in results if r[1])
    print("\ngenerated models: %d, %d with quantizers lowered, %d float32 elements in %d models "
          "moved to the real-valued quantizer result, %d failures"
          % (len(results), touched, ties, tied_models, len(failures)))
    assert not failures, "\n".join(failures)


# ---- accumulator widths ----------------------------------------------------------------------

def signed_bits(lo, hi):
    b = 2
    while lo < -(2 ** (b - 1)) or hi > 2 ** (b - 1) - 1:
        b += 1
    return b


@pytest.mark.parametrize("name", ["conv_bias_exact", "conv_bias_tail"])
def test_conv_accumulator_width(qdir, name):
    """The integer Conv's accumulator is the narrowest signed type holding
    every sum the input's range and the actual weights (and integer bias)
    can give, recomputed here from the model: the input quantizer's grid
    widened to its type (iN: [-2^(N-1), 2^(N-1) - 1]) times each output
    channel's integer weights."""
    import onnx
    from onnx import numpy_helper
    model = os.path.join(qdir, name, "model.onnx")
    m = onnx.load(model)
    inits = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}
    quants = {n.output[0]: n for n in m.graph.node if n.op_type == "Quant"}
    conv = next(n for n in m.graph.node if n.op_type == "Conv")

    def integers(name):
        q = quants[name]
        return np.round(inits[q.input[0]] / inits[q.input[1]])
    xq = quants[conv.input[0]]
    bits = int(inits[xq.input[3]])
    xlo, xhi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    w = integers(conv.input[1]).reshape(inits[quants[conv.input[1]].input[0]].shape[0], -1)
    lo = np.minimum(w * xlo, w * xhi).sum(axis=1)
    hi = np.maximum(w * xlo, w * xhi).sum(axis=1)
    if len(conv.input) > 2 and conv.input[2] in quants:  # an exact quantized bias
        lo, hi = lo + integers(conv.input[2]), hi + integers(conv.input[2])
    want = signed_bits(min(0, int(lo.min())), max(0, int(hi.max())))
    ir = Ir(emit_ir(PIPELINES["nchw"], model))
    got = [op["type"] for op in ir.ops if op["kind"] == "Conv"]
    assert len(got) == 1 and got[0].startswith("i%d<" % want), (got, want)
