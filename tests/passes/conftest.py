"""conftest.py: fixtures of the pass tests and their closing report.

Run as `QONNXC=/abs/build/qonnxc python3 -m pytest -q tests/passes`. The
report lines the tests collect (util.REPORT: what cleanup changed in the
shared models' outputs) are printed at the end whatever the capture setting.
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import util  # noqa: E402


@pytest.fixture(scope="session")
def qonnxc():
    path = util.qonnxc_path()
    if not os.path.exists(path):
        if os.environ.get("QONNXC"):
            pytest.fail("QONNXC=%s does not exist" % path)
        pytest.skip("qonnxc not built (%s missing) and QONNXC not set" % path)
    return path


def pytest_terminal_summary(terminalreporter):
    if util.REPORT:
        terminalreporter.write_sep("-", "cleanup on the shared and generated models")
        terminalreporter.write("\n".join(util.REPORT) + "\n")
