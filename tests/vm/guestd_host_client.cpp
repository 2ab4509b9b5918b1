#include "tests/vm/guestd_host_client.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/base/file_io.h"
#include "core/crypto/sha256.h"
#include "core/protocol/channel_sync.h"

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

std::optional<std::uint32_t> reply_id(const Message& message) {
  return std::visit(
      [](const auto& m) -> std::optional<std::uint32_t> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Hello> || std::is_same_v<T, Heartbeat>) {
          if (m.correlation.is_reply) return m.correlation.number;
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, ErrorMessage>) {
          return m.re;
        } else if constexpr (requires { m.re; }) {
          return m.re;
        } else {
          return std::nullopt;
        }
      },
      message);
}

}  // namespace

AgentClient::AgentClient(int fd) : fd_(fd), stream_(std::make_unique<FrameStream>(fd)) {}

AgentClient::~AgentClient() {
  if (fd_ >= 0) ::close(fd_);
}

AgentClient::AgentClient(AgentClient&& other) noexcept
    : fd_(other.fd_), stream_(std::move(other.stream_)), next_id_(other.next_id_) {
  other.fd_ = -1;
}

void AgentClient::disconnect() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  stream_.reset();
}

AgentClient& AgentClient::operator=(AgentClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    stream_ = std::move(other.stream_);
    next_id_ = other.next_id_;
    other.fd_ = -1;
  }
  return *this;
}

Expected<AgentClient> AgentClient::connect(const std::filesystem::path& socket,
                                           std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  Error last("timeout", "agent did not answer sync on " + socket.string());
  while (Clock::now() < deadline) {
    auto fd = connect_once(socket);
    if (!fd) {
      last = fd.error();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    AgentClient client(*fd);
    // The agent may not have noticed the connection yet (or is still booting): retry the
    // sync on the same connection, as a host agent would.
    while (Clock::now() < deadline) {
      auto acked = synchronise(client.stream(), client.next_id(), random_nonce(),
                               std::chrono::milliseconds(2000));
      if (acked) return client;
      last = acked.error();
      if (acked.error().code() != "timeout") break;
    }
  }
  return last;
}

Expected<Message> AgentClient::request(const Message& message, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  if (Status sent = stream_->send(message, timeout); !sent) return sent.error();
  auto id = find_request_id(to_json(message));
  while (Clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    auto incoming = stream_->receive(left);
    if (!incoming) return incoming.error();
    if (!incoming->message) continue;
    if (reply_id(*incoming->message) == id) return std::move(*incoming->message);
  }
  return Error("timeout", "no reply to " + std::string(type_of(message)));
}

Expected<Hello> AgentClient::hello() {
  Hello hello;
  hello.correlation = Correlation::request(next_id());
  hello.role = Role::host;
  hello.agent_version = "vm-test";
  hello.kernel = {"test", "test", "00"};
  auto reply = request(hello);
  if (!reply) return reply.error();
  if (auto* answer = std::get_if<Hello>(&*reply)) return *answer;
  return Error("unexpected_reply", "hello answered with " + std::string(type_of(*reply)));
}

Expected<std::uint64_t> AgentClient::send_bundle(const std::string& bundle_id,
                                                 const std::string& bundle, std::size_t chunk_bytes,
                                                 std::optional<std::uint64_t> stop_after_bytes) {
  std::string digest = sha256_hex(bundle);
  auto reply = request(Offer{next_id(), bundle_id, digest, bundle.size()});
  if (!reply) return reply.error();
  auto* accepted = std::get_if<OfferAccept>(&*reply);
  if (!accepted)
    return Error("offer_refused", "offer answered with " + std::string(type_of(*reply)));
  std::uint64_t offset = accepted->offset;
  std::uint64_t end =
      stop_after_bytes ? std::min<std::uint64_t>(*stop_after_bytes, bundle.size()) : bundle.size();
  for (std::uint64_t at = offset; at < end; at += chunk_bytes) {
    std::size_t length = static_cast<std::size_t>(std::min<std::uint64_t>(chunk_bytes, end - at));
    Chunk chunk{next_id(), digest, at, bundle.substr(at, length)};
    if (at + length < bundle.size()) {
      if (Status sent = stream_->send(chunk, std::chrono::seconds(30)); !sent) return sent.error();
      continue;
    }
    auto complete = request(chunk);
    if (!complete) return complete.error();
    if (!std::holds_alternative<TransferComplete>(*complete)) {
      return Error("transfer_failed", to_json(*complete).dump());
    }
  }
  return offset;
}

Expected<Result> AgentClient::apply(const std::string& bundle_id) {
  auto reply = request(Apply{next_id(), bundle_id});
  if (!reply) return reply.error();
  if (auto* result = std::get_if<Result>(&*reply)) return *result;
  return Error("unexpected_reply", to_json(*reply).dump());
}

Expected<Result> AgentClient::rollback(const std::string& bundle_id) {
  auto reply = request(Rollback{next_id(), bundle_id});
  if (!reply) return reply.error();
  if (auto* result = std::get_if<Result>(&*reply)) return *result;
  return Error("unexpected_reply", to_json(*reply).dump());
}

}  // namespace hotsplice::vm
