#include "hostagent/control_server.h"

#include <sys/stat.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "core/base/file_io.h"
#include "hostagent/control_client.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {
namespace {

namespace asio = boost::asio;
using stream = asio::local::stream_protocol;

constexpr std::chrono::seconds kConnectionDeadline{10};

// One client connection: read a line, answer it, close; the timer closes a slow client.
struct ControlConnection : std::enable_shared_from_this<ControlConnection> {
  ControlConnection(stream::socket s, ControlServer::Handler& h)
      : socket(std::move(s)),
        timer(socket.get_executor()),
        buffer(kMaxControlRequestBytes + 1),
        handler(h) {}

  void start() {
    auto self = shared_from_this();
    timer.expires_after(kConnectionDeadline);
    timer.async_wait([self](boost::system::error_code ec) {
      if (!ec) self->socket.close();
    });
    asio::async_read_until(
        socket, buffer, '\n',
        [self](boost::system::error_code ec, std::size_t length) { self->on_line(ec, length); });
  }

  void on_line(boost::system::error_code ec, std::size_t length) {
    if (ec == asio::error::not_found) {
      answer(encode_error(
          Error(errc::kControlTooLarge,
                "request larger than " + std::to_string(kMaxControlRequestBytes) + " bytes")));
      return;
    }
    if (ec) return;  // the client went away or was too slow
    std::string line(asio::buffers_begin(buffer.data()),
                     asio::buffers_begin(buffer.data()) + static_cast<std::ptrdiff_t>(length - 1));
    auto request = parse_request(line);
    answer(request ? handler(*request) : encode_error(request.error()));
  }

  void answer(std::string response) {
    auto self = shared_from_this();
    reply = std::move(response) + "\n";
    asio::async_write(socket, asio::buffer(reply), [self](boost::system::error_code, std::size_t) {
      boost::system::error_code ignored;
      self->socket.shutdown(stream::socket::shutdown_both, ignored);
      self->socket.close(ignored);
      self->timer.cancel();
    });
  }

  stream::socket socket;
  asio::steady_timer timer;
  asio::streambuf buffer;
  ControlServer::Handler& handler;
  std::string reply;
};

}  // namespace

ControlServer::ControlServer(asio::io_context& io, Logger& log, Handler handler)
    : log_(log), handler_(std::move(handler)), acceptor_(io) {}

ControlServer::~ControlServer() {
  stop();
}

Status check_no_other_hostd(const std::filesystem::path& path) {
  std::error_code exists_error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(path, exists_error))) {
    return Status::ok();
  }
  auto probe = call_hostd(path, ControlRequest{}, std::chrono::seconds(2));
  if (probe || probe.error().code() != errc::kHostdNotRunning) {
    return Error(errc::kAlreadyRunning,
                 "another hotsplice-hostd answers on " + path.string() + "; not starting twice");
  }
  return Status::ok();
}

Status ControlServer::listen(const std::filesystem::path& path) {
  if (path.has_parent_path()) {
    if (auto s = ensure_directory(path.parent_path(), 0755); !s) {
      return Error(errc::kSocketSetup, s.error().message());
    }
  }
  std::error_code exists_error;
  if (std::filesystem::exists(std::filesystem::symlink_status(path, exists_error))) {
    if (auto alone = check_no_other_hostd(path); !alone) return alone;
    std::filesystem::remove(path, exists_error);  // a stale socket of a crashed hostd
  }
  boost::system::error_code ec;
  // Created 0600 from the start: the umask closes the window between bind and chmod.
  mode_t old_mask = ::umask(0177);
  acceptor_.open(stream(), ec);
  if (!ec) acceptor_.bind(stream::endpoint(path.string()), ec);
  ::umask(old_mask);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(errc::kSocketSetup, "control socket " + path.string() + ": " + ec.message());
  }
  if (::chmod(path.c_str(), 0600) != 0) {
    return Error(errc::kSocketSetup, "chmod 0600 " + path.string() + ": " + errno_text(errno));
  }
  path_ = path;
  accept();
  return Status::ok();
}

void ControlServer::accept() {
  acceptor_.async_accept([this](boost::system::error_code ec, stream::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (!ec) {
      std::make_shared<ControlConnection>(std::move(socket), handler_)->start();
    } else {
      // e.g. EMFILE: this connection is lost, the socket keeps listening for the next.
      log_.warning("control socket accept failed", {{"error", ec.message()}});
    }
    if (acceptor_.is_open()) accept();
  });
}

void ControlServer::stop() {
  if (!acceptor_.is_open()) return;
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  std::error_code removed;
  std::filesystem::remove(path_, removed);
}

}  // namespace hotsplice::hostd
