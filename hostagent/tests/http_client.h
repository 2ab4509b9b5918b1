// A small blocking HTTP/1.1 client (Boost.Beast) for the tests that talk to a real hostd,
// Prometheus or the like on 127.0.0.1, and free_port() to give each a port of its own.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>

#include "core/base/json_reader.h"

namespace hotsplice::testing {

struct HttpAnswer {
  unsigned status = 0;  // 0: no connection
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  Json json() const { return Json::parse(body, nullptr, false); }
};

inline HttpAnswer http_call(std::uint16_t port, boost::beast::http::verb method,
                            const std::string& target, const std::string& body = "",
                            const std::map<std::string, std::string>& headers = {}) {
  namespace asio = boost::asio;
  namespace http = boost::beast::http;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return {};
  http::request<http::string_body> request(method, target, 11);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request, ec);
  if (ec) return {};
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 * 1024 * 1024);
  http::read(socket, buffer, parser, ec);
  if (ec) return {};
  HttpAnswer answer;
  answer.status = parser.get().result_int();
  answer.body = parser.get().body();
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    answer.headers[name] = std::string(field.value());
  }
  return answer;
}

inline HttpAnswer http_get(std::uint16_t port, const std::string& target) {
  return http_call(port, boost::beast::http::verb::get, target);
}

// Sends bytes as they are and returns everything read until the server closes (or 5 s).
inline std::string raw_exchange(std::uint16_t port, const std::string& bytes) {
  namespace asio = boost::asio;
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect({asio::ip::make_address("127.0.0.1"), port}, ec);
  if (ec) return "";
  asio::write(socket, asio::buffer(bytes), ec);
  timeval timeout{5, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  std::string out;
  char chunk[4096];
  for (;;) {
    std::size_t n = socket.read_some(asio::buffer(chunk), ec);
    out.append(chunk, n);
    if (ec) break;
  }
  return out;
}

// A port nothing listens on right now (the kernel's choice for a bind to port 0).
inline std::uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

}  // namespace hotsplice::testing
