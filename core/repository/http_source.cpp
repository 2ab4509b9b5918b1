#include "core/repository/http_source.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>

#include "core/repository/error_codes.h"

namespace hotsplice::repository {
namespace {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct CurlFreeDeleter {
  void operator()(char* text) const { curl_free(text); }
};

// curl_global_init is not thread-safe and must run once before any handle exists.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Download {
  CURL* easy = nullptr;
  std::size_t cap = 0;
  std::string body;
  bool over_cap = false;
};

bool is_success(long status) {
  return status >= 200 && status < 300;
}

// Keeps the body of a successful response, up to the cap; an error page is read and
// dropped (its size says nothing about the file we asked for).
std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* download = static_cast<Download*>(user);
  std::size_t bytes = size * count;
  long status = 0;
  curl_easy_getinfo(download->easy, CURLINFO_RESPONSE_CODE, &status);
  if (!is_success(status)) return bytes;
  if (download->body.size() + bytes > download->cap) {
    download->over_cap = true;
    return 0;  // CURLE_WRITE_ERROR: stop reading now
  }
  download->body.append(data, bytes);
  return bytes;
}

bool has_http_scheme(const std::string& url) {
  return url.starts_with("http://") || url.starts_with("https://");
}

}  // namespace

HttpSource::HttpSource(std::string base_url, HttpOptions options)
    : base_url_(std::move(base_url)), options_(std::move(options)) {
  while (base_url_.ends_with("/")) base_url_.pop_back();
}

Expected<std::string> HttpSource::fetch(std::string_view name, std::size_t max_bytes) {
  if (!has_http_scheme(base_url_)) {
    return Error(errc::kInvalidUrl,
                 "\"" + base_url_ + "\" is not an http:// or https:// repository URL");
  }
  if (Status checked = check_file_name(name); !checked) return checked.error();
  init_curl_once();
  EasyHandle easy(curl_easy_init());
  if (!easy) return Error(errc::kFetchFailed, "libcurl could not create a transfer");
  std::unique_ptr<char, CurlFreeDeleter> escaped(
      curl_easy_escape(easy.get(), name.data(), static_cast<int>(name.size())));
  if (!escaped) return Error(errc::kFetchFailed, "libcurl could not escape a file name");
  const std::string url = base_url_ + "/" + escaped.get();
  std::string via = options_.proxy ? " through proxy " + *options_.proxy : "";

  Download download{easy.get(), std::min(max_bytes, options_.max_bytes), {}, false};
  char error_text[CURL_ERROR_SIZE] = {};
  CURL* handle = easy.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_text);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM in a threaded daemon
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(handle, CURLOPT_MAXREDIRS, 5L);
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_TIMEOUT, static_cast<long>(options_.total_timeout.count()));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_LIMIT, static_cast<long>(options_.low_speed_bytes));
  curl_easy_setopt(handle, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(options_.low_speed_time.count()));
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(handle, CURLOPT_SSL_VERIFYHOST, 2L);
  if (options_.ca_file) curl_easy_setopt(handle, CURLOPT_CAINFO, options_.ca_file->c_str());
  if (options_.proxy) {
    curl_easy_setopt(handle, CURLOPT_PROXY, options_.proxy->c_str());
    // Set (even empty) so that no_proxy from the environment cannot bypass an explicit proxy.
    curl_easy_setopt(handle, CURLOPT_NOPROXY, options_.no_proxy.value_or("").c_str());
  }
  curl_easy_setopt(handle, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(handle, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(download.cap));
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &download);

  CURLcode result = curl_easy_perform(handle);
  std::string why = error_text[0] != '\0' ? error_text : curl_easy_strerror(result);
  const std::string what = "GET " + url + via;
  switch (result) {
    case CURLE_OK:
      break;
    case CURLE_FILESIZE_EXCEEDED:
    case CURLE_WRITE_ERROR:
      if (result == CURLE_FILESIZE_EXCEEDED || download.over_cap) {
        return Error(errc::kDownloadTooLarge,
                     what + ": more than the limit of " + std::to_string(download.cap) + " bytes");
      }
      return Error(errc::kFetchFailed, what + ": " + why);
    case CURLE_PARTIAL_FILE:
      return Error(errc::kDownloadTruncated,
                   what + ": the connection closed after " + std::to_string(download.body.size()) +
                       " bytes, before the announced length (" + why + ")");
    case CURLE_OPERATION_TIMEDOUT:
      return Error(
          errc::kDownloadTimeout,
          what + ": " + why + " (limits: " + std::to_string(options_.total_timeout.count()) +
              " s in all, at least " + std::to_string(options_.low_speed_bytes) +
              " bytes/s over any " + std::to_string(options_.low_speed_time.count()) + " s)");
    default:
      return Error(errc::kFetchFailed, what + ": " + why);
  }
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  if (status == 404 || status == 410) {
    return Error(errc::kNotFound,
                 what + ": HTTP " + std::to_string(status) + ", no such file in the repository");
  }
  if (!is_success(status)) {
    return Error(errc::kHttpStatus, what + ": HTTP status " + std::to_string(status));
  }
  return std::move(download.body);
}

}  // namespace hotsplice::repository
