// libFuzzer target: hostd's control protocol (hostagent/control_protocol.h), both ways: a
// request line as any local user of the socket may send it, and a response line as the CLI
// reads it. Anything may be refused with a named error; nothing may crash. A request that
// parses encodes to a line that parses back to the same request.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "hostagent/control_protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto request = hotsplice::hostd::parse_request(line);
  if (request) {
    if (request->guest.size() > hotsplice::hostd::kMaxControlNameLength ||
        request->patch.size() > hotsplice::hostd::kMaxControlNameLength) {
      __builtin_trap();
    }
    auto again = hotsplice::hostd::parse_request(hotsplice::hostd::encode_request(*request));
    if (!again || !(*again == *request)) __builtin_trap();
  } else if (request.error().code().empty() || request.error().message().empty()) {
    std::abort();
  }
  auto response = hotsplice::hostd::parse_response(line);
  if (!response && response.error().code().empty()) std::abort();
  return 0;
}
