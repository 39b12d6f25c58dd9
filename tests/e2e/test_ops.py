"""test_ops.py: every standard ONNX operator of ir/ops.def, its older-opset
forms, channels-last forms and external-data models (tests/models/), run by
`qonnxc run --interp` and compared with tests/e2e/reference.py."""
import pytest

import generate
import runner

CASES = [c for c in generate.all_cases() if c.group in ("std", "legacy", "layout")]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_op(case, test_models, tmp_path):
    problem = runner.check_case(case, test_models, tmp_path)
    if problem:
        pytest.fail(problem, pytrace=False)
