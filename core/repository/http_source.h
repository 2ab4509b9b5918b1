// A repository behind an HTTP(S) base URL, fetched with libcurl. Proxies work the way
// operators expect: libcurl's standard environment variables (http_proxy, https_proxy,
// all_proxy, no_proxy; upper-case too except HTTP_PROXY) unless HttpOptions names a proxy.
// TLS peers are always verified. Every download is capped in bytes and time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "core/base/expected.h"
#include "core/repository/repository_source.h"

namespace hotsplice::repository {

struct HttpOptions {
  // "http://proxy.example:3128" (any scheme libcurl knows). Set: used for every request
  // and the environment is ignored (no_proxy then comes from `no_proxy` below). Unset: the
  // environment variables decide.
  std::optional<std::string> proxy;
  std::optional<std::string> no_proxy;  // comma-separated hosts that bypass `proxy`
  std::optional<std::string> ca_file;   // PEM bundle replacing the system's CA store
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds total_timeout{300};  // one file, connect to last byte
  // A transfer slower than low_speed_bytes per second for low_speed_time is abandoned
  // (errc::kDownloadTimeout): a stalled or trickling server cannot hold a sync forever.
  std::size_t low_speed_bytes = 1024;
  std::chrono::seconds low_speed_time{30};
  // Cap on any one download, whatever the caller asks for (each fetch is also capped by
  // its own max_bytes): a hostile server never fills memory.
  std::size_t max_bytes = 256u << 20;
  std::string user_agent = "hotsplice";
};

class HttpSource final : public RepositorySource {
 public:
  // base_url: "http://..." or "https://..." (else every fetch fails with errc::kInvalidUrl);
  // files are fetched from base_url + "/" + name.
  HttpSource(std::string base_url, HttpOptions options = {});

  // Codes: errc::kNotFound (HTTP 404/410), errc::kHttpStatus (any other non-2xx, the status
  // in the message), errc::kDownloadTooLarge, errc::kDownloadTruncated (connection closed
  // before Content-Length bytes), errc::kDownloadTimeout, errc::kFetchFailed (DNS, connect,
  // TLS, proxy: libcurl's message), errc::kInvalidUrl. Redirects are followed (at most 5,
  // http/https only). Blocking: call it off any event-loop thread.
  Expected<std::string> fetch(std::string_view name, std::size_t max_bytes) override;
  std::string describe() const override { return base_url_; }

 private:
  std::string base_url_;
  HttpOptions options_;
};

}  // namespace hotsplice::repository
