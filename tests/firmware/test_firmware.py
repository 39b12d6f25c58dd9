"""test_firmware.py: compiled models embedded in firmware (examples/firmware/)
and run on emulated hardware: QEMU's mps2-an386 (Cortex-M4, hard-float
object), mps2-an385 (Cortex-M3 running the Cortex-M0 object) and AArch64
Linux under qemu-aarch64. Every output each build prints is compared with
what the same program prints on the host; the stack the calls used must
stay within the header's MODEL_STACK_SIZE. Also: the ARM objects' build
attributes against arm-none-eabi-gcc's for the same CPU, no float work
reachable from the _q entry of an integer-only model, and the footprint of
tfc_2w2a on Cortex-M4.

A target whose cross toolchain or emulator is missing is skipped, naming
what is missing (scripts/install-deps.sh installs them); so are the shared
models when ../shared is absent.
"""
import os
import re

import numpy as np
import pytest

import fwkit
import int_mlp
import runner

SAMPLES = 8
SHARED_MODELS = os.path.join(runner.SHARED, "models")
CROSS = ["m4", "m0", "aarch64"]


def model_files(name, tmp_dir):
    """(model.onnx, inputs.npy) of a test model, or a skip."""
    if name == "mlp_w2a2":
        ex = os.path.join(runner.ROOT, "examples")
        return os.path.join(ex, "mlp_w2a2.onnx"), os.path.join(ex, "mlp_w2a2_input.npy")
    if name == "int_mlp":
        model, inputs = os.path.join(tmp_dir, "int_mlp.onnx"), os.path.join(tmp_dir, "int_mlp.npy")
        if not os.path.exists(inputs):
            np.save(inputs, int_mlp.write(model))
        return model, inputs
    d = os.path.join(SHARED_MODELS, name)
    if not os.path.exists(os.path.join(d, "model.onnx")):
        pytest.skip("shared model %s absent (%s): ../shared is not there" % (name, d))
    return os.path.join(d, "model.onnx"), os.path.join(d, "inputs.npy")


@pytest.fixture(scope="session")
def compiler():
    path = runner.qonnxc_path()
    if not os.path.exists(path):
        pytest.skip("qonnxc not built (%s missing)" % path)
    return path


def need(target):
    missing = fwkit.missing_tools(target)
    if missing:
        pytest.skip("firmware for %s needs %s (scripts/install-deps.sh installs them)"
                    % (target, ", ".join(missing)))


class Builds:
    """Firmware builds and their runs, made once per session and target."""

    def __init__(self, root):
        self.root = str(root)
        self.done = {}

    def get(self, name, target):
        key = (name, target)
        if key not in self.done:
            need(target)
            model, inputs = model_files(name, self.root)
            out = os.path.join(self.root, "%s-%s" % (name, target))
            b = fwkit.build(target, model, inputs, out, SAMPLES)
            assert b.returncode == 0, "build for %s failed:\n%s%s" % (target, b.stdout, b.stderr)
            r = fwkit.run(target, out)
            self.done[key] = (out, r)
        return self.done[key]


@pytest.fixture(scope="session")
def builds(compiler, tmp_path_factory):
    return Builds(tmp_path_factory.mktemp("firmware"))


def check_run(out, proc):
    """The run's rows, after checking it finished and its stack stayed
    within the header's figure."""
    text = proc.stdout + proc.stderr
    rows, stack = fwkit.parse(proc.stdout)
    assert stack is not None, "the firmware did not finish:\n" + text[-2000:]
    limit = int(fwkit.header_macro(os.path.join(out, "model.h"), "STACK_SIZE"))
    assert stack[1] == limit
    assert stack[0] <= limit, "stack used %d bytes, MODEL_STACK_SIZE %d" % stack
    assert len(rows) == 2 * min(SAMPLES, len(rows) // 2) and rows, text[-2000:]
    return rows


def compare(name, out, got, ref):
    """Every printed output equals the host's. The integers of _q must be
    identical. Floats are compared as float32 (printed with 9 significant
    digits, which read back exactly): every float operation of the compiled
    code is IEEE-754 correctly rounded on each target, with the FPU or with
    libgcc's soft-float routines, and the code neither reassociates nor
    contracts, so plain float outputs must agree bit for bit. A dequantized
    output gets the numerical contract's allowance: at most one
    quantization step apart on at most 0.1% of its elements (a quantizer
    input within rounding error of a threshold may round the other way)."""
    header = os.path.join(out, "model.h")
    quantized = fwkit.header_macro(header, "OUT0_QUANTIZED") == "1"
    scale = float(fwkit.header_macro(header, "OUT0_SCALE") or 0)
    assert sorted(got) == sorted(ref), "%s: printed rows differ from the host's" % name
    off_by_one = total = 0
    for key in sorted(ref):
        if key[1] == "run_q" and quantized:
            assert got[key] == ref[key], "%s sample %d run_q: %s, host %s" % (
                name, key[0], got[key], ref[key])
            continue
        g = np.array([float(v) for v in got[key]], dtype=np.float32)
        r = np.array([float(v) for v in ref[key]], dtype=np.float32)
        assert g.shape == r.shape
        total += g.size
        if quantized and key[1] == "run":
            diff = np.abs(g.astype(np.float64) - r.astype(np.float64))
            assert (diff <= scale * 1.0000001).all(), "%s sample %d: %s, host %s" % (
                name, key[0], g, r)
            off_by_one += int((diff > 0).sum())
        else:
            assert np.array_equal(g.view(np.uint32), r.view(np.uint32)), \
                "%s sample %d %s: %s, host %s" % (name, key[0], key[1], g, r)
    assert off_by_one <= 0.001 * max(total, 1), "%d of %d elements one step off" % (
        off_by_one, total)


MODELS = ["mlp_w2a2", "int_mlp", "tfc_2w2a", "unsw_nb15_mlp_w2a2"]


@pytest.mark.parametrize("target", CROSS)
@pytest.mark.parametrize("name", MODELS)
def test_firmware_matches_host(builds, name, target):
    ref_out, ref_proc = builds.get(name, "host")
    ref = check_run(ref_out, ref_proc)
    out, proc = builds.get(name, target)
    got = check_run(out, proc)
    compare(name, out, got, ref)


# ---- build attributes --------------------------------------------------------

GCC_FLAGS = {"m4": ["-mcpu=cortex-m4", "-mthumb", "-mfloat-abi=hard", "-mfpu=fpv4-sp-d16"],
             "m0": ["-mcpu=cortex-m0", "-mthumb", "-mfloat-abi=soft"]}
QONNXC_FLAGS = {"m4": ["--target=thumbv7em-none-eabihf", "--mcpu=cortex-m4"],
                "m0": ["--target=thumbv6m-none-eabi", "--mcpu=cortex-m0"]}
# The tags a linker checks for compatibility (the ABI); names (CPU_name),
# conformance and optimization goals are not compared.
ABI_TAGS = ["Tag_CPU_arch", "Tag_CPU_arch_profile", "Tag_THUMB_ISA_use", "Tag_ARM_ISA_use",
            "Tag_FP_arch", "Tag_ABI_PCS_wchar_t", "Tag_ABI_PCS_R9_use", "Tag_ABI_FP_denormal",
            "Tag_ABI_FP_exceptions",
            "Tag_ABI_FP_number_model", "Tag_ABI_align_needed", "Tag_ABI_align_preserved",
            "Tag_ABI_enum_size", "Tag_ABI_HardFP_use", "Tag_ABI_VFP_args",
            "Tag_CPU_unaligned_access"]
# readelf's words for a tag's value 0, which is also what an absent tag means
ZERO = {"None", "No", "V6", "Not Allowed"}


def attributes(path):
    p = fwkit.sh(["readelf", "-A", path])
    assert p.returncode == 0, p.stderr
    tags = dict(re.findall(r"^\s+(Tag_\w+): (.*)$", p.stdout, re.M))
    return {t: tags.get(t, "None") for t in ABI_TAGS}


@pytest.mark.parametrize("target", ["m4", "m0"])
def test_build_attributes_agree_with_gcc(compiler, tmp_path, target):
    need(target)
    src = tmp_path / "f.c"
    src.write_text("float scale(float x, float s) { return x * s; }\n"
                   "int twice(int x) { return 2 * x; }\n")
    p = fwkit.sh(["arm-none-eabi-gcc", "-O2", "-c"] + GCC_FLAGS[target] +
                 [src, "-o", tmp_path / "gcc.o"])
    assert p.returncode == 0, p.stderr
    p = fwkit.sh([compiler] + QONNXC_FLAGS[target] +
                 [os.path.join(runner.ROOT, "examples", "mlp_w2a2.onnx"), "-o", tmp_path / "q.o"])
    assert p.returncode == 0, p.stderr
    ours, gcc = attributes(str(tmp_path / "q.o")), attributes(str(tmp_path / "gcc.o"))
    differ = {t: (ours[t], gcc[t]) for t in ABI_TAGS
              if ours[t] != gcc[t] and not (ours[t] in ZERO and gcc[t] in ZERO)}
    assert differ == {}, "build attributes (qonnxc, gcc): %s" % differ


# ---- no float work in the _q entry of an integer-only model --------------------

SOFT_FLOAT = re.compile(r"^__aeabi_(c?[fd](add|sub|rsub|mul|div|neg|cmp\w*|rcmp\w*|2\w+)|"
                        r"\w*2[fd])$|^__\w*[sdt]f\d?$|^__\w*(sf|df)\w*$")


def reachable_code(obj, entry):
    """{section: disassembly lines} of the code reachable from entry's
    section through calls and jumps, and the external symbols it calls."""
    t = fwkit.sh(["arm-none-eabi-objdump", "-t", obj]).stdout
    section_of = {}
    for line in t.splitlines():
        f = line.split()
        if len(f) >= 5 and f[-2] != "*UND*" and re.match(r"[0-9a-f]{8}$", f[0]):
            section_of[f[-1]] = f[-3] if len(f) >= 6 else f[-2]
    d = fwkit.sh(["arm-none-eabi-objdump", "-dr", obj]).stdout
    code, current = {}, None
    for line in d.splitlines():
        m = re.match(r"^Disassembly of section (\S+):", line)
        if m:
            current = m.group(1)
            code[current] = []
        elif current:
            code[current].append(line)
    seen, external, pending = set(), set(), [".text." + entry]
    while pending:
        s = pending.pop()
        if s in seen:
            continue
        seen.add(s)
        for line in code.get(s, []):
            m = re.search(r"R_ARM_(?:THM_CALL|THM_JUMP\w*|CALL|JUMP24)\s+(\S+)", line)
            if not m:
                continue
            target = m.group(1)
            if target in code:
                pending.append(target)
            elif section_of.get(target) in code:
                pending.append(section_of[target])
            else:
                external.add(target)
    return {s: code[s] for s in seen if s in code}, external


@pytest.mark.parametrize("target", ["m0", "m4"])
def test_q_entry_of_integer_model_does_no_float_work(compiler, tmp_path, target):
    need(target)
    model = str(tmp_path / "int_mlp.onnx")
    int_mlp.write(model)
    obj = str(tmp_path / "m.o")
    p = fwkit.sh([compiler] + QONNXC_FLAGS[target] + ["--name=m", model, "-o", obj])
    assert p.returncode == 0, p.stderr
    header = (tmp_path / "m.h").read_text()
    assert "#define M_IN0_QUANTIZED 1" in header and "#define M_OUT0_QUANTIZED 1" in header
    code, external = reachable_code(obj, "m_run_q")
    assert ".text.m_run_q" in code and code[".text.m_run_q"], "no code for m_run_q"
    helpers = sorted(s for s in external if SOFT_FLOAT.match(s))
    assert helpers == [], "m_run_q reaches soft-float routines: %s" % helpers
    vfp = [line for lines in code.values() for line in lines
           if re.match(r"^\s+[0-9a-f]+:\s+(?:[0-9a-f]{4} ?){1,2}\s+v[a-z]", line)]
    assert vfp == [], "m_run_q reaches floating-point instructions:\n" + "\n".join(vfp[:5])
    # the float entry does quantize and dequantize: the walk sees float work there
    code_f, external_f = reachable_code(obj, "m_run")
    assert any(SOFT_FLOAT.match(s) for s in external_f) or any(
        re.search(r"\sv(add|mul|cvt|div)", line) for lines in code_f.values() for line in lines)


# ---- footprint ----------------------------------------------------------------------

def test_footprint_reported_and_in_header(compiler, tmp_path):
    model = os.path.join(runner.ROOT, "examples", "mlp_w2a2.onnx")
    for target, flags in QONNXC_FLAGS.items():
        p = fwkit.sh([compiler, "-v", "--name=model", model, "-o", tmp_path / (target + ".o")] +
                     flags)
        assert p.returncode == 0, p.stderr
        fp = fwkit.footprint(p.stderr)
        assert fp, p.stderr
        header = str(tmp_path / (target + ".h"))
        assert fp["code"] > 0 and fp["stack"] > 0
        assert fp["stack"] == int(fwkit.header_macro(header, "STACK_SIZE"))
        assert fp["weights"] == int(fwkit.header_macro(header, "WEIGHTS_SIZE"))
        assert fp["workspace"] == int(fwkit.header_macro(header, "WORKSPACE_SIZE"))


def tfc_footprint(compiler, tmp_path):
    model, _ = model_files("tfc_2w2a", str(tmp_path))
    p = fwkit.sh([compiler, "-v", model, "-o", tmp_path / "tfc.o"] + QONNXC_FLAGS["m4"])
    assert p.returncode == 0, p.stderr
    fp = fwkit.footprint(p.stderr)
    assert fp, p.stderr
    return fp


def test_tfc_2w2a_weights_on_cortex_m4(compiler, tmp_path):
    """59,008 ternary weights at 2 bits are 14,752 bytes: the weights must
    take at most 15 KB."""
    fp = tfc_footprint(compiler, tmp_path)
    assert fp["weights"] <= 15 * 1024, fp


def test_tfc_2w2a_workspace_on_cortex_m4(compiler, tmp_path):
    """The workspace of tfc_2w2a must take at most 1 KB (its float input
    scaling, Mul and Add of 784 floats, is computed inside the first
    quantizer's loop instead of stored: backends/llvm/fuse.c)."""
    fp = tfc_footprint(compiler, tmp_path)
    assert fp["workspace"] <= 1024, fp
