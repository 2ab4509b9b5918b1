// HTTP responses of hostd's API: JSON bodies, the JSON error shape every 4xx/5xx carries
// ({"error": {"code", "message"}}), and the headers every answer has.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/base/json_reader.h"

namespace hotsplice::hostd {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;
using HttpStatus = boost::beast::http::status;

// 200 (or status) with body as JSON.
HttpResponse json_response(const HttpRequest& request, const Json& body,
                           HttpStatus status = HttpStatus::ok);
// {"error":{"code":code,"message":message}} with status.
HttpResponse error_response(unsigned version, bool keep_alive, HttpStatus status,
                            std::string_view code, std::string_view message);
HttpResponse error_response(const HttpRequest& request, HttpStatus status, const Error& error);
// The HTTP status an error code of hostd maps to (docs/api.md lists them); 500 for codes
// that mean hostd itself failed.
HttpStatus status_for(const Error& error);
// Headers every response gets: no caching of live state, no sniffing, no framing.
void set_common_headers(HttpResponse& response);

}  // namespace hotsplice::hostd
