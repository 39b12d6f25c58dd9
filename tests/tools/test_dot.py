"""test_dot.py: `qonnxc --emit=dot`: one box per op, edges between them,
integer tensors coloured; Graphviz's dot renders it (and `make -C examples
graph` renders the example)."""
import os
import re
import shutil
import subprocess

import pytest

from tools_kit import EXAMPLE, ROOT, run


def test_one_box_per_op(qonnxc):
    ir = run(["--emit=ir", EXAMPLE]).stdout
    nops = sum(1 for line in ir.splitlines() if line.startswith("%"))
    dot = run(["--emit=dot", EXAMPLE]).stdout
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert len(re.findall(r"^  op\d+ \[shape=box", dot, re.M)) == nops
    assert "MultiThreshold" in dot and "requantize" in dot
    assert re.search(r'fillcolor="#f4cccc"', dot)  # 2-bit tensors


def test_names_are_escaped(qonnxc, tmp_path):
    dot = run(["--emit=dot", "--passes=none", EXAMPLE]).stdout
    # every label is a closed string: an even number of unescaped quotes per line
    for line in dot.splitlines():
        assert len(re.findall(r'(?<!\\)"', line)) % 2 == 0, line


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz not installed")
def test_make_examples_graph(qonnxc):
    p = subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "examples"), "graph",
                        "QONNXC=" + qonnxc], capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    svg = os.path.join(ROOT, "build", "examples", "mlp_w2a2.svg")
    with open(svg) as f:
        text = f.read()
    assert "<svg" in text and "MatMul" in text
