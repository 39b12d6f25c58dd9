"""generate.py: writes every test model of tests/models/ into a directory.

    /usr/bin/python3 tests/models/generate.py OUTDIR [--check]

For each case it writes OUTDIR/NAME/model.onnx (plus its external data file
when the case asks for one) and OUTDIR/NAME/input_K.npy, and OUTDIR/manifest.json
listing the cases (name, group, comparison class, description, input and
output counts). --check also runs onnx.checker on the models it can check
(standard domain, opset <= 17, the newest that onnx 1.12 knows).

Outputs that a generator left untyped get the element type and shape of the
reference result (tests/e2e/reference.py), as an exporter would write them;
the values are never stored: the tests recompute them from the written model.
The tests import this module and call write_all() once per test run.
"""
import functools
import json
import os
import sys

import numpy as np
import onnx
from onnx import helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import layout_ops  # noqa: E402
import legacy_ops  # noqa: E402
import qonnx_ops  # noqa: E402
import reference  # noqa: E402
import std_ops  # noqa: E402
from modelkit import NP_TO_ONNX  # noqa: E402


@functools.lru_cache(maxsize=None)
def all_cases():
    cases = std_ops.cases() + legacy_ops.cases() + qonnx_ops.cases() + layout_ops.cases()
    seen = set()
    for c in cases:
        assert c.name not in seen, "duplicate case name " + c.name
        seen.add(c.name)
        type_outputs(c)
    return tuple(cases)


def type_outputs(case):
    """Gives untyped graph outputs the reference result's type and shape."""
    outs = case.model.graph.output
    if all(o.type.HasField("tensor_type") for o in outs):
        return
    results = reference.run_model(case.model, case.inputs)
    for o, r in zip(outs, results):
        if o.type.HasField("tensor_type"):
            continue
        typed = helper.make_tensor_value_info(o.name, NP_TO_ONNX[r.dtype], list(r.shape))
        o.CopyFrom(typed)


def checkable(m):
    std = [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")]
    custom = any(n.domain not in ("", "ai.onnx") for n in m.graph.node)
    return std and std[0] <= 17 and not custom


def write_case(case, outdir):
    d = os.path.join(outdir, case.name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "model.onnx")
    if case.external:
        m = onnx.ModelProto()
        m.CopyFrom(case.model)
        one_file = case.notes.get("one_file", True)
        onnx.save(m, path, save_as_external_data=True, all_tensors_to_one_file=one_file,
                  location="weights.bin" if one_file else None, size_threshold=0)
    else:
        onnx.save(case.model, path)
    for k, a in enumerate(case.inputs):
        np.save(os.path.join(d, "input_%d.npy" % k), a)
    return {"name": case.name, "group": case.group, "tol": case.tol, "what": case.what,
            "inputs": len(case.inputs), "outputs": len(case.model.graph.output)}


def write_all(outdir, check=False):
    os.makedirs(outdir, exist_ok=True)
    manifest = []
    for c in all_cases():
        if check and checkable(c.model):
            onnx.checker.check_model(c.model)
        manifest.append(write_case(c, outdir))
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def main(argv):
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    manifest = write_all(argv[1], check="--check" in argv)
    print("wrote %d models to %s" % (len(manifest), argv[1]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
