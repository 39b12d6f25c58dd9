"""test_kernel_variants.py: the fast kernels give the generic path's bits.

Every model of ../shared/models with reference inputs, and the example
model, is run through the JIT (`qonnxc run`) four ways:
  - the host's own features (the vpdpbusd dot-product kernels on an
    AVX-512 VNNI or AVX-VNNI machine),
  - --mattr=-avx512vnni,-avxvnni (the portable vector kernels),
  - --mattr=-avx2 (no wide vector unit: the scalar loop nests),
  - -O0 (no optimization at all, host features),
and the four output arrays must be equal byte for byte: integer arithmetic
is exact in every variant, so no tolerance applies. On a host without those
features some runs coincide, which the test still accepts (they compare
equal trivially only when the features are missing).

Only the first sample of inputs.npy is used, so that the unoptimized runs
of the large convolutional models stay within seconds. The test does not
time anything.
"""
import os
import subprocess

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
QONNXC = os.environ.get("QONNXC", os.path.join(ROOT, "build", "qonnxc"))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "models")

VARIANTS = [
    ("host", []),
    ("portable-vector", ["--mattr=-avx512vnni,-avxvnni"]),
    ("scalar", ["--mattr=-avx2"]),
    ("O0", ["-O0"]),
]


def models():
    found = []
    if os.path.isdir(SHARED):
        for name in sorted(os.listdir(SHARED)):
            d = os.path.join(SHARED, name)
            if os.path.exists(os.path.join(d, "inputs.npy")):
                found.append((name, os.path.join(d, "model.onnx"), os.path.join(d, "inputs.npy")))
    found.append(("mlp_w2a2", os.path.join(ROOT, "examples", "mlp_w2a2.onnx"),
                  os.path.join(ROOT, "examples", "mlp_w2a2_input.npy")))
    return found


@pytest.mark.parametrize("name,model,inputs", models(), ids=[m[0] for m in models()])
def test_variants_bit_identical(name, model, inputs, tmp_path):
    if not os.path.exists(QONNXC):
        pytest.skip("qonnxc not built")
    first = np.load(inputs)[:1]
    x = tmp_path / "x.npy"
    np.save(x, first)
    outs = {}
    for label, flags in VARIANTS:
        y = tmp_path / ("y_%s.npy" % label)
        r = subprocess.run([QONNXC, "run", *flags, model, "--input", str(x), "--output", str(y)],
                           capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, "%s %s: %s" % (name, label, r.stderr.strip())
        outs[label] = np.load(y)
    ref = outs["host"]
    for label, got in outs.items():
        assert got.shape == ref.shape and got.dtype == ref.dtype, label
        differ = int(np.sum(got.view(np.uint8) != ref.view(np.uint8)))
        assert differ == 0, "%s: %s differs from host in %d bytes" % (name, label, differ)
