#include "hostagent/coverage.h"

#include <ctime>

namespace hotsplice::hostd {

const char* status_name(GuestStatus status) {
  switch (status) {
    case GuestStatus::patched:
      return "patched";
    case GuestStatus::pending:
      return "pending";
    case GuestStatus::failed:
      return "failed";
    case GuestStatus::unsupported_kernel:
      return "unsupported_kernel";
    case GuestStatus::no_channel:
      return "no_channel";
    case GuestStatus::agent_silent:
      return "agent_silent";
    case GuestStatus::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<GuestStatus> parse_status(std::string_view name) {
  for (GuestStatus status : kAllGuestStatuses) {
    if (name == status_name(status)) return status;
  }
  return std::nullopt;
}

std::string format_utc(Clock::time_point time) {
  std::time_t seconds = Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

Json to_json(const CoverageRecord& record) {
  Json out = {{"uuid", record.uuid},
              {"name", record.name},
              {"status", status_name(record.status)},
              {"reason", record.reason},
              {"applied", record.applied},
              {"available", record.available},
              {"agent_version", record.agent_version}};
  out["kernel"] = record.kernel ? to_json(*record.kernel) : Json(nullptr);
  out["pin"] = record.pin ? Json(*record.pin) : Json(nullptr);
  out["last_contact"] =
      record.last_contact ? Json(format_utc(*record.last_contact)) : Json(nullptr);
  return out;
}

}  // namespace hotsplice::hostd
