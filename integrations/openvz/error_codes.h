// Error codes of container enumeration (hotsplice::openvz). Declared once here; call sites
// use these names, never the strings.
#pragma once

namespace hotsplice::openvz::errc {

// A tool's or API's whole answer is unusable: not JSON, not an array, over the size bound.
// (One bad entry inside a good answer is a warning in the list, not an error.)
inline constexpr char kContainerListMalformed[] = "container_list_malformed";
// The Docker/Podman API socket did not answer with 200 and a body.
inline constexpr char kContainerApiFailed[] = "container_api_failed";

}  // namespace hotsplice::openvz::errc
