"""conftest.py: fixtures of the tools suite: qonnxc (skips when not built)
and test_models (tests/models/generate.py's models in build/test-models)."""
import os

import pytest

from tools_kit import BUILD, qonnxc_path


@pytest.fixture(scope="session")
def qonnxc():
    path = qonnxc_path()
    if not os.path.exists(path):
        pytest.skip("qonnxc not built (%s missing)" % path)
    return path


@pytest.fixture(scope="session")
def test_models(qonnxc):
    import generate
    out = os.path.join(BUILD, "test-models")
    generate.write_all(out)
    return out
