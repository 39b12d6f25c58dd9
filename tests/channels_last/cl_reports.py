"""cl_reports.py: lines of the channels-last suite's closing report, collected
by the tests and printed by conftest.py (its own module, so that it is one
object whichever way pytest imports the two)."""
REPORTS = {}


def report(name, line):
    REPORTS.setdefault(name, []).append(line)
