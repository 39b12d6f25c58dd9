#!/bin/sh
# setup.sh: prepares a fresh Debian 12 machine for qonnxc and shows it working:
# installs the missing packages, builds build/qonnxc, and runs the example
# model shipped in examples/ on an example input.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh
make
make examples
