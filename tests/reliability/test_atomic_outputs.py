"""test_atomic_outputs.py: every output qonnxc writes appears whole or not at
all (compiler/outfile.h, backends/hls/project.c).

- A failure injected at the last moment (QONNXC_FAIL_AT=commit for the
  object, its header and the IR dump; hls-commit for an HLS project), when
  every byte is already in the temporaries: exit 2 with one error line, no
  output appears, and files or a project already at the target are left
  byte for byte as they were.
- qonnxc killed by SIGINT, SIGTERM or SIGHUP while it writes (held in the
  middle of writing by QONNXC_TEST_PAUSE_WRITE): it ends by that signal, the
  temporary files are gone and the earlier outputs are untouched; so with
  unnamed files (O_TMPFILE) and with named temporaries (the fallback,
  forced by QONNXC_TEST_FALLBACK=1).
- Killed by SIGKILL there, which cannot be caught: with unnamed files the
  output folder holds exactly what it held before, no target and no
  temporary.
- Outputs get mode 0666 less the umask, whichever way they were made.
- An earlier HLS project replaced while a watcher looks at the target all
  along (with a pause in the middle of the replacement): the path always
  holds a whole project, the earlier one and then the new one, never
  nothing; the earlier one is gone afterwards. The two-rename fallback ends
  the same way.
- An HLS project killed at moments spread over the whole compilation: the
  target is afterwards the earlier project or the complete new one, never
  a mixture, and no temporary directory is left beside it.
- Nowhere a temporary left behind: the output folder, the working folder
  and TMPDIR (a fresh one per test) hold only what was asked for.
"""
import ctypes
import errno
import os
import signal
import subprocess
import time

import pytest

import relkit
from relkit import EXAMPLE, run, snapshot, entries

SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGHUP]
# how outputs are made: unnamed files where the system has them, or the
# named temporaries of the fallback
MODES = {"unnamed": {}, "named": {"QONNXC_TEST_FALLBACK": 1}}


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

def supports_tmpfile(directory):
    """Whether the file system of directory makes unnamed files (O_TMPFILE)."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None:
        return False
    try:
        os.close(os.open(str(directory), flag | os.O_WRONLY, 0o600))
        return True
    except OSError:
        return False


def sizes_in(out, pid):
    """Sizes of the files in folder out that are being written: named
    temporaries (*.tmp-XXXXXX) and files process pid holds open there,
    named or not (an unnamed file shows as out/#INODE (deleted))."""
    sizes = []
    for n in os.listdir(str(out)):
        if ".tmp-" in n:
            try:
                sizes.append(os.stat(os.path.join(str(out), n)).st_size)
            except OSError:
                pass
    prefix = os.path.realpath(str(out)) + "/"
    fds = "/proc/%d/fd" % pid
    for fd in os.listdir(fds):
        try:
            if os.readlink(os.path.join(fds, fd)).startswith(prefix):
                sizes.append(os.stat(os.path.join(fds, fd)).st_size)
        except OSError:
            pass  # closed meanwhile
    return sizes


def wait_written(out, proc, size, limit=60):
    """Waits until a file of size bytes, the first output whole, is being
    written in out: qonnxc is then in the pause before the commit."""
    end = time.time() + limit
    while time.time() < end:
        if proc.poll() is not None:
            pytest.fail("qonnxc ended before writing: %s" % proc.stderr.read())
        try:
            if size in sizes_in(out, proc.pid):
                return
        except OSError:
            pass  # the process ended between the poll and the look
        time.sleep(0.02)
    pytest.fail("no output of %d bytes being written" % size)


def first_output_size(args, names, tmp, cwd):
    """Size of the first output of args, from a run into a folder of its own."""
    ref = tmp.parent / "ref"
    ref.mkdir(exist_ok=True)
    r = run([EXAMPLE, *place(args, names, ref)], tmp, cwd=str(cwd))
    assert r.returncode == 0, r.stderr
    size = os.path.getsize(str(ref / names[0]))
    subprocess.run(["rm", "-rf", str(ref)], check=True)
    return size


def kill_while_writing(dirs, args, names, sig, earlier, **extra):
    out, tmp, cwd = dirs
    size = first_output_size(args, names, tmp, cwd)
    before = write_sentinels(out, names) if earlier else {}
    proc = subprocess.Popen([relkit.QONNXC, EXAMPLE, *place(args, names, out)], cwd=str(cwd),
                            env=relkit.env(tmp, QONNXC_TEST_PAUSE_WRITE=30, **extra),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_written(out, proc, size)
        proc.send_signal(sig)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -sig, "exit %s: %s" % (proc.returncode, proc.stderr.read())
    assert snapshot(str(out)) == before, "after %s: %s" % (sig.name, entries(str(out)))


@pytest.mark.parametrize("mode", MODES, ids=list(MODES))
@pytest.mark.parametrize("sig", SIGNALS, ids=[s.name for s in SIGNALS])
@pytest.mark.parametrize("kind,args,names", OBJECT_CASES[::3], ids=["object", "ir"])
def test_killed_mid_write(dirs, sig, kind, args, names, mode):
    if mode == "unnamed" and not supports_tmpfile(dirs[0]):
        pytest.skip("no O_TMPFILE on this file system")
    kill_while_writing(dirs, args, names, sig, True, **MODES[mode])


@pytest.mark.parametrize("earlier", [False, True], ids=["fresh", "earlier"])
@pytest.mark.parametrize("kind,args,names", OBJECT_CASES[::3], ids=["object", "ir"])
def test_sigkill_mid_write_leaves_nothing(dirs, kind, args, names, earlier):
    """SIGKILL cannot be caught: only a file that has no name while it is
    written leaves nothing behind."""
    if not supports_tmpfile(dirs[0]):
        pytest.skip("no O_TMPFILE on this file system")
    kill_while_writing(dirs, args, names, signal.SIGKILL, earlier)


@pytest.mark.parametrize("mode", MODES, ids=list(MODES))
@pytest.mark.parametrize("umask", [0o022, 0o077, 0o027], ids=["022", "077", "027"])
def test_output_mode_follows_umask(dirs, mode, umask):
    """New and replaced outputs alike: mode 0666 less the umask."""
    out, tmp, cwd = dirs
    names = ["m.o", "m.h", "m.ir"]
    write_sentinels(out, names[1:])  # m.h and m.ir replace files, m.o is new
    os.chmod(str(out / "m.h"), 0o600)
    os.chmod(str(out / "m.ir"), 0o666)
    for args in (["-o", str(out / "m.o")], ["--emit=ir", "-o", str(out / "m.ir")]):
        r = subprocess.run([relkit.QONNXC, EXAMPLE, *args], capture_output=True, text=True,
                           cwd=str(cwd), env=relkit.env(tmp, **MODES[mode]),
                           preexec_fn=lambda: os.umask(umask), timeout=relkit.TIMEOUT)
        assert r.returncode == 0, r.stderr
    assert entries(str(out)) == sorted(names)
    for n in names:
        got = os.stat(str(out / n)).st_mode & 0o777
        assert got == 0o666 & ~umask, "%s: mode %o under umask %03o" % (n, got, umask)


def test_run_output_replaces_whole(dirs):
    """qonnxc run --output (the runtime's .npy writer): a new file and a
    replaced one, mode 0666 less the umask, nothing else left in the folder."""
    np = pytest.importorskip("numpy")
    out, tmp, cwd = dirs
    x = tmp.parent / "x.npy"
    np.save(str(x), np.linspace(-1, 1, 3 * 16, dtype=np.float32).reshape(3, 1, 16))
    (out / "y.npy").write_bytes(b"earlier output\n")
    for name in ("y.npy", "z.npy"):
        r = subprocess.run([relkit.QONNXC, "run", EXAMPLE, "--input", str(x), "--output",
                            str(out / name)], capture_output=True, text=True, cwd=str(cwd),
                           env=relkit.env(tmp), preexec_fn=lambda: os.umask(0o027),
                           timeout=relkit.TIMEOUT)
        assert r.returncode == 0, r.stderr
    assert entries(str(out)) == ["y.npy", "z.npy"]
    y, z = np.load(str(out / "y.npy")), np.load(str(out / "z.npy"))
    assert y.shape[0] == 3 and np.array_equal(y, z)
    for name in ("y.npy", "z.npy"):
        assert os.stat(str(out / name)).st_mode & 0o777 == 0o640


# ---- replacing an HLS project ---------------------------------------------------------------

RENAME_EXCHANGE = 2  # <linux/fs.h>


def supports_exchange(directory):
    """Whether renameat2(RENAME_EXCHANGE) swaps two folders in directory."""
    libc = ctypes.CDLL(None, use_errno=True)
    if not hasattr(libc, "renameat2"):
        return False
    a, b = os.path.join(str(directory), "xa"), os.path.join(str(directory), "xb")
    os.mkdir(a)
    os.mkdir(b)
    try:
        AT_FDCWD = -100
        return libc.renameat2(AT_FDCWD, a.encode(), AT_FDCWD, b.encode(), RENAME_EXCHANGE) == 0
    finally:
        os.rmdir(a)
        os.rmdir(b)


def project_state(out):
    """(what out/prj holds, how many other entries out holds): "old" (built
    with --name=old), "new", "missing" or "other"."""
    prj = os.path.join(str(out), "prj")
    beside = len(os.listdir(str(out))) - (1 if os.path.lexists(prj) else 0)
    if not os.path.lexists(prj):
        return "missing", beside
    if os.path.exists(os.path.join(prj, "src", "old.c")):
        return "old", beside
    if os.path.exists(os.path.join(prj, "src", "model.c")):
        return "new", beside
    return "other", beside


def test_hls_replace_never_missing(dirs):
    """While the new project takes the place of the earlier one, with a
    pause in the middle of the replacement, the target holds a whole project
    at every look."""
    out, tmp, cwd = dirs
    if not supports_exchange(out):
        pytest.skip("no RENAME_EXCHANGE on this file system")
    prj = out / "prj"
    r = run(["--target=hls", EXAMPLE, "-o", str(prj), "--name=old"], tmp, cwd=str(cwd))
    assert r.returncode == 0, r.stderr
    proc = subprocess.Popen([relkit.QONNXC, "--target=hls", EXAMPLE, "-o", str(prj)],
                            cwd=str(cwd), env=relkit.env(tmp, QONNXC_TEST_PAUSE_WRITE=1),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        while proc.poll() is None:
            seen.append(project_state(out))
            time.sleep(0.002)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0, proc.stderr.read()
    kinds = [k for k, _ in seen]
    assert "missing" not in kinds, "the target was missing at %d of %d looks" % (
        kinds.count("missing"), len(kinds))
    assert "other" not in kinds
    # the earlier project until the exchange, the new one from then on
    assert kinds == sorted(kinds, key=lambda k: k == "new"), "old again after new"
    # the pause was seen: new project in place, the earlier one beside it
    assert ("new", 1) in seen, "the replacement was not seen: %s" % sorted(set(seen))
    assert project_state(out) == ("new", 0)
    assert (prj / ".qonnxc-hls").exists()


@pytest.mark.parametrize("mode", MODES, ids=["exchange", "two-renames"])
@pytest.mark.parametrize("earlier", ["project", "empty"])
def test_hls_replace_leaves_nothing_beside(dirs, mode, earlier):
    out, tmp, cwd = dirs
    prj = out / "prj"
    if earlier == "project":
        r = run(["--target=hls", EXAMPLE, "-o", str(prj), "--name=old"], tmp, cwd=str(cwd))
        assert r.returncode == 0, r.stderr
    else:
        prj.mkdir()
    r = run(["--target=hls", EXAMPLE, "-o", str(prj)], tmp, cwd=str(cwd), **MODES[mode])
    assert r.returncode == 0, r.stderr
    assert project_state(out) == ("new", 0)
    assert not (prj / "src" / "old.c").exists()


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
