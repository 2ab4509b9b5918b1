// A test double of PatchTarget that records every call and completes nothing by itself:
// the test decides when and how each handshake and operation ends, as a real guest would
// (later, on the event loop). One record per guest uuid survives target replacement, so a
// test sees every call a guest received across reconnects and engine restarts.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hostagent/guest_directory.h"
#include "hostagent/patch_target.h"

namespace hotsplice::hostd::testing {

struct TargetRecord {
  std::vector<std::string>
      calls;  // "handshake", "send hs-1", "apply hs-1", "rollback hs-1", "close"
  PatchTarget::HelloDone pending_hello;
  PatchTarget::Done pending;
  PatchTarget::Lost lost;  // the engine's handler of an idle target's loss

  std::size_t count(const std::string& call) const {
    std::size_t n = 0;
    for (const auto& c : calls) n += c == call;
    return n;
  }
};

class RecordingPatchTarget : public PatchTarget {
 public:
  explicit RecordingPatchTarget(std::shared_ptr<TargetRecord> record)
      : record_(std::move(record)) {}
  void handshake(HelloDone done) override {
    record_->calls.push_back("handshake");
    record_->pending_hello = std::move(done);
  }
  void send_bundle(const std::string& id, std::shared_ptr<const std::string>, Done done) override {
    record_->calls.push_back("send " + id);
    record_->pending = std::move(done);
  }
  void apply(const std::string& id, Done done) override {
    record_->calls.push_back("apply " + id);
    record_->pending = std::move(done);
  }
  void apply_clearing_crash_record(const std::string& id, Done done) override {
    record_->calls.push_back("apply clearing the crash record " + id);
    record_->pending = std::move(done);
  }
  void rollback(const std::string& id, Done done) override {
    record_->calls.push_back("rollback " + id);
    record_->pending = std::move(done);
  }
  void on_lost(Lost lost) override { record_->lost = std::move(lost); }
  void close() override { record_->calls.push_back("close"); }

 private:
  std::shared_ptr<TargetRecord> record_;
};

// The factory handed to the engine, and the test's handle on each guest's record.
class RecordingTargets {
 public:
  TargetFactory factory() {
    return [this](const GuestInfo& info) {
      auto& record = records_[info.uuid];
      if (!record) record = std::make_shared<TargetRecord>();
      return std::make_unique<RecordingPatchTarget>(record);
    };
  }
  TargetRecord& operator[](const std::string& uuid) {
    auto& record = records_[uuid];
    if (!record) record = std::make_shared<TargetRecord>();
    return *record;
  }
  // Completes the pending handshake / operation of a guest (moving the callback out first,
  // since completing may start the next operation).
  void answer_hello(const std::string& uuid, Expected<TargetHello> hello) {
    auto done = std::move((*this)[uuid].pending_hello);
    (*this)[uuid].pending_hello = nullptr;
    done(std::move(hello));
  }
  void finish(const std::string& uuid, Status status = Status::ok()) {
    auto done = std::move((*this)[uuid].pending);
    (*this)[uuid].pending = nullptr;
    done(std::move(status));
  }
  bool has_pending(const std::string& uuid) { return static_cast<bool>((*this)[uuid].pending); }
  // The idle target lost its agent (an unanswered heartbeat, a closed channel).
  void lose(const std::string& uuid, const Error& why) { (*this)[uuid].lost(why); }

 private:
  std::map<std::string, std::shared_ptr<TargetRecord>> records_;
};

}  // namespace hotsplice::hostd::testing
