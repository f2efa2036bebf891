// The synthetic camera's MJPEG frames: the moving pattern of
// synthetic_pattern.h, JPEG-encoded with libjpeg, each frame stamped in a
// comment segment right after the start-of-image marker (FF D8, then FF FE
// 00 1A and the 24-byte stamp; kSyntheticJpegStampAt), so a reader checks
// the stamp without decoding. The picture repeats every phases() frames,
// so each phase is encoded once, the first time it is shown, and a frame
// costs one copy of its phase's image after the stamp: even 1080p at 30 fps
// costs little CPU once the pattern has gone round.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "kernel/base/result.h"
#include "rdev/frame_pool.h"
#include "rdev/synthetic_pattern.h"

namespace shoal::rdev {

// Not thread-safe: one capture thread makes the frames.
class SyntheticJpeg {
 public:
  // kInvalidArgs for a mode that is not MJPEG or that the pattern cannot
  // paint (synthetic_pattern.h).
  static Result<SyntheticJpeg> Create(const CameraMode& mode);

  // Frame `sequence`, stamped with `capture_ns`, in a buffer from `pool`: a
  // whole JPEG of the mode's size. kIoError when libjpeg fails (it runs out
  // of memory).
  Result<std::shared_ptr<std::vector<uint8_t>>> Frame(uint64_t sequence, uint64_t capture_ns,
                                                      FramePool& pool);

 private:
  SyntheticJpeg(const CameraMode& mode, SyntheticPattern rgb);

  // Phase `phase`'s JPEG after its start marker, encoded on first use.
  Result<const std::vector<uint8_t>*> Encoded(uint32_t phase);

  CameraMode mode_;
  SyntheticPattern rgb_;                       // The same pattern in RGB24, what libjpeg takes.
  std::vector<std::vector<uint8_t>> encoded_;  // By phase; empty until shown.
};

}  // namespace shoal::rdev
