#include "tests/vm/guestd_host_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "core/base/file_io.h"
#include "core/protocol/error_codes.h"
#include "tests/vm/error_codes.h"

namespace hotsplice::vm {

using namespace protocol;
using Clock = std::chrono::steady_clock;

namespace {

Expected<int> connect_once(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return io_error("socket", errno);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    int saved = errno;
    ::close(fd);
    return io_error("connect " + path.string(), saved);
  }
  return fd;
}

}  // namespace

HostSessionOptions AgentClient::test_options() {
  HostSessionOptions options;
  options.agent_version = "vm-test";
  options.chunk_bytes = 16 * 1024;
  options.window_bytes = 64 * 1024;
  options.max_queued_output_bytes =
      chunk_frame_bound(options.chunk_bytes) * 4 + kControlReserveBytes;
  options.sync_timeout = std::chrono::seconds(30);
  options.chunk_timeout = std::chrono::seconds(60);
  options.request_timeout = std::chrono::seconds(60);
  return options;
}

AgentClient::AgentClient(int fd, HostSessionOptions options)
    : fd_(fd),
      session_(std::make_unique<HostSession>(std::move(options))),
      raw_(std::make_unique<FrameStream>(fd)) {}

AgentClient::~AgentClient() {
  if (fd_ >= 0) ::close(fd_);
}

AgentClient::AgentClient(AgentClient&& other) noexcept
    : fd_(other.fd_),
      session_(std::move(other.session_)),
      raw_(std::move(other.raw_)),
      unwritten_(std::move(other.unwritten_)),
      hello_(std::move(other.hello_)) {
  other.fd_ = -1;
}

AgentClient& AgentClient::operator=(AgentClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    session_ = std::move(other.session_);
    raw_ = std::move(other.raw_);
    unwritten_ = std::move(other.unwritten_);
    hello_ = std::move(other.hello_);
    other.fd_ = -1;
  }
  return *this;
}

void AgentClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  raw_.reset();
  session_.reset();
}

Expected<AgentClient> AgentClient::connect(const std::filesystem::path& socket,
                                           std::chrono::milliseconds timeout,
                                           HostSessionOptions options) {
  auto deadline = Clock::now() + timeout;
  Error last(protocol::errc::kTimeout, "agent did not answer sync on " + socket.string());
  while (Clock::now() < deadline) {
    auto fd = connect_once(socket);
    if (!fd) {
      last = fd.error();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    // The agent may not have noticed the connection yet (or is still booting): the session
    // sends its sync again every sync_resend until the deadline.
    options.sync_timeout =
        std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                 std::chrono::milliseconds(1));
    AgentClient client(*fd, options);
    client.session_->start();
    auto event = client.next_event();
    if (!event) {
      last = event.error();
      continue;
    }
    if (auto* ready = std::get_if<Ready>(&*event)) {
      client.hello_ = ready->hello;
      return client;
    }
    return Error(errc::kUnexpectedEvent, "connecting: the session did not become ready");
  }
  return last;
}

Expected<HostEvent> AgentClient::next_event(std::optional<std::uint64_t> stop_after_bytes) {
  if (!session_) return Error(protocol::errc::kDisconnected, "the client is disconnected");
  for (;;) {
    auto events = session_->take_events();
    if (!events.empty()) {
      // One request at a time: each produces exactly one event.
      if (auto* failed = std::get_if<SessionFailed>(&events.front())) return failed->error;
      return std::move(events.front());
    }
    if (unwritten_.empty()) {
      unwritten_ = session_->take_output();
      auto progress = session_->transfer_progress();
      if (stop_after_bytes && progress && progress->queued > *stop_after_bytes) {
        unwritten_.clear();  // what a host cut off in the middle never wrote
        return Error(errc::kTransferCut, "transfer stopped by the test");
      }
    }
    pollfd descriptor{fd_, static_cast<short>(POLLIN | (unwritten_.empty() ? 0 : POLLOUT)), 0};
    int wait_ms = 1000;
    if (auto deadline = session_->next_deadline()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, 1000));
    }
    int ready = ::poll(&descriptor, 1, wait_ms);
    if (ready < 0 && errno != EINTR) return io_error("poll", errno);
    if (ready > 0 && (descriptor.revents & POLLOUT)) {
      ssize_t written = ::send(fd_, unwritten_.data(), unwritten_.size(), MSG_NOSIGNAL);
      if (written < 0 && errno != EAGAIN && errno != EINTR) {
        return io_error("write to the agent socket", errno);
      }
      if (written > 0) unwritten_.erase(0, static_cast<std::size_t>(written));
    }
    if (ready > 0 && (descriptor.revents & (POLLIN | POLLHUP | POLLERR))) {
      char buffer[64 * 1024];
      ssize_t got = ::read(fd_, buffer, sizeof(buffer));
      if (got == 0) return Error(protocol::errc::kDisconnected, "the agent socket closed");
      if (got < 0 && errno != EAGAIN && errno != EINTR) {
        return io_error("read from the agent socket", errno);
      }
      if (got > 0) session_->on_bytes(std::string_view(buffer, static_cast<std::size_t>(got)));
    }
    session_->tick();
  }
}

Expected<Inventory> AgentClient::inventory() {
  if (!session_) return Error(protocol::errc::kDisconnected, "the client is disconnected");
  if (Status started = session_->request_inventory(); !started) return started.error();
  auto event = next_event();
  if (!event) return event.error();
  if (auto* inventory = std::get_if<Inventory>(&*event)) return *inventory;
  if (auto* result = std::get_if<RequestResult>(&*event)) {
    return Error(result->result.code, "inventory refused: " + result->result.message);
  }
  return Error(errc::kUnexpectedEvent, "inventory_request answered with another event");
}

Expected<std::uint64_t> AgentClient::send_bundle(const std::string& bundle_id,
                                                 const std::string& bundle,
                                                 std::optional<std::uint64_t> stop_after_bytes) {
  if (!session_) return Error(protocol::errc::kDisconnected, "the client is disconnected");
  auto bytes = std::make_shared<const std::string>(bundle);
  if (Status started = session_->send_bundle(bundle_id, bytes); !started) return started.error();
  auto event = next_event(stop_after_bytes);
  if (!event && event.error().code() == errc::kTransferCut) {
    return session_->transfer_progress()->resumed_from;
  }
  if (!event) return event.error();
  if (auto* done = std::get_if<TransferDone>(&*event)) return done->resumed_from;
  if (auto* result = std::get_if<RequestResult>(&*event)) {
    return Error(errc::kTransferFailed, std::string(request_kind_name(result->kind)) +
                                            " refused: " + result->result.code + ": " +
                                            result->result.message);
  }
  return Error(errc::kUnexpectedEvent, "the transfer ended with another event");
}

Expected<Result> AgentClient::request_result(Status started, RequestKind kind) {
  if (!started) return started.error();
  auto event = next_event();
  if (!event) return event.error();
  if (auto* result = std::get_if<RequestResult>(&*event); result && result->kind == kind) {
    return result->result;
  }
  return Error(errc::kUnexpectedEvent,
               std::string(request_kind_name(kind)) + " answered with another event");
}

Expected<Result> AgentClient::apply(const std::string& bundle_id) {
  if (!session_) return Error(protocol::errc::kDisconnected, "the client is disconnected");
  return request_result(session_->apply(bundle_id), RequestKind::apply);
}

Expected<Result> AgentClient::rollback(const std::string& bundle_id) {
  if (!session_) return Error(protocol::errc::kDisconnected, "the client is disconnected");
  return request_result(session_->rollback(bundle_id), RequestKind::rollback);
}

}  // namespace hotsplice::vm
