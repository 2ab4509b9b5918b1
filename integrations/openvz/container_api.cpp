#include "integrations/openvz/container_api.h"

#include <curl/curl.h>

#include <memory>

#include "integrations/openvz/error_codes.h"

namespace hotsplice::openvz {
namespace {

constexpr std::size_t kShortIdLength = 12;  // how `docker ps` shortens ids

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};

struct Body {
  std::string bytes;
  bool too_large = false;
};

size_t append_body(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  if (body->bytes.size() + size * count > kMaxListBytes) {
    body->too_large = true;
    return 0;  // makes curl stop with CURLE_WRITE_ERROR
  }
  body->bytes.append(data, size * count);
  return size * count;
}

std::string state_of(const Json& entry, const std::string& where,
                     std::vector<std::string>& warnings) {
  std::string state = lower_case(json_text(entry, "State", 64, where + ".State", warnings));
  if (!state.empty()) return state;
  std::string status = json_text(entry, "Status", kMaxNameLength, where + ".Status", warnings);
  if (status.rfind("Up", 0) == 0) return kStatusRunning;
  return status.empty() ? kStatusUnknown : lower_case(status);
}

std::string first_name(const Json& entry, const std::string& where,
                       std::vector<std::string>& warnings) {
  auto names = entry.find("Names");
  if (names == entry.end() || !names->is_array() || names->empty()) return "";
  std::string name = (*names)[0].is_string() ? (*names)[0].get<std::string>() : "";
  if (!name.empty() && name.front() == '/') name.erase(0, 1);
  return accept_text(name, kMaxNameLength, where + ".Names[0]", warnings);
}

}  // namespace

Expected<ContainerList> parse_container_api_list(std::string_view text, const char* source) {
  auto array = parse_json_array(text, std::string(source) + " /containers/json answer");
  if (!array) return array.error();
  ContainerList list;
  for_each_object(*array, source, list, [&](const Json& entry, const std::string& where) {
    std::string id = json_text(entry, "Id", kMaxIdLength, where + ".Id", list.warnings);
    if (id.empty() || id.find_first_not_of("0123456789abcdef") != std::string::npos) {
      list.warnings.push_back(where + ": no hexadecimal \"Id\", skipped");
      return;
    }
    Container container{id,     first_name(entry, where, list.warnings),
                        "",     state_of(entry, where, list.warnings),
                        source, KernelIdentity{}};
    if (container.name.empty()) container.name = id.substr(0, kShortIdLength);
    list.containers.push_back(std::move(container));
  });
  return list;
}

Expected<std::string> query_container_api(const std::filesystem::path& socket,
                                          std::chrono::milliseconds timeout) {
  std::unique_ptr<CURL, EasyDeleter> easy(curl_easy_init());
  if (!easy) return Error(errc::kContainerApiFailed, "curl_easy_init failed");
  Body body;
  // The host part is ignored on a Unix socket; Docker and Podman need some Host header.
  curl_easy_setopt(easy.get(), CURLOPT_UNIX_SOCKET_PATH, socket.c_str());
  curl_easy_setopt(easy.get(), CURLOPT_URL, "http://localhost/containers/json?all=1");
  curl_easy_setopt(easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(easy.get(), CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(easy.get(), CURLOPT_WRITEDATA, &body);
  std::string what = "GET /containers/json on " + socket.string();
  CURLcode result = curl_easy_perform(easy.get());
  if (body.too_large) {
    return Error(errc::kContainerApiFailed,
                 what + ": answer larger than " + std::to_string(kMaxListBytes) + " bytes");
  }
  if (result != CURLE_OK) {
    return Error(errc::kContainerApiFailed, what + ": " + curl_easy_strerror(result));
  }
  long status = 0;
  curl_easy_getinfo(easy.get(), CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    return Error(errc::kContainerApiFailed, what + ": HTTP status " + std::to_string(status));
  }
  return std::move(body.bytes);
}

}  // namespace hotsplice::openvz
