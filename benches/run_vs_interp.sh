#!/bin/sh
# run_vs_interp.sh: end-to-end time of `qonnxc run` (compiled in memory with
# the JIT) against `qonnxc run --interp` on the ten-sample inputs.npy of the
# models in ../shared/models, best of REPEAT runs each, and their ratio.
#
#   benches/run_vs_interp.sh [QONNXC] [MODELS_DIR]
#
# End to end means everything the command does: import, passes, code
# generation and JIT compilation (or interpretation), all samples, writing
# the outputs. Prints one line per model and writes the same table to
# build/reports/run_vs_interp.txt.
set -eu
qonnxc=${1:-build/qonnxc}
models=${2:-../shared/models}
repeat=${REPEAT:-3}
out=build/reports/run_vs_interp.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p build/reports

best() { # best wall time in seconds of REPEAT runs of "$@"
	b=
	i=0
	while [ $i -lt "$repeat" ]; do
		s=$(date +%s.%N)
		"$@" > /dev/null 2>&1 || { echo fail; return; }
		e=$(date +%s.%N)
		t=$(echo "$e - $s" | bc)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

printf '%-26s %10s %10s %8s\n' model jit_s interp_s ratio | tee "$out"
for d in "$models"/*/; do
	m=$(basename "$d")
	[ -f "$d/inputs.npy" ] || continue
	j=$(best "$qonnxc" run "$d/model.onnx" --input "$d/inputs.npy" --output "$tmp/j.npy")
	i=$(best "$qonnxc" run --interp "$d/model.onnx" --input "$d/inputs.npy" --output "$tmp/i.npy")
	r=-
	if [ "$j" != fail ] && [ "$i" != fail ]; then r=$(echo "scale=2; $i / $j" | bc); fi
	printf '%-26s %10s %10s %8s\n' "$m" "$j" "$i" "$r" | tee -a "$out"
done
