#!/bin/bash
# Disassembles the JIT code of cases (a stopgap for `ravel asm CASE`): runs them once with
# RAVEL_JIT_DUMP set and prints each generated kernel through binutils' objdump.
#   bash tools/ravel-asm.sh [--ravel PATH] CASE...     (default PATH: build/tools/ravel)
set -euo pipefail
ravel=build/tools/ravel
if [[ "${1:-}" == "--ravel" ]]; then
  ravel=$2
  shift 2
fi
if [[ $# -eq 0 ]]; then
  echo "usage: $0 [--ravel PATH] CASE..." >&2
  exit 2
fi
dump=$(mktemp -d)
trap 'rm -rf "$dump"' EXIT
RAVEL_JIT_DUMP=$dump "$ravel" run --backend jit "$@" >&2
for file in "$dump"/*.bin; do
  [[ -e "$file" ]] || { echo "no JIT code was generated" >&2; exit 1; }
  name=$(basename "$file" .bin)
  echo "== ${name#ravel-jit-*-*-} ($(stat -c %s "$file") bytes)"
  objdump -D -b binary -m i386:x86-64 -M intel "$file" | tail -n +8
done
