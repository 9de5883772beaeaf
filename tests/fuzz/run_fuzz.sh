#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-19 in their own build folder and
# runs each for a fixed number of inputs on a seed corpus made here from real
# files; fails if any input crashes, trips ASan/UBSan, leaks, times out or
# runs out of memory. See tests/fuzz/README.md.
#
#   tests/fuzz/run_fuzz.sh INGOT_BINARY      (ctest passes $<TARGET_FILE:ingot>)
#
# Environment:
#   INGOT_FUZZ_BUILD_DIR   build folder (default: build-fuzz in the source tree)
#   INGOT_FUZZ_RUNS_ARTIFACT, INGOT_FUZZ_RUNS_ELF, INGOT_FUZZ_RUNS_ONNX,
#   INGOT_FUZZ_RUNS_IR_TEXT
#                          inputs per fuzzer (defaults below; 0 skips one).
#                          The default mode is the CI gate: a fresh corpus,
#                          a fixed seed and a fixed count, so a slower machine
#                          tries (nearly) the same inputs as a faster one.
#                          (It used to be 60 s each: CI then ran inputs that
#                          the run before the push never tried.)
#   INGOT_FUZZ_TIME_ARTIFACT, INGOT_FUZZ_TIME_ELF, INGOT_FUZZ_TIME_ONNX,
#   INGOT_FUZZ_TIME_IR_TEXT
#                          seconds per fuzzer instead: exploring, which grows
#                          the corpus kept in fuzz-work/corpus across runs
#   INGOT_FUZZ_JOBS        build jobs (default 2)
#   INGOT_FUZZ_FRESH=1     forget the kept corpus
#   INGOT_FUZZ_SEED        libFuzzer's -seed (default 1: reproducible; 0: random)
#   INGOT_SHARED_DIR       where onnx-node-tests lives (default ../shared)
# Exit status: 0 clean, 1 a finding or a failed build, 77 clang-19 or its
# libFuzzer runtime (libclang-rt-19-dev) is missing (ctest reports a skip).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/../.." && pwd)
INGOT=${1:-}
BUILD=${INGOT_FUZZ_BUILD_DIR:-$SRC/build-fuzz}
JOBS=${INGOT_FUZZ_JOBS:-2}
SHARED=${INGOT_SHARED_DIR:-$SRC/../shared}
# Counts sized for about 30-60 s each on a 2-core CI machine.
declare -A RUNS_FOR=(
  [fuzz_artifact]=${INGOT_FUZZ_RUNS_ARTIFACT:-40000}
  [fuzz_elf]=${INGOT_FUZZ_RUNS_ELF:-1000000}
  [fuzz_onnx]=${INGOT_FUZZ_RUNS_ONNX:-200000}
  [fuzz_ir_text]=${INGOT_FUZZ_RUNS_IR_TEXT:-150000}
)
declare -A SECONDS_FOR=(
  [fuzz_artifact]=${INGOT_FUZZ_TIME_ARTIFACT:-}
  [fuzz_elf]=${INGOT_FUZZ_TIME_ELF:-}
  [fuzz_onnx]=${INGOT_FUZZ_TIME_ONNX:-}
  [fuzz_ir_text]=${INGOT_FUZZ_TIME_IR_TEXT:-}
)
FUZZERS=(fuzz_artifact fuzz_elf fuzz_onnx fuzz_ir_text)
declare -A DICT=([fuzz_artifact]=binary.dict [fuzz_elf]=binary.dict [fuzz_onnx]=onnx.dict [fuzz_ir_text]=ir.dict)
START=$(date +%s)
say() { echo "run_fuzz: $*"; }

# ---- clang-19 with libFuzzer, or skip -----------------------------------------
if ! command -v clang-19 >/dev/null || ! command -v clang++-19 >/dev/null; then
  say "SKIP: clang-19 is not installed (apt-get install clang-19 libclang-rt-19-dev)"
  exit 77
fi
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }' >"$probe/p.cpp"
if ! clang++-19 -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" 2>"$probe/err"; then
  say "SKIP: clang-19 cannot link a libFuzzer target (is libclang-rt-19-dev installed?):"
  sed 's/^/  /' "$probe/err" | head -5
  exit 77
fi
if [ -z "$INGOT" ] || [ ! -x "$INGOT" ]; then
  say "usage: run_fuzz.sh INGOT_BINARY (the ingot CLI makes the seed artifacts; got '${INGOT}')" >&2
  exit 1
fi

# ---- build ----------------------------------------------------------------------
# Only support, ir, runtime, frontend and the fuzzers (-DINGOT_FUZZ=ON);
# -O1 with line tables keeps the instrumented build quick and the reports
# readable.
generator=()
if command -v ninja >/dev/null && [ ! -f "$BUILD/Makefile" ]; then generator=(-G Ninja); fi
mkdir -p "$BUILD"
cmake -S "$SRC" -B "$BUILD" "${generator[@]}" -DINGOT_FUZZ=ON -DINGOT_BUILD_TESTS=OFF \
  -DCMAKE_C_COMPILER=clang-19 -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only" >"$BUILD/configure.log" 2>&1 ||
  { cat "$BUILD/configure.log"; exit 1; }
cmake --build "$BUILD" -j"$JOBS" --target "${FUZZERS[@]}"
BUILT=$(date +%s)
say "configured and built in $((BUILT - START)) s"

# ---- seed corpus, made from real files each run ------------------------------------
WORK=$BUILD/fuzz-work
SEEDS=$WORK/seeds
rm -rf "$SEEDS" "$WORK/crashes"
mkdir -p "$SEEDS"/{fuzz_artifact,fuzz_elf,fuzz_onnx,fuzz_ir_text} "$WORK/crashes"
if [ "${INGOT_FUZZ_FRESH:-0}" = 1 ]; then rm -rf "$WORK/corpus"; fi
MODELS=$SRC/tests/data/models
for m in mlp gelu_mlp attention; do
  "$INGOT" compile "$MODELS/$m.onnx" --batch 1 --target llvm -o "$SEEDS/fuzz_artifact/$m.ingot" >/dev/null
  "$INGOT" compile "$MODELS/$m.onnx" --batch 1 --emit obj -o "$SEEDS/fuzz_elf/$m.o" >/dev/null
done
# A training artifact (train_step and eval_step entries, state buffers).
"$INGOT" compile "$MODELS/gelu_mlp.onnx" --batch 1 --target llvm --train adam \
  -o "$SEEDS/fuzz_artifact/gelu_mlp_train.ingot" >/dev/null
# A small object with every relocation kind the loader handles.
clang-19 -c -O1 -fPIC "$SRC/tests/fuzz/corpus/elf_seed.c" -o "$SEEDS/fuzz_elf/elf_seed.o"
# The small model files (mlp.onnx is 400 KB of weights: too slow a seed), and
# the official ONNX node tests' models (one per op and variant, tiny).
cp "$MODELS/gelu_mlp.onnx" "$MODELS/attention.onnx" "$SEEDS/fuzz_onnx/"
python3 "$SRC/tests/fuzz/make_crashers.py" --onnx-seeds "$SEEDS/fuzz_onnx"  # extreme dims and attributes
if [ -d "$SHARED/onnx-node-tests" ]; then
  for f in "$SHARED"/onnx-node-tests/test_*/model.onnx; do
    if [ "$(stat -c %s "$f")" -le 4096 ]; then cp "$f" "$SEEDS/fuzz_onnx/$(basename "$(dirname "$f")").onnx"; fi
  done
else
  say "note: $SHARED/onnx-node-tests is absent; the ONNX seeds are the two test models only"
fi
# Text IR: the pass tests' inputs and the hand-written model as they are
# (their RUN/CHECK lines are comments), and graphs ingot prints: the small
# test models imported, one fused (Fused bodies) and a training step
# (frozen params, state updates).
cp "$SRC"/tests/passes/*.ingot.txt "$SRC"/tests/passes/Inputs/*.ingot.txt "$SRC"/tests/data/ir/*.ingot.txt \
  "$SEEDS/fuzz_ir_text/"
for m in gelu_mlp attention; do
  "$INGOT" opt "$MODELS/$m.onnx" --batch 1 --passes canonicalize >"$SEEDS/fuzz_ir_text/$m.ingot.txt"
done
"$INGOT" opt "$MODELS/gelu_mlp.onnx" --batch 1 --fuse >"$SEEDS/fuzz_ir_text/gelu_mlp_fused.ingot.txt"
"$INGOT" compile "$SRC/tests/data/ir/tiny_mlp.ingot.txt" --train adam --emit ir \
  >"$SEEDS/fuzz_ir_text/tiny_mlp_train.ingot.txt"
for f in "${FUZZERS[@]}"; do say "$f: $(ls "$SEEDS/$f" | wc -l) seed files"; done

# ---- run ------------------------------------------------------------------------------
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
# A fixed seed: a CI run mutates in the same order every time, so a failure
# there reproduces here (INGOT_FUZZ_SEED=0 lets libFuzzer pick one).
OPTS=(-rss_limit_mb=2048 -timeout=10)
FUZZ_SEED=(-seed="${INGOT_FUZZ_SEED:-1}")
# The reproducers of bugs found so far (crashers/, and the large ones made
# here), each replayed once: fixed stays fixed.
MADE=$WORK/made-crashers
python3 "$SRC/tests/fuzz/make_crashers.py" --large "$MADE" >/dev/null
for f in "${FUZZERS[@]}"; do
  files=()
  for c in "$SRC/tests/fuzz/crashers/$f"-* "$MADE/$f"-*; do
    if [ -f "$c" ]; then files+=("$c"); fi
  done
  [ ${#files[@]} -gt 0 ] || continue
  for c in "${files[@]}"; do
    rc=0
    "$BUILD/tests/fuzz/$f" "${OPTS[@]}" "$c" >"$WORK/replay.log" 2>&1 || rc=$?
    if [ "$rc" -ne 0 ]; then
      say "$f: the reproducer $(basename "$c") still fails:"
      grep -m1 -A8 -E 'ERROR: |runtime error|fuzz check failed' "$WORK/replay.log" || tail -10 "$WORK/replay.log"
      status=1
    fi
  done
  say "$f: replayed ${#files[@]} reproducers"
done
for f in "${FUZZERS[@]}"; do
  if [ -n "${SECONDS_FOR[$f]}" ]; then
    # Exploring: by time, growing the kept corpus.
    [ "${SECONDS_FOR[$f]}" -gt 0 ] || { say "$f: skipped (0 s)"; continue; }
    corpus=$WORK/corpus/$f
    limit=(-max_total_time="${SECONDS_FOR[$f]}")
    what="for ${SECONDS_FOR[$f]} s"
  else
    # The gate: a fixed count from the seeds alone.
    [ "${RUNS_FOR[$f]}" -gt 0 ] || { say "$f: skipped (0 runs)"; continue; }
    corpus=$WORK/gate-corpus/$f
    rm -rf "$corpus"
    limit=(-runs="${RUNS_FOR[$f]}")
    what="${RUNS_FOR[$f]} inputs"
  fi
  mkdir -p "$corpus"
  # The seeds as a list in name order, not a folder: libFuzzer takes a
  # folder's files in readdir order (on ext4 a per-filesystem hash order)
  # and keeps it among files of one size, so the same seed and count tried
  # different inputs on the CI machine than here (CI found an OOM that 400k
  # local runs did not). With an empty gate corpus the order is now fixed.
  # (libFuzzer splits the list at commas only, not newlines.)
  seedlist=$WORK/$f.seeds
  find "$SEEDS/$f" -type f | LC_ALL=C sort | paste -sd, | tr -d "\n" >"$seedlist"
  log=$WORK/$f.log
  say "$f: fuzzing $what (log: $log)"
  rc=0
  t0=$(date +%s)
  "$BUILD/tests/fuzz/$f" "${limit[@]}" "${OPTS[@]}" "${FUZZ_SEED[@]}" -print_final_stats=1 \
    -dict="$SRC/tests/fuzz/${DICT[$f]}" -seed_inputs=@"$seedlist" \
    -artifact_prefix="$WORK/crashes/$f-" "$corpus" >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
  say "$f: exit $rc, ${execs:-?} executions in $(( $(date +%s) - t0 )) s, ${cov:-no coverage line}, corpus $(ls "$corpus" | wc -l) files"
  if [ -z "${SECONDS_FOR[$f]}" ]; then
    # The gate starts from the seeds alone: all of them, or it tests less.
    loaded=$(sed -n 's/^INFO: seed corpus: files: \([0-9]*\).*/\1/p' "$log" | head -1)
    if [ "${loaded:-0}" -ne "$(ls "$SEEDS/$f" | wc -l)" ]; then
      say "$f: FAILED: libFuzzer read ${loaded:-no} of the $(ls "$SEEDS/$f" | wc -l) seeds (see $seedlist)"
      status=1
    fi
  fi
  if [ "$rc" -ne 0 ] || [ -n "$(ls "$WORK/crashes" | grep "^$f-" || true)" ]; then
    say "$f: FAILED; the report:"
    # The input itself, so that a CI finding reproduces from its log alone
    # (runs drift between machines; see README.md): base64 -d >input.
    crash=$(ls "$WORK"/crashes/"$f"-* 2>/dev/null | head -1)
    if [ -n "$crash" ] && [ "$(stat -c %s "$crash")" -le 16384 ]; then
      say "the input, base64: $(base64 -w0 "$crash")"
    fi
    grep -n -m1 -A40 -E 'ERROR: |runtime error|fuzz check failed|==ERROR|SUMMARY' "$log" || tail -40 "$log"
    say "reproduce: $BUILD/tests/fuzz/$f $(ls "$WORK"/crashes/"$f"-* 2>/dev/null | head -1)"
    status=1
  fi
done
say "total $(( $(date +%s) - START )) s (build $((BUILT - START)) s)"
exit $status
