"""hlskit.py: generating HLS projects with `qonnxc --target=hls`, building and
running their testbenches, and comparing with `qonnxc run`, for the tests of
tests/hls/.

The compiler is $QONNXC (else build/qonnxc). A project is built once per
test run and shared by the tests of one model (Project.get). Outcome counts
per group are printed at the end of the run (conftest.py).
"""
import os
import re
import shutil
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
sys.path.insert(0, os.path.join(HERE, "..", "models"))

import runner  # noqa: E402

CC = os.environ.get("CC", "cc")
CLANG = "clang-19"
TIMEOUT = 900
# The kernel file compiled as the target would see it: no hosted library,
# no floating-point registers, no variable-length arrays.
FREESTANDING = ["-std=c99", "-ffreestanding", "-fno-builtin", "-mgeneral-regs-only",
                "-Werror=vla", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]

COUNTS = {}


def count(group, outcome):
    c = COUNTS.setdefault(group, {})
    c[outcome] = c.get(outcome, 0) + 1


def summary_lines():
    return ["%s: %s" % (g, ", ".join("%d %s" % (COUNTS[g][k], k) for k in sorted(COUNTS[g])))
            for g in sorted(COUNTS)]


def qonnxc():
    return runner.qonnxc_path()


def sh(args, timeout=TIMEOUT, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, errors="replace", **kw)


def emit_ir(model):
    p = sh([qonnxc(), model, "--emit=ir", "-o", "-"])
    return p.stdout if p.returncode == 0 else ""


INT_RESULT = re.compile(r"^%\S+ = (\w+)(?:<nhwc>)?\(.*: [iu]\d+", re.M)


def has_integer_part(model):
    """The IR after the default pipeline has a Quantize (the kernel's input)."""
    return "= Quantize(" in emit_ir(model)


def integer_ops(model):
    """The ops of the IR with an integer result other than Quantize."""
    return sorted({m.group(1) for m in INT_RESULT.finditer(emit_ir(model))} - {"Quantize"})


def generate(model, outdir, *flags):
    return sh([qonnxc(), "--target=hls", model, "-o", outdir] + list(flags))


def make(prj, target):
    return sh(["make", "-s", "-C", prj, target])


def tb_files(exe, inputs, outputs):
    return sh([exe] + list(inputs) + list(outputs))


# `qonnxc run` with the HLS target's marks: for --target=hls a quantized
# model keeps double sums in its float Convs too (the f32-sums pass marks
# nothing there, compiler/passes/f32_sums.c), which the default pipeline of
# `run` would sum in float32 fused multiply-adds
HLS_PASSES = "--passes=cleanup,channels-last,lower-integer"


def qonnxc_run(model, inputs, outputs):
    args = [qonnxc(), "run", HLS_PASSES, model]
    for i in inputs:
        args += ["--input", i]
    for o in outputs:
        args += ["--output", o]
    return sh(args)


GOLDEN_LINE = re.compile(r"^(\w+)_tb: (\d+) golden vectors, (\d+) bit-exact, (\d+) layers traced$",
                         re.M)


def golden_ok(proc):
    """None when a golden run passed every vector with every layer traced,
    else what is wrong."""
    m = GOLDEN_LINE.search(proc.stdout)
    if proc.returncode != 0 or not m or m.group(2) != m.group(3) or int(m.group(2)) < 1:
        return "exit %d: %s %s" % (proc.returncode, proc.stdout[-2000:], proc.stderr[-2000:])
    return None


def ulp_distance(a, b):
    """|a - b| in float32 ulps (on the ordered integer line)."""
    ia = a.astype(np.float32).view(np.int32).astype(np.int64)
    ib = b.astype(np.float32).view(np.int32).astype(np.int64)
    ia = np.where(ia < 0, -(ia & 0x7FFFFFFF), ia)
    ib = np.where(ib < 0, -(ib & 0x7FFFFFFF), ib)
    return np.abs(ia - ib)


class Project:
    """A model's project, generated and its testbench built once."""
    cache = {}

    def __init__(self, model, root, name, build=True):
        self.model, self.dir = model, os.path.join(root, name)
        self.exe = os.path.join(self.dir, "build", "model_tb")
        if not build:
            return
        self.gen = generate(model, self.dir)
        self.csim = make(self.dir, "csim") if self.gen.returncode == 0 else None

    @classmethod
    def at(cls, model, d):
        """A project already generated (and built) in d."""
        return Project(model, os.path.dirname(d), os.path.basename(d), build=False)

    @classmethod
    def get(cls, model, root, name):
        key = (model, root)
        if key not in cls.cache:
            os.makedirs(root, exist_ok=True)
            if os.path.exists(os.path.join(root, name)):
                shutil.rmtree(os.path.join(root, name))
            cls.cache[key] = Project(model, root, name)
        return cls.cache[key]

    def src(self, name):
        return os.path.join(self.dir, "src", name)


def check_files_equal(prj, model, inputs, outdir, exact=True, ulps=0):
    """The testbench's float path (quantize, kernel, dequantize) against
    `qonnxc run` on the same inputs; returns a problem or None."""
    nout = int(re.search(r"#define MODEL_FLOAT_OUTPUTS (\d+)",
                         open(prj.src("model_io.h")).read()).group(1))
    got = [os.path.join(outdir, "tb%d.npy" % k) for k in range(nout)]
    ref = [os.path.join(outdir, "ref%d.npy" % k) for k in range(nout)]
    p = tb_files(prj.exe, inputs, got)
    if p.returncode != 0:
        return "testbench on files: exit %d: %s" % (p.returncode, p.stderr[-1000:])
    r = qonnxc_run(model, inputs, ref)
    if r.returncode != 0:
        return "qonnxc run: %s" % r.stderr
    for k in range(nout):
        a, b = np.load(got[k]), np.load(ref[k])
        if a.shape != b.shape or a.dtype != np.float32:
            return "output %d: %s %s, qonnxc run gives %s %s" % (k, a.shape, a.dtype, b.shape,
                                                                b.dtype)
        if exact and not np.array_equal(a, b, equal_nan=True):
            bad = np.flatnonzero(a.ravel() != b.ravel())
            return "output %d: %d elements differ, first at %d: %r vs %r" % (
                k, bad.size, bad[0], a.ravel()[bad[0]], b.ravel()[bad[0]])
        if not exact:
            d = int(ulp_distance(a, b).max()) if a.size else 0
            if d > ulps:
                return "output %d: %d ulps from qonnxc run (allowed %d)" % (k, d, ulps)
    return None


def freestanding_problem(src, workdir, compiler="gcc", std=None, extra=()):
    """Compiles the kernel file as freestanding code; a problem or None when
    it compiles and needs no symbol from outside (nm -u empty)."""
    os.makedirs(workdir, exist_ok=True)
    obj = os.path.join(workdir, "%s.%s.%d.o" % (os.path.basename(src), compiler, os.getpid()))
    flags = list(FREESTANDING) + list(extra)
    if std:
        flags[0] = std
    p = sh([compiler] + flags + ["-c", src, "-o", obj])
    if p.returncode != 0:
        return "%s: %s" % (compiler, p.stderr[-2000:])
    u = sh(["nm", "-u", obj])
    if u.returncode != 0 or u.stdout.strip():
        return "undefined symbols: %s" % u.stdout.strip()
    return None


def project_files(d):
    """Relative path -> bytes of every file of a project (build/ excluded)."""
    out = {}
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != "build"]
        for f in files:
            path = os.path.join(root, f)
            with open(path, "rb") as fh:
                out[os.path.relpath(path, d)] = fh.read()
    return out
