// hostd's control socket (/run/hotsplice/hostd.sock): a unix stream socket, mode 0600 and
// owned by hostd's user (root), so only root can drive hostd. One request per connection
// (control_protocol.h); each connection has a deadline, a size bound on the request, and
// cannot hold up another.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "core/base/expected.h"
#include "core/base/log.h"
#include "hostagent/control_protocol.h"

namespace hotsplice::hostd {

// Whether another hotsplice-hostd answers on the control socket at path (it may use another
// state_dir, so the state_dir lock does not see it). Errors: errc::kAlreadyRunning when one
// answers. A stale socket (nobody answers) is left for listen() to replace. Touches nothing.
Status check_no_other_hostd(const std::filesystem::path& path);

class ControlServer {
 public:
  // Runs on the io_context; returns the response line (encode_ok / encode_error).
  using Handler = std::function<std::string(const ControlRequest&)>;

  ControlServer(boost::asio::io_context& io, Logger& log, Handler handler);
  ~ControlServer();

  // Creates the socket (and its directory, 0755) at path, mode 0600. Refuses with
  // socket_setup when another process answers there (a second hostd); a stale socket
  // file left by a crash is replaced.
  Status listen(const std::filesystem::path& path);
  void stop();

 private:
  void accept();

  Logger& log_;
  Handler handler_;
  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::filesystem::path path_;
};

}  // namespace hotsplice::hostd
