// Containers from the Virtuozzo/OpenVZ tools' JSON: `vzlist -a -j` (vzctl; OpenVZ 6 and
// Virtuozzo 7) and `prlctl list -a -j` (Virtuozzo 7). Pure functions over the captured
// text, so tests use recorded output (tests/fixtures/openvz).
#pragma once

#include <string_view>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

// An array of objects with "ctid" (number or UUID string), "name", "hostname", "status";
// every field but ctid may be missing or null. An entry without a usable ctid is skipped
// with a warning. Fails ("container_list_malformed") only when the whole text is not a
// JSON array.
Expected<ContainerList> parse_vzlist_json(std::string_view text);

// An array of objects with "uuid" ("{...}" braces removed), "name", "status" and, when
// asked for, "hostname" and "type". Entries whose "type" says VM are not containers and are
// left out; an entry without a usable uuid is skipped with a warning.
Expected<ContainerList> parse_prlctl_json(std::string_view text);

}  // namespace hotsplice::openvz
