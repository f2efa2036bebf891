// SyntheticCamera: a camera without hardware (docs/devices.md), for tests,
// the simulator and nodes with no real camera. It captures the moving test
// pattern of synthetic_pattern.h at the mode's rate, each frame stamped with
// its sequence number and capture time.
//
// Every Open through provider() is a new session (a CameraOps, camera.h).
// One capture thread, paced by absolute deadlines on the steady clock, runs
// while at least one session streams; it paints each frame once and queues
// the same bytes on every streaming session.
//
// Lifetime: sessions, providers and the capture thread hold the camera. The
// thread runs only while a session streams, so it never keeps the camera
// long; the destructor joins it (or, when the thread itself dropped the last
// reference, lets it end).
//
// Threading: every method is thread-safe. Lock order: the camera's lock, then
// a session's signal lock (object.h).
#pragma once

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/provider.h"
#include "rdev/camera.h"
#include "rdev/synthetic_pattern.h"

namespace shoal::rdev {

class SyntheticCamera : public std::enable_shared_from_this<SyntheticCamera> {
 public:
  // `name` is what Info reports ("Synthetic camera" unless given).
  static std::shared_ptr<SyntheticCamera> Create(std::string name = "Synthetic camera");
  ~SyntheticCamera();
  SyntheticCamera(const SyntheticCamera&) = delete;
  SyntheticCamera& operator=(const SyntheticCamera&) = delete;

  // Every mode, in Info's order: YUYV then RGB24, each at 320x240, 640x480,
  // 1280x720 and 1920x1080, each at 30/1 then 15/1. A new camera is in
  // CameraMode{} (YUYV 640x480 30/1), the usual default of a webcam.
  static std::vector<CameraMode> Modes();

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

  explicit SyntheticCamera(std::string name);

  // What Info answers, as `session` (if any) asks it.
  Result<CameraInfo> InfoOf(const Session* session) const;
  // Session operations, under mu_.
  VoidResult Configure(const CameraMode& mode);
  VoidResult Start(Session& session);
  VoidResult Stop(Session& session);
  Result<CameraFrame> ReadFrame(Session& session, size_t max_bytes);
  void Close(Session& session);

  // The capture thread's body: paints and delivers frames until no session
  // streams or the camera is unplugged.
  void CaptureLoop();
  // Queues `frame` on every streaming session; drops it when the mode
  // changed while it was painted.
  void DeliverLocked(const CameraFrame& frame, kernel::Notifications& fired) REQUIRES(mu_);

  const std::string name_;
  const std::vector<CameraMode> modes_;

  mutable Mutex mu_;
  CondVar wake_;  // Signalled when capture is no longer wanted.
  CameraMode mode_ GUARDED_BY(mu_);
  std::vector<Session*> sessions_ GUARDED_BY(mu_);  // Alive; each removes itself as it closes.
  uint32_t streaming_ GUARDED_BY(mu_) = 0;          // Sessions started.
  uint64_t frames_captured_ GUARDED_BY(mu_) = 0;
  bool unplugged_ GUARDED_BY(mu_) = false;
  // The capture thread: working while `capturing_`, which only it clears,
  // under mu_, as it returns; so at most one thread captures at a time. The
  // last one is joined before the next starts and on destruction.
  std::thread thread_ GUARDED_BY(mu_);
  bool capturing_ GUARDED_BY(mu_) = false;
};

}  // namespace shoal::rdev
