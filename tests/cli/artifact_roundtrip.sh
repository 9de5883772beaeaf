#!/usr/bin/env bash
# Compiled artifacts through the CLI: `ingot compile -o X.ingot` for llvm and
# vulkan, `ingot inspect` and `ingot run` on the artifact, with outputs
# checked against the PyTorch fixture of the model (tests/data/models, made
# by scripts/make_onnx_fixtures.py); a training artifact's entry points;
# damaged files give exit 2 with a message.
# usage: artifact_roundtrip.sh INGOT DATA_DIR
set -euo pipefail
INGOT=$1
DATA=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PY=/usr/bin/python3
fail() { echo "FAIL: $*"; exit 1; }

# Inference artifact with code for both backends (vulkan only when this
# machine has a Vulkan device).
targets=llvm
devices=$("$INGOT" devices 2>/dev/null || true)
if grep -q '^ *vulkan:0' <<<"$devices"; then targets=$targets,vulkan; fi
if grep -q '^ *opencl:0' <<<"$devices"; then targets=$targets,opencl; fi
out=$("$INGOT" compile "$DATA/models/mlp.onnx" --batch 3 --target $targets -o "$T/mlp.ingot")
echo "$out"
grep -q "entry points infer; code for ${targets//,/, }" <<<"$out" || fail "compile summary"
out=$("$INGOT" inspect "$T/mlp.ingot")
echo "$out"
grep -q "input  x: f32\[3,784\]" <<<"$out" || fail "inspect: input"
grep -q "output y: f32\[3,10\]" <<<"$out" || fail "inspect: output"
grep -q "source ONNX model" <<<"$out" || fail "inspect: onnx section"

for backend in ${targets//,/ }; do
  rm -rf "$T/out"
  "$INGOT" run "$T/mlp.ingot" --backend $backend --input x="$DATA/models/mlp.input.npy" --output-dir "$T/out" --repeat 3
  $PY - "$T/out/y.npy" "$DATA/models/mlp.expected.npy" <<'PYEOF'
import sys, numpy as np
got, want = np.load(sys.argv[1]), np.load(sys.argv[2])
err = float(np.max(np.abs(got - want)))
print("max abs error vs PyTorch:", err)
sys.exit(0 if got.shape == want.shape and err < 1e-5 else 1)
PYEOF
done

# A training artifact: infer, train_step and eval_step sharing the weights.
out=$("$INGOT" compile "$DATA/models/mlp.onnx" --batch 8 --train cross-entropy,adam -o "$T/step.ingot")
echo "$out"
grep -q "entry points infer, train_step, eval_step" <<<"$out" || fail "training artifact entry points"
"$INGOT" inspect "$T/step.ingot" | grep -q "state  .* tensors" || fail "inspect: training state"
"$INGOT" run "$T/step.ingot" --entry train_step --random-inputs 3 | grep -q "loss" || fail "run train_step"
"$INGOT" bench "$T/step.ingot" --entry train_step --seconds 0 --runs 3 --warmup 1 | grep -q "loaded in" || fail "bench train_step"

# Damage: truncated, a flipped byte, not an artifact at all, a wrong entry.
head -c 1000 "$T/mlp.ingot" > "$T/truncated.ingot"
cp "$T/mlp.ingot" "$T/flipped.ingot"
printf '\x55' | dd of="$T/flipped.ingot" bs=1 seek=3000 conv=notrunc status=none
expect() {  # CODE PATTERN ARGS...
  local code=$1 pattern=$2; shift 2
  set +e; out=$("$INGOT" "$@" 2>&1); got=$?; set -e
  [ "$got" -eq "$code" ] || fail "exit $got (wanted $code) from $*: $out"
  grep -Eq -- "$pattern" <<<"$out" || fail "output of $* does not match /$pattern/: $out"
  echo "ok: $*: $out"
}
expect 2 "truncated.ingot: the file is 1000 bytes, its header says" run "$T/truncated.ingot" --random-inputs 1
expect 2 "flipped.ingot: section '.*' checksum mismatch" inspect "$T/flipped.ingot"
expect 2 "no entry point 'nope' \(it has: infer\)" run "$T/mlp.ingot" --entry nope --random-inputs 1
expect 2 "--target metal: artifacts can carry code for llvm, vulkan, opencl" compile "$DATA/models/mlp.onnx" --batch 1 --target metal -o "$T/x.ingot"
expect 2 "--input x: expected shape \[3,784\]" run "$T/mlp.ingot" --input x="$DATA/models/gelu_mlp.input.npy"
echo "artifact round trip: ok"
