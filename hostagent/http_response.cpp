#include "hostagent/http_response.h"

#include <boost/beast/http/field.hpp>
#include <map>

#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

namespace http = boost::beast::http;

void set_common_headers(HttpResponse& response) {
  response.set(http::field::server, "hotsplice-hostd");
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
}

HttpResponse json_response(const HttpRequest& request, const Json& body, HttpStatus status) {
  HttpResponse response(status, request.version());
  set_common_headers(response);
  response.set(http::field::content_type, "application/json; charset=utf-8");
  response.keep_alive(request.keep_alive());
  // Guest names are untrusted bytes: invalid UTF-8 is replaced rather than refused.
  response.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  response.prepare_payload();
  return response;
}

HttpResponse error_response(unsigned version, bool keep_alive, HttpStatus status,
                            std::string_view code, std::string_view message) {
  HttpResponse response(status, version);
  set_common_headers(response);
  response.set(http::field::content_type, "application/json; charset=utf-8");
  response.keep_alive(keep_alive);
  Json body = {{"error", {{"code", code}, {"message", message}}}};
  response.body() = body.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
  response.prepare_payload();
  return response;
}

HttpResponse error_response(const HttpRequest& request, HttpStatus status, const Error& error) {
  return error_response(request.version(), request.keep_alive(), status, error.code(),
                        error.message());
}

HttpStatus status_for(const Error& error) {
  static const std::map<std::string, HttpStatus> kStatuses = {
      {errc::kHttpNotFound, HttpStatus::not_found},
      {errc::kUnknownGuest, HttpStatus::not_found},
      {errc::kUnknownBundle, HttpStatus::not_found},
      {errc::kHttpMethodNotAllowed, HttpStatus::method_not_allowed},
      {errc::kHttpBadJson, HttpStatus::bad_request},
      {errc::kHttpBadParameter, HttpStatus::bad_request},
      {errc::kHttpBadRequest, HttpStatus::bad_request},
      {errc::kHttpMissingToken, HttpStatus::unauthorized},
      {errc::kHttpWrongToken, HttpStatus::forbidden},
      {errc::kHttpBodyTooLarge, HttpStatus::payload_too_large},
      {errc::kHttpTokenUnavailable, HttpStatus::service_unavailable},
      {errc::kBundleNotForKernel, HttpStatus::conflict},
      {errc::kGuestNotReady, HttpStatus::conflict},
      {errc::kGuestBusy, HttpStatus::conflict},
  };
  auto it = kStatuses.find(error.code());
  return it == kStatuses.end() ? HttpStatus::internal_server_error : it->second;
}

}  // namespace hotsplice::hostd
