#!/bin/sh
# run_vs_interp.sh: end-to-end time of `qonnxc run` (compiled in memory with
# the JIT) against `qonnxc run --interp` on the ten-sample inputs.npy of the
# models in ../shared/models, best of REPEAT runs each, and their ratio.
#
#   benches/run_vs_interp.sh [QONNXC] [MODELS_DIR]
#
# End to end means everything the command does: import, passes, code
# generation and JIT compilation (or interpretation), all samples, writing
# the outputs. `run` spreads the samples over one thread per processor
# (jit_s); jit1_s is the same with --jobs=1, and ratio1 its ratio. Prints
# one line per model and writes the same table to
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

ratio() { # $1 / $2, or - when either failed
	if [ "$1" != fail ] && [ "$2" != fail ]; then echo "scale=2; $1 / $2" | bc; else echo -; fi
}

printf '%-26s %10s %10s %10s %8s %8s\n' model jit_s jit1_s interp_s ratio ratio1 | tee "$out"
for d in "$models"/*/; do
	m=$(basename "$d")
	[ -f "$d/inputs.npy" ] || continue
	j=$(best "$qonnxc" run "$d/model.onnx" --input "$d/inputs.npy" --output "$tmp/j.npy")
	j1=$(best "$qonnxc" run --jobs=1 "$d/model.onnx" --input "$d/inputs.npy" --output "$tmp/j.npy")
	i=$(best "$qonnxc" run --interp "$d/model.onnx" --input "$d/inputs.npy" --output "$tmp/i.npy")
	printf '%-26s %10s %10s %10s %8s %8s\n' "$m" "$j" "$j1" "$i" "$(ratio "$i" "$j")" \
		"$(ratio "$i" "$j1")" | tee -a "$out"
done
