#!/usr/bin/env bash
# Diff time and peak memory against object size: elfdiff_bench on every NAME.before /
# NAME.after pair in PAIRS_DIR (make_growth_pairs.sh), smallest first, one line each.
#   bench/elfdiff/growth.sh BUILD_DIR PAIRS_DIR [ITERATIONS]
set -euo pipefail
build=${1:?build directory}
pairs=${2:?pairs directory}
iterations=${3:-5}
printf '%-40s %10s %9s %8s %9s %9s %10s\n' object bytes sections symbols best_ms mean_ms peak_MiB
for before in $(ls -Sr "$pairs"/*.before); do
  name=$(basename "$before" .before)
  after="$pairs/$name.after"
  out=$("$build/bench/elfdiff/elfdiff_bench" "$before" "$after" "$iterations")
  sections=$(readelf -S -W "$after" | grep -c '^ *\[ *[0-9]')
  symbols=$(readelf -s -W "$after" | grep -c '^ *[0-9]*:')
  printf '%-40s %10s %9s %8s %9s %9s %10s\n' "$name" "$(stat -c %s "$after")" "$sections" "$symbols" \
    "$(echo "$out" | awk '/^best:/ {print $2}')" "$(echo "$out" | awk '/^mean:/ {print $2}')" \
    "$(echo "$out" | awk '/^peak RSS:/ {print $3}')"
done
