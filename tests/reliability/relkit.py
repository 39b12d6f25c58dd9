"""relkit.py: what the reliability tests share: the qonnxc under test, the
models they compile, running qonnxc in a controlled environment, and
snapshots of directory trees (every file's bytes) to compare before and
after.

QONNXC names the compiler (default build/qonnxc); the shared models are
those of ../shared/models beside the repository, skipped when absent.
"""
import os
import subprocess

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
QONNXC = os.path.abspath(os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc")))
EXAMPLE = os.path.join(ROOT, "examples", "mlp_w2a2.onnx")
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "models"))
TIMEOUT = 300


def require_compiler():
    if not os.path.exists(QONNXC):
        pytest.fail("qonnxc not found at %s (set QONNXC)" % QONNXC)


def shared_model(name):
    path = os.path.join(SHARED, name, "model.onnx")
    if not os.path.exists(path):
        pytest.skip("shared model %s not present" % name)
    return path


def env(tmpdir, **extra):
    """The environment qonnxc runs in: TMPDIR is a directory of the test's
    own, so that any temporary file qonnxc leaves there is seen."""
    e = dict(os.environ)
    for k in ("QONNXC_FAIL_AT", "QONNXC_TEST_PAUSE_WRITE", "QONNXC_TEST_FALLBACK"):
        e.pop(k, None)
    e["TMPDIR"] = str(tmpdir)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def run(args, tmpdir, cwd=None, timeout=TIMEOUT, **extra):
    return subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=timeout,
                          env=env(tmpdir, **extra), cwd=cwd)


def snapshot(top):
    """{relative path: bytes} for every file under top, directories as None,
    hidden entries included."""
    tree = {}
    if not os.path.exists(top):
        return tree
    if os.path.isfile(top):
        with open(top, "rb") as f:
            return {".": f.read()}
    for d, dirs, files in os.walk(top):
        for name in dirs:
            tree[os.path.relpath(os.path.join(d, name), top)] = None
        for name in files:
            with open(os.path.join(d, name), "rb") as f:
                tree[os.path.relpath(os.path.join(d, name), top)] = f.read()
    return tree


def entries(directory):
    return sorted(os.listdir(directory))
