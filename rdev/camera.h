// CameraOps: a video capture device as a kernel object (ARCHITECTURE.md,
// invariant 3; docs/devices.md).
//
// One handle is one open of the camera: a session with its own queue of
// captured frames. Sessions of one camera share its mode (Configure) and its
// capture: the backend captures while at least one session has started, and
// every started session gets every frame. A session that does not keep up
// loses its oldest queued frames (kQueueDepth are kept) and the next frame
// it reads says how many it lost, so a reader always sees the newest frames
// and knows about every gap.
//
// Waiting: ReadFrame answers kShouldWait while the session's queue is empty
// and keeps kReadable clear until a frame is queued; a reader observes
// kReadable | kPeerClosed and retries (a process parks on it, docs/abi.md).
// kPeerClosed means the camera is gone (unplugged, or the node serving it
// vanished): every operation then fails with kPeerClosed or kPeerGone.
//
// Asynchronous: every operation is an `...Async` virtual with a blocking form
// of the plain name beside it (kernel/object/object.h). A local camera
// answers at once; a proxied one when the node serving it does.
//
// Rights: Info needs none, Configure kManage, Start, Stop and ReadFrame
// kRead.
//
// Errors, first wins: kPeerClosed (or kPeerGone) once the camera is gone,
// then kInvalidArgs for a mode it lacks, then the session's state
// (kBadState, kShouldWait, kOutOfBounds).
//
// Threading: every operation is thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::rdev {

template <typename T>
using Ref = kernel::Ref<T>;

// How a frame's bytes encode its pixels. Values are stable: they cross the
// wire (proto/object_rpc.capnp) and the guest ABI (docs/abi.md).
enum class PixelFormat : uint8_t {
  kYuyv = 1,   // YUV 4:2:2, 2 bytes per pixel (Y0 U Y1 V), V4L2's YUYV.
  kMjpeg = 2,  // One JPEG image per frame; its size varies.
  kRgb24 = 3,  // 3 bytes per pixel, R G B.
};
constexpr uint8_t kMaxPixelFormat = 3;

// "yuyv", "mjpeg", "rgb24"; "unknown" outside the enum.
std::string_view PixelFormatName(PixelFormat format);
// The format named by PixelFormatName's text, or nullopt.
std::optional<PixelFormat> ParsePixelFormat(std::string_view name);

// Frames per second as a fraction (30000/1001 is NTSC's 29.97), as V4L2 keeps
// it. Both parts are nonzero in a valid mode.
struct FrameRate {
  uint32_t numerator = 30;
  uint32_t denominator = 1;
  friend bool operator==(const FrameRate&, const FrameRate&) = default;
};

// One way the camera can capture: a format, a size and a rate.
struct CameraMode {
  PixelFormat format = PixelFormat::kYuyv;
  uint32_t width = 640;
  uint32_t height = 480;
  FrameRate rate;
  friend bool operator==(const CameraMode&, const CameraMode&) = default;
};

// "yuyv 640x480 30/1" (the text the CLI and the guest ABI show), and back.
std::string FormatMode(const CameraMode& mode);
Result<CameraMode> ParseMode(std::string_view text);

// The most bytes one frame of `mode` takes: exact for YUYV and RGB24, a bound
// for MJPEG. 0 for a mode whose size overflows.
size_t MaxFrameBytes(const CameraMode& mode);

// A frame's bytes, shared by every session that queued it (never copied
// between sessions; immutable once captured).
using CameraFrameBytes = std::shared_ptr<const std::vector<uint8_t>>;

// One captured frame as a session reads it.
struct CameraFrame {
  // The camera's frame counter: +1 per frame captured since the camera was
  // created, whoever reads it, so a reader sees a gap wherever it lost a
  // frame (and `dropped` says how many of those this session lost).
  uint64_t sequence = 0;
  // When it was captured: CLOCK_REALTIME nanoseconds on the capturing node.
  uint64_t capture_ns = 0;
  // Frames this session lost (dropped from its full queue) between the frame
  // it read before and this one.
  uint32_t dropped = 0;
  // The mode it was captured in.
  CameraMode mode;
  CameraFrameBytes bytes;
};

// What a camera is and what it is doing.
struct CameraInfo {
  std::string name;               // "Synthetic camera", or the V4L2 card name.
  std::string driver;             // "synthetic", "v4l2".
  std::vector<CameraMode> modes;  // Every mode Configure accepts, in the camera's order.
  CameraMode mode;                // The current mode.
  bool streaming = false;         // Some session has started.
  uint32_t sessions = 0;          // Open handles (sessions) on this camera, anywhere.
  uint64_t frames_captured = 0;
  bool started = false;  // The session asked has started (a proxy resumes its stream by it).
};

// Where one session's reader is in the camera's frames: the sequence of the
// last frame it took. The position moves with the reader's handle (a
// process migrating, kernel/remote/handle_state.h): the object that takes
// the handle over resumes after it, so frames the old holder had fetched
// but the reader never took become a counted gap, and no frame is handed
// out twice. Not thread-safe: its session's lock guards it.
class CameraReadPosition {
 public:
  std::optional<uint64_t> last_read() const { return last_read_; }

  // The reader last took frame `sequence` through another object.
  void ResumeAfter(uint64_t sequence) {
    last_read_ = sequence;
    resumed_ = true;
  }

  // Whether the reader took `frame` before its handle moved here: such a
  // frame is skipped, never handed out twice.
  bool TakenBefore(const CameraFrame& frame) const {
    return resumed_ && last_read_.has_value() && frame.sequence <= *last_read_;
  }

  // `frame` goes to the reader (never one TakenBefore). The first frame
  // after ResumeAfter counts in `dropped` every frame since the last one
  // taken. (Inline: kernel/remote's proxies use it without linking rdev.)
  void Take(CameraFrame& frame) {
    if (resumed_ && last_read_.has_value() && frame.sequence > *last_read_) {
      uint64_t missed = frame.sequence - *last_read_ - 1;
      frame.dropped = uint32_t(std::min<uint64_t>(std::max<uint64_t>(frame.dropped, missed),
                                                  std::numeric_limits<uint32_t>::max()));
    }
    resumed_ = false;
    last_read_ = frame.sequence;
  }

  // The session stopped: the frames it misses from now are no one's loss.
  void Reset() {
    last_read_.reset();
    resumed_ = false;
  }

 private:
  std::optional<uint64_t> last_read_;
  bool resumed_ = false;
};

// A camera session (above). Local cameras (rdev/synthetic_camera.h,
// rdev/v4l2_camera.h) and the proxy of a camera on another node
// (kernel/remote) implement it.
class CameraOps : public kernel::KernelObject {
 public:
  static constexpr kernel::ObjectType kType = kernel::ObjectType::kCamera;
  // Frames one session keeps queued; older ones are dropped (and counted).
  static constexpr size_t kQueueDepth = 4;

  using InfoDone = std::function<void(Result<CameraInfo> info)>;
  using Done = std::function<void(VoidResult result)>;
  using FrameDone = std::function<void(Result<CameraFrame> frame)>;

  virtual void InfoAsync(InfoDone done) = 0;

  // Sets the camera's mode, one of Info's modes (else kInvalidArgs). While a
  // session streams in another mode: kBadState (stop every session first).
  // Setting the current mode is a no-op that always succeeds.
  virtual void ConfigureAsync(const CameraMode& mode, Done done) = 0;

  // Starts or stops this session's stream. Start on a started session and
  // Stop on a stopped one succeed and do nothing. Stop drops the session's
  // queue.
  virtual void StartAsync(Done done) = 0;
  virtual void StopAsync(Done done) = 0;

  // Takes the oldest queued frame. Every camera answers at once, on the
  // calling thread: the queue is local to the session (or to its proxy).
  // kShouldWait when none is queued,
  // kBadState when the session has not started, kOutOfBounds (the frame
  // stays queued) when it is larger than `max_bytes`, kPeerClosed when the
  // camera is gone.
  virtual void ReadFrameAsync(size_t max_bytes, FrameDone done) = 0;

  // The reader's position (CameraReadPosition), for its handle to carry
  // to another node, and setting it on the object that takes it over.
  virtual std::optional<uint64_t> LastRead() = 0;
  virtual void ResumeAfter(uint64_t sequence) = 0;

  // Blocking forms (kernel/object/object.h): never on a scheduler worker.
  Result<CameraInfo> Info() {
    return Await<Result<CameraInfo>>([&](InfoDone done) { InfoAsync(std::move(done)); });
  }
  VoidResult Configure(const CameraMode& mode) {
    return Await<VoidResult>([&](Done done) { ConfigureAsync(mode, std::move(done)); });
  }
  VoidResult Start() {
    return Await<VoidResult>([&](Done done) { StartAsync(std::move(done)); });
  }
  VoidResult Stop() {
    return Await<VoidResult>([&](Done done) { StopAsync(std::move(done)); });
  }
  Result<CameraFrame> ReadFrame(size_t max_bytes) {
    return Await<Result<CameraFrame>>(
        [&](FrameDone done) { ReadFrameAsync(max_bytes, std::move(done)); });
  }

 protected:
  using KernelObject::KernelObject;
};

}  // namespace shoal::rdev
