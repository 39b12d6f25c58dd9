#!/bin/sh
# install-deps.sh: installs the Debian packages qonnxc needs to build and test,
# if any is missing. Idempotent; uses sudo when not run as root.
#
# The cross toolchains and QEMU serve only the firmware tests (tests/firmware/):
# when they cannot be installed this says so and carries on, and those tests
# skip, naming what is missing.
set -eu

PACKAGES="make gcc libprotobuf-c-dev protobuf-c-compiler llvm-19-dev libonnx-dev
python3 python3-onnx python3-numpy python3-pytest libcmocka-dev valgrind clang-19 libclang-rt-19-dev
graphviz pkg-config libzstd-dev zlib1g-dev"
FIRMWARE_PACKAGES="gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm qemu-user
gcc-aarch64-linux-gnu libc6-dev-arm64-cross"

missing_of() {
	for p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
			printf ' %s' "$p"
		fi
	done
}

# shellcheck disable=SC2086
missing=$(missing_of $PACKAGES)
# shellcheck disable=SC2086
optional=$(missing_of $FIRMWARE_PACKAGES)
[ -z "$missing$optional" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || [ -z "$missing" ]
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $missing
fi
if [ -n "$optional" ]; then
	echo "install-deps: installing (for the firmware tests):$optional"
	# shellcheck disable=SC2086
	$SUDO apt-get install -y -qq --no-install-recommends $optional ||
		echo "install-deps: could not install$optional; the firmware tests will be skipped"
fi
