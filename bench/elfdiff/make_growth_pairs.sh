#!/usr/bin/env bash
# Real kernel object pairs of increasing size for growth.sh: one hotsplice-build `kernel` run
# compiles kernel/sched/core.o, kernel/bpf/verifier.o, net/core/dev.o and mm/page_alloc.o
# before and after a one-line change in each (growth-one-line-each.diff), and this copies
# each pair into PAIRS_DIR as <path with _>.before / .after. Smaller pairs (fs/proc/*.o,
# drivers/block/null_blk/main.o) come from any earlier `hotsplice-build kernel` output:
# pass its directory as EXTRA_OUTPUT to copy those too.
#   bench/elfdiff/make_growth_pairs.sh BUILD_DIR PAIRS_DIR [EXTRA_OUTPUT...]
set -euo pipefail
build=${1:?build directory}
pairs=${2:?pairs directory}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
output=$(mktemp -d /var/tmp/hotsplice-growth.XXXXXX)
mkdir -p "$pairs"
# Exit 1 is an error; 0, 2 (refused) and 3 still leave the compiled pairs behind.
"$build/kmod/build/hotsplice-build" kernel \
  --source /usr/src/linux-source-6.1.tar.xz --config /boot/config-6.1.0-56-amd64 \
  --patch "$here/growth-one-line-each.diff" --output "$output" \
  --cache "${HOTSPLICE_KERNEL_CACHE:-/var/tmp/hotsplice-kernel-cache}" || [[ $? -ne 1 ]]
for dir in "$output" "$@"; do
  (cd "$dir/before" && find . -name '*.o') | while read -r object; do
    name=$(echo "${object#./}" | tr / _)
    cp "$dir/before/$object" "$pairs/$name.before"
    cp "$dir/after/$object" "$pairs/$name.after"
  done
done
rm -rf "$output"
ls -l "$pairs"
