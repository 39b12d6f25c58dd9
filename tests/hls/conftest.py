"""conftest.py: fixtures of the HLS backend's tests and their closing count.

Fixtures: compiler (the qonnxc under test, or a skip when it is not built),
workdir (one directory per test run holding the projects), generated_models
(tests/models/ written once per run into build/test-models-hls, apart from
the other suites' copies so that suites can run at the same time),
lowering_models (the quantized graphs of tests/lowering/qmodels.py, in
build/hls-qmodels). At the end the outcome counts per group are printed and
written to build/reports/hls.txt.
"""
import os
import shutil
import sys

import pytest

import hlskit
import runner

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="session")
def compiler():
    path = hlskit.qonnxc()
    if not os.path.exists(path):
        if os.environ.get("QONNXC"):
            pytest.fail("QONNXC=%s does not exist" % path)
        pytest.skip("qonnxc not built (%s missing) and QONNXC not set" % path)
    if not shutil.which("make") or not shutil.which(hlskit.CC):
        pytest.skip("make or %s missing" % hlskit.CC)
    return path


@pytest.fixture(scope="session")
def workdir(compiler, tmp_path_factory):
    return str(tmp_path_factory.mktemp("hls"))


@pytest.fixture(scope="session")
def generated_models(compiler):
    import generate
    out = os.path.join(runner.BUILD, "test-models-hls")
    generate.write_all(out)
    return out


@pytest.fixture(scope="session")
def lowering_models(compiler):
    sys.path.insert(0, os.path.join(HERE, "..", "lowering"))
    import qmodels
    out = os.path.join(runner.BUILD, "hls-qmodels")
    qmodels.write_all(out)
    return out


def pytest_terminal_summary(terminalreporter):
    lines = hlskit.summary_lines()
    if not lines:
        return
    os.makedirs(runner.REPORT_DIR, exist_ok=True)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(runner.REPORT_DIR, "hls.txt"), "w") as f:
        f.write(text)
    terminalreporter.write_sep("-", "HLS backend (build/reports/hls.txt)")
    terminalreporter.write(text)
