"""test_atomic_outputs.py: every output qonnxc writes appears whole or not at
all (compiler/outfile.h, backends/hls/project.c).

- A failure injected at the last moment (QONNXC_FAIL_AT=commit for the
  object, its header and the IR dump; hls-commit for an HLS project), when
  every byte is already in the temporaries: exit 2 with one error line, no
  output appears, and files or a project already at the target are left
  byte for byte as they were.
- qonnxc killed by SIGINT, SIGTERM or SIGHUP while it writes (held in the
  middle of writing by QONNXC_TEST_PAUSE_WRITE): it ends by that signal, the
  temporary files are gone and the earlier outputs are untouched.
- An HLS project killed at moments spread over the whole compilation: the
  target is afterwards the earlier project or the complete new one, never
  a mixture, and no temporary directory is left beside it.
- Nowhere a temporary left behind: the output folder, the working folder
  and TMPDIR (a fresh one per test) hold only what was asked for.
"""
import os
import signal
import subprocess
import time

import pytest

import relkit
from relkit import EXAMPLE, run, snapshot, entries

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]


@pytest.fixture(autouse=True)
def compiler():
    relkit.require_compiler()


@pytest.fixture
def dirs(tmp_path):
    out, tmp, cwd = tmp_path / "out", tmp_path / "tmp", tmp_path / "cwd"
    for d in (out, tmp, cwd):
        d.mkdir()
    yield out, tmp, cwd
    assert entries(str(tmp)) == [], "qonnxc left files in TMPDIR"
    assert entries(str(cwd)) == [], "qonnxc left files in its working folder"


def one_error(r, code):
    lines = r.stderr.splitlines()
    assert r.returncode == code, r.stderr
    assert len(lines) == 1 and lines[0].startswith("qonnxc: error: "), r.stderr
    return lines[0]


def write_sentinels(out, names):
    for n in names:
        (out / n).write_bytes(b"earlier output " + n.encode() + b"\n")
    return snapshot(str(out))


def place(args, names, out):
    """args with the output names made paths in out (-o NAME, --header=NAME)."""
    placed = []
    for a in args:
        if a in names:
            a = str(out / a)
        elif a.startswith("--header="):
            a = "--header=" + str(out / a[len("--header="):])
        placed.append(a)
    return placed


# ---- late failures --------------------------------------------------------------------

OBJECT_CASES = [
    ("object", ["-o", "m.o"], ["m.o", "m.h"]),
    ("object+header", ["-o", "m.o", "--header=api.h"], ["m.o", "api.h"]),
    ("assembly", ["--emit=asm", "-o", "m.s"], ["m.s", "m.h"]),
    ("ir", ["--emit=ir", "-o", "m.ir"], ["m.ir"]),
]


@pytest.mark.parametrize("kind,args,names", OBJECT_CASES, ids=[c[0] for c in OBJECT_CASES])
@pytest.mark.parametrize("earlier", [False, True], ids=["fresh", "earlier"])
def test_late_failure_leaves_nothing(dirs, kind, args, names, earlier):
    out, tmp, cwd = dirs
    before = write_sentinels(out, names) if earlier else {}
    absolute = place(args, names, out)
    r = run([EXAMPLE, *absolute], tmp, cwd=str(cwd), QONNXC_FAIL_AT="commit")
    assert "failure injected" in one_error(r, 2)
    assert snapshot(str(out)) == before
    # the same command without the injected failure writes every output
    r = run([EXAMPLE, *absolute], tmp, cwd=str(cwd))
    assert r.returncode == 0, r.stderr
    assert entries(str(out)) == sorted(names)


@pytest.mark.parametrize("earlier", [False, True], ids=["fresh", "earlier"])
def test_hls_late_failure_leaves_nothing(dirs, earlier):
    out, tmp, cwd = dirs
    prj = out / "prj"
    if earlier:
        r = run(["--target=hls", EXAMPLE, "-o", str(prj), "--name=old"], tmp, cwd=str(cwd))
        assert r.returncode == 0, r.stderr
    before = snapshot(str(out))
    r = run(["--target=hls", EXAMPLE, "-o", str(prj)], tmp, cwd=str(cwd),
            QONNXC_FAIL_AT="hls-commit")
    assert "failure injected" in one_error(r, 2)
    assert snapshot(str(out)) == before
    r = run(["--target=hls", EXAMPLE, "-o", str(prj)], tmp, cwd=str(cwd))
    assert r.returncode == 0, r.stderr
    assert entries(str(out)) == ["prj"]
    assert (prj / "src" / "model.c").exists()


def test_write_error_leaves_nothing(dirs):
    """A target that cannot be written (its folder is missing) is an error
    before anything is created."""
    out, tmp, cwd = dirs
    r = run([EXAMPLE, "-o", str(out / "missing" / "m.o")], tmp, cwd=str(cwd))
    assert "cannot write" in one_error(r, 2)
    assert entries(str(out)) == []


# ---- killed while writing -----------------------------------------------------------------

def wait_for_temporary(out, proc, limit=60):
    """Waits until a temporary (*.tmp-XXXXXX) exists in out."""
    end = time.time() + limit
    while time.time() < end:
        if any(".tmp-" in n for n in os.listdir(str(out))):
            return
        if proc.poll() is not None:
            pytest.fail("qonnxc ended before writing: %s" % proc.stderr.read())
        time.sleep(0.02)
    pytest.fail("no temporary file appeared")


@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
@pytest.mark.parametrize("kind,args,names", OBJECT_CASES[::3], ids=["object", "ir"])
def test_killed_mid_write(dirs, sig, kind, args, names):
    out, tmp, cwd = dirs
    before = write_sentinels(out, names)
    absolute = place(args, names, out)
    proc = subprocess.Popen([relkit.QONNXC, EXAMPLE, *absolute], cwd=str(cwd),
                            env=relkit.env(tmp, QONNXC_TEST_PAUSE_WRITE=30),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_temporary(out, proc)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -sig, "exit %s: %s" % (proc.returncode, proc.stderr.read())
    assert snapshot(str(out)) == before


def test_hls_killed_at_any_moment(dirs):
    """SIGTERM at moments spread over the compilation of a project: each time
    the target holds the earlier project or the new one, whole."""
    out, tmp, cwd = dirs
    model = relkit.shared_model("kwsmlp_w3a3")
    prj = out / "prj"
    ref_old, ref_new = out.parent / "ref_old", out.parent / "ref_new"
    for ref, extra in ((ref_old, ["--name=old"]), (ref_new, [])):
        r = run(["--target=hls", model, "-o", str(ref), *extra], tmp, cwd=str(cwd))
        assert r.returncode == 0, r.stderr
    old, new = snapshot(str(ref_old)), snapshot(str(ref_new))
    start = time.time()
    r = run(["--target=hls", model, "-o", str(out / "timing")], tmp, cwd=str(cwd))
    duration = time.time() - start
    assert r.returncode == 0, r.stderr
    subprocess.run(["rm", "-rf", str(out / "timing")], check=True)
    outcomes = {"old": 0, "new": 0}
    for k in range(10):
        subprocess.run(["rm", "-rf", str(prj)], check=True)
        subprocess.run(["cp", "-a", str(ref_old), str(prj)], check=True)
        proc = subprocess.Popen([relkit.QONNXC, "--target=hls", model, "-o", str(prj)],
                                cwd=str(cwd), env=relkit.env(tmp), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(duration * k / 9)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        assert entries(str(out)) == ["prj"], "left beside the project: %s" % entries(str(out))
        now = snapshot(str(prj))
        assert now in (old, new), "a mixture after a kill at %.2f s" % (duration * k / 9)
        outcomes["old" if now == old else "new"] += 1
    print("hls kills: %(old)d left the earlier project, %(new)d the new one" % outcomes)
