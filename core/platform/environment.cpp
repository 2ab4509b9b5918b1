#include "core/platform/environment.h"

#include "core/platform/error_codes.h"

namespace hotsplice::platform {

const char* kind_name(Environment::Kind kind) {
  for (const auto& [entry, name] : kEnvironmentKindNames) {
    if (entry == kind) return name;
  }
  return "unknown";
}

std::string describe(const Environment& environment) {
  std::string text = kind_name(environment.kind);
  if (!environment.technology.empty()) text += " (" + environment.technology + ")";
  return text;
}

bool is_shared_kernel_container(const Environment& environment) {
  return environment.kind == Environment::Kind::container;
}

Status check_may_patch(const Environment& environment, std::string_view evidence) {
  std::string with_evidence = evidence.empty() ? std::string() : ", " + std::string(evidence);
  switch (environment.kind) {
    case Environment::Kind::vm:
    case Environment::Kind::bare_metal:
      return Status::ok();
    case Environment::Kind::container:
      return Error(
          errc::kSharedKernelContainer,
          "this agent runs in a shared-kernel container (" +
              (environment.technology.empty() ? std::string("unknown") : environment.technology) +
              with_evidence +
              "): the host's kernel is patched by the host, not from inside a "
              "container; run hotsplice-hostd on the node");
    case Environment::Kind::unknown:
      break;
  }
  std::string because = evidence.empty() ? std::string() : " (" + std::string(evidence) + ")";
  return Error(errc::kEnvironmentUnknown, "cannot tell whether this is a host or a container" +
                                              because + ": refusing to patch the kernel");
}

}  // namespace hotsplice::platform
