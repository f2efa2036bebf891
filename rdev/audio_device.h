// LocalAudioDevice: the part every local audio device shares (rdev/audio.h):
// sessions, the ring, the xrun accounting and the device clock. A backend
// (AudioBackend) only makes or takes one period of samples at a time.
//
// Every Open is a new session (an AudioOps); one session at a time streams.
// While it does, a clock thread ticks once per period, paced by absolute
// deadlines on the steady clock (computed from the stream's start, so
// rounding never accumulates; a clock that fell behind on a loaded host
// catches up at once, so a source's missed periods still reach the ring and
// show as overruns rather than vanishing):
//   - capture: the backend fills a period, which goes into the ring,
//     overwriting the oldest frames when full (an overrun);
//   - playback: a period leaves the ring, padded with silence when short (an
//     underrun), and goes to the backend. The playback clock runs only while
//     there is something to play: it starts at the first Write after Start
//     or after a Drain completed, and it pauses when a Drain completes (as
//     ALSA's start threshold and drain do), so a writer that starts and then
//     writes is not charged an underrun for the gap.
//
// Lifetime: sessions and providers hold the device; the clock thread holds
// it too while it runs (it stops when the stream does), and is joined by Stop
// and before the next Start (or detached when the last reference goes on it).
//
// Threading: every method is thread-safe. Backend calls are made one at a
// time (under the backend lock), never under the device lock; the two are
// never held together. Lock order: the device lock, then a session's signal
// lock (object.h).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "kernel/base/thread_annotations.h"
#include "kernel/object/provider.h"
#include "rdev/audio.h"
#include "rdev/audio_ring.h"

namespace shoal::rdev {

// What makes or takes a local device's samples.
class AudioBackend {
 public:
  virtual ~AudioBackend() = default;
  // Name, driver, direction, formats, rates and max_channels (config is
  // filled in by the device).
  virtual AudioInfo Describe() const = 0;
  // Source: fills `period` (whole frames of `config`) with the stream's frames
  // from `first_frame` on (counted from Start). An error (the hardware went
  // away, the PCM cannot stream `config`) ends the stream: the device
  // reports it to the streaming handle.
  virtual VoidResult Capture(const AudioConfig& config, uint64_t first_frame,
                             std::span<uint8_t> period);
  // Sink: plays `period` (silence included). Errors as for Capture.
  virtual VoidResult Play(const AudioConfig& config, std::span<const uint8_t> period);
  // The stream stopped or drained: make what was played durable.
  virtual void Flush() {}
};

class LocalAudioDevice : public std::enable_shared_from_this<LocalAudioDevice> {
 public:
  static std::shared_ptr<LocalAudioDevice> Create(std::unique_ptr<AudioBackend> backend);
  ~LocalAudioDevice();
  LocalAudioDevice(const LocalAudioDevice&) = delete;
  LocalAudioDevice& operator=(const LocalAudioDevice&) = delete;

  // Opens a new session; kPeerClosed once unplugged.
  Result<Ref<AudioOps>> OpenSession();
  // A provider that opens a session per Open, granting at most
  // DefaultRights(kAudio).
  Ref<kernel::Provider> provider();
  // Takes the device away for good: every session gets kPeerClosed and fails
  // every later call with it, pending Drains fail with it, the clock stops.
  // Idempotent.
  void Unplug();
  // What Info answers (kPeerClosed once unplugged).
  Result<AudioInfo> Info() const;
  // Sessions open now.
  uint32_t sessions() const;

 private:
  class Session;
  friend class Session;

  explicit LocalAudioDevice(std::unique_ptr<AudioBackend> backend);

  Result<AudioStatus> StatusOf(const Session& session) const;
  VoidResult Configure(const AudioConfig& config);
  VoidResult Start(Session& session);
  VoidResult Stop(Session& session);
  void Drain(Session& session, AudioOps::Done done);
  Result<size_t> Write(Session& session, std::span<const uint8_t> bytes);
  Result<AudioRead> Read(Session& session, size_t max_bytes);
  void Close(Session& session);

  // Ends `session`'s stream if it streams, failing pending Drains with `why`.
  void EndStreamOf(Session& session, std::string why);
  // The backend failed stream `stream` (on its clock thread): ends it and
  // keeps `error` for the session that streamed. Unlocks mu_ to finish the
  // stream and returns with it held again.
  void FailStreamLocked(uint64_t stream, const Error& error) REQUIRES(mu_);
  // kIoError with the backend's failure when `session`'s stream failed and it
  // has not started or stopped since.
  VoidResult CheckFailedLocked(const Session& session) const REQUIRES(mu_);
  // Ends the stream: drops the ring, hands pending Drains to `failed`, wakes
  // the clock and hands it over for joining (an empty thread when it is the
  // calling thread: it returns once this call does).
  std::thread EndStreamLocked(std::vector<AudioOps::Done>& failed, kernel::Notifications& fired)
      REQUIRES(mu_);
  // Joins `clock`, flushes the backend and fails `failed` with `why`.
  void FinishStream(std::thread clock, std::vector<AudioOps::Done>& failed, const Error& why)
      EXCLUDES(mu_, backend_mu_);
  // Updates the streaming session's signals from the ring.
  void UpdateRingSignalsLocked(kernel::Notifications& fired) REQUIRES(mu_);
  // The clock thread's body, for the stream numbered `stream`.
  void ClockLoop(uint64_t stream);
  // One period of a source or a sink; they unlock mu_ around the backend and
  // return with it held again (mu_ itself, not the caller's MutexLock: the
  // analysis cannot follow a scoped lock passed by reference).
  void CaptureTick(std::vector<uint8_t>& period) REQUIRES(mu_);
  void PlayTick(std::vector<uint8_t>& period) REQUIRES(mu_);
  bool is_sink() const { return described_.direction == AudioDirection::kPlayback; }

  const std::unique_ptr<AudioBackend> backend_ PT_GUARDED_BY(backend_mu_);
  const AudioInfo described_;

  Mutex backend_mu_;  // Serializes backend calls (clock ticks, Flush).
  mutable Mutex mu_;
  CondVar wake_;  // Stream stopped, or a paused playback clock resumes.
  AudioConfig config_ GUARDED_BY(mu_);
  std::vector<Session*> sessions_ GUARDED_BY(mu_);
  Session* streaming_ GUARDED_BY(mu_) = nullptr;
  AudioRing ring_ GUARDED_BY(mu_);
  bool unplugged_ GUARDED_BY(mu_) = false;
  bool playing_ GUARDED_BY(mu_) = false;  // Sink: the clock runs (see above).
  uint64_t stream_ GUARDED_BY(mu_) = 0;   // Counts Starts, so a clock knows its stream ended.
  uint64_t frames_ GUARDED_BY(mu_) = 0;
  uint64_t xruns_ GUARDED_BY(mu_) = 0;
  uint64_t frames_lost_ GUARDED_BY(mu_) = 0;
  uint64_t unreported_lost_ GUARDED_BY(mu_) = 0;
  std::vector<AudioOps::Done> drains_ GUARDED_BY(mu_);  // Sink: answered when the ring played out.
  // The session whose stream the backend failed, and why (FailStreamLocked).
  const Session* failed_ GUARDED_BY(mu_) = nullptr;
  Error failure_ GUARDED_BY(mu_);
  std::thread clock_ GUARDED_BY(mu_);
};

}  // namespace shoal::rdev
