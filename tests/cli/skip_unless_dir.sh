#!/usr/bin/env bash
# usage: skip_unless_dir.sh DIR COMMAND...  — exit 77 (ctest: skipped) with a
# message when DIR is absent, else run COMMAND.
dir=$1; shift
if [ ! -d "$dir" ]; then echo "SKIP: $dir not found (the shared ONNX node tests live at ../shared)"; exit 77; fi
exec "$@"
