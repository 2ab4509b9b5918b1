// The coverage record of each container on a shared kernel: it runs on the host's kernel,
// so its kernel, live patches and status are the host's record's (patched exactly when the
// host kernel is). What the container itself claims (`uname -r`, OpenVZ's osrelease) is
// never consulted.
#pragma once

#include <string>
#include <vector>

#include "hostagent/coverage.h"
#include "integrations/openvz/container.h"

namespace hotsplice::hostd {

// "ct:<id>": the record id of a container (the id its source gives it).
std::string container_record_id(const openvz::Container& container);

// One record per container (kind "container", covered_by host's id): running ones follow host
// (status, reason, kernel, effective kernel, applied, available, CVEs, last contact); stopped
// ones are `unknown` ("not running"): no kernel runs them.
std::vector<CoverageRecord> container_records(const CoverageRecord& host,
                                              const std::vector<openvz::Container>& containers);

}  // namespace hotsplice::hostd
