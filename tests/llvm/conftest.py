"""conftest.py: fixtures of the LLVM backend's tests and their closing count.

Fixtures: compiler (the qonnxc under test and its libqonnxrt.a, or a skip
when they are not built), harness (harness.c compiled once per run, see
llvmkit.Harness), test_models (tests/models/ generated once per run into
build/test-models-llvm, apart from the end-to-end suite's copy so that the
two suites can run at the same time). At the end of the run the
outcome counts per group (compiled, linked, passed, unsupported, failed)
are printed and written to build/reports/llvm.txt.
"""
import os

import pytest

import llvmkit
import runner


@pytest.fixture(scope="session")
def compiler():
    path = llvmkit.qonnxc()
    if not os.path.exists(path):
        if os.environ.get("QONNXC"):
            pytest.fail("QONNXC=%s does not exist" % path)
        pytest.skip("qonnxc not built (%s missing) and QONNXC not set" % path)
    if not os.path.exists(llvmkit.librt()):
        pytest.fail("%s missing: build it with make" % llvmkit.librt())
    return path


@pytest.fixture(scope="session")
def harness(compiler, tmp_path_factory):
    return llvmkit.Harness(tmp_path_factory.mktemp("harness"))


@pytest.fixture(scope="session")
def test_models(compiler):
    import generate
    out = os.path.join(runner.BUILD, "test-models-llvm")
    generate.write_all(out)
    return out


def pytest_terminal_summary(terminalreporter):
    lines = llvmkit.summary_lines()
    if not lines:
        return
    os.makedirs(runner.REPORT_DIR, exist_ok=True)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(runner.REPORT_DIR, "llvm.txt"), "w") as f:
        f.write(text)
    terminalreporter.write_sep("-", "LLVM backend (build/reports/llvm.txt)")
    terminalreporter.write(text)
