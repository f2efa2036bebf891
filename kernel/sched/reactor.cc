#include "kernel/sched/reactor.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

namespace shoal::kernel {
namespace {

// user_data values that are not operations. Operation ids start at 1.
constexpr uint64_t kWakeTag = 0;
constexpr uint64_t kCancelTag = std::numeric_limits<uint64_t>::max();

}  // namespace

Result<std::unique_ptr<Reactor>> Reactor::Create(ReactorOptions options) {
  std::unique_ptr<Reactor> reactor(new Reactor());
  io_uring_params params{};
  // COOP_TASKRUN: completions are delivered when the reactor enters the
  // kernel anyway, without interrupting it (5.19+); fall back without it.
  params.flags = IORING_SETUP_COOP_TASKRUN;
  int rc = io_uring_queue_init_params(options.sq_entries, &reactor->ring_, &params);
  if (rc == -EINVAL) {
    params = {};
    rc = io_uring_queue_init_params(options.sq_entries, &reactor->ring_, &params);
  }
  if (rc < 0) {
    return MakeError(StatusFromErrno(-rc), std::string("io_uring_queue_init: ") + strerror(-rc));
  }
  reactor->ring_ready_ = true;
  if (!(params.features & IORING_FEAT_NODROP)) {
    return MakeError(Status::kNotSupported, "io_uring lacks IORING_FEAT_NODROP (kernel < 5.5)");
  }
  reactor->wake_fd_ = eventfd(0, EFD_CLOEXEC);
  if (reactor->wake_fd_ < 0) {
    int e = errno;
    return MakeError(StatusFromErrno(e), std::string("eventfd: ") + strerror(e));
  }
  Reactor* r = reactor.get();
  reactor->thread_ = std::thread([r] { r->Loop(); });
  reactor->thread_id_ = reactor->thread_.get_id();
  return reactor;
}

Reactor::~Reactor() {
  Shutdown();
  if (ring_ready_) io_uring_queue_exit(&ring_);
  if (wake_fd_ >= 0) close(wake_fd_);
}

Result<Reactor::OpId> Reactor::Read(int fd, std::span<uint8_t> buffer, int64_t offset,
                                    Callback done) {
  if (buffer.size() > uint32_t(std::numeric_limits<int32_t>::max())) {
    return MakeError(Status::kInvalidArgs, "Read of more than 2^31-1 bytes");
  }
  return Start({.kind = Kind::kRead,
                .fd = fd,
                .buffer = buffer.data(),
                .length = uint32_t(buffer.size()),
                .offset = uint64_t(offset),
                .done = std::move(done)});
}

Result<Reactor::OpId> Reactor::Write(int fd, std::span<const uint8_t> buffer, int64_t offset,
                                     Callback done) {
  if (buffer.size() > uint32_t(std::numeric_limits<int32_t>::max())) {
    return MakeError(Status::kInvalidArgs, "Write of more than 2^31-1 bytes");
  }
  return Start({.kind = Kind::kWrite,
                .fd = fd,
                .buffer = const_cast<uint8_t*>(buffer.data()),
                .length = uint32_t(buffer.size()),
                .offset = uint64_t(offset),
                .done = std::move(done)});
}

Result<Reactor::OpId> Reactor::Fsync(int fd, SyncScope scope, Callback done) {
  Result<OpId> id = Start({.kind = Kind::kFsync,
                           .fd = fd,
                           .flags = scope == SyncScope::kDataOnly ? IORING_FSYNC_DATASYNC : 0u,
                           .done = std::move(done)});
  if (id.ok()) syncs_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

Result<Reactor::OpId> Reactor::Poll(int fd, uint32_t events, Callback done) {
  return Start({.kind = Kind::kPoll, .fd = fd, .flags = events, .done = std::move(done)});
}

Result<Reactor::OpId> Reactor::Timeout(MonotonicNs deadline, Callback done) {
  return Start({.kind = Kind::kTimeout, .deadline = deadline, .done = std::move(done)});
}

void Reactor::Cancel(OpId id) {
  MutexLock lock(&mu_);
  if (stopping_) return;  // Shutdown cancels everything anyway.
  incoming_.push_back({.kind = Kind::kCancel, .id = id, .done = nullptr});
  lock.Unlock();
  if (!OnReactorThread()) Signal();
}

Result<Reactor::OpId> Reactor::Start(Request request) {
  if (!request.done) return MakeError(Status::kInvalidArgs, "reactor operation without callback");
  MutexLock lock(&mu_);
  if (stopping_) return MakeError(Status::kNotSupported, "the reactor is shutting down");
  request.id = next_id_.fetch_add(1, std::memory_order_relaxed);
  OpId id = request.id;
  incoming_.push_back(std::move(request));
  submitted_.fetch_add(1, std::memory_order_relaxed);
  lock.Unlock();
  // From a callback, the loop takes the queue before it next waits: no wake.
  if (!OnReactorThread()) Signal();
  return id;
}

// Writes the eventfd unless a write is already pending since the reactor last
// took the queue: a burst of submissions costs one syscall.
void Reactor::Signal() {
  {
    MutexLock lock(&mu_);
    if (signalled_) return;
    signalled_ = true;
  }
  uint64_t one = 1;
  ssize_t n = write(wake_fd_, &one, sizeof one);
  assert(n == sizeof one);
  (void)n;
}

void Reactor::Shutdown() {
  assert(!OnReactorThread());
  MutexLock shutdown_lock(&shutdown_mu_);
  if (shut_down_) return;
  shut_down_ = true;
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    signalled_ = true;
  }
  uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  if (thread_.joinable()) thread_.join();
}

ReactorStats Reactor::Stats() const {
  ReactorStats s;
  s.completed = completed_.load(std::memory_order_relaxed);
  s.submitted = submitted_.load(std::memory_order_relaxed);
  s.in_flight = s.submitted - s.completed;
  s.syncs = syncs_.load(std::memory_order_relaxed);
  return s;
}

void Reactor::Loop() {
  ArmWake();
  std::vector<Request> batch;
  for (;;) {
    bool stopping;
    {
      MutexLock lock(&mu_);
      batch.swap(incoming_);
      stopping = stopping_;
      if (!stopping) signalled_ = false;
    }
    if (stopping) {
      DrainForShutdown(batch);
      return;
    }
    for (Request& request : batch) Prepare(request);
    batch.clear();
    // Callbacks run while preparing (GetSqe may reap) can queue requests
    // without a wake; take them before sleeping.
    bool more;
    {
      MutexLock lock(&mu_);
      more = !incoming_.empty();
    }
    int rc = more ? io_uring_submit(&ring_) : io_uring_submit_and_wait(&ring_, 1);
    assert(rc >= 0 || rc == -EINTR || rc == -EBUSY || rc == -EAGAIN);
    (void)rc;
    ReapReady();
  }
}

void Reactor::Prepare(Request& request) {
  if (request.kind == Kind::kCancel) {
    if (in_flight_.count(request.id) != 0) SubmitCancel(request.id);
    return;
  }
  auto [it, inserted] = in_flight_.try_emplace(request.id);
  assert(inserted);
  Op& op = it->second;
  op.done = std::move(request.done);
  io_uring_sqe* sqe = GetSqe();
  switch (request.kind) {
    case Kind::kRead:
      io_uring_prep_read(sqe, request.fd, request.buffer, request.length, request.offset);
      break;
    case Kind::kWrite:
      io_uring_prep_write(sqe, request.fd, request.buffer, request.length, request.offset);
      break;
    case Kind::kFsync:
      io_uring_prep_fsync(sqe, request.fd, request.flags);
      break;
    case Kind::kPoll:
      io_uring_prep_poll_add(sqe, request.fd, request.flags);
      break;
    case Kind::kTimeout:
      op.deadline.tv_sec = int64_t(request.deadline / 1'000'000'000);
      op.deadline.tv_nsec = int64_t(request.deadline % 1'000'000'000);
      io_uring_prep_timeout(sqe, &op.deadline, 0, IORING_TIMEOUT_ABS);
      break;
    case Kind::kCancel:
      break;
  }
  io_uring_sqe_set_data64(sqe, request.id);
}

// The SQ may be full when many requests arrive at once: submit what is queued
// and, if the kernel pushes back (-EBUSY: completions to reap first), reap.
io_uring_sqe* Reactor::GetSqe() {
  for (;;) {
    if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) return sqe;
    int rc = io_uring_submit(&ring_);
    if (rc == -EBUSY || rc == -EAGAIN) ReapReady();
  }
}

void Reactor::ArmWake() {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_read(sqe, wake_fd_, &wake_buffer_, sizeof wake_buffer_, 0);
  io_uring_sqe_set_data64(sqe, kWakeTag);
  wake_armed_ = true;
}

void Reactor::SubmitCancel(uint64_t user_data) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_cancel64(sqe, user_data, 0);
  io_uring_sqe_set_data64(sqe, kCancelTag);
}

void Reactor::ReapReady() {
  io_uring_cqe* cqe = nullptr;
  while (io_uring_peek_cqe(&ring_, &cqe) == 0) {
    uint64_t user_data = io_uring_cqe_get_data64(cqe);
    int32_t res = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);  // Before the callback: Handle may reap again.
    Handle(user_data, res);
  }
}

void Reactor::Handle(uint64_t user_data, int32_t res) {
  if (user_data == kCancelTag) return;  // The cancelled op reports for itself.
  if (user_data == kWakeTag) {
    wake_armed_ = false;
    bool stopping;
    {
      MutexLock lock(&mu_);
      stopping = stopping_;
    }
    if (!stopping) ArmWake();
    return;
  }
  auto it = in_flight_.find(user_data);
  assert(it != in_flight_.end());
  if (it == in_flight_.end()) return;
  Callback done = std::move(it->second.done);
  in_flight_.erase(it);
  // An expired timeout reports -ETIME: for Timeout() that is success.
  IoCompletion completion = IoCompletion::FromCqeResult(res == -ETIME ? 0 : res);
  completed_.fetch_add(1, std::memory_order_relaxed);
  done(completion);
}

// Called once stopping_ is set (so no request can be added any more) with the
// requests that were queued but never reached the ring.
void Reactor::DrainForShutdown(std::vector<Request>& never_submitted) {
  IoCompletion cancelled = IoCompletion::FromCqeResult(-ECANCELED);
  for (Request& request : never_submitted) {
    if (request.kind == Kind::kCancel) continue;
    completed_.fetch_add(1, std::memory_order_relaxed);
    request.done(cancelled);
  }
  never_submitted.clear();
  // Cancel what is in flight, and the wake read (its buffer is ours). An op
  // the kernel cannot cancel yet (-EALREADY) still completes; ask again after
  // each quiet 100 ms until every callback has run.
  bool ask = true;
  while (!in_flight_.empty() || wake_armed_) {
    if (ask) {
      if (wake_armed_) SubmitCancel(kWakeTag);
      // GetSqe() may reap, which erases from in_flight_: iterate a copy.
      std::vector<OpId> ids;
      ids.reserve(in_flight_.size());
      for (auto& [id, op] : in_flight_) ids.push_back(id);
      for (OpId id : ids) SubmitCancel(id);
      ask = false;
    }
    io_uring_submit(&ring_);
    __kernel_timespec wait{.tv_sec = 0, .tv_nsec = 100'000'000};
    io_uring_cqe* cqe = nullptr;
    if (io_uring_wait_cqe_timeout(&ring_, &cqe, &wait) == -ETIME) ask = true;
    ReapReady();
  }
}

}  // namespace shoal::kernel
