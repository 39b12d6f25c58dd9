#!/bin/sh
# bench.sh: qonnxc against ONNX Runtime on every model of ../shared/models
# and the example model, in one run (`make bench`).
#
#   benches/bench.sh [QONNXC]
#   env: RUNS (timed runs per round, default 2000), ROUNDS (default 2),
#        MODELS (space-separated names, default all), SHARED (../shared),
#        ORT_MEMORY (bytes of outputs ortbench may keep, default 4e9: it
#        never releases a run's output, so large outputs get fewer ORT runs,
#        at least 50; results.json gives the count as ort_runs)
#
# Per model: compile time of `qonnxc -O3` for the host (median of three),
# object size split into code (.text sections) and weights (M_WEIGHTS_SIZE),
# workspace bytes (M_WORKSPACE_SIZE); latency at batch 1 (median and 10th
# percentile of RUNS runs after warm-up, min and max over all rounds: the
# machine's noise) by benches/bench_main.c, which varies the input between
# runs; throughput at batch 64 (the model compiled with --batch 64);
# ONNX Runtime on the same model (rewritten by SHARED/tools/qonnx_to_onnx.py,
# timed by SHARED/tools/ortbench.c, one thread), measured alternately with
# qonnxc, ROUNDS rounds each, the reported medians being the median of the
# rounds'; the ratio ORT / qonnxc; the model's multiply-accumulates per
# second (MACs counted from the IR's MatMul and Conv ops) as a fraction of
# the processor's peak (benches/peak.c).
#
# Prints a table and writes benches/results.json (overwritten). A missing
# ONNX Runtime or ../shared shows as "n/a" with the reason instead of
# failing. Needs cc, /usr/bin/python3 with numpy and onnx for the ORT side.
set -u
qonnxc=$(realpath "${1:-build/qonnxc}")
shared=${SHARED:-../shared}
runs=${RUNS:-2000}
rounds=${ROUNDS:-2}
work=build/bench
json=benches/results.json
mkdir -p "$work"
cc_flags="-std=c11 -O2 -D_POSIX_C_SOURCE=200809L -I."

make -s build/libqonnxrt.a || exit 1
cc $cc_flags benches/peak.c -o "$work/peak" || exit 1
# the best of three: other work on the machine only ever lowers the rate
peak_line=$(for i in 1 2 3; do "$work/peak"; done | sort -g -k2 | tail -1)
peak=$(echo "$peak_line" | awk '{print $2}')
peak_instr=$(echo "$peak_line" | awk '{print $4}')

ort_lib= ort_why=
if [ ! -d "$shared/tools" ]; then
	ort_why="no $shared/tools"
elif ! ort_lib=$(bash "$shared/tools/setup_ort.sh" "$PWD/build/ort" 2>/dev/null); then
	ort_why="ONNX Runtime not installable (npm)"
	ort_lib=
elif ! cc -std=c11 -O2 -D_POSIX_C_SOURCE=200809L "$shared/tools/ortbench.c" -o "$work/ortbench" -ldl; then
	ort_why="ortbench does not build"
	ort_lib=
fi

now_ns() { date +%s%N; }
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
median_of() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {printf "%.0f\n", (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

# MACs of one sample: for every MatMul and Conv in the IR, the result's
# elements times the reduction length (W's elements over its output dim).
count_macs() {
	"$qonnxc" --emit=ir -o - "$1" 2>/dev/null | awk '
	function numel(t,   s, n, i, p) { s = t; sub(/.*\[/, "", s); sub(/\].*/, "", s);
		if (s == "") return 1; n = split(s, p, ","); r = 1; for (i = 1; i <= n; i++) r *= p[i]; return r }
	function dims(t, p,   s) { s = t; sub(/.*\[/, "", s); sub(/\].*/, "", s); return split(s, p, ",") }
	/^const %/ { name = $2; t = $0; sub(/ = .*/, "", t); ty[name] = t; next }
	/^%/ { name = $1; t = $0; sub(/.*\) [^:]*: /, "", t); sub(/ *;.*/, "", t); ty[name] = t }
	/= (MatMul|Conv|Conv<nhwc>)\(/ {
		ops = $0; sub(/^[^(]*\(/, "", ops); sub(/\).*/, "", ops); split(ops, o, ", ");
		w = ty[o[2]]; nd = dims(w, wd); nw = numel(w);
		red = ($0 ~ /= MatMul/) ? nw / wd[nd] : nw / wd[1];
		macs += numel(t) * red }
	END { printf "%.0f\n", macs + 0 }'
}

row_json=
add_json() { if [ -n "$row_json" ]; then row_json="$row_json,
$1"; else row_json=$1; fi; }

printf '%-24s %9s %9s %9s %9s %9s %7s %10s %8s %8s %8s %9s %7s\n' \
	model qonnxc_us p10_us min_us max_us ort_us ratio b64_smp/s comp_ms code_B weights_B work_B peak%
bench_model() { # name model.onnx inputs.npy
	name=$1 model=$2 inputs=$3 d=$work/$1
	mkdir -p "$d"
	ct=
	for i in 1 2 3; do
		s=$(now_ns)
		"$qonnxc" -O3 --name=m "$model" -o "$d/m.o" || { echo "$name: qonnxc failed" >&2; return; }
		ct="$ct $(( ($(now_ns) - s) / 1000 ))"
	done
	compile_us=$(median3 $ct)
	cc $cc_flags -I"$d" benches/bench_main.c "$d/m.o" build/libqonnxrt.a -o "$d/bench" || return
	mkdir -p "$d/b64"
	"$qonnxc" -O3 --batch 64 --name=m "$model" -o "$d/b64/m.o" 2>/dev/null &&
		cc $cc_flags -I"$d/b64" benches/bench_main.c "$d/b64/m.o" build/libqonnxrt.a -o "$d/bench64" ||
		rm -f "$d/bench64"
	code=$(size -A "$d/m.o" | awk '$1 ~ /^\.text/ {n += $2} END {print n + 0}')
	weights=$(awk '$1 == "#define" && $2 == "M_WEIGHTS_SIZE" {print $3; exit}' "$d/m.h")
	workspace=$(awk '$1 == "#define" && $2 == "M_WORKSPACE_SIZE" {print $3; exit}' "$d/m.h")
	macs=$(count_macs "$model")

	ort_ok=
	if [ -n "$ort_lib" ]; then
		if /usr/bin/python3 "$shared/tools/qonnx_to_onnx.py" "$model" "$d/ort.onnx" >/dev/null 2>&1 &&
			dims=$(/usr/bin/python3 -c "import numpy as np; a=np.load('$inputs'); a[0].astype('<f4').tofile('$d/in.f32'); print(','.join(map(str, a.shape[1:])))"); then
			ort_ok=1
		else
			ort_note="conversion failed"
		fi
	fi
	# ortbench keeps every run's output tensor (it never releases them): a
	# large output gets fewer runs, so that they stay within ORT_MEMORY bytes
	out_floats=$(awk '$1 == "#define" && $2 == "M_OUT0_SIZE" {print $3; exit}' "$d/m.h")
	ort_runs=$(awk -v r="$runs" -v o="${out_floats:-0}" -v m="${ORT_MEMORY:-4000000000}" \
		'BEGIN {n = (o > 0) ? int(m / (4 * o) / 1.1) - 200 : r; if (n > r) n = r; if (n < 50) n = 50; print n}')
	q_med= q_p10= o_med= o_p10= q_min= q_max=
	r=0
	while [ $r -lt "$rounds" ]; do
		line=$("$d/bench" "$inputs" "$runs") || { echo "$name: bench failed" >&2; return; }
		q_med="$q_med $(echo "$line" | awk '{print $2}')"
		q_p10="$q_p10 $(echo "$line" | awk '{print $4}')"
		q_min="$q_min $(echo "$line" | awk '{print $6}')"
		q_max="$q_max $(echo "$line" | awk '{print $8}')"
		if [ -n "$ort_ok" ]; then
			if oline=$("$work/ortbench" "$ort_lib" "$d/ort.onnx" "$d/in.f32" "$dims" "$ort_runs" 2>&1); then
				o_med="$o_med $(echo "$oline" | awk '{print $2}')"
				o_p10="$o_p10 $(echo "$oline" | awk '{print $4}')"
			else
				ort_ok= ort_note="ortbench: $(echo "$oline" | tail -1 | cut -c1-60)"
			fi
		fi
		r=$((r + 1))
	done
	qm=$(median_of $q_med) qp=$(median_of $q_p10)
	qmin=$(printf '%s\n' $q_min | sort -n | head -1) qmax=$(printf '%s\n' $q_max | sort -n | tail -1)
	b64=n/a
	if [ -x "$d/bench64" ]; then
		l64=$("$d/bench64" "$inputs" $((runs / 20 + 20)))
		b64=$(echo "$l64" | awk '{printf "%.0f", 64e9 / $2}')
	fi
	frac=$(awk -v m="$macs" -v t="$qm" -v p="$peak" 'BEGIN {printf "%.2f", (t > 0 && p > 0) ? 100 * m / (t * 1e-9) / p : 0}')
	if [ -n "$ort_ok" ]; then
		om=$(median_of $o_med) op=$(median_of $o_p10)
		ratio=$(awk -v o="$om" -v q="$qm" 'BEGIN {printf "%.2f", o / q}')
		ort_us=$(awk -v o="$om" 'BEGIN {printf "%.2f", o / 1000}')
		ort_json="\"ort_median_ns\": $om, \"ort_p10_ns\": $op, \"ort_runs\": $((ort_runs * rounds)), \"ratio\": $ratio"
	else
		ratio=n/a ort_us=n/a
		ort_json="\"ort\": \"${ort_why:-${ort_note:-n/a}}\""
	fi
	awk -v n="$name" -v qm="$qm" -v qp="$qp" -v lo="$qmin" -v hi="$qmax" -v o="$ort_us" -v r="$ratio" \
		-v b="$b64" -v c="$compile_us" -v code="$code" -v w="$weights" -v ws="$workspace" -v f="$frac" \
		'BEGIN {printf "%-24s %9.2f %9.2f %9.2f %9.2f %9s %7s %10s %8.1f %8s %8s %9s %7s\n", n, qm / 1000,
			qp / 1000, lo / 1000, hi / 1000, o, r, b, c / 1000, code, w, ws, f}'
	add_json "  {\"model\": \"$name\", \"median_ns\": $qm, \"p10_ns\": $qp, \"min_ns\": $qmin, \"max_ns\": $qmax, \"runs\": $((runs * rounds)), \"batch64_samples_per_s\": \"$b64\", \"compile_us\": $compile_us, \"code_bytes\": $code, \"weights_bytes\": $weights, \"workspace_bytes\": $workspace, \"macs\": $macs, \"peak_fraction_percent\": $frac, $ort_json}"
}

if [ -d "$shared/models" ]; then
	for dir in "$shared"/models/*/; do
		name=$(basename "$dir")
		[ -f "$dir/inputs.npy" ] || continue
		case " ${MODELS:-$name} " in *" $name "*) ;; *) continue ;; esac
		bench_model "$name" "$dir/model.onnx" "$dir/inputs.npy"
	done
else
	echo "($shared/models absent: only the example model)"
fi
case " ${MODELS:-mlp_w2a2} " in
*" mlp_w2a2 "*) bench_model mlp_w2a2 examples/mlp_w2a2.onnx examples/mlp_w2a2_input.npy ;;
esac
[ -n "$ort_lib" ] || echo "ONNX Runtime: n/a ($ort_why)"
echo "peak: $peak MAC/s ($peak_instr, one core)"
cat > "$json" <<EOF
{"peak_macs_per_s": $peak, "peak_instruction": "$peak_instr", "runs_per_round": $runs, "rounds": $rounds,
 "ort": "${ort_lib:+onnxruntime-node 1.30.0}${ort_why}",
 "models": [
$row_json
]}
EOF
echo "wrote $json"
