"""test_kernels_linalg.py: the LLVM linear-algebra, window, reduction and
normalization kernels on the models of linalg_cases.py (integer and f64
types, partial float sums of convolutions, groups and dilations in 1 to 3
spatial dims, transposed convolutions, ceil_mode pools and MaxPool's
Indices, NaN in max-like reductions, normalizations).

Each model is compiled twice, with the compile pipeline (Conv and the pools
become channels-last there) and with no pass at all (the NCHW forms), linked
with the C harness, run in its check mode, and compared with the
interpreter on the same IR. The kernels repeat the interpreter's arithmetic
in its order (sums of products in double in the same partial sums, pools
and reductions in tap and row-major order, normalizations with the same
roundings), so every output must be equal bit for bit; except Softmax and
LogSoftmax, whose exp and log are the backend's inline functions, within a
few ulp of the C library's the interpreter calls: they are compared in the
"composite" class (tests/e2e/compare.py), whose bound covers a few ulp on
each of the exp terms, the sum, the log and the final division.
"""
import os

import pytest

import linalg_cases
import casekit
import llvmkit
import runner

CASES = linalg_cases.cases()
PIPELINES = {"passes": llvmkit.DEFAULT_PASSES, "nopasses": "none"}


def tolerance(name):
    return "composite" if "softmax" in name else "exact"


@pytest.fixture(scope="module")
def models(compiler):
    out = os.path.join(runner.BUILD, "llvm-linalg-models")
    linalg_cases.write_all(out)
    return out


@pytest.mark.parametrize("pipeline", sorted(PIPELINES))
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_linalg(case, pipeline, models, harness, tmp_path):
    casekit.check_case(case, models, PIPELINES[pipeline], harness, tmp_path, tolerance(case[0]), "linalg")
