// libFuzzer target: the libvirt domain XML reader (integrations/kvm/domain_xml.h) on arbitrary
// bytes. Anything may be refused; nothing may crash, hang or allocate without bound. What is
// accepted must hold the reader's promises: a non-empty name, a canonical uuid, a
// non-negative id, and channels that each have a type and a target type.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "integrations/kvm/domain_xml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto domain = hotsplice::kvm::parse_domain_xml(bytes);
  if (!domain) {
    if (domain.error().message().empty()) std::abort();
    return 0;
  }
  if (domain->name.empty() || domain->uuid.size() != 36 || domain->hypervisor.empty()) {
    std::abort();
  }
  if (domain->id && *domain->id < 0) std::abort();
  for (const auto& channel : domain->channels) {
    if (channel.source_type_name.empty() || channel.target_type_name.empty()) std::abort();
  }
  (void)hotsplice::kvm::find_agent_channel(*domain);
  return 0;
}
