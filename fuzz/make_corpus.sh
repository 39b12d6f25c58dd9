#!/bin/sh
# make_corpus.sh: builds the fuzzers' seed corpus, one .onnx file per seed.
#
#   fuzz/make_corpus.sh [OUTDIR]      (default build/fuzz-corpus, from the repository root)
#
# Seeds: every model of tests/models (generate.py), the hostile models of
# tests/bad (gen_bad.py), the inputs fuzzing found (tests/bad/found and, not
# fixed yet, fuzz/open), the shipped example, and, when ../shared exists
# beside the repository, its models and ONNX conformance tests of under
# 300 KB. Big seeds would slow every mutation down, hence the size bound.
# The directory is rebuilt from scratch each time.
set -eu

out=${1:-build/fuzz-corpus}
python=/usr/bin/python3
shared=../shared
max_size=300000

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$out"
mkdir -p "$out"

# add FILE NAME: copies FILE to OUTDIR/NAME.onnx when it is small enough.
add() {
	size=$(wc -c <"$1")
	if [ "$size" -le "$max_size" ]; then
		cp "$1" "$out/$2.onnx"
	fi
}

$python tests/models/generate.py "$tmp/models" >/dev/null
for f in "$tmp"/models/*/model.onnx; do
	add "$f" "gen-$(basename "$(dirname "$f")")"
done

$python tests/bad/gen_bad.py "$tmp/bad/out" >/dev/null
for f in "$tmp"/bad/out/*.onnx; do
	add "$f" "bad-$(basename "$f" .onnx)"
done

for f in tests/bad/found/*.onnx fuzz/open/*.onnx; do
	[ -e "$f" ] && add "$f" "found-$(basename "$f" .onnx)"
done

add examples/mlp_w2a2.onnx example-mlp_w2a2

if [ -d "$shared" ]; then
	for f in "$shared"/models/*/model.onnx; do
		[ -e "$f" ] && add "$f" "shared-$(basename "$(dirname "$f")")"
	done
	for f in "$shared"/onnx-tests/*/*/model.onnx; do
		[ -e "$f" ] || continue
		test=$(basename "$(dirname "$f")")
		group=$(basename "$(dirname "$(dirname "$f")")")
		add "$f" "conf-$group-$test"
	done
fi

echo "make_corpus: $(ls "$out" | wc -l) seeds in $out ($(du -sk "$out" | cut -f1) KB)"
