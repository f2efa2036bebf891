// Reactor: the node's asynchronous IO, on one io_uring owned by one thread.
//
// Threading: the reactor thread alone touches the ring. Any thread (workers
// inside Task::Step(), other reactor callbacks, tests) starts an operation by
// calling Read/Write/Fsync/Poll/Timeout, which append a request to a
// mutex-protected queue and wake the reactor through an eventfd that the ring
// itself has a read pending on. (IORING_OP_MSG_RING needs a ring on the
// sending side too; worker threads have none, and an eventfd works on every
// kernel with io_uring reads, 5.6 and later.) Completion callbacks run on the
// reactor thread, one at a time; they must not block and typically call
// Scheduler::Wake(). They may start new operations and Cancel() others.
//
// Exactly once: for every operation whose start call returned an id, the
// callback is called exactly once: with the result, with ECANCELED after a
// successful Cancel(), or with ECANCELED at Shutdown(). A start call that
// returns an error never calls the callback.
//
// Buffer ownership: Read and Write do not copy. The caller keeps the buffer
// alive and does not touch it (Read) or change it (Write) until the callback
// has run, including after Cancel() (the kernel may still be using it until
// the cancellation completes) and through Shutdown(). A process whose guest
// memory is the buffer must keep that memory alive (hold a reference in the
// callback) until the callback runs.
//
// File descriptors are borrowed: the caller keeps `fd` open until the callback.
#pragma once

#include <liburing.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <thread>
#include <unordered_map>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/sync_scope.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/base/timer_service.h"
#include "kernel/sched/io_completion.h"

namespace shoal::kernel {

struct ReactorOptions {
  unsigned sq_entries = 256;  // Submission queue size; in-flight ops may exceed it.
};

struct ReactorStats {
  uint64_t submitted = 0;  // Operations accepted by a start call.
  uint64_t completed = 0;  // Callbacks called.
  uint64_t in_flight = 0;  // submitted - completed.
  uint64_t syncs = 0;      // Fsync operations accepted (a subset of submitted).
};


class Reactor {
 public:
  using OpId = uint64_t;  // Never 0; never reused by one reactor.
  using Callback = std::function<void(const IoCompletion&)>;
  // Offset meaning "the file's current position" (pipes, sockets, O_APPEND).
  static constexpr int64_t kCurrentPosition = -1;

  // Sets up the ring and the eventfd and starts the reactor thread. Errors
  // (io_uring disabled, out of memory) come back as a Status.
  static Result<std::unique_ptr<Reactor>> Create(ReactorOptions options = {});
  // Shutdown(), then releases the ring.
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  // pread/pwrite at `offset` (or kCurrentPosition). Result: bytes transferred,
  // possibly fewer than asked. kInvalidArgs if the buffer exceeds 2^31-1
  // bytes; kNotSupported after Shutdown() started.
  Result<OpId> Read(int fd, std::span<uint8_t> buffer, int64_t offset, Callback done);
  Result<OpId> Write(int fd, std::span<const uint8_t> buffer, int64_t offset, Callback done);
  Result<OpId> Fsync(int fd, SyncScope scope, Callback done);
  // One-shot readiness: completes once `fd` has any of `events` (POLLIN,
  // POLLOUT, ...); result is the ready events (POLLHUP/POLLERR included).
  Result<OpId> Poll(int fd, uint32_t events, Callback done);
  // Completes with result 0 at or after `deadline` (CLOCK_MONOTONIC).
  Result<OpId> Timeout(MonotonicNs deadline, Callback done);

  // Asks the kernel to cancel `id`. The operation's callback then reports
  // ECANCELED, or its real result if it completed first; either way exactly
  // once. Unknown or finished ids are ignored. Asynchronous; thread-safe.
  void Cancel(OpId id);

  // Refuses new operations, cancels every pending one, waits for all of their
  // callbacks, and joins the reactor thread. Idempotent (a concurrent second
  // call returns when the first is done). Must not be called from a reactor
  // callback.
  void Shutdown();

  bool OnReactorThread() const { return std::this_thread::get_id() == thread_id_; }
  ReactorStats Stats() const;

 private:
  enum class Kind : uint8_t { kRead, kWrite, kFsync, kPoll, kTimeout, kCancel };
  struct Request {
    Kind kind;
    OpId id = 0;  // For kCancel: the operation to cancel.
    int fd = -1;
    void* buffer = nullptr;
    uint32_t length = 0;
    uint64_t offset = 0;
    uint32_t flags = 0;  // Poll events, fsync flags.
    MonotonicNs deadline = 0;
    Callback done;
  };
  struct Op {
    Callback done;
    __kernel_timespec deadline{};  // Timeout's; lives until the CQE.
  };

  Reactor() = default;
  Result<OpId> Start(Request request);
  void Signal();

  // Reactor thread only.
  void Loop();
  void Prepare(Request& request);
  io_uring_sqe* GetSqe();
  void ArmWake();
  void SubmitCancel(uint64_t user_data);
  void ReapReady();
  void Handle(uint64_t user_data, int32_t res);
  void DrainForShutdown(std::vector<Request>& never_submitted);

  io_uring ring_{};
  bool ring_ready_ = false;
  int wake_fd_ = -1;
  uint64_t wake_buffer_ = 0;  // The eventfd read's target; lives with the ring.
  bool wake_armed_ = false;   // Reactor thread only.

  mutable Mutex mu_;
  std::vector<Request> incoming_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  bool signalled_ GUARDED_BY(mu_) = false;  // An eventfd write is pending.
  Mutex shutdown_mu_;                       // Held through Shutdown(): a second caller waits too.
  bool shut_down_ GUARDED_BY(shutdown_mu_) = false;
  std::atomic<OpId> next_id_{1};
  std::atomic<uint64_t> submitted_{0};
  std::atomic<uint64_t> completed_{0};
  std::atomic<uint64_t> syncs_{0};

  std::unordered_map<OpId, Op> in_flight_;  // Reactor thread only.
  std::thread thread_;
  std::thread::id thread_id_;  // Set once in Create(); read by any thread.
};

}  // namespace shoal::kernel
