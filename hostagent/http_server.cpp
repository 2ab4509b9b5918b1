#include "hostagent/http_server.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <memory>
#include <optional>

#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Shared {
  Handler handler;
  HttpLimits limits;
  Logger& log;
  std::size_t sessions = 0;
};

namespace {

// One connection: read a request (bounded, with a deadline), answer it, and read the next
// while the client keeps the connection alive.
class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    ++shared_->sessions;
  }
  ~HttpSession() { --shared_->sessions; }

  void start() {
    // Runs the first read on the session's strand (the socket was accepted onto it).
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read(true); });
  }

 private:
  void read(bool first) {
    parser_.emplace();
    parser_->body_limit(shared_->limits.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(shared_->limits.max_header_bytes));
    stream_.expires_after(first ? shared_->limits.request_timeout : shared_->limits.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
        ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof) {
      close();
      return;
    }
    if (ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http::error::buffer_overflow) {
      bool body = ec == http::error::body_limit;
      write(error_response(
          11, false,
          body ? HttpStatus::payload_too_large : HttpStatus::request_header_fields_too_large,
          errc::kHttpBodyTooLarge,
          body ? "request body larger than " + std::to_string(shared_->limits.max_body_bytes) +
                     " bytes"
               : "request headers larger than " + std::to_string(shared_->limits.max_header_bytes) +
                     " bytes"));
      return;
    }
    if (ec) {
      write(error_response(11, false, HttpStatus::bad_request, errc::kHttpBadRequest,
                           "malformed HTTP request: " + ec.message()));
      return;
    }
    HttpRequest request = parser_->release();
    HttpResponse response = [&] {
      try {
        return shared_->handler(request);
      } catch (const std::exception& e) {  // a bug must cost one answer, not hostd
        shared_->log.error("HTTP handler failed",
                           {{"target", std::string(request.target())}, {"error", e.what()}});
        return error_response(request.version(), false, HttpStatus::internal_server_error,
                              errc::kHttpInternal, "hostd could not answer this request");
      }
    }();
    write(std::move(response));
  }

  void write(HttpResponse response) {
    response_ = std::move(response);
    stream_.expires_after(shared_->limits.request_timeout);
    http::async_write(stream_, response_,
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || !self->response_.keep_alive()) {
                          self->close();
                          return;
                        }
                        self->read(false);
                      });
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::shared_ptr<HttpServer::Shared> shared_;
  std::optional<http::request_parser<http::string_body>> parser_;
  HttpResponse response_;
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, Logger& log, Handler handler, HttpLimits limits)
    : io_(io),
      log_(log),
      shared_(std::make_shared<Shared>(Shared{std::move(handler), limits, log, 0})),
      acceptor_(asio::make_strand(io)) {}

HttpServer::~HttpServer() {
  stop();
}

Status HttpServer::listen(const std::string& host, std::uint16_t port) {
  beast::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  tcp::endpoint endpoint(address, port);
  if (!ec) acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Error(errc::kHttpListen,
                 "HTTP API on " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  port_ = acceptor_.local_endpoint().port();
  accept();
  return Status::ok();
}

void HttpServer::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) {
      if (shared_->sessions >= shared_->limits.max_sessions) {
        log_.warning("HTTP connection refused: too many open",
                     {{"limit", shared_->limits.max_sessions}});
        beast::error_code ignored;
        socket.close(ignored);
      } else {
        std::make_shared<HttpSession>(std::move(socket), shared_)->start();
      }
    }
    accept();
  });
}

void HttpServer::stop() {
  if (!acceptor_.is_open()) return;
  beast::error_code ignored;
  acceptor_.close(ignored);
}

}  // namespace hotsplice::hostd
