"""test_pipeline.py: the pass pipeline on the command line.

--passes selects passes (unknown names are usage errors, exit 2, listing the
known passes), --print-after/--print-after-all print the IR in the --emit=ir
format after a pass under "; IR after NAME", --verify-each and -v verify after
each pass; compiling runs the default pipeline, `run` none unless asked.
"""
import re

import numpy as np
import pytest

import util
from util import f32, node, ok, run


@pytest.fixture
def small(qonnxc, tmp_path):
    """x -> Identity -> Gemm(W, B) -> y: something for cleanup to change."""
    r = util.rng("pipeline_small")
    m = util.model([node("Identity", ["x"], ["xi"]),
                    node("Gemm", ["xi", "w", "b"], ["y"], transB=1)],
                   [("x", f32(r.uniform(-1, 1, [2, 4])))], ["y"],
                   {"w": f32(r.uniform(-1, 1, [3, 4])), "b": f32(r.uniform(-1, 1, [3]))})
    return util.save(m, tmp_path / "small.onnx")


def error_line(p, code):
    assert p.returncode == code, (p.returncode, p.stderr)
    lines = p.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qonnxc: error: "), p.stderr
    return lines[0]


@pytest.mark.parametrize("args", [
    ["--passes=bogus"], ["--passes=cleanup,bogus"], ["--passes="], ["--passes=cleanup,"],
    ["--print-after=bogus"], ["--print-after=none"], ["run", "--interp", "--passes=nope"]])
def test_unknown_pass_is_usage_error(small, args):
    if args[0] == "run":
        args = args + [small, "--input", small]
    else:
        args = args + [small]
    line = error_line(run(args), 2)
    assert "pass" in line
    if "bogus" in line or "nope" in line:
        assert "cleanup" in line, line  # the known passes are listed


def test_help_lists_passes(qonnxc):
    p = ok(run(["--help"]))
    for opt in ("--passes", "--print-after", "--print-after-all", "--verify-each"):
        assert opt in p.stdout
    assert re.search(r"^\s+cleanup\s", p.stdout, re.M), p.stdout
    assert re.search(r"default pipeline: cleanup\b", p.stdout), p.stdout


def default_pipeline():
    return re.search(r"default pipeline: (\S+)", ok(run(["--help"])).stdout).group(1)


def test_default_pipeline_starts_with_cleanup(small):
    passes = default_pipeline()
    assert passes.split(",")[0] == "cleanup"
    default = ok(run(["--emit=ir", small])).stdout
    assert default == ok(run(["--emit=ir", "--passes=" + passes, small])).stdout
    assert "Gemm" not in default and "Identity" not in default


def test_passes_none_shows_imported_ir(small):
    ir = ok(run(["--emit=ir", "--passes=none", small])).stdout
    assert "Gemm(" in ir and "Identity(" in ir


def test_cleanup_is_idempotent(small):
    once = ok(run(["--emit=ir", "--passes=cleanup", small])).stdout
    assert once == ok(run(["--emit=ir", "--passes=cleanup,cleanup", "--verify-each",
                           small])).stdout


def test_print_after(small):
    p = ok(run(["--emit=ir", "--passes=cleanup", "--print-after=cleanup", small]))
    assert p.stderr == "; IR after cleanup\n" + p.stdout
    p = ok(run(["--emit=ir", "--passes=cleanup,cleanup", "--print-after-all", small]))
    assert p.stderr == ("; IR after cleanup\n" + p.stdout) * 2
    p = ok(run(["--passes=none", "--print-after-all", small]))
    assert p.stderr == ""


def test_verbose_and_verify_each(small):
    p = ok(run(["-v", small]))
    assert re.search(r"after cleanup: \d+ ops, \d+ values; verified", p.stderr), p.stderr
    p = ok(run(["--verify-each", small]))
    assert p.stdout == "" and p.stderr == ""


def test_run_interprets_original_unless_passes(small, tmp_path):
    x = tmp_path / "x.npy"
    np.save(x, f32(util.rng("pipeline_x").uniform(-1, 1, [2, 4])))
    p = ok(run(["run", "--interp", small, "--input", x, "--print-after-all"]))
    assert "; IR after" not in p.stderr  # no pass ran
    p = ok(run(["run", "--interp", small, "--input", x, "--passes=cleanup",
                "--print-after=cleanup"]))
    assert p.stderr.startswith("; IR after cleanup\n")
    assert "Gemm" not in p.stderr and "MatMul" in p.stderr
