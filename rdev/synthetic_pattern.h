// The synthetic camera's picture (docs/devices.md, "The synthetic camera"):
// colour bars over a grey ramp, both moving sideways with the frame number,
// and a stamp in the first bytes of every frame that says which frame it is
// and when it was captured, so a reader anywhere can check what it got.
//
// Stamp layout (all little-endian u64): sequence, capture_ns, check, where
// check is SyntheticStampCheck(sequence, capture_ns). In YUYV and RGB24
// frames it is the first kSyntheticStampBytes bytes of the pixel data; an
// MJPEG frame carries it in a comment segment right after the JPEG's start
// marker (kSyntheticJpegStampAt, synthetic_jpeg.h). apps/camera_util.h
// mirrors both.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <numeric>
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
// An MJPEG frame starts FF D8 (start of image), FF FE 00 1A (a comment of
// 2 + 24 bytes), then the stamp.
inline constexpr size_t kSyntheticJpegStampAt = 6;
inline constexpr std::array<uint8_t, kSyntheticJpegStampAt> kSyntheticJpegStart = {
    0xff, 0xd8, 0xff, 0xfe, 0x00, 2 + kSyntheticStampBytes};
inline constexpr uint64_t kSyntheticStampMagic = 0x5348'4f41'4c43'414dULL;  // "SHOALCAM"

// The check word of a stamp: a mix of both fields that a torn or foreign
// frame does not match by accident. Arithmetic is modulo 2^64.
constexpr uint64_t SyntheticStampCheck(uint64_t sequence, uint64_t capture_ns) {
  return kSyntheticStampMagic ^ sequence ^ (capture_ns * 0x9e37'79b9'7f4a'7c15ULL);
}

// Writes the stamp of frame `sequence` captured at `capture_ns` to the
// kSyntheticStampBytes bytes at `out`.
void StoreSyntheticStamp(uint64_t sequence, uint64_t capture_ns, uint8_t* out);

// Reads and checks the stamp of `frame`, a frame of `mode`. kInvalidArgs
// when the frame's length is not the mode's (MaxFrameBytes; for MJPEG, more
// than that or too short for the stamp); kMalformed when the check word does
// not match (or, for MJPEG, the frame does not start with the comment).
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
  // Paints frame `sequence`'s picture alone, without the stamp.
  void PaintPicture(uint64_t sequence, std::span<uint8_t> frame) const;
  // The picture repeats every phases() frames: frame n shows phase
  // PhaseOf(n).
  uint32_t phases() const { return mode_.width / std::gcd(mode_.width, step_); }
  uint32_t PhaseOf(uint64_t sequence) const { return uint32_t(sequence % phases()); }

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
