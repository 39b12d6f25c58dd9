"""test_bad_inputs.py: malformed and hostile models (tests/bad/gen_bad.py) are
rejected with exit status 1 and exactly one line 'qonnxc: error: <path>: <reason>'
whose reason matches the table, whichever subcommand reads them; nothing is
written to the requested output files.

The binary is $QONNXC (`make bad-san` points it at the ASan/UBSan build); when
$QONNXC_SAN names another binary, every case runs with that one too.
"""
import os
import re

import numpy as np
import pytest

import gen_bad
import runner

BINARIES = [("qonnxc", None)]
if os.environ.get("QONNXC_SAN") and os.environ.get("QONNXC_SAN") != os.environ.get("QONNXC"):
    BINARIES.append(("san", os.environ["QONNXC_SAN"]))

MODES = ["import", "run", "emit"]


@pytest.mark.parametrize("binary", [b for _, b in BINARIES], ids=[n for n, _ in BINARIES])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("bad", gen_bad.TABLE, ids=[b.name for b in gen_bad.TABLE])
def test_bad_model(bad, mode, binary, bad_models, tmp_path):
    path = os.path.join(bad_models, bad.name + ".onnx")
    out = tmp_path / "out.file"
    if mode == "import":
        args = [path]
    elif mode == "run":
        dummy = tmp_path / "x.npy"
        np.save(dummy, np.zeros([1, 4], np.float32))
        args = ["run", "--interp", path, "--input", dummy, "--output", out]
    else:
        args = ["--emit=ir", "-o", out, path]
    proc = runner.run(args, binary=binary)
    problem = runner.error_contract(proc, 1)
    assert problem is None, "%s (%s), %s: %s" % (bad.name, bad.what, mode, problem)
    line = proc.stderr.strip()
    prefix = "qonnxc: error: %s: " % path
    assert line.startswith(prefix), "%s: the line does not start with %r: %r" % (
        bad.name, prefix, line)
    reason = line[len(prefix):]
    for pattern in bad.expect:
        assert re.search(pattern, reason, re.IGNORECASE), (
            "%s (%s): reason %r does not match /%s/" % (bad.name, bad.what, reason, pattern))
    assert not out.exists(), "%s: %s wrote %s despite the error" % (bad.name, mode, out)


def test_table_is_large_enough():
    assert len(gen_bad.TABLE) >= 25
    assert len({b.name for b in gen_bad.TABLE}) == len(gen_bad.TABLE)

