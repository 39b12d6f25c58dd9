"""tools_kit.py: what the tools suite (qonnxc cost, --emit=onnx, --emit=dot,
--help and the man page, make install) shares: paths and running qonnxc.
(A module of its own name: pytest imports every suite's conftest.py as
"conftest".)

qonnxc is $QONNXC, else build/qonnxc; generated models come from
tests/models/generate.py into build/test-models (as the e2e suite does);
the shared models are ../shared/models.
"""
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.path.join(ROOT, "build")
SHARED_MODELS = os.path.abspath(os.path.join(ROOT, "..", "shared", "models"))
EXAMPLE = os.path.join(ROOT, "examples", "mlp_w2a2.onnx")
EXAMPLE_INPUT = os.path.join(ROOT, "examples", "mlp_w2a2_input.npy")

sys.path.insert(0, os.path.join(ROOT, "tests", "models"))


def qonnxc_path():
    return os.environ.get("QONNXC") or os.path.join(BUILD, "qonnxc")


def run(args, check=True, timeout=300):
    """Runs qonnxc with args; with check, a zero exit status is required."""
    p = subprocess.run([qonnxc_path()] + [str(a) for a in args], capture_output=True,
                       text=True, timeout=timeout)
    if check:
        assert p.returncode == 0, "qonnxc %s: exit %d\n%s" % (" ".join(map(str, args)),
                                                              p.returncode, p.stderr)
    return p


