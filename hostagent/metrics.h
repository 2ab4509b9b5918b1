// /metrics: hostd's coverage model and counters in the Prometheus text exposition format
// (version 0.0.4). Metric names are stable (docs/api.md lists them; deploy/prometheus rules
// use them). Label values are escaped as the format requires (\\, \", \n) and any byte
// that is not valid UTF-8 is replaced by U+FFFD: guest names are untrusted.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "hostagent/coverage.h"

namespace hotsplice::hostd {

inline constexpr char kMetricsContentType[] = "text/plain; version=0.0.4; charset=utf-8";

// Counted by the rollout engine since hostd started (Prometheus counters reset on restart).
struct RolloutCounters {
  std::uint64_t applies = 0;         // bundles applied successfully
  std::uint64_t rollbacks = 0;       // bundles rolled back successfully
  std::uint64_t transfer_bytes = 0;  // bundle bytes handed to targets (completed transfers)
  std::map<std::string, std::uint64_t> errors;  // failures by error code
};

struct RolloutGauge {
  std::string stage;  // canary | canary_wait | general | stopped
  bool paused = false;
};

struct MetricsInput {
  std::vector<CoverageRecord> records;
  RolloutCounters counters;
  RolloutGauge rollout;
  std::string version;  // hostd's
  Clock::time_point now;
  bool directory_up = true;  // hostd reaches the hypervisor that lists its guests
};

std::string render_metrics(const MetricsInput& input);

// A label value as the exposition format wants it: escaped, valid UTF-8.
std::string escape_label_value(std::string_view value);

}  // namespace hotsplice::hostd
