// AudioRing: the ring of whole frames between a local audio device's clock
// and the process (rdev/audio.h). Plain data: its owner locks it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shoal::rdev {

class AudioRing {
 public:
  AudioRing() = default;
  // Empties the ring and sizes it for `capacity_frames` frames of `frame_bytes`.
  void Reset(size_t frame_bytes, size_t capacity_frames);

  size_t frame_bytes() const { return frame_bytes_; }
  size_t capacity() const { return capacity_; }
  size_t size() const { return size_; }
  size_t room() const { return capacity_ - size_; }

  // Appends the whole frames of `bytes` that fit; returns how many.
  size_t Push(std::span<const uint8_t> bytes);
  // Appends every whole frame of `bytes`, overwriting the oldest frames when
  // full; returns how many frames were overwritten.
  size_t PushOverwriting(std::span<const uint8_t> bytes);
  // Moves up to out.size() / frame_bytes() of the oldest frames into `out`;
  // returns how many.
  size_t Pop(std::span<uint8_t> out);
  // Forgets every frame.
  void Clear() { head_ = size_ = 0; }

 private:
  // Copies `frames` frames from `bytes` at the tail; they fit.
  void CopyIn(const uint8_t* bytes, size_t frames);

  std::vector<uint8_t> bytes_;
  size_t frame_bytes_ = 1;
  size_t capacity_ = 0;  // Frames.
  size_t head_ = 0;      // Index of the oldest frame.
  size_t size_ = 0;      // Frames held.
};

}  // namespace shoal::rdev
