#!/usr/bin/env bash
# usage: skip_unless_device.sh INGOT BACKEND COMMAND...  — exit 77 (ctest:
# skipped) with a message when BACKEND has no device here (no OpenCL driver,
# ...), else run COMMAND.
ingot=$1 backend=$2; shift 2
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
if ! "$ingot" devices | grep -q "^  $backend:0 "; then
  echo "SKIP: no $backend device:"; "$ingot" devices | grep -A1 "^$backend:"; exit 77
fi
exec "$@"
