#!/usr/bin/env bash
# usage: expect.sh EXIT_CODE PATTERN -- COMMAND...
# Runs COMMAND; passes when it exits with EXIT_CODE and its combined output
# matches the extended regex PATTERN (empty pattern: any output).
set -u
want=$1; pattern=$2; shift 3
out=$("$@" 2>&1); got=$?
if [ "$got" -ne "$want" ]; then
  echo "expected exit $want, got $got from: $*"; echo "$out"; exit 1
fi
if [ -n "$pattern" ] && ! grep -Eq -- "$pattern" <<<"$out"; then
  echo "output does not match /$pattern/ from: $*"; echo "$out"; exit 1
fi
echo "ok: exit $got: $*"
