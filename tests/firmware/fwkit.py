"""fwkit.py: building and running the example firmware (examples/firmware/)
for the tests of tests/firmware/: which toolchains and emulators are
present, a build through the example's Makefile, its run under QEMU, and
the parsing of what it prints."""
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))

import runner  # noqa: E402

FIRMWARE = os.path.join(runner.ROOT, "examples", "firmware")
TIMEOUT = 300

# per target: what the build and the run need, and the command that runs fw.elf
TARGETS = {
    "m4": (["arm-none-eabi-gcc", "qemu-system-arm"],
           ["qemu-system-arm", "-M", "mps2-an386", "-nographic", "-semihosting", "-kernel"]),
    "m0": (["arm-none-eabi-gcc", "qemu-system-arm"],
           ["qemu-system-arm", "-M", "mps2-an385", "-nographic", "-semihosting", "-kernel"]),
    "aarch64": (["aarch64-linux-gnu-gcc", "qemu-aarch64"], ["qemu-aarch64"]),
    "host": (["cc"], []),
}


def sh(args, timeout=TIMEOUT, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,
                          timeout=timeout, errors="replace", **kw)


def missing_tools(target):
    """What the target's build or run lacks (named for the skip message);
    [] when everything is there."""
    tools, _ = TARGETS[target]
    missing = [t for t in tools if shutil.which(t) is None]
    if not missing and target in ("m4", "m0"):
        p = sh(["arm-none-eabi-gcc", "-print-file-name=librdimon.a"])
        if not os.path.isabs(p.stdout.strip()):
            missing.append("libnewlib-arm-none-eabi (librdimon.a)")
    if not missing and target == "aarch64":
        p = sh(["aarch64-linux-gnu-gcc", "-print-file-name=libc.a"])
        if not os.path.isabs(p.stdout.strip()):
            missing.append("libc6-dev-arm64-cross (libc.a)")
    return missing


def build(target, model, inputs, out, samples):
    """make -C examples/firmware for target into out; the process."""
    return sh(["make", "-s", "-C", FIRMWARE, "TARGET=" + target, "MODEL=" + os.path.abspath(model),
               "INPUT=" + os.path.abspath(inputs), "OUT=" + os.path.abspath(out),
               "SAMPLES=%d" % samples, "QONNXC=" + runner.qonnxc_path()])


def run(target, out):
    return sh(TARGETS[target][1] + [os.path.join(os.path.abspath(out), "fw.elf")])


SAMPLE_LINE = re.compile(r"^sample (\d+) (run|run_q): (.*)$")
STACK_LINE = re.compile(r"^stack used (\d+) of (\d+) bytes: (\S+)")


def parse(stdout):
    """{(sample, entry): [numbers as text]}, (stack used, stack limit) or None."""
    rows, stack = {}, None
    for line in stdout.splitlines():
        m = SAMPLE_LINE.match(line)
        if m:
            rows[(int(m.group(1)), m.group(2))] = m.group(3).split()
        m = STACK_LINE.match(line)
        if m:
            stack = (int(m.group(1)), int(m.group(2)))
    return rows, stack


def header_macro(header, name):
    with open(header) as f:
        m = re.search(r"^#define MODEL_%s (\S+)$" % name, f.read(), re.M)
    return m.group(1) if m else None


FOOTPRINT = re.compile(r"footprint on (\S+) \((\S+)\): code (-?\d+) bytes, weights (\d+) bytes, "
                       r"workspace (\d+) bytes, stack (-?\d+) bytes")


def footprint(text):
    """The footprint line of `qonnxc -v` as a dict, or None."""
    m = FOOTPRINT.search(text)
    if not m:
        return None
    return {"triple": m.group(1), "cpu": m.group(2), "code": int(m.group(3)),
            "weights": int(m.group(4)), "workspace": int(m.group(5)), "stack": int(m.group(6))}
