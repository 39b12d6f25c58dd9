#!/bin/sh
# run.sh: runs one fuzz target for a while and summarizes the run.
#
#   fuzz/run.sh BINARY SECONDS SEEDDIR...
#
# The target reads the seeds and its own corpus, build-fuzz/corpus-NAME/
# (where new inputs go; FUZZ_WORK_CORPUS names another folder), with the
# limits every run uses: 2 GiB of memory, FUZZ_TIMEOUT seconds per input
# (default 10; a run at nice 19 on a busy machine gets a few percent of a
# core and needs more), inputs up to FUZZ_MAX_LEN bytes (default 300000,
# the largest seed). The log goes to build-fuzz/NAME.log (or FUZZ_LOG); at
# the end one line gives executions, executions per second and corpus size.
# A finding makes the exit status non-zero and prints the end of the
# report; the input is in build-fuzz/artifacts/.
set -u

bin=$1
seconds=$2
shift 2
build=${FUZZ_BUILD:-build-fuzz}
name=$(basename "$bin")
corpus=${FUZZ_WORK_CORPUS:-$build/corpus-$name}
log=${FUZZ_LOG:-$build/$name.log}
mkdir -p "$corpus" "$build/artifacts"

echo "fuzz: running $name for $seconds s (log in $log)"
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
"$bin" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" \
	-max_len="${FUZZ_MAX_LEN:-300000}" -dict=fuzz/onnx.dict -print_final_stats=1 \
	-artifact_prefix="$build/artifacts/$name-" "$corpus" "$@" >"$log" 2>&1
status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
corp=$(grep -o 'corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -n 1 | cut -d' ' -f2)
echo "fuzz: $name: ${execs:-?} executions, ${rate:-?} exec/s, corpus ${corp:-?} (inputs/bytes)"
if [ "$status" -ne 0 ]; then
	echo "fuzz: $name: FINDING (exit status $status); end of $log:"
	tail -n 40 "$log"
fi
exit "$status"
