#!/bin/sh
# memcheck.sh: runs the compiler under valgrind memcheck on every model of
# ../shared/models (import, verify and IR printing), on the example model
# (interpretation, and compilation by both backends: LLVM under valgrind
# takes most of a minute, so only this one model), on the hostile models
# (build/bad-models, written by tests/e2e/test_bad_inputs.py) and on the
# inputs fuzzing found (tests/bad/found), and fails on any memory error or
# leak.
#   tests/memcheck.sh build/qonnxc
set -u
qonnxc=${1:-build/qonnxc}
root=$(cd "$(dirname "$0")/.." && pwd)
shared=$root/../shared/models
log=$(mktemp)
out=$(mktemp -d)
trap 'rm -rf "$log" "$out"' EXIT
passed=0
failed=0

check() { # name, then the qonnxc arguments
	name=$1
	shift
	valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		"$qonnxc" "$@" >/dev/null 2>"$log"
	rc=$?
	if [ $rc -eq 99 ] || grep -q "^==[0-9]*==" "$log"; then
		echo "memcheck: FAIL $name"
		cat "$log"
		failed=$((failed + 1))
	else
		passed=$((passed + 1))
	fi
}

if ! command -v valgrind >/dev/null; then
	echo "memcheck: valgrind is not installed" >&2
	exit 1
fi
check example run "$root/examples/mlp_w2a2.onnx" --input "$root/examples/mlp_w2a2_input.npy"
check example-object "$root/examples/mlp_w2a2.onnx" -o "$out/m.o"
check example-hls --target=hls "$root/examples/mlp_w2a2.onnx" -o "$out/prj"
if [ -d "$shared" ]; then
	for m in "$shared"/*/model.onnx; do
		check "$(basename "$(dirname "$m")")" --emit=ir -o /dev/null "$m"
	done
else
	echo "memcheck: ../shared/models not found; only the example model was checked"
fi
for bad in "$root"/build/bad-models/*.onnx; do
	[ -e "$bad" ] || break
	check "bad/$(basename "$bad")" "$bad"
done
for found in "$root"/tests/bad/found/*.onnx; do
	[ -e "$found" ] || break
	check "found/$(basename "$found")" --emit=ir -o /dev/null "$found"
done
echo "memcheck: $passed passed, $failed failed"
[ $failed -eq 0 ]
