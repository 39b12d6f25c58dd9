"""gen_bad.py: malformed and hostile models, and the error each must produce.

    /usr/bin/python3 tests/bad/gen_bad.py OUTDIR

writes OUTDIR/NAME.onnx for every entry of TABLE (plus the side files some
need: external data, and ../outside.bin beside OUTDIR for the path-escape
case, present so that only the path check can reject it) and
OUTDIR/expected.json. qonnxc must reject each with exit status 1 and exactly
one stderr line 'qonnxc: error: <path>: <reason>' whose reason matches every
pattern of the entry (Python regular expressions, case-insensitive). Node
errors are matched on "node 'NAME' (OpType)", the form every node diagnostic
takes; the other patterns name the reason in the words a reader would look
for, with the usual synonyms.
"""
import json
import math
import os
import sys
from dataclasses import dataclass

import numpy as np
from onnx import TensorProto, helper, numpy_helper

QDOMAIN = "qonnx.custom_op.general"
F = TensorProto.FLOAT


@dataclass
class Bad:
    name: str
    build: object        # () -> bytes | ModelProto, or (outdir) -> ...
    expect: list         # regular expressions, all must match the reason
    what: str


def vi(name, shape, elem=F):
    return helper.make_tensor_value_info(name, elem, shape)


def mk(nodes, inputs, outputs, inits=(), opset=13, ir_version=8, qonnx=False):
    g = helper.make_graph(nodes, "bad", inputs, outputs, initializer=list(inits))
    ops = [helper.make_opsetid("", opset)]
    if qonnx:
        ops.append(helper.make_opsetid(QDOMAIN, 1))
    m = helper.make_model(g, opset_imports=ops, producer_name="qonnxc-tests")
    m.ir_version = ir_version
    return m


def const(name, a):
    return numpy_helper.from_array(np.asarray(a), name)


def one_op(op, in_shapes, out="y", consts=(), name=None, **attrs):
    """A model whose single node op reads graph inputs x0.. then consts."""
    ins = [vi("x%d" % i, s) for i, s in enumerate(in_shapes)]
    names = [i.name for i in ins] + [c.name for c in consts]
    n = helper.make_node(op, names, [out], name=name or op.lower() + "_bad", **attrs)
    return mk([n], ins, [helper.make_empty_tensor_value_info(out)], consts)


def node_re(name, op):
    return r"node '%s' \(%s" % (name, op)


def valid_model():
    w = np.arange(64, dtype=np.float32).reshape(8, 8)
    n = helper.make_node("MatMul", ["x", "w"], ["y"], name="mm")
    return mk([n], [vi("x", [1, 8])], [vi("y", [1, 8])], [const("w", w)])


def truncated():
    data = valid_model().SerializeToString()
    raw = np.arange(64, dtype=np.float32).tobytes()
    cut = data.index(raw[16:48]) + 8  # inside the initializer's raw_data
    return data[:cut]


def quant_model(name, bits=4.0, scale=0.5, mode="ROUND", bits_dtype=np.float32):
    n = helper.make_node("Quant", ["x", "s", "z", "b"], ["y"], name=name, domain=QDOMAIN,
                         signed=1, narrow=0, rounding_mode=mode)
    inits = [const("s", np.float32(scale)), const("z", np.float32(0)),
             const("b", np.asarray(bits, dtype=bits_dtype))]
    return mk([n], [vi("x", [1, 4])], [vi("y", [1, 4])], inits, qonnx=True)


def cycle():
    a = helper.make_node("Relu", ["b"], ["a"], name="relu_a")
    b = helper.make_node("Relu", ["a"], ["b"], name="relu_b")
    c = helper.make_node("Add", ["x", "a"], ["y"], name="add_out")
    return mk([a, b, c], [vi("x", [2])], [vi("y", [2])])


def external_tensor(location, offset=None, length=None, dims=(4,)):
    t = TensorProto()
    t.name = "w_ext"
    t.data_type = F
    t.dims.extend(dims)
    t.data_location = TensorProto.EXTERNAL
    for k, v in [("location", location), ("offset", offset), ("length", length)]:
        if v is not None:
            e = t.external_data.add()
            e.key, e.value = k, str(v)
    n = helper.make_node("Add", ["x", "w_ext"], ["y"], name="add_ext")
    return mk([n], [vi("x", list(dims))], [vi("y", list(dims))], [t])


def raw_tensor(name, dims, raw):
    t = TensorProto()
    t.name = name
    t.data_type = F
    t.dims.extend(dims)
    t.raw_data = raw
    return t


def float_data(name, dims, values):
    t = TensorProto()
    t.name = name
    t.data_type = F
    t.dims.extend(dims)
    t.float_data.extend(values)
    return t


def with_initializer(t, shape):
    n = helper.make_node("Add", ["x", t.name], ["y"], name="add_w")
    return mk([n], [vi("x", shape)], [vi("y", None)], [t])


def empty_graph():
    return mk([], [], [])


def undefined_input():
    n = helper.make_node("Add", ["x", "ghost_tensor"], ["y"], name="add_ghost")
    return mk([n], [vi("x", [2])], [vi("y", [2])])


def unknown_ops():
    a = helper.make_node("FrobnicateOp", ["x"], ["t"], name="frob")
    b = helper.make_node("FloatQuant", ["t"], ["y"], name="fq", domain=QDOMAIN)
    return mk([a, b], [vi("x", [2])], [vi("y", [2])], qonnx=True)


def duplicate_output():
    a = helper.make_node("Relu", ["x"], ["dup_out"], name="first")
    b = helper.make_node("Neg", ["x"], ["dup_out"], name="second")
    return mk([a, b], [vi("x", [2])], [vi("dup_out", [2])])


def redefined_input():
    a = helper.make_node("Relu", ["x"], ["x_in"], name="redef")
    b = helper.make_node("Neg", ["x_in"], ["y"], name="neg")
    return mk([a, b], [vi("x", [2]), vi("x_in", [2])], [vi("y", [2])])


def missing_output():
    n = helper.make_node("Relu", ["x"], ["y"], name="relu")
    return mk([n], [vi("x", [2])], [vi("nowhere_out", [2])])


def string_input():
    n = helper.make_node("Identity", ["s"], ["y"], name="ident")
    return mk([n], [vi("s", [2], TensorProto.STRING)], [vi("y", [2], TensorProto.STRING)])


def constant_without_value():
    c = helper.make_node("Constant", [], ["c"], name="const_bad")
    n = helper.make_node("Add", ["x", "c"], ["y"], name="add_c")
    return mk([c, n], [vi("x", [2])], [vi("y", [2])])


def runtime_reshape():
    n = helper.make_node("Reshape", ["x", "shape"], ["y"], name="reshape_rt")
    return mk([n], [vi("x", [2, 3]), vi("shape", [2], TensorProto.INT64)],
              [helper.make_empty_tensor_value_info("y")])


def split_sizes():
    n = helper.make_node("Split", ["x", "sp"], ["a", "b"], name="split_bad", axis=0)
    return mk([n], [vi("x", [6])], [helper.make_empty_tensor_value_info("a"),
                                    helper.make_empty_tensor_value_info("b")],
              [const("sp", i64([2, 2]))])


def i64(a):
    return np.asarray(a, dtype=np.int64)


HUGE = 1 << 20

TABLE = [
    Bad("truncated", truncated, [r"truncat|pars|protobuf|malformed|invalid|corrupt|decode"],
        "a valid model cut in the middle of an initializer"),
    Bad("not_protobuf", lambda: b"this is not an ONNX model, just text\n" * 8,
        [r"pars|protobuf|malformed|invalid|corrupt|decode|not an onnx"],
        "a text file"),
    Bad("empty_file", lambda: b"", [r"empty|no graph|graph"], "zero bytes"),
    Bad("empty_graph", empty_graph, [r"no (graph )?outputs?|empty|no nodes"],
        "a graph without nodes and outputs"),
    Bad("cycle", cycle, [r"cycl"], "relu_a and relu_b feed each other"),
    Bad("undefined_input", undefined_input, [r"ghost_tensor"],
        "a node input that nothing produces"),
    Bad("unknown_ops", unknown_ops, [r"unsupported operator", r"FrobnicateOp", r"FloatQuant"],
        "two unsupported operators, both to be listed"),
    Bad("relu_two_inputs", lambda: one_op("Relu", [[2], [2]], name="relu_two"),
        [node_re("relu_two", "Relu"), r"input"], "Relu with two inputs"),
    Bad("quant_three_inputs",
        lambda: mk([helper.make_node("Quant", ["x", "s", "z"], ["y"], name="q_three",
                                     domain=QDOMAIN)],
                   [vi("x", [2])], [vi("y", [2])],
                   [const("s", np.float32(1)), const("z", np.float32(0))], qonnx=True),
        [node_re("q_three", "Quant"), r"input"], "Quant with three inputs"),
    Bad("bitwidth_0", lambda: quant_model("q_bw0", bits=0.0),
        [node_re("q_bw0", "Quant"), r"bit ?width|bits"], "bit width 0"),
    Bad("bitwidth_65", lambda: quant_model("q_bw65", bits=65.0),
        [node_re("q_bw65", "Quant"), r"bit ?width|bits"], "bit width 65"),
    Bad("bitwidth_2_5", lambda: quant_model("q_bw2p5", bits=2.5),
        [node_re("q_bw2p5", "Quant"), r"bit ?width|bits"], "bit width 2.5"),
    Bad("bitwidth_negative_int", lambda: quant_model("q_bwneg", bits=-3, bits_dtype=np.int64),
        [node_re("q_bwneg", "Quant"), r"bit ?width|bits"], "bit width -3 stored as int64"),
    Bad("scale_zero", lambda: quant_model("q_zero_scale", scale=0.0),
        [node_re("q_zero_scale", "Quant"), r"scale"], "scale 0"),
    Bad("scale_nan", lambda: quant_model("q_nan_scale", scale=math.nan),
        [node_re("q_nan_scale", "Quant"), r"scale"], "scale NaN"),
    Bad("rounding_mode_unknown", lambda: quant_model("q_mode", mode="BANKERS"),
        [node_re("q_mode", "Quant"), r"rounding"], "rounding_mode BANKERS"),
    Bad("add_shapes", lambda: one_op("Add", [[2, 3], [4]]),
        [node_re("add_bad", "Add"), r"broadcast"], "Add of [2,3] and [4]"),
    Bad("matmul_dims", lambda: one_op("MatMul", [[2, 3], [4, 5]]),
        [node_re("matmul_bad", "MatMul")], "MatMul of [2,3] and [4,5]"),
    Bad("tensor_2_40", lambda: one_op("Relu", [[HUGE, HUGE]]),
        [r"limit|too large|larger|exceed|size"], "an input of 2^40 float32 elements"),
    Bad("dims_overflow", lambda: one_op("Relu", [[1 << 40, 1 << 40, 1 << 40]]),
        [r"limit|too large|larger|exceed|overflow|size"],
        "an input whose element count overflows 64 bits"),
    Bad("raw_data_short", lambda: with_initializer(raw_tensor("w_short", [4, 4], b"\0" * 8),
                                                   [4, 4]),
        [r"w_short", r"raw|bytes|size|short|element|expected"],
        "an initializer of dims [4,4] with 8 bytes of raw_data"),
    Bad("negative_dims", lambda: with_initializer(raw_tensor("w_neg", [-1, 4], b""), [1, 4]),
        [r"negative"], "an initializer with dims [-1, 4]"),
    Bad("external_parent", lambda: external_tensor("../outside.bin", 0, 16),
        [r"outside|escape|\.\./|not allowed|external|relative|path"],
        "external data at ../outside.bin (the file exists)"),
    Bad("external_absolute", lambda: external_tensor("/etc/passwd", 0, 16),
        [r"outside|absolute|not allowed|external|path"], "external data at /etc/passwd"),
    Bad("external_offset", lambda: external_tensor("side.bin", 4096, 16),
        [r"w_ext|external|offset|length|beyond|short|size|end"],
        "external data offset past the end of its 16-byte file"),
    Bad("ir_version_2", lambda: mk([helper.make_node("Relu", ["x"], ["y"], name="r")],
                                   [vi("x", [2])], [vi("y", [2])], ir_version=2),
        [r"ir[ _]?version"], "IR version 2"),
    Bad("opset_5", lambda: mk([helper.make_node("Relu", ["x"], ["y"], name="r")],
                              [vi("x", [2])], [vi("y", [2])], opset=5),
        [r"opset"], "default-domain opset 5"),
    Bad("reshape_count", lambda: one_op("Reshape", [[2, 3]], consts=[const("s", i64([4, 2]))]),
        [node_re("reshape_bad", "Reshape")], "Reshape of 6 elements to [4,2]"),
    Bad("reshape_two_minus1",
        lambda: one_op("Reshape", [[2, 3]], consts=[const("s", i64([-1, -1]))],
                       name="reshape_two"),
        [node_re("reshape_two", "Reshape")], "Reshape with two -1"),
    Bad("reshape_runtime_shape", runtime_reshape,
        [node_re("reshape_rt", "Reshape"), r"constant"],
        "Reshape to a shape known only at run time (shapes are static in qonnxc)"),
    Bad("gather_axis", lambda: one_op("Gather", [[2, 3]], consts=[const("i", i64([0]))],
                                      axis=3),
        [node_re("gather_bad", "Gather"), r"axis"], "Gather axis 3 on rank 2"),
    Bad("transpose_perm", lambda: one_op("Transpose", [[2, 3]], perm=[0, 0]),
        [node_re("transpose_bad", "Transpose"), r"perm"], "Transpose perm [0, 0]"),
    Bad("transpose_perm_range", lambda: one_op("Transpose", [[2, 3]], perm=[0, 2],
                                               name="transpose_range"),
        [node_re("transpose_range", "Transpose"), r"perm"], "Transpose perm [0, 2]"),
    Bad("conv_channels", lambda: one_op("Conv", [[1, 3, 8, 8]],
                                        consts=[const("w", np.zeros([4, 2, 3, 3], np.float32))]),
        [node_re("conv_bad", "Conv"), r"channel|input|weight|group|shape"],
        "Conv of 3 input channels with a weight for 2"),
    Bad("conv_kernel_too_big", lambda: one_op("Conv", [[1, 1, 2, 2]],
                                              consts=[const("w", np.zeros([1, 1, 3, 3],
                                                                          np.float32))],
                                              name="conv_big"),
        [node_re("conv_big", "Conv")], "Conv with a 3x3 kernel on a 2x2 input"),
    Bad("concat_rank", lambda: one_op("Concat", [[2, 3], [2, 3, 1]], axis=0),
        [node_re("concat_bad", "Concat"), r"rank|does not match"], "Concat of rank 2 and rank 3"),
    Bad("slice_step_zero",
        lambda: one_op("Slice", [[4]], consts=[const("s", i64([0])), const("e", i64([4])),
                                               const("a", i64([0])), const("st", i64([0]))]),
        [node_re("slice_bad", "Slice"), r"step"], "Slice with step 0"),
    Bad("split_sizes", split_sizes, [node_re("split_bad", "Split")],
        "Split of 6 elements into [2, 2]"),
    Bad("float_data_count", lambda: with_initializer(float_data("w_count", [4], [1, 2, 3]),
                                                     [4]),
        [r"w_count"], "an initializer of dims [4] with 3 float_data values"),
    Bad("external_length", lambda: external_tensor("side.bin", 0, 8),
        [r"w_ext"], "external data of 8 bytes for a [4] float tensor"),
    Bad("expand_huge", lambda: one_op("Expand", [[1]],
                                      consts=[const("s", i64([HUGE, HUGE]))]),
        [node_re("expand_bad", "Expand"), r"limit|too large|larger|exceed"],
        "Expand of one element to [2^20, 2^20]: a tiny file, a 4 TiB result"),
    Bad("tile_huge", lambda: one_op("Tile", [[2, 2]],
                                    consts=[const("r", i64([1 << 31, 1 << 31]))]),
        [node_re("tile_bad", "Tile"), r"limit|too large|larger|exceed|overflow"],
        "Tile repeats of 2^31 x 2^31"),
    Bad("self_loop", lambda: mk([helper.make_node("Add", ["x", "y"], ["y"], name="loop")],
                                [vi("x", [2])], [vi("y", [2])]),
        [r"loop"], "a node that reads its own output"),
    Bad("perm_floats", lambda: one_op("Transpose", [[2, 3]], perm=[1.0, 0.0],
                                      name="transpose_floats"),
        [node_re("transpose_floats", "Transpose"), r"perm"], "Transpose perm given as floats"),
    Bad("conv_group", lambda: one_op("Conv", [[1, 3, 4, 4]],
                                     consts=[const("w", np.zeros([2, 1, 1, 1], np.float32))],
                                     group=2, name="conv_group"),
        [node_re("conv_group", "Conv")], "Conv group 2 on 3 channels"),
    Bad("pad_length", lambda: one_op("Pad", [[2, 3]], consts=[const("p", i64([1, 1, 1]))]),
        [node_re("pad_bad", "Pad"), r"pad"], "Pad with 3 pad values for rank 2"),
    Bad("maxpool_no_kernel", lambda: one_op("MaxPool", [[1, 1, 4, 4]], name="pool_nok"),
        [node_re("pool_nok", "MaxPool"), r"kernel"], "MaxPool without kernel_shape"),
    Bad("duplicate_output", duplicate_output, [r"dup_out"], "two nodes write dup_out"),
    Bad("redefined_input", redefined_input, [r"x_in"], "a node writes a graph input"),
    Bad("missing_output", missing_output, [r"nowhere_out"],
        "a graph output that no node produces"),
    Bad("string_input", string_input, [r"type|string|unsupported"], "a STRING graph input"),
    Bad("constant_without_value", constant_without_value, [r"const_bad"],
        "a Constant node without a value attribute"),
]


def write_all(outdir):
    os.makedirs(outdir, exist_ok=True)
    # side files: the path-escape target exists, so only the path check rejects it
    with open(os.path.join(outdir, "..", "outside.bin"), "wb") as f:
        f.write(np.ones(4, np.float32).tobytes())
    with open(os.path.join(outdir, "side.bin"), "wb") as f:
        f.write(np.ones(4, np.float32).tobytes())
    expected = {}
    for b in TABLE:
        data = b.build()
        if not isinstance(data, (bytes, bytearray)):
            data = data.SerializeToString()
        with open(os.path.join(outdir, b.name + ".onnx"), "wb") as f:
            f.write(data)
        expected[b.name] = {"expect": b.expect, "what": b.what}
    with open(os.path.join(outdir, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    return expected


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: gen_bad.py OUTDIR", file=sys.stderr)
        sys.exit(2)
    n = len(write_all(sys.argv[1]))
    print("wrote %d bad models to %s" % (n, sys.argv[1]))
