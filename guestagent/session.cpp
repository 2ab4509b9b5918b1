#include "guestagent/session.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <system_error>

#include "core/apply/error_codes.h"
#include "core/base/version.h"
#include "core/protocol/error_codes.h"
#include "core/protocol/field_rules.h"
#include "guestagent/memory_trim.h"

namespace hotsplice::guestd {

using namespace protocol;
using apply::Outcome;

namespace {

Result refusal(std::uint32_t request_id, const Error& error) {
  return to_result(request_id, Outcome::failure(error));
}

std::string describe_incoming_error(const Error& error) {
  return "refused a frame from the host: " + error.code() + ": " + error.message();
}

}  // namespace

Result to_result(std::uint32_t request_id, Outcome outcome) {
  Result result;
  result.re = request_id;
  result.ok = outcome.ok;
  result.code = is_valid_code(outcome.code) ? outcome.code : "failed";
  result.message = to_display_text(outcome.message);
  result.state = std::move(outcome.state);
  return result;
}

std::vector<std::string> Session::capabilities() {
  return {"apply", "rollback", "resume_transfer", "inventory", "heartbeat", "crash_records"};
}

std::vector<Message> Session::handle(Incoming incoming) {
  if (!incoming.message) {
    if (log_.enabled(LogLevel::debug)) {
      log_.debug(describe_incoming_error(incoming.message.error()));
    }
    return {ErrorMessage::answering(incoming.message.error(), incoming.request_id)};
  }
  return std::visit(
      [this](auto& message) -> Replies {
        using T = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<T, Sync> || std::is_same_v<T, InventoryRequest> ||
                      std::is_same_v<T, Offer> || std::is_same_v<T, Chunk> ||
                      std::is_same_v<T, Apply> || std::is_same_v<T, Rollback>) {
          return on(message);
        } else if constexpr (std::is_same_v<T, Hello> || std::is_same_v<T, Heartbeat>) {
          // Replies the host sends to our (never sent) requests are dropped, not answered:
          // answering a reply could start an endless exchange with a confused peer.
          if (message.correlation.is_reply) return {};
          return on(message);
        } else {
          return on_unexpected(Message(message));
        }
      },
      *incoming.message);
}

Session::Replies Session::on(const Sync& sync) {
  log_.debug("sync from the host");
  return {SyncAck{sync.id, sync.nonce}};
}

Session::Replies Session::on(const Hello& hello) {
  log_.info("host connected (agent " + hello.agent_version + ")",
            {{"host_agent", hello.agent_version}});
  Hello reply;
  reply.correlation = Correlation::reply_to(hello.correlation.number);
  reply.agent_version = std::string(kVersion).substr(0, kMaxAgentVersionLength);
  reply.role = Role::guest;
  reply.capabilities = capabilities();
  reply.kernel = patches_.running_kernel();
  reply.applied_patches = patches_.applied_patches();
  reply.environment = patches_.environment();
  reply.crash_records = patches_.crash_records();
  return {reply};
}

Session::Replies Session::on(const InventoryRequest& request) {
  return {Inventory{request.id, patches_.running_kernel(), patches_.applied_patches(),
                    patches_.crash_records()}};
}

// Only one staged bundle is kept besides the transfer in progress: a host cannot fill the
// disk by offering one bundle after another without applying them.
void Session::remove_other_staged_bundles(const std::string& keep_sha256) const {
  std::error_code error;
  std::filesystem::path keep = receiver_.bundle_path(keep_sha256);
  for (const auto& entry : std::filesystem::directory_iterator(
           receiver_.bundle_path(keep_sha256).parent_path(), error)) {
    if (entry.path().extension() == ".bundle" && entry.path() != keep) {
      ::unlink(entry.path().c_str());
    }
  }
}

Session::Replies Session::on(const Offer& offer) {
  remove_other_staged_bundles(offer.sha256);
  auto offset = receiver_.offer(offer.sha256, offer.size);
  if (!offset) return {refusal(offer.id, offset.error())};
  offered_ = Offered{offer.bundle_id, offer.sha256, offer.size, std::chrono::steady_clock::now()};
  log_.info("offer of bundle " + offer.bundle_id + " (" + std::to_string(offer.size) +
                " bytes), continuing from byte " + std::to_string(*offset),
            {{"bundle_id", offer.bundle_id}, {"size", offer.size}, {"offset", *offset}});
  return {OfferAccept{offer.id, *offset}};
}

Session::Replies Session::on(const Chunk& chunk) {
  const auto started = std::chrono::steady_clock::now();
  auto progress = receiver_.write_chunk(chunk.sha256, chunk.offset, chunk.data);
  if (!progress) return {refusal(chunk.id, progress.error())};
  if (!progress->bundle) return {};
  last_chunk_at_ = std::chrono::steady_clock::now();
  if (offered_ && offered_->sha256 == chunk.sha256) {
    // Where a transfer's time goes, in the guest's own clock: the bytes (since the offer was
    // accepted) and the last chunk's write with the whole bundle's SHA-256 check and fsyncs.
    using Ms = std::chrono::duration<double, std::milli>;
    const double total_ms = Ms(*last_chunk_at_ - offered_->at).count();
    const double verify_ms = Ms(*last_chunk_at_ - started).count();
    char figures[96];
    std::snprintf(figures, sizeof figures,
                  "%.1f ms since the offer (last chunk and digest check %.1f ms)", total_ms,
                  verify_ms);
    log_.info("bundle " + offered_->bundle_id + " staged: " + std::to_string(progress->size) +
                  " bytes in " + figures,
              {{"bundle_id", offered_->bundle_id},
               {"size", progress->size},
               {"ms", std::lround(total_ms)},
               {"verify_ms", std::lround(verify_ms)}});
  }
  return {TransferComplete{chunk.id, chunk.sha256, progress->size}};
}

Session::Replies Session::on(const Apply& apply) {
  std::error_code error;
  if (!offered_ || offered_->bundle_id != apply.bundle_id) {
    return {
        refusal(apply.id, Error(protocol::errc::kNotTransferred,
                                "bundle " + apply.bundle_id + " was not offered to this agent"))};
  }
  std::filesystem::path staged = receiver_.bundle_path(offered_->sha256);
  if (!std::filesystem::is_regular_file(staged, error)) {
    return {refusal(apply.id, Error(protocol::errc::kTransferIncomplete,
                                    "bundle " + apply.bundle_id + " is not completely received"))};
  }
  log_.info("applying bundle " + apply.bundle_id, {{"bundle_id", apply.bundle_id}});
  if (apply.clear_crash) {
    // An operator on the host decided to try again (hotsplice apply): a missing record is
    // fine, anything else is the apply's answer.
    Status cleared = patches_.clear_crash_record(apply.bundle_id);
    if (!cleared && cleared.error().code() != apply::errc::kNoCrashRecord) {
      return {refusal(apply.id, cleared.error())};
    }
  }
  Outcome outcome = patches_.apply_bundle_file(apply.bundle_id, staged);
  if (outcome.ok) {
    // Stored under the state directory now; the staged copy has done its job.
    ::unlink(staged.c_str());
    offered_.reset();
    if (last_chunk_at_) {
      auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - *last_chunk_at_);
      log_.info("bundle " + apply.bundle_id + " live " + std::to_string(elapsed.count()) +
                    " ms after its last chunk arrived",
                {{"bundle_id", apply.bundle_id}, {"ms", elapsed.count()}});
    }
  }
  Replies replies{to_result(apply.id, std::move(outcome))};
  give_back_free_memory();  // the bundle's buffers are gone: give their pages back now
  return replies;
}

Session::Replies Session::on(const Rollback& rollback) {
  log_.info("rolling back bundle " + rollback.bundle_id, {{"bundle_id", rollback.bundle_id}});
  return {to_result(rollback.id, patches_.rollback(rollback.bundle_id))};
}

Session::Replies Session::on(const Heartbeat& heartbeat) {
  return {Heartbeat{Correlation::reply_to(heartbeat.correlation.number), heartbeat.seq}};
}

Session::Replies Session::on_unexpected(const Message& message) {
  std::string_view type = type_of(message);
  // Results and errors are never answered, for the same reason as replies above.
  if (type == Result::kType || type == ErrorMessage::kType) return {};
  ErrorMessage error;
  error.code = protocol::errc::kUnexpectedMessage;
  error.message = "a guest agent does not accept " + std::string(type) + " messages";
  return {error};
}

}  // namespace hotsplice::guestd
