// Records what a LibvirtDirectory reports (callbacks arrive on the libvirt thread) and lets
// a test wait, up to a deadline, for a report to arrive.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "integrations/kvm/libvirt_directory.h"

namespace hotsplice::kvm::testing {

struct Report {
  enum Kind { seen, gone, up, down, unreadable } kind;
  DomainInfo domain;  // seen
  std::string text;   // gone: uuid; up/down: why; unreadable: uuid
};

class DirectoryRecorder {
 public:
  DirectoryCallbacks callbacks() {
    DirectoryCallbacks callbacks;
    callbacks.domain_seen = [this](DomainInfo info) { add({Report::seen, std::move(info), {}}); };
    callbacks.domain_gone = [this](std::string uuid) { add({Report::gone, {}, std::move(uuid)}); };
    callbacks.connection_changed = [this](bool up, std::string why) {
      add({up ? Report::up : Report::down, {}, std::move(why)});
    };
    callbacks.domain_unreadable = [this](std::string uuid, Error) {
      add({Report::unreadable, {}, std::move(uuid)});
    };
    return callbacks;
  }

  std::vector<Report> reports() const {
    std::lock_guard lock(mutex_);
    return reports_;
  }

  // Waits until some report from index `from` on satisfies `match`; returns its index, or
  // -1 when `timeout` passes first. A deadline for an event, not a timing assertion.
  int wait_for(std::size_t from, const std::function<bool(const Report&)>& match,
               std::chrono::milliseconds timeout = std::chrono::seconds(20)) const {
    std::unique_lock lock(mutex_);
    int found = -1;
    changed_.wait_for(lock, timeout, [&] {
      for (std::size_t i = from; i < reports_.size(); ++i) {
        if (match(reports_[i])) {
          found = static_cast<int>(i);
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::size_t size() const {
    std::lock_guard lock(mutex_);
    return reports_.size();
  }

 private:
  void add(Report report) {
    {
      std::lock_guard lock(mutex_);
      reports_.push_back(std::move(report));
    }
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<Report> reports_;
};

inline std::function<bool(const Report&)> seen(
    const std::string& name, std::function<bool(const DomainInfo&)> also = nullptr) {
  return [name, also](const Report& r) {
    return r.kind == Report::seen && r.domain.name == name && (!also || also(r.domain));
  };
}

inline std::function<bool(const Report&)> gone(const std::string& uuid) {
  return [uuid](const Report& r) { return r.kind == Report::gone && r.text == uuid; };
}

inline std::function<bool(const Report&)> connection(bool up) {
  return [up](const Report& r) { return r.kind == (up ? Report::up : Report::down); };
}

}  // namespace hotsplice::kvm::testing
