#include "hostagent/api_router.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <map>

#include "core/base/version.h"
#include "hostagent/api_token.h"
#include "hostagent/api_views.h"
#include "hostagent/error_codes.h"
#include "hostagent/metrics.h"
#include "hostagent/static_files.h"

namespace hotsplice::hostd {
namespace {

namespace http = boost::beast::http;
using http::verb;

constexpr std::string_view kGuestsPrefix = "/api/v1/guests/";

// A POST body is a JSON object (or empty, meaning {}).
Expected<Json> parse_body(const HttpRequest& request,
                          std::initializer_list<std::string_view> keys) {
  if (request.body().find_first_not_of(" \t\r\n") == std::string::npos) return Json::object();
  auto json = parse_json(request.body(), "request body");
  if (!json) return Error(errc::kHttpBadJson, json.error().message());
  auto object = JsonObject::from(*json, "request body");
  if (!object) return Error(errc::kHttpBadJson, object.error().message());
  if (auto s = object->only_fields(keys); !s) return Error(errc::kHttpBadJson, s.error().message());
  return *json;
}

// The optional string field "patch" of a body.
Expected<std::string> patch_of(const Json& body, bool required) {
  if (!body.contains("patch")) {
    if (required) return Error(errc::kHttpBadJson, "request body.patch: required");
    return std::string();
  }
  if (!body["patch"].is_string() || body["patch"].get<std::string>().empty() ||
      body["patch"].get<std::string>().size() > 256) {
    return Error(errc::kHttpBadJson, "request body.patch: expected a bundle id (1 to 256 bytes)");
  }
  return body["patch"].get<std::string>();
}

// Query parameters, percent-decoded; the last of a repeated key wins.
Expected<std::map<std::string, std::string>> parse_query(const std::string& query) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string::npos) end = query.size();
    std::string pair = query.substr(start, end - start);
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string::npos ? "" : pair.substr(eq + 1));
    if (!key || !value) {
      return Error(errc::kHttpBadParameter, "malformed query string near \"" + pair + "\"");
    }
    if (!key->empty()) out[*key] = *value;
    start = end + 1;
  }
  return out;
}

Expected<std::uint64_t> number_param(const std::map<std::string, std::string>& query,
                                     const std::string& key, std::uint64_t fallback,
                                     std::uint64_t max) {
  auto it = query.find(key);
  if (it == query.end()) return fallback;
  const std::string& text = it->second;
  if (text.empty() || text.size() > 19 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return Error(errc::kHttpBadParameter, key + ": expected a number, got \"" + text + "\"");
  }
  std::uint64_t value = std::stoull(text);
  if (value > max) {
    return Error(errc::kHttpBadParameter, key + ": at most " + std::to_string(max));
  }
  return value;
}

// The method a path answers to, nullopt for no such path.
std::optional<verb> method_for(const std::string& path) {
  static const std::map<std::string, verb, std::less<>> kExact = {
      {"/", verb::get},
      {"/metrics", verb::get},
      {"/api/v1/host", verb::get},
      {"/api/v1/guests", verb::get},
      {"/api/v1/patches", verb::get},
      {"/api/v1/events", verb::get},
      {"/api/v1/rollout/pause", verb::post},
      {"/api/v1/rollout/resume", verb::post},
  };
  if (auto it = kExact.find(path); it != kExact.end()) return it->second;
  if (path.starts_with("/static/")) return verb::get;
  if (!path.starts_with(kGuestsPrefix)) return std::nullopt;
  std::string_view rest = std::string_view(path).substr(kGuestsPrefix.size());
  auto slash = rest.find('/');
  if (rest.empty() || slash == 0) return std::nullopt;
  if (slash == std::string_view::npos) return verb::get;
  std::string_view action = rest.substr(slash + 1);
  if (action == "apply" || action == "rollback") return verb::post;
  return std::nullopt;
}

HttpResponse from_error(const HttpRequest& request, const Error& error) {
  return error_response(request, status_for(error), error);
}

HttpResponse from_expected(const HttpRequest& request, const Expected<Json>& result) {
  return result ? json_response(request, *result) : from_error(request, result.error());
}

}  // namespace

ApiRouter::ApiRouter(ApiModel& model, std::optional<std::string> token,
                     std::filesystem::path dashboard_dir)
    : model_(model), token_(std::move(token)), dashboard_dir_(std::move(dashboard_dir)) {}

HttpResponse ApiRouter::handle(const HttpRequest& request) {
  std::string target(request.target());
  auto question = target.find('?');
  std::string path = target.substr(0, question);
  std::string query = question == std::string::npos ? "" : target.substr(question + 1);
  auto method = method_for(path);
  if (!method) {
    return from_error(request, Error(errc::kHttpNotFound, "no such endpoint: " + path));
  }
  if (request.method() != *method) {
    auto response = from_error(
        request, Error(errc::kHttpMethodNotAllowed, std::string(http::to_string(request.method())) +
                                                        " is not allowed on " + path + "; use " +
                                                        std::string(http::to_string(*method))));
    response.set(http::field::allow, http::to_string(*method));
    return response;
  }
  return *method == verb::get ? get(request, path, query) : post(request, path);
}

HttpResponse ApiRouter::get(const HttpRequest& request, const std::string& path,
                            const std::string& query) {
  if (path == "/" || path.starts_with("/static/")) {
    return serve_static(dashboard_dir_, path, request);
  }
  if (path == "/metrics") {
    HttpResponse response(HttpStatus::ok, request.version());
    set_common_headers(response);
    response.set(http::field::content_type, kMetricsContentType);
    response.keep_alive(request.keep_alive());
    response.body() = model_.metrics();
    response.prepare_payload();
    return response;
  }
  if (path == "/api/v1/host") return json_response(request, model_.host());
  if (path == "/api/v1/guests") {
    return json_response(
        request, guests_document(model_.coverage(), Clock::now(), model_.guest_directory()));
  }
  if (path == "/api/v1/patches") {
    return json_response(request, patches_document(model_.bundles(), model_.coverage()));
  }
  if (path == "/api/v1/events") {
    auto params = parse_query(query);
    if (!params) return from_error(request, params.error());
    for (const auto& [key, value] : *params) {
      if (key != "after" && key != "limit") {
        return from_error(request, Error(errc::kHttpBadParameter,
                                         "unknown parameter \"" + key + "\" (after, limit)"));
      }
    }
    auto after = number_param(*params, "after", 0, INT64_MAX);
    if (!after) return from_error(request, after.error());
    auto limit = number_param(*params, "limit", kDefaultEventsPerPage, kMaxEventsPerPage);
    if (!limit) return from_error(request, limit.error());
    auto events = model_.events_after(static_cast<std::int64_t>(*after), *limit);
    if (!events) return from_error(request, events.error());
    std::map<std::string, std::string> names;
    for (const auto& record : model_.coverage()) names[record.id] = record.name;
    return json_response(request,
                         events_document(*events, names, static_cast<std::int64_t>(*after)));
  }
  // /api/v1/guests/{id}
  auto id = percent_decode(std::string_view(path).substr(kGuestsPrefix.size()));
  if (!id) return from_error(request, Error(errc::kHttpBadParameter, "malformed guest id"));
  auto records = model_.coverage();
  const CoverageRecord* record = find_record(records, *id);
  if (!record) {
    return from_error(
        request, Error(errc::kUnknownGuest, unknown_guest_message(*id, model_.guest_directory())));
  }
  auto history = model_.history(record->id);
  if (!history) return from_error(request, history.error());
  return json_response(request, guest_document(*record, *history));
}

std::optional<HttpResponse> ApiRouter::refuse_unauthorized(const HttpRequest& request) const {
  if (!token_) {
    return from_error(request,
                      Error(errc::kHttpTokenUnavailable,
                            "POST actions are disabled: hostd has no usable API token file "
                            "(see hostd's log and docs/api.md)"));
  }
  auto header = request.find(http::field::authorization);
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view value = header == request.end()
                               ? std::string_view()
                               : std::string_view(header->value().data(), header->value().size());
  if (!value.starts_with(kBearer)) {
    auto response = from_error(
        request, Error(errc::kHttpMissingToken, "this action needs Authorization: Bearer <token>"));
    response.set(http::field::www_authenticate, "Bearer realm=\"hotsplice\"");
    return response;
  }
  std::string_view given = value.substr(kBearer.size());
  if (!token_matches(*token_, given)) {
    return from_error(request, Error(errc::kHttpWrongToken, "the bearer token is not hostd's"));
  }
  return std::nullopt;
}

HttpResponse ApiRouter::post(const HttpRequest& request, const std::string& path) {
  if (auto refused = refuse_unauthorized(request)) return std::move(*refused);
  if (path == "/api/v1/rollout/pause" || path == "/api/v1/rollout/resume") {
    auto body = parse_body(request, {});
    if (!body) return from_error(request, body.error());
    return json_response(request, path.ends_with("/pause") ? model_.pause() : model_.resume());
  }
  // /api/v1/guests/{id}/apply|rollback
  std::string_view rest = std::string_view(path).substr(kGuestsPrefix.size());
  auto slash = rest.find('/');
  auto id = percent_decode(rest.substr(0, slash));
  if (!id) return from_error(request, Error(errc::kHttpBadParameter, "malformed guest id"));
  bool apply = rest.substr(slash + 1) == "apply";
  auto body = parse_body(request, {"patch"});
  if (!body) return from_error(request, body.error());
  auto patch = patch_of(*body, !apply);
  if (!patch) return from_error(request, patch.error());
  return from_expected(request, apply ? model_.apply(*id, *patch) : model_.rollback(*id, *patch));
}

}  // namespace hotsplice::hostd
