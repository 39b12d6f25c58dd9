"""modelkit.py: what every model generator under tests/models/ builds with.

A test case is one small ONNX model plus the inputs to run it on. Generators
return lists of Case; generate.py writes them to disk. Nothing here computes
expected outputs: tests/e2e/reference.py does that from the written model, so
a generator mistake cannot hide an interpreter mistake (the reference reads
the same model the compiler reads).

Every random number comes from rng(name), a generator seeded from the case
name, so each model and input is the same on every run and independent of the
order in which cases are built.
"""
import zlib
from dataclasses import dataclass, field

import numpy as np
from onnx import TensorProto, helper, numpy_helper

QDOMAIN = "qonnx.custom_op.general"
CHANNELS_LAST = "qonnx.custom_op.channels_last"

NP_TO_ONNX = {
    np.dtype(np.float32): TensorProto.FLOAT,
    np.dtype(np.float64): TensorProto.DOUBLE,
    np.dtype(np.int64): TensorProto.INT64,
    np.dtype(np.int32): TensorProto.INT32,
    np.dtype(np.int8): TensorProto.INT8,
    np.dtype(np.uint8): TensorProto.UINT8,
    np.dtype(np.bool_): TensorProto.BOOL,
}


@dataclass
class Case:
    """One model and its inputs.

    tol names the comparison class defined in tests/e2e/compare.py:
    "exact", "ulp", "composite" or "accum". external: save the model with its
    initializers in a separate file beside it.
    """
    name: str
    model: object
    inputs: list
    tol: str = "exact"
    group: str = "std"
    external: bool = False
    what: str = ""
    notes: dict = field(default_factory=dict)


def rng(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def f32(a):
    return np.asarray(a, dtype=np.float32)


def i64(a):
    return np.asarray(a, dtype=np.int64)


def const(name, array):
    """An initializer holding array with its own dtype."""
    return numpy_helper.from_array(np.asarray(array), name)


def vinfo(name, dtype, shape):
    return helper.make_tensor_value_info(name, NP_TO_ONNX[np.dtype(dtype)], shape)


def model(nodes, inputs, outputs, inits=(), opset=13, extra_opsets=(), name="g",
          ir_version=8):
    """Builds a ModelProto.

    inputs: list of (name, numpy array or (dtype, shape)); outputs: list of
    names, or (name, dtype, shape) when the type is to be written; an output
    written with just its name gets an empty type, as ONNX allows.
    """
    in_infos = []
    for n, a in inputs:
        if isinstance(a, tuple):
            in_infos.append(vinfo(n, a[0], a[1]))
        else:
            in_infos.append(vinfo(n, a.dtype, list(a.shape)))
    out_infos = []
    for o in outputs:
        if isinstance(o, tuple):
            out_infos.append(vinfo(*o))
        else:
            out_infos.append(helper.make_empty_tensor_value_info(o))
    graph = helper.make_graph(list(nodes), name, in_infos, out_infos, initializer=list(inits))
    opsets = [helper.make_opsetid("", opset)]
    opsets += [helper.make_opsetid(d, v) for d, v in extra_opsets]
    m = helper.make_model(graph, producer_name="qonnxc-tests", opset_imports=opsets)
    m.ir_version = ir_version
    return m


def node(op, inputs, outputs, name=None, domain=None, **attrs):
    kw = {}
    if domain:
        kw["domain"] = domain
    return helper.make_node(op, list(inputs), list(outputs), name=name or outputs[0], **kw,
                            **attrs)


def single(case_name, op, inputs, attrs=None, consts=(), noutputs=1, opset=13, tol="exact",
           group="std", extra_opsets=(), domain=None, what=None, input_names=None):
    """A model of one node.

    inputs: list of numpy arrays fed as graph inputs; consts: list of
    (name, array) initializers appended after the graph inputs, or None for an
    absent optional input (written as ""). The node's inputs are the graph
    inputs followed by the constants, in that order.
    """
    attrs = attrs or {}
    names = input_names or ["x%d" % i for i in range(len(inputs))]
    ins = [(n, a) for n, a in zip(names, inputs)]
    node_inputs = list(names)
    inits = []
    for c in consts:
        if c is None:
            node_inputs.append("")
        else:
            inits.append(const(c[0], c[1]))
            node_inputs.append(c[0])
    outs = ["y%d" % i for i in range(noutputs)]
    n = node(op, node_inputs, outs, name="node_" + op.lower(), domain=domain, **attrs)
    m = model([n], ins, outs, inits, opset=opset, extra_opsets=extra_opsets, name=case_name)
    shown = "".join(", %s=%r" % kv for kv in sorted(attrs.items()))
    desc = what or "%s(opset %d%s)" % (op, opset, shown)
    return Case(case_name, m, list(inputs), tol=tol, group=group, what=desc)
