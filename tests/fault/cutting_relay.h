// A relay between hostd and one guest's channel socket that cuts the connection at a chosen
// protocol step: real Unix sockets on both sides, only the moment of the cut chosen by the
// test. Frames are `00 COBS(content) 00` on the wire (core/protocol/frame_codec.h), so a
// zero byte after a non-zero one ends a frame; the relay counts those per direction.
#pragma once

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

namespace hotsplice::fault {

enum class Direction { host_to_guest, guest_to_host };

class CuttingRelay {
 public:
  // Listens at listen_path and relays each accepted connection to guest_path. The first
  // connection is cut (both sockets closed) right after cut_after frames have passed in
  // direction, the frame that completes the count included; later connections are relayed
  // whole. cut_after 0 closes the first connection before any byte passes; a negative value
  // never cuts (to count a whole conversation).
  CuttingRelay(std::filesystem::path listen_path, std::filesystem::path guest_path,
               Direction direction, int cut_after);
  ~CuttingRelay();
  CuttingRelay(const CuttingRelay&) = delete;
  CuttingRelay& operator=(const CuttingRelay&) = delete;

  bool cut_done() const { return cut_done_; }
  // Frames seen so far on the first connection, per direction.
  int frames(Direction direction) const {
    return direction == Direction::host_to_guest ? frames_to_guest_.load() : frames_to_host_.load();
  }

 private:
  void run();
  // Relays one connection; returns when either side closes or the cut happens.
  void relay(int host_fd, int guest_fd, bool first);

  std::filesystem::path listen_path_;
  std::filesystem::path guest_path_;
  Direction direction_;
  int cut_after_;
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> cut_done_{false};
  std::atomic<int> frames_to_guest_{0};
  std::atomic<int> frames_to_host_{0};
  std::thread thread_;
};

}  // namespace hotsplice::fault
