#!/bin/sh
# run-unit.sh: runs the cmocka unit test binaries given as arguments, prints
# their output, and ends with one summary line counting test cases:
#   unit: N passed, M failed
# Case counts come from cmocka's summary lines "[  PASSED  ] N test(s)." and
# "[  FAILED  ] N test(s), listed below:". A binary that is missing,
# crashes or exits non-zero without reporting a failed case counts as one
# failed case. Exits non-zero if anything failed.
#   tests/run-unit.sh build/tests/test_npy build/tests/test_arena ...
set -u

passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM

# Standard cmocka output on stdout, whatever the environment says.
CMOCKA_MESSAGE_OUTPUT=STDOUT
export CMOCKA_MESSAGE_OUTPUT
unset CMOCKA_TEST_ABORT

for bin in "$@"; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "unit: $name: no such test binary"
		failed=$((failed + 1))
		continue
	fi
	"$bin" >"$log" 2>&1
	rc=$?
	cat "$log"
	# Not anchored: cmocka prints these on stderr, which may land in the
	# middle of a line of (buffered) stdout.
	p=$(sed -n 's/.*\[  PASSED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	f=$(sed -n 's/.*\[  FAILED  \] \([0-9][0-9]*\) test.*/\1/p' "$log" | tail -n 1)
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "unit: $name exited with status $rc without reporting a failed test"
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
