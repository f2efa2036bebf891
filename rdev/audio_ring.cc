#include "rdev/audio_ring.h"

#include <algorithm>
#include <cstring>

namespace shoal::rdev {

void AudioRing::Reset(size_t frame_bytes, size_t capacity_frames) {
  frame_bytes_ = frame_bytes;
  capacity_ = capacity_frames;
  bytes_.assign(frame_bytes * capacity_frames, 0);
  head_ = size_ = 0;
}

void AudioRing::CopyIn(const uint8_t* bytes, size_t frames) {
  size_t tail = (head_ + size_) % capacity_;
  size_t first = std::min(frames, capacity_ - tail);
  std::memcpy(bytes_.data() + tail * frame_bytes_, bytes, first * frame_bytes_);
  std::memcpy(bytes_.data(), bytes + first * frame_bytes_, (frames - first) * frame_bytes_);
  size_ += frames;
}

size_t AudioRing::Push(std::span<const uint8_t> bytes) {
  size_t frames = std::min(bytes.size() / frame_bytes_, room());
  if (frames > 0) CopyIn(bytes.data(), frames);
  return frames;
}

size_t AudioRing::PushOverwriting(std::span<const uint8_t> bytes) {
  size_t frames = bytes.size() / frame_bytes_;
  size_t lost = 0;
  if (frames > capacity_) {  // Only the newest capacity_ frames can stay.
    lost = size_ + frames - capacity_;
    bytes = bytes.subspan((frames - capacity_) * frame_bytes_);
    frames = capacity_;
    Clear();
  } else if (frames > room()) {
    lost = frames - room();
    head_ = (head_ + lost) % capacity_;
    size_ -= lost;
  }
  if (frames > 0) CopyIn(bytes.data(), frames);
  return lost;
}

size_t AudioRing::Pop(std::span<uint8_t> out) {
  size_t frames = std::min(out.size() / frame_bytes_, size_);
  size_t first = std::min(frames, capacity_ - head_);
  std::memcpy(out.data(), bytes_.data() + head_ * frame_bytes_, first * frame_bytes_);
  std::memcpy(out.data() + first * frame_bytes_, bytes_.data(), (frames - first) * frame_bytes_);
  head_ = capacity_ == 0 ? 0 : (head_ + frames) % capacity_;
  size_ -= frames;
  return frames;
}

}  // namespace shoal::rdev
