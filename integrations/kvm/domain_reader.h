// Reads one libvirt domain into the DomainInfo the directory reports: its live XML
// (virDomainGetXMLDesc, parsed by domain_xml.h) for identity and the agent channel, and
// virDomainGetState for the run state (the XML does not carry it). Two libvirt calls.
#pragma once

#include <libvirt/libvirt.h>

#include <string_view>

#include "core/base/expected.h"
#include "integrations/kvm/libvirt_directory.h"

namespace hotsplice::kvm {

// Errors: errc::kDomainNotFound (the domain went away meanwhile), errc::kLibvirtError (a
// libvirt call failed, e.g. the connection dropped), the domain XML reader's errors.
Expected<DomainInfo> read_domain(virDomainPtr domain, std::string_view channel_name);

DomainState domain_state_of(int libvirt_state);

}  // namespace hotsplice::kvm
