// The HTTP API's routes (docs/api.md): read-only GETs under /api/v1, POST actions guarded by
// the bearer token, /metrics, and the dashboard's static files. Every error is a JSON body
// {"error":{"code","message"}} with its 4xx/5xx status (http_response.h).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "hostagent/api_model.h"
#include "hostagent/http_response.h"

namespace hotsplice::hostd {

class ApiRouter {
 public:
  // token: the bearer token POST actions require; nullopt refuses them all with 503
  // token_unavailable (no usable token file).
  ApiRouter(ApiModel& model, std::optional<std::string> token, std::filesystem::path dashboard_dir);

  HttpResponse handle(const HttpRequest& request);

 private:
  HttpResponse get(const HttpRequest& request, const std::string& path, const std::string& query);
  HttpResponse post(const HttpRequest& request, const std::string& path);
  std::optional<HttpResponse> refuse_unauthorized(const HttpRequest& request) const;

  ApiModel& model_;
  std::optional<std::string> token_;
  std::filesystem::path dashboard_dir_;
};

}  // namespace hotsplice::hostd
