// How `bundle inspect` shows a bundle: aligned text for people, JSON for scripts. The
// verification outcome is always shown next to the contents, so unverified contents are
// never mistaken for trusted ones.
#pragma once

#include <optional>
#include <ostream>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/bundle/manifest.h"

namespace hotsplice::cli {

struct InspectedBundle {
  std::optional<Manifest> manifest;  // absent when the manifest does not parse
  std::optional<Error> manifest_error;
  std::optional<std::string> key_id;  // set when the signature verified
  std::optional<Error> verification_error;
  std::uint64_t total_bytes = 0;
};

void print_bundle_text(std::ostream& out, const InspectedBundle& bundle);
Json bundle_to_json(const InspectedBundle& bundle);

}  // namespace hotsplice::cli
