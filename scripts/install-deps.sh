#!/bin/sh
# install-deps.sh: installs the Debian packages qonnxc needs to build and test,
# if any is missing (the cross toolchains and QEMU are for the firmware tests,
# tests/firmware/). Idempotent; uses sudo when not run as root.
set -eu

PACKAGES="make gcc libprotobuf-c-dev protobuf-c-compiler llvm-19-dev libonnx-dev
python3 python3-onnx python3-numpy python3-pytest libcmocka-dev valgrind clang-19 libclang-rt-19-dev
gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-user gcc-aarch64-linux-gnu"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
