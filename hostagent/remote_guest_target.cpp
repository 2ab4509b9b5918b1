#include "hostagent/remote_guest_target.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <variant>

#include "core/base/version.h"
#include "core/protocol/host_session.h"
#include "hostagent/error_codes.h"
#include "hostagent/guest_directory.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;
using SteadyClock = std::chrono::steady_clock;

// How often the session's clock is driven while connected: its timeouts are seconds, so a
// quarter second is precise enough and costs nothing measurable.
constexpr std::chrono::milliseconds kTickInterval{250};

class RemoteGuestTarget::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, std::string path, std::string name, const TimeoutConfig& timeouts,
       Logger& log)
      : io_(io),
        path_(std::move(path)),
        name_(std::move(name)),
        timeouts_(timeouts),
        log_(log),
        tick_timer_(io) {}

  void handshake(HelloDone done) {
    hello_done_ = std::move(done);
    if (session_ && ready_) {
      // Connected and synced: a fresh inventory is the guest's current truth.
      if (auto refused = session_->request_inventory(); !refused) {
        post_hello(std::move(hello_done_), refused.error());
        hello_done_ = nullptr;
        return;
      }
      flush();
      return;
    }
    if (connection_) return;  // connecting; Ready will answer
    connect();
  }

  void operation(std::function<void(protocol::HostSession&)> request, Done done) {
    if (!session_ || !ready_) {
      post_done(std::move(done),
                Error(errc::kTargetClosed, name_ + ": no session; handshake first"));
      return;
    }
    done_ = std::move(done);
    request(*session_);
    flush();
  }

  void set_lost(Lost lost) { lost_ = std::move(lost); }

  // Ends the connection and the session; pending completions get why. report_loss: a loss
  // nobody waits for (an idle session's heartbeat timed out, the guest closed the channel)
  // is reported through lost_, so the engine does not keep trusting a silent agent until
  // its next check. hostd's own close (report_loss false) reports nothing.
  void close(const Error& why, bool report_loss = true) {
    bool was_open = connection_ || session_;
    bool nothing_pending = !hello_done_ && !done_;
    tick_timer_.cancel();
    if (connection_) {
      auto connection = std::move(connection_);
      connection->close();
    }
    session_.reset();
    ready_ = false;
    if (hello_done_) post_hello(std::move(hello_done_), why);
    if (done_) post_done(std::move(done_), why);
    hello_done_ = nullptr;
    done_ = nullptr;
    if (report_loss && was_open && nothing_pending && lost_) {
      asio::post(io_, [lost = lost_, why] { lost(why); });
    }
  }

 private:
  void connect() {
    ChannelOptions options;
    options.connect_timeout = timeouts_.handshake;
    options.write_timeout = timeouts_.io;
    std::weak_ptr<Impl> weak = weak_from_this();
    connection_ = ChannelConnection::create(io_, options,
                                            {[weak](std::string_view bytes) {
                                               if (auto self = weak.lock()) self->on_bytes(bytes);
                                             },
                                             [weak](const Error& why) {
                                               if (auto self = weak.lock()) self->close(why);
                                             },
                                             [weak] {
                                               if (auto self = weak.lock()) self->flush();
                                             }});
    connection_->connect(path_, [weak](Status status) {
      auto self = weak.lock();
      if (!self) return;
      if (!status) {
        self->close(status.error());
        return;
      }
      self->session_ = std::make_unique<protocol::HostSession>(self->session_options());
      self->session_->start(SteadyClock::now());
      self->flush();
      self->schedule_tick();
    });
  }

  protocol::HostSessionOptions session_options() const {
    protocol::HostSessionOptions options;
    options.sync_timeout = timeouts_.handshake;
    options.hello_timeout = timeouts_.handshake;
    options.request_timeout = timeouts_.io;
    options.chunk_timeout = timeouts_.io;
    options.apply_timeout = timeouts_.apply;
    options.agent_version = std::string("hotsplice-hostd ") + kVersion;
    return options;
  }

  void schedule_tick() {
    std::weak_ptr<Impl> weak = weak_from_this();
    tick_timer_.expires_after(kTickInterval);
    tick_timer_.async_wait([weak](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->session_) return;
      self->session_->tick(SteadyClock::now());
      self->dispatch();
      if (self->session_) self->schedule_tick();
    });
  }

  void on_bytes(std::string_view bytes) {
    if (!session_) return;  // bytes before our sync: the session is not there to read them
    session_->on_bytes(bytes, SteadyClock::now());
    dispatch();
  }

  // Hands the session's output to the connection and its events to the engine.
  void dispatch() {
    if (!session_) return;
    for (auto& event : session_->take_events()) {
      if (!handle(event)) return;  // the session failed and is gone
    }
    flush();
  }

  // One batch of the session's output in flight at a time: more is taken only once the
  // connection drained (on_drained), so a guest's memory is the session's bound plus one batch.
  void flush() {
    if (!session_ || !connection_ || connection_->queued_bytes() > 0) return;
    std::string out = session_->take_output();
    if (out.empty()) return;
    if (auto status = connection_->write(std::move(out)); !status) close(status.error());
  }

  bool handle(protocol::HostEvent& event) {
    if (auto* ready = std::get_if<protocol::Ready>(&event)) {
      ready_ = true;
      agent_version_ = ready->hello.agent_version;
      complete_hello(TargetHello{ready->hello.kernel, ready->hello.applied_patches, agent_version_,
                                 ready->hello.crash_records});
    } else if (auto* inventory = std::get_if<protocol::Inventory>(&event)) {
      complete_hello(TargetHello{inventory->kernel, inventory->applied_patches, agent_version_,
                                 inventory->crash_records});
    } else if (std::get_if<protocol::TransferDone>(&event)) {
      complete(Status::ok());
    } else if (auto* result = std::get_if<protocol::RequestResult>(&event)) {
      const protocol::Result& r = result->result;
      Status status = r.ok ? Status::ok() : Status(Error(r.code, r.message));
      if (result->kind == protocol::RequestKind::inventory) {
        if (!status && hello_done_) {
          post_hello(std::move(hello_done_), status.error());
          hello_done_ = nullptr;
        }
      } else {
        complete(std::move(status));  // a refused offer or chunk ends the transfer
      }
    } else if (auto* failed = std::get_if<protocol::SessionFailed>(&event)) {
      log_.warning(
          "guest session failed",
          {{"guest", name_}, {"code", failed->error.code()}, {"error", failed->error.message()}});
      close(failed->error);
      return false;
    }
    return true;
  }

  void complete_hello(TargetHello hello) {
    if (!hello_done_) return;
    post_hello(std::move(hello_done_), std::move(hello));
    hello_done_ = nullptr;
  }

  void complete(Status status) {
    if (!done_) return;
    post_done(std::move(done_), std::move(status));
    done_ = nullptr;
  }

  // Completions always run later on the io_context, never inside the caller's call.
  void post_hello(HelloDone done, Expected<TargetHello> hello) {
    asio::post(io_, [done = std::move(done), hello = std::move(hello)]() mutable {
      done(std::move(hello));
    });
  }
  void post_done(Done done, Status status) {
    asio::post(io_, [done = std::move(done), status = std::move(status)]() mutable {
      done(std::move(status));
    });
  }

  asio::io_context& io_;
  std::string path_;
  std::string name_;
  TimeoutConfig timeouts_;
  Logger& log_;
  asio::steady_timer tick_timer_;
  std::shared_ptr<ChannelConnection> connection_;
  std::unique_ptr<protocol::HostSession> session_;
  bool ready_ = false;
  std::string agent_version_;
  HelloDone hello_done_;
  Done done_;
  Lost lost_;
};

RemoteGuestTarget::RemoteGuestTarget(asio::io_context& io, std::string channel_path,
                                     std::string guest_name, const TimeoutConfig& timeouts,
                                     Logger& log)
    : impl_(std::make_shared<Impl>(io, std::move(channel_path), std::move(guest_name), timeouts,
                                   log)) {}

RemoteGuestTarget::~RemoteGuestTarget() {
  impl_->close(Error(errc::kTargetClosed, "target closed"), false);
}

void RemoteGuestTarget::handshake(HelloDone done) {
  impl_->handshake(std::move(done));
}

void RemoteGuestTarget::send_bundle(const std::string& bundle_id,
                                    std::shared_ptr<const std::string> bundle_bytes, Done done) {
  impl_->operation(
      [&](protocol::HostSession& session) { return session.send_bundle(bundle_id, bundle_bytes); },
      std::move(done));
}

void RemoteGuestTarget::apply(const std::string& bundle_id, Done done) {
  impl_->operation([&](protocol::HostSession& session) { return session.apply(bundle_id); },
                   std::move(done));
}

void RemoteGuestTarget::apply_clearing_crash_record(const std::string& bundle_id, Done done) {
  impl_->operation(
      [&](protocol::HostSession& session) {
        return session.apply_clearing_crash_record(bundle_id);
      },
      std::move(done));
}

void RemoteGuestTarget::rollback(const std::string& bundle_id, Done done) {
  impl_->operation([&](protocol::HostSession& session) { return session.rollback(bundle_id); },
                   std::move(done));
}

void RemoteGuestTarget::on_lost(Lost lost) {
  impl_->set_lost(std::move(lost));
}

void RemoteGuestTarget::close() {
  impl_->close(Error(errc::kTargetClosed, "target closed"), false);
}

TargetFactory remote_guest_targets(asio::io_context& io, const TimeoutConfig& timeouts,
                                   Logger& log) {
  return [&io, timeouts, &log](const GuestInfo& info) -> std::unique_ptr<PatchTarget> {
    return std::make_unique<RemoteGuestTarget>(io, info.channel_path.value_or(""), info.name,
                                               timeouts, log);
  };
}

}  // namespace hotsplice::hostd
