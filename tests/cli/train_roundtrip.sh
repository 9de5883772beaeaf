#!/usr/bin/env bash
# usage: train_roundtrip.sh INGOT WORKDIR TRAIN_BACKEND EVAL_BACKEND DATA MODEL_ARGS CHECK_ARGS...
# `ingot init` a model, `ingot train` it on TRAIN_BACKEND with --json and -o,
# `ingot eval` the written ONNX on EVAL_BACKEND, and check both reports with
# check_training.py (the evaluation must reproduce the last epoch's test
# metrics: the written model is the trained one).
set -euo pipefail
ingot=$1 work=$2 trainBackend=$3 evalBackend=$4 data=$5 modelArgs=$6 trainArgs=$7
shift 7
here=$(dirname "$0")
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}
# A backend without a device here (no Vulkan driver, ...) is a skip, not a failure.
if ! "$ingot" devices | grep -q "^  $trainBackend:0 "; then
  echo "skip: no $trainBackend device"; exit 77
fi
mkdir -p "$work"
"$ingot" init mlp $modelArgs -o "$work/model.onnx"
"$ingot" train "$work/model.onnx" --data "$data" --backend "$trainBackend" $trainArgs \
  --json "$work/run.json" --plot "$work/run.svg" -o "$work/trained.onnx"
"$ingot" eval "$work/trained.onnx" --data "$data" --backend "$evalBackend" --json > "$work/eval.json"
cat "$work/eval.json"
/usr/bin/python3 -c "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$work/run.svg"
/usr/bin/python3 "$here/check_training.py" "$work/run.json" --eval "$work/eval.json" "$@"
