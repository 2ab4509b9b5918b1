// libFuzzer target: hostd's configuration parser (hostagent/config.h). A config is written by
// an administrator, but a typo must be refused with an error naming the key, never crash
// hostd or half-apply. Anything may be refused; nothing may crash; what is accepted holds
// the documented bounds (concurrency >= 1, percentages <= 100, apply timeout >= 45 s).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hostagent/config.h"
#include "tests/fuzz/support/verbose.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto config =
      hotsplice::hostd::parse_config(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!config) {
    if (config.error().message().empty()) std::abort();
    hotsplice::fuzzing::report_refusal(config.error());
    return 0;
  }
  if (config->rollout.concurrency < 1 || config->rollout.canary_percent > 100 ||
      config->repository.poll_jitter_percent > 100 ||
      config->timeouts.apply < std::chrono::seconds(45)) {
    __builtin_trap();
  }
  return 0;
}
