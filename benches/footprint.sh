#!/bin/sh
# footprint.sh: the footprint of compiled models per target, as `qonnxc -v`
# reports it (backends/llvm/footprint.c): bytes of code, weights, workspace
# and worst-case stack, one table row per model and target.
#
#   benches/footprint.sh [MODEL.onnx ...]
#
# Without arguments: the example model and, when ../shared is there,
# tfc_2w2a and unsw_nb15_mlp_w2a2. QONNXC chooses the compiler (default
# build/qonnxc).
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
QONNXC=${QONNXC:-$ROOT/build/qonnxc}
if [ $# -eq 0 ]; then
	set -- "$ROOT/examples/mlp_w2a2.onnx"
	for m in tfc_2w2a unsw_nb15_mlp_w2a2; do
		f="$ROOT/../shared/models/$m/model.onnx"
		[ -f "$f" ] && set -- "$@" "$f"
	done
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

printf '%-20s %-10s %8s %8s %10s %7s\n' model target code weights workspace stack
for model in "$@"; do
	name=$(basename "$model" .onnx)
	[ "$name" = model ] && name=$(basename "$(dirname "$model")")
	for target in "cortex-m4:--target=thumbv7em-none-eabihf --mcpu=cortex-m4" \
		"cortex-m0:--target=thumbv6m-none-eabi --mcpu=cortex-m0" \
		"aarch64:--target=aarch64-linux-gnu" "host:"; do
		label=${target%%:*}
		# shellcheck disable=SC2086
		line=$("$QONNXC" -v ${target#*:} "$model" -o "$tmp/m.o" 2>&1 | grep 'footprint on') ||
			{ echo "footprint.sh: $name for $label failed" >&2; exit 1; }
		echo "$line" | sed -E 's/.*code (-?[0-9]+) bytes, weights ([0-9]+) bytes, workspace ([0-9]+) bytes, stack (-?[0-9]+) bytes/\1 \2 \3 \4/' |
			{ read -r code weights workspace stack
			  printf '%-20s %-10s %8s %8s %10s %7s\n' "$name" "$label" "$code" "$weights" "$workspace" "$stack"; }
	done
done
