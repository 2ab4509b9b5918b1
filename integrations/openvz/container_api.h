// Docker and Podman containers through their API sockets: GET /containers/json?all=1
// (Docker Engine API "ContainerList"; Podman serves the same Docker-compatible endpoint).
// The answer's parser is a pure function so tests use recorded answers
// (tests/fixtures/containers); the query speaks HTTP over the Unix socket with libcurl.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

// An array of objects with "Id", "Names" (["/web"]; the leading '/' removed), "State"
// ("running", "exited", ...; older engines only have "Status": "Up 3 hours" = running).
// The list endpoint carries no hostname, so hostname stays empty. An entry without a
// usable Id is skipped with a warning; source is kSourceDocker or kSourcePodman.
Expected<ContainerList> parse_container_api_list(std::string_view text, const char* source);

// The body of GET http://localhost/containers/json?all=1 over the Unix socket at socket.
// "container_api_failed" when the socket does not answer, the status is not 200, the body
// is over kMaxListBytes, or timeout passes.
Expected<std::string> query_container_api(const std::filesystem::path& socket,
                                          std::chrono::milliseconds timeout);

}  // namespace hotsplice::openvz
