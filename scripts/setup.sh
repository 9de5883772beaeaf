#!/usr/bin/env bash
# Installs what ingot needs on Debian 12 (as root; skips what is installed),
# then configures and builds into build/ with two jobs. Idempotent: a second
# run only rebuilds what changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  cmake ninja-build g++ pkg-config
  libfmt-dev catch2
  libonnx-dev libprotobuf-dev protobuf-compiler
  python3 python3-numpy
  zlib1g-dev dataset-fashion-mnist
  llvm-19-tools llvm-19-dev
  libvulkan-dev mesa-vulkan-drivers vulkan-validationlayers glslang-dev spirv-tools
  pocl-opencl-icd opencl-headers ocl-icd-opencl-dev
  clang-19 libclang-rt-19-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: these Debian packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

BUILD_DIR=${INGOT_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$BUILD_DIR" -j2
