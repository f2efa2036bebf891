// The synthetic camera's picture (docs/devices.md, "The synthetic camera"):
// colour bars over a grey ramp, both moving sideways with the frame number,
// and a stamp in the first bytes of every frame that says which frame it is
// and when it was captured, so a reader anywhere can check what it got.
//
// Stamp layout (the first kSyntheticStampBytes bytes of the pixel data, all
// little-endian u64): sequence, capture_ns, check, where check is
// SyntheticStampCheck(sequence, capture_ns). apps/camstat.c mirrors it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "rdev/camera.h"

namespace shoal::rdev {

// What a frame's stamp says.
struct SyntheticStamp {
  uint64_t sequence = 0;
  uint64_t capture_ns = 0;
  friend bool operator==(const SyntheticStamp&, const SyntheticStamp&) = default;
};

inline constexpr size_t kSyntheticStampBytes = 24;
inline constexpr uint64_t kSyntheticStampMagic = 0x5348'4f41'4c43'414dULL;  // "SHOALCAM"

// The check word of a stamp: a mix of both fields that a torn or foreign
// frame does not match by accident. Arithmetic is modulo 2^64.
constexpr uint64_t SyntheticStampCheck(uint64_t sequence, uint64_t capture_ns) {
  return kSyntheticStampMagic ^ sequence ^ (capture_ns * 0x9e37'79b9'7f4a'7c15ULL);
}

// Reads and checks the stamp of `frame`, a frame of `mode`. kInvalidArgs
// when the frame's length is not the mode's (MaxFrameBytes) or the mode is
// not one the pattern paints; kMalformed when the check word does not match.
Result<SyntheticStamp> ReadSyntheticStamp(const CameraMode& mode, std::span<const uint8_t> frame);

// The precomputed rows of one mode's picture: painting a frame is one memcpy
// per row plus the stamp, so even 1080p at 30 fps costs little CPU.
// Immutable after Create; Paint may run on any thread.
class SyntheticPattern {
 public:
  // kInvalidArgs for a format other than YUYV and RGB24, an odd width (YUYV
  // pairs pixels), or a frame too small for the stamp.
  static Result<SyntheticPattern> Create(const CameraMode& mode);

  const CameraMode& mode() const { return mode_; }
  size_t frame_bytes() const { return row_bytes_ * mode_.height; }

  // Paints frame `sequence` stamped with `capture_ns` into `frame`, which is
  // frame_bytes() long.
  void Paint(uint64_t sequence, uint64_t capture_ns, std::span<uint8_t> frame) const;

 private:
  SyntheticPattern(const CameraMode& mode, size_t bytes_per_pixel);

  CameraMode mode_;
  size_t bytes_per_pixel_;
  size_t row_bytes_;
  uint32_t step_;              // Pixels the picture moves per frame (even).
  std::vector<uint8_t> bars_;  // Two periods (2 * width pixels) of colour bars.
  std::vector<uint8_t> ramp_;  // Two periods of a grey ramp.
};

}  // namespace shoal::rdev
