"""variants_kit.py: what the kernel-variant tests of tests/perf share.

A model built in Python is saved with its input, compiled once with -v (the
kernels named per op), then run through `qonnxc run` with several sets of
flags (the host's features, features turned off with --mattr, -O0), and the
outputs compared byte for byte with the first run's.
"""
import os
import subprocess

import numpy as np
from onnx import save

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))


def cpu_has(flag):
    """Whether /proc/cpuinfo lists flag (e.g. "avx2", "avx512_vnni")."""
    try:
        with open("/proc/cpuinfo") as f:
            return (" %s" % flag) in f.read()
    except OSError:
        return False


def qonnxc(args):
    return subprocess.run([QONNXC, *args], capture_output=True, text=True, timeout=300)


def save_case(model, x, tmp_path):
    """model.onnx and x.npy (x as one sample) in tmp_path; their paths."""
    path, xin = tmp_path / "model.onnx", tmp_path / "x.npy"
    save(model, str(path))
    np.save(xin, x[None])
    return path, xin


def kernel_notes(path, tmp_path):
    """What -v says while compiling path (it must compile)."""
    r = qonnxc(["-v", str(path), "-o", str(tmp_path / "m.o")])
    assert r.returncode == 0, r.stderr
    return r.stderr


def assert_variants_equal(path, xin, tmp_path, variants):
    """Runs path on xin once per (label, flags); every output equals the
    first's, byte for byte."""
    outs = []
    for label, flags in variants:
        y = tmp_path / ("y_%s.npy" % label)
        r = qonnxc(["run", *flags, str(path), "--input", str(xin), "--output", str(y)])
        assert r.returncode == 0, (label, r.stderr)
        outs.append((label, np.load(y)))
    first = outs[0][1]
    for label, out in outs[1:]:
        assert out.dtype == first.dtype and out.shape == first.shape, label
        assert out.tobytes() == first.tobytes(), label
