"""conftest.py: the channels-last suite's closing report: per model, the
Transposes left and the channels-last ops, printed at the end of the run
whatever the output capture setting and written to
build/reports/channels_last.txt."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from cl_reports import REPORTS  # noqa: E402

REPORT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "build",
                                          "reports"))


def pytest_terminal_summary(terminalreporter):
    for name, lines in REPORTS.items():
        text = "".join(line + "\n" for line in sorted(lines))
        try:
            os.makedirs(REPORT_DIR, exist_ok=True)
            with open(os.path.join(REPORT_DIR, name + ".txt"), "w") as f:
                f.write(text)
        except OSError:
            pass
        terminalreporter.write_sep("-", "%s (build/reports/%s.txt)" % (name, name))
        terminalreporter.write(text)
