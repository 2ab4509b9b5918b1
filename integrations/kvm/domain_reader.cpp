#include "integrations/kvm/domain_reader.h"

#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libvirt_handles.h"

namespace hotsplice::kvm {
namespace {

Error call_failed(std::string_view what) {
  const char* code =
      last_libvirt_error_is(VIR_ERR_NO_DOMAIN) ? errc::kDomainNotFound : errc::kLibvirtError;
  return Error(code, libvirt_error_message(what));
}

}  // namespace

DomainState domain_state_of(int libvirt_state) {
  switch (libvirt_state) {
    case VIR_DOMAIN_RUNNING:
      return DomainState::running;
    case VIR_DOMAIN_BLOCKED:
      return DomainState::blocked;
    case VIR_DOMAIN_PAUSED:
      return DomainState::paused;
    case VIR_DOMAIN_SHUTDOWN:
      return DomainState::shutdown;
    case VIR_DOMAIN_SHUTOFF:
      return DomainState::shutoff;
    case VIR_DOMAIN_CRASHED:
      return DomainState::crashed;
    case VIR_DOMAIN_PMSUSPENDED:
      return DomainState::pm_suspended;
    default:
      return DomainState::no_state;
  }
}

Expected<DomainInfo> read_domain(virDomainPtr domain, std::string_view channel_name) {
  const char* cached_name = virDomainGetName(domain);  // kept in the handle, no call
  std::string label = "domain " + std::string(cached_name != nullptr ? cached_name : "?");

  LibvirtString xml(virDomainGetXMLDesc(domain, 0));
  if (!xml) return call_failed("reading the XML of " + label);
  auto parsed = parse_domain_xml(xml.get());
  if (!parsed) return parsed.error().with_context(label);

  int state = VIR_DOMAIN_NOSTATE;
  int reason = 0;
  if (virDomainGetState(domain, &state, &reason, 0) != 0) {
    return call_failed("reading the state of " + label);
  }

  DomainInfo info;
  info.uuid = parsed->uuid;
  info.name = parsed->name;
  info.id = parsed->id.value_or(-1);
  info.running = parsed->active();
  info.state = domain_state_of(state);
  info.hypervisor = parsed->hypervisor;
  info.agent_channel = find_agent_channel(*parsed, channel_name);
  return info;
}

}  // namespace hotsplice::kvm
