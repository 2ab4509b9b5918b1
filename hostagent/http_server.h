// hostd's HTTP listener (Boost.Beast) on hostd's own io_context: the shape of Beast's
// advanced/chat examples — an acceptor, and a session per connection that keeps itself alive
// through shared_from_this, runs on its own strand, bounds the request (header and body) and
// times out a client that is slow to send or idle between requests. Keep-alive is honoured.
// Requests are answered by one Handler, called on the session's strand; hostd runs its
// io_context on one thread, so the handler may read the rollout engine directly.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/base/expected.h"
#include "core/base/log.h"
#include "hostagent/http_response.h"

namespace hotsplice::hostd {

struct HttpLimits {
  std::size_t max_body_bytes = 64 * 1024;    // POST bodies are a few bytes of JSON
  std::size_t max_header_bytes = 16 * 1024;  // request line + headers
  std::chrono::seconds request_timeout{15};  // to receive a whole request once it started
  std::chrono::seconds idle_timeout{60};     // a keep-alive connection waiting for the next
  std::size_t max_sessions = 256;            // connections at once; more are closed at once
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;

  HttpServer(boost::asio::io_context& io, Logger& log, Handler handler, HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds host:port (port 0 picks a free one, see port()). http_listen on failure.
  Status listen(const std::string& host, std::uint16_t port);
  std::uint16_t port() const { return port_; }
  // Stops accepting; open sessions end with their next timeout or the io_context.
  void stop();

  // What the sessions share with the server (handler, limits, log, open session count);
  // defined in http_server.cpp, kept alive by every session.
  struct Shared;

 private:
  void accept();

  boost::asio::io_context& io_;
  Logger& log_;
  std::shared_ptr<Shared> shared_;  // handler, limits, session count; outlives sessions
  boost::asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace hotsplice::hostd
