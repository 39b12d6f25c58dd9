"""conftest.py: run-wide fixtures of the end-to-end suite and its closing report.

Fixtures: qonnxc (the compiler under test, from $QONNXC), test_models (every
model of tests/models/ generated once into build/test-models), bad_models
(tests/bad/ generated once into build/bad-models, where tests/memcheck.sh also
looks for them). At the end of the run the reports collected by the
shared-model and conformance tests are written to build/reports/*.txt and
printed, whatever the output capture setting.
"""
import os

import pytest

import runner


@pytest.fixture(scope="session")
def qonnxc():
    path = runner.qonnxc_path()
    if not os.path.exists(path):
        if os.environ.get("QONNXC"):
            pytest.fail("QONNXC=%s does not exist" % path)
        pytest.skip("qonnxc not built (%s missing) and QONNXC not set" % path)
    return path


@pytest.fixture(scope="session")
def test_models(qonnxc):
    import generate
    out = os.path.join(runner.BUILD, "test-models")
    generate.write_all(out)
    return out


@pytest.fixture(scope="session")
def bad_models(qonnxc):
    import gen_bad
    out = os.path.join(runner.BUILD, "bad-models")
    gen_bad.write_all(out)
    return out


def pytest_terminal_summary(terminalreporter):
    texts = runner.write_reports()
    for name, text in texts.items():
        terminalreporter.write_sep("-", "%s (build/reports/%s.txt)" % (name, name))
        terminalreporter.write(text)
