#!/usr/bin/env bash
# Builds kernel/sched/core.o before and after a one-line change with hotsplice-build and
# runs the benchmark on the pair. Use a Release build for meaningful times:
#   cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOTSPLICE_TESTS=OFF
#   ninja -C build/release hotsplice-build elfdiff_bench
#   bench/elfdiff/make_pair.sh build/release /tmp/elfdiff-bench
set -euo pipefail
build=${1:?build directory}
output=${2:?output directory}
here=$(cd "$(dirname "$0")" && pwd)
"$build/kmod/build/hotsplice-build" kernel \
  --source /usr/src/linux-source-6.1.tar.xz --config /boot/config-6.1.0-56-amd64 \
  --patch "$here/sched-core-one-line.diff" --output "$output" \
  --cache "${HOTSPLICE_KERNEL_CACHE:-/var/tmp/hotsplice-kernel-cache}" || [[ $? -ne 1 ]]
"$build/bench/elfdiff/elfdiff_bench" "$output/before/kernel/sched/core.o" \
  "$output/after/kernel/sched/core.o" 5
