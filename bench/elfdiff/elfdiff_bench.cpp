// Times the comparison of one real before/after object pair (load both with libelf, index
// them, compare) and prints the process's peak resident memory. Not a test: run by hand,
// e.g. on kernel/sched/core.o built by make_pair.sh.
//
//   elfdiff_bench BEFORE.o AFTER.o [ITERATIONS]
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kmod/elfdiff/comparison.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: elfdiff_bench BEFORE.o AFTER.o [ITERATIONS]\n");
    return 1;
  }
  const int iterations = argc == 4 ? std::max(1, std::atoi(argv[3])) : 5;
  double best_ms = 1e30;
  double total_ms = 0;
  hotsplice::elfdiff::ObjectReport last;
  for (int i = 0; i < iterations; ++i) {
    const auto start = std::chrono::steady_clock::now();
    auto report = hotsplice::elfdiff::compare_object_files(argv[1], argv[2], argv[2], {});
    const auto stop = std::chrono::steady_clock::now();
    if (!report) {
      std::fprintf(stderr, "elfdiff_bench: %s\n", report.error().message().c_str());
      return 1;
    }
    const double ms = std::chrono::duration<double, std::milli>(stop - start).count();
    best_ms = std::min(best_ms, ms);
    total_ms += ms;
    last = std::move(*report);
  }
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("%s", hotsplice::elfdiff::report_to_text({last}).c_str());
  std::printf("iterations: %d\nbest: %.1f ms\nmean: %.1f ms\npeak RSS: %.1f MiB\n", iterations,
              best_ms, total_ms / iterations, usage.ru_maxrss / 1024.0);
  return 0;
}
