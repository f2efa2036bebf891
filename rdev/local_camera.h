// LocalCamera: the part every camera of this node shares (rdev/camera.h):
// sessions, their queues and drops, the mode, and the capture thread. A
// backend (CameraBackend) only captures frames, one at a time, in the mode
// it was begun in: the synthetic pattern (synthetic_camera.h) or a V4L2
// device of the host (v4l2_camera.h).
//
// Every Open is a new session (a CameraOps). One capture thread runs while
// at least one session streams; it takes each frame once from the backend
// and queues the same bytes on every streaming session. When no session
// streams any more, or the camera is unplugged, the thread interrupts the
// backend's wait, ends its capture and returns.
//
// A backend that fails (a V4L2 device gone or broken) takes the camera away
// as Unplug does, with the backend's reason as the error every session gets.
//
// Lifetime: sessions, providers and the capture thread hold the camera. The
// thread runs only while a session streams, so it never keeps the camera
// long; the destructor joins it (or, when the thread itself dropped the last
// reference, lets it end).
//
// Threading: every method is thread-safe. Lock order: the camera's lock, then
// a session's signal lock (object.h); the backend's Interrupt may be called
// under the camera's lock, so a backend never calls back into the camera.
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/provider.h"
#include "rdev/camera.h"

namespace shoal::rdev {

// What a backend is: Info's name, driver and modes (in Info's order).
struct CameraDescription {
  std::string name;
  std::string driver;
  std::vector<CameraMode> modes;
};

// A frame as a backend captured it.
struct CapturedFrame {
  uint64_t capture_ns = 0;  // CLOCK_REALTIME nanoseconds.
  CameraFrameBytes bytes;
};

// What captures a local camera's frames. Begin, Next and End are called by
// one thread at a time (the camera's capture thread), in the order Begin,
// Next..., End; Interrupt from any thread.
class CameraBackend {
 public:
  virtual ~CameraBackend() = default;
  virtual CameraDescription Describe() const = 0;
  // Starts capturing in `mode`, one of Describe's modes.
  virtual VoidResult Begin(const CameraMode& mode) = 0;
  // Waits for the next frame. `sequence` is the number the camera gives it
  // (a synthetic picture paints it). kShouldWait when Interrupt was called
  // since the last Next returned (the call may also come before Next: it is
  // remembered); any other error ends the camera.
  virtual Result<CapturedFrame> Next(uint64_t sequence) = 0;
  virtual void Interrupt() = 0;
  // Stops capturing.
  virtual void End() = 0;
};

class LocalCamera : public std::enable_shared_from_this<LocalCamera> {
 public:
  // A new camera is in CameraMode{} (YUYV 640x480 30/1, a webcam's usual
  // default) when the backend has it, else in its first mode at 30/1, else
  // in its first mode.
  // kInvalidArgs when the backend has no mode.
  static Result<std::shared_ptr<LocalCamera>> Create(std::unique_ptr<CameraBackend> backend);
  ~LocalCamera();
  LocalCamera(const LocalCamera&) = delete;
  LocalCamera& operator=(const LocalCamera&) = delete;

  // Opens a new session; kPeerClosed once unplugged.
  Result<Ref<CameraOps>> OpenSession();

  // A provider that opens a session per Open (at its mount point only),
  // granting at most DefaultRights(kCamera).
  Ref<kernel::Provider> provider();

  // Takes the camera away for good, as a hot-unplug would: every session
  // gets kPeerClosed and fails every later call with it, queues are dropped,
  // capture stops, and Open fails. Idempotent.
  void Unplug();

  // What Info answers (kPeerClosed once unplugged).
  Result<CameraInfo> Info() const;

 private:
  class Session;
  friend class Session;

  LocalCamera(std::unique_ptr<CameraBackend> backend, CameraDescription described);

  // What Info answers, as `session` (if any) asks it.
  Result<CameraInfo> InfoOf(const Session* session) const;
  // Session operations.
  VoidResult Configure(const CameraMode& mode);
  VoidResult Start(Session& session);
  VoidResult Stop(Session& session);
  Result<CameraFrame> ReadFrame(Session& session, size_t max_bytes);
  std::optional<uint64_t> LastRead(Session& session);
  void ResumeAfter(Session& session, uint64_t sequence);
  void Close(Session& session);

  // The error of a camera that is gone.
  Error GoneLocked() const REQUIRES(mu_);
  // Takes the camera away with `why` (Unplug's and a failed backend's end).
  void GoLocked(std::string why, kernel::Notifications& fired) REQUIRES(mu_);
  bool StoppingLocked() const REQUIRES(mu_) { return streaming_ == 0 || !gone_.empty(); }

  // The capture thread's body: takes and delivers frames until no session
  // streams or the camera is gone.
  void CaptureLoop();
  // Queues `frame` on every streaming session; drops it when the mode
  // changed while it was captured.
  void DeliverLocked(const CameraFrame& frame, kernel::Notifications& fired) REQUIRES(mu_);

  const std::unique_ptr<CameraBackend> backend_;
  const CameraDescription described_;

  mutable Mutex mu_;
  CameraMode mode_ GUARDED_BY(mu_);
  std::vector<Session*> sessions_ GUARDED_BY(mu_);  // Alive; each removes itself as it closes.
  uint32_t streaming_ GUARDED_BY(mu_) = 0;          // Sessions started.
  uint64_t frames_captured_ GUARDED_BY(mu_) = 0;
  std::string gone_ GUARDED_BY(mu_);  // Why the camera is gone; empty while it is here.
  // The capture thread: working while `capturing_`, which only it clears,
  // under mu_, as it returns; so at most one thread captures at a time. The
  // last one is joined before the next starts and on destruction.
  std::thread thread_ GUARDED_BY(mu_);
  bool capturing_ GUARDED_BY(mu_) = false;
};

}  // namespace shoal::rdev
