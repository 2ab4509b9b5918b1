// A relay between hostd and one guest's channel socket that cuts the connection at a chosen
// protocol step: real Unix sockets on both sides, only the moment of the cut chosen by the
// test. Frames are `00 COBS(content) 00` on the wire (core/protocol/frame_codec.h), so a
// zero byte after a non-zero one ends a frame; the relay counts those per direction.
#pragma once

#include <atomic>
#include <cstddef>
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
  // Instead of a cut: the first connection freezes once `bytes` bytes have passed in
  // direction (a frame may be left half-way): nothing more is relayed either way and both
  // sockets stay open until the relay is destroyed, as when the guest stops dead. The test
  // acts on the frozen guest meanwhile (e.g. powers it off mid-transfer).
  struct HoldAfterBytes {
    std::size_t bytes;
  };
  CuttingRelay(std::filesystem::path listen_path, std::filesystem::path guest_path,
               Direction direction, HoldAfterBytes hold);
  ~CuttingRelay();
  CuttingRelay(const CuttingRelay&) = delete;
  CuttingRelay& operator=(const CuttingRelay&) = delete;

  // The cut (or the freeze) happened.
  bool cut_done() const { return cut_done_; }
  // Frames seen so far on the first connection, per direction.
  int frames(Direction direction) const {
    return direction == Direction::host_to_guest ? frames_to_guest_.load() : frames_to_host_.load();
  }

 private:
  CuttingRelay(std::filesystem::path listen_path, std::filesystem::path guest_path,
               Direction direction, int cut_after, std::size_t hold_after_bytes);
  void run();
  // Relays one connection; returns when either side closes or the cut happens.
  void relay(int host_fd, int guest_fd, bool first);
  // Waits, relaying nothing, until the relay is destroyed.
  void hold() const;

  std::filesystem::path listen_path_;
  std::filesystem::path guest_path_;
  Direction direction_;
  int cut_after_;
  std::size_t hold_after_bytes_ = 0;  // 0: cut mode
  int listen_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<bool> cut_done_{false};
  std::atomic<int> frames_to_guest_{0};
  std::atomic<int> frames_to_host_{0};
  std::thread thread_;
};

}  // namespace hotsplice::fault
