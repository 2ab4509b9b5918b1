// Error codes of the libvirt integration (hotsplice::kvm). Declared once here; call sites
// use these names, never the strings.
#pragma once

namespace hotsplice::kvm::errc {

// Domain XML reader (domain_xml.h).
inline constexpr char kDomainXmlTooLarge[] = "domain_xml_too_large";   // over the size bound
inline constexpr char kDomainXmlMalformed[] = "domain_xml_malformed";  // not well-formed XML
inline constexpr char kDomainXmlInvalid[] = "domain_xml_invalid";      // XML, but not a domain
                                                                       // libvirt would write
// Options and arguments.
inline constexpr char kInvalidOptions[] = "invalid_options";
inline constexpr char kChannelNameInvalid[] = "channel_name_invalid";

// The libvirt connection (libvirt_directory.h).
inline constexpr char kLibvirtError[] = "libvirt_error";          // a libvirt call failed
inline constexpr char kNotConnected[] = "libvirt_not_connected";  // between reconnects
inline constexpr char kDomainNotFound[] = "domain_not_found";
inline constexpr char kChannelAttachFailed[] = "channel_attach_failed";
inline constexpr char kEventLoopFailed[] = "libvirt_event_loop_failed";

}  // namespace hotsplice::kvm::errc
