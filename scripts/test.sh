#!/usr/bin/env bash
# The whole test suite: set up and build, then run ctest. The ONNX node tests
# are read from ../shared/onnx-node-tests (skipped with a message if absent).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
BUILD_DIR=${INGOT_BUILD_DIR:-build}
cd "$BUILD_DIR"
ctest --output-on-failure -j2 --timeout 900
