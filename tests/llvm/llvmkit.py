"""llvmkit.py: compiling models with qonnxc's LLVM backend, linking them with
the C harness (harness.c + glue.c) and comparing their outputs with the
interpreter's (`qonnxc run`, the reference semantics), for the tests of
tests/llvm/.

The compiler is $QONNXC (else build/qonnxc) and the runtime library
libqonnxrt.a is taken from the same directory. The harness's generic half
is compiled once per test run (Harness); per model only glue.c is compiled,
in the same cc call that links.
"""
import os
import re
import struct
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import compare  # noqa: E402
import runner  # noqa: E402

CC = os.environ.get("CC", "cc")
CXX = os.environ.get("CXX", "g++")
LOWERED_PASSES = "cleanup,lower-integer"  # as tests/lowering uses it
# an op without a kernel, or an operator the front-end does not know
UNSUPPORTED = re.compile(r"not supported by the LLVM backend|unsupported operators?:")
TIMEOUT = 300

# outcome counts, printed by conftest.py at the end of the run
COUNTS = {}
NOTES = []


def count(group, outcome):
    c = COUNTS.setdefault(group, {})
    c[outcome] = c.get(outcome, 0) + 1


def summary_lines():
    lines = []
    for group in sorted(COUNTS):
        c = COUNTS[group]
        lines.append("%s: %s" % (group, ", ".join("%d %s" % (c[k], k) for k in sorted(c))))
    return lines + NOTES


def qonnxc():
    return runner.qonnxc_path()


def librt():
    return os.path.join(os.path.dirname(qonnxc()), "libqonnxrt.a")


def sh(args, timeout=TIMEOUT, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, errors="replace", **kw)


def default_passes():
    """The compile pipeline (`qonnxc --help` names it), passed explicitly to
    both the compiler and the interpreter so that both see the same IR; None
    when qonnxc is not built (the tests skip then)."""
    try:
        p = sh([qonnxc(), "--help"], timeout=60)
    except OSError:
        return None
    m = re.search(r"default pipeline: (\S+)", p.stdout)
    return m.group(1) if m else None


DEFAULT_PASSES = default_passes()


def quantized_entry(header):
    """Whether the header declares quantized inputs or outputs (P_run_q
    then differs from P_run)."""
    with open(header) as f:
        return re.search(r"_QUANTIZED 1$", f.read(), re.M) is not None


class Harness:
    """The generic half of the harness, compiled once (plain and with ASan)."""

    def __init__(self, workdir):
        self.dir = str(workdir)
        self.plain = os.path.join(self.dir, "harness.o")
        self.asan = os.path.join(self.dir, "harness-asan.o")
        root = runner.ROOT
        for out, extra in ((self.plain, []), (self.asan, ["-fsanitize=address",
                                                           "-fno-omit-frame-pointer"])):
            p = sh([CC, "-std=c11", "-D_DEFAULT_SOURCE", "-Wall", "-Wextra", "-Werror",
                    "-pedantic", "-O1", "-g", "-I", root] + extra +
                   ["-c", os.path.join(HERE, "harness.c"), "-o", out])
            if p.returncode:
                raise RuntimeError("cannot compile harness.c: " + p.stderr)

    def link(self, obj, header, prefix, exe, asan=False):
        """Compiles glue.c against header (as C99, warnings as errors) and
        links it with the harness and obj into exe. Returns the process."""
        args = [CC, "-std=c99", "-Wall", "-Wextra", "-Werror", "-pedantic",
                "-I", os.path.dirname(os.path.abspath(header)),
                '-DMODEL_HEADER="%s"' % os.path.basename(header),
                "-DPREFIX=" + prefix, "-DPREFIX_UP=" + prefix.upper(),
                os.path.join(HERE, "glue.c"), self.asan if asan else self.plain, obj,
                librt(), "-lm", "-o", exe]
        if asan:
            args[1:1] = ["-fsanitize=address"]
        return sh(args)


def compile_model(model, out_obj, prefix="m", passes=None, extra=()):
    """qonnxc model -o out_obj; the header lands beside it."""
    args = [qonnxc(), model, "-o", out_obj, "--name=" + prefix]
    if passes:
        args.append("--passes=" + passes)
    return sh(args + list(extra))


def unsupported(proc):
    """The one-line error when the model uses an op without a kernel (or
    one the front-end rejects), else None."""
    if proc.returncode == 1 and UNSUPPORTED.search(proc.stderr):
        return proc.stderr.strip()
    return None


def interp(model, inputs, outputs, passes):
    args = ["run", "--interp", model]
    if passes:
        args.append("--passes=" + passes)
    for i in inputs:
        args += ["--input", i]
    for o in outputs:
        args += ["--output", o]
    return runner.run(args)


def run_harness(exe, mode, inputs, outputs, env=None):
    return sh([exe, mode] + list(inputs) + list(outputs), env=env)


def as_f32(ref):
    """The interpreter's result as the float32 the entry points return."""
    return ref.astype(np.float32)


def check_against_interp(got, ref, tol, absref=None, label="output"):
    """None when the compiled output got (float32) matches the interpreter's
    ref for comparison class tol (tests/e2e/compare.py), else a description.

    Both results approximate the same exact value of the same IR (both ran
    the same passes), each within the class's bound of it (that is what the
    interpreter's own tests establish against the float64 reference, and
    what the kernels promise); so by the triangle inequality they differ by
    at most twice the bound, which is the tolerance used for the inexact
    classes. Integer and bool results, and every result of the "exact"
    class, must be equal bit for bit (after the exact conversion of both to
    float32 the entry points define)."""
    exp = as_f32(ref)
    if got.shape != exp.shape:
        return "%s: shape %s, expected %s" % (label, list(got.shape), list(exp.shape))
    if ref.dtype.kind in "biu" or tol == "exact":
        bad = compare.mismatches(got, exp, "exact")
        allowed = None
    else:
        if tol == "accum":
            allowed = 2 * compare.ACCUM_GAMMA * np.abs(absref.astype(np.float64))
        else:
            rtol, atol = compare.TOLERANCES[tol]
            allowed = 2 * (atol + rtol * np.abs(ref.astype(np.float64)))
        g, e = got.astype(np.float64), ref.astype(np.float64)
        bad = ~(np.abs(g - e) <= allowed)
        bad &= ~(np.isnan(g) & np.isnan(e)) & ~(np.isinf(g) & (g == e))
    if not bad.any():
        return None
    idx = np.argwhere(bad)
    lines = ["%s: %d of %d elements differ (class %s)" % (label, len(idx), bad.size, tol)]
    for i in idx[:6]:
        i = tuple(i)
        line = "  at %s: interpreter %r, compiled %r" % (list(i), ref[i].item(), got[i].item())
        if allowed is not None:
            line += " (allowed %.3g)" % float(allowed[i])
        lines.append(line)
    return "\n".join(lines)


def read_elf(path):
    """The sections and symbols of an ELF relocatable object (32 or 64 bit,
    either byte order), read directly: GNU nm would load every linker
    plugin it finds (LLVM's among them), which costs more than the rest of
    a test. Returns (sections: name -> (type, flags, size), symbols: list of
    (name, binding, defined))."""
    with open(path, "rb") as f:
        data = f.read()
    assert data[:4] == b"\x7fELF", "%s is not an ELF file" % path
    is64, end = data[4] == 2, "<" if data[5] == 1 else ">"
    if is64:
        shoff = struct.unpack_from(end + "Q", data, 0x28)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x3A)
        sh_fmt, sym_fmt = end + "IIQQQQIIQQ", end + "IBBHQQ"
    else:
        shoff = struct.unpack_from(end + "I", data, 0x20)[0]
        shentsize, shnum, shstrndx = struct.unpack_from(end + "HHH", data, 0x2E)
        sh_fmt, sym_fmt = end + "IIIIIIIIII", end + "IIIBBH"
    heads = [struct.unpack_from(sh_fmt, data, shoff + k * shentsize) for k in range(shnum)]

    def string(table, at):
        start = heads[table][4] + at
        return data[start:data.index(b"\0", start)].decode("latin-1")

    sections, symbols = {}, []
    for h in heads:
        name, typ, flags, _, offset, size, link, _, _, entsize = h
        sections[string(shstrndx, name)] = (typ, flags, size)
        if typ != 2:  # SHT_SYMTAB
            continue
        for k in range(size // entsize):
            fields = struct.unpack_from(sym_fmt, data, offset + k * entsize)
            if is64:
                st_name, st_info, _, st_shndx = fields[:4]
            else:
                st_name, _, _, st_info, _, st_shndx = fields
            symbols.append((string(link, st_name), st_info >> 4, st_shndx != 0))
    return sections, symbols


SHF_WRITE, SHF_ALLOC, SHF_TLS = 0x1, 0x2, 0x400
STB_LOCAL = 0


def check_symbols_and_sections(obj, prefix, bare_metal=False):
    """Asserts what every object promises: the four documented symbols are
    its only global definitions; it needs at most memcpy and memset (plus
    compiler-runtime helpers on bare-metal targets: soft-float and
    long-division routines, __aeabi_*); no writable or thread-local data
    (no allocated section with the write or TLS flag, whatever its name)."""
    sections, symbols = read_elf(obj)
    want = sorted(prefix + s for s in ("_info", "_run", "_run_q", "_run_v"))
    defined = sorted(n for n, bind, d in symbols if bind != STB_LOCAL and d)
    assert defined == want, "global symbols %s, expected %s" % (defined, want)
    undefined = sorted(n for n, bind, d in symbols if bind != STB_LOCAL and not d and n)
    helper_re = re.compile(r"^__(aeabi_\w+|\w*(sf|df|si|di|ti)\w*\d?|mul\w+|div\w+|mod\w+)$")
    extra = [s for s in undefined if s not in ("memcpy", "memset")
             and not (bare_metal and helper_re.match(s))]
    assert extra == [], "undefined symbols besides memcpy/memset: %s" % extra
    writable = {n: size for n, (typ, flags, size) in sections.items()
                if flags & SHF_ALLOC and flags & (SHF_WRITE | SHF_TLS) and size > 0}
    assert writable == {}, "writable data sections: %s" % writable


PLAN_HEAD = re.compile(r"workspace plan: (\d+) tensors \(and (\d+) views of them\), (\d+) bytes; "
                       r"peak live (\d+) bytes, efficiency ([\d.]+)%")
PLAN_ROW = re.compile(r"^\s+(\d+)\s+(\d+)\s+(\d+)\.\.(\d+)\s+'(.*)' ([^']+)$")


def plan_problems(verbose_stderr, header):
    """Checks the memory plan `qonnxc -v` printed: every tensor aligned,
    inside the workspace, and disjoint in memory from every tensor live at
    the same time; the size a multiple of the alignment and the header's
    WORKSPACE_SIZE; the peak no larger than the size. A list of problems."""
    head = PLAN_HEAD.search(verbose_stderr)
    if not head:
        return ["no workspace plan in the -v output"]
    count, size, peak = int(head.group(1)), int(head.group(3)), int(head.group(4))
    rows = [tuple(int(x) for x in m.groups()[:4]) + (m.group(5),)
            for m in map(PLAN_ROW.match, verbose_stderr.splitlines()) if m]
    problems = []
    if len(rows) != count:
        problems.append("%d plan rows for %d tensors" % (len(rows), count))
    if size % 64 or peak > size:
        problems.append("size %d, peak %d" % (size, peak))
    with open(header) as f:
        m = re.search(r"_WORKSPACE_SIZE (\d+)$", f.read(), re.M)
    if not m or int(m.group(1)) != size:
        problems.append("header WORKSPACE_SIZE differs from the plan's %d bytes" % size)
    for i, (off, n, first, last, name) in enumerate(rows):
        if off % 64 or off + n > size:
            problems.append("'%s' at %d+%d outside the workspace or misaligned" % (name, off, n))
        for off2, n2, first2, last2, name2 in rows[i + 1:]:
            live_together = first <= last2 and first2 <= last
            if live_together and n and n2 and off < off2 + n2 and off2 < off + n:
                problems.append("'%s' and '%s' are live together and overlap" % (name, name2))
    return problems
