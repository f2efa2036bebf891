// Clang thread-safety annotations, and the annotated mutex, lock and
// condition variable that every lock in Shoal's own code uses.
//
// Fields under a lock are GUARDED_BY(mu_); functions that need the lock held
// are REQUIRES(mu_) and end in `Locked`. A clang build checks them
// (-Wthread-safety -Werror=thread-safety, set in CMakeLists.txt; deploy/
// run-checks builds with clang); under gcc the macros expand to nothing.
// Waits on a CondVar are written as loops around Wait(), so the analysis
// sees the guarded reads of the condition under the lock.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define SHOAL_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define SHOAL_THREAD_ANNOTATION(x)
#endif

#ifndef CAPABILITY  // Abseil (under gRPC) defines the same attributes.
#define CAPABILITY(x) SHOAL_THREAD_ANNOTATION(capability(x))
#endif
#ifndef SCOPED_CAPABILITY  // Abseil (under gRPC) defines the same attributes.
#define SCOPED_CAPABILITY SHOAL_THREAD_ANNOTATION(scoped_lockable)
#endif
#ifndef GUARDED_BY  // Abseil (under gRPC) defines the same attributes.
#define GUARDED_BY(x) SHOAL_THREAD_ANNOTATION(guarded_by(x))
#endif
#ifndef PT_GUARDED_BY  // Abseil (under gRPC) defines the same attributes.
#define PT_GUARDED_BY(x) SHOAL_THREAD_ANNOTATION(pt_guarded_by(x))
#endif
#ifndef REQUIRES  // Abseil (under gRPC) defines the same attributes.
#define REQUIRES(...) SHOAL_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#endif
#ifndef EXCLUDES  // Abseil (under gRPC) defines the same attributes.
#define EXCLUDES(...) SHOAL_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif
#ifndef ACQUIRE  // Abseil (under gRPC) defines the same attributes.
#define ACQUIRE(...) SHOAL_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#endif
#ifndef RELEASE  // Abseil (under gRPC) defines the same attributes.
#define RELEASE(...) SHOAL_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#endif
#ifndef ACQUIRED_AFTER  // Abseil (under gRPC) defines the same attributes.
#define ACQUIRED_AFTER(...) SHOAL_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#endif
#ifndef NO_THREAD_SAFETY_ANALYSIS  // Abseil (under gRPC) defines the same attributes.
#define NO_THREAD_SAFETY_ANALYSIS SHOAL_THREAD_ANNOTATION(no_thread_safety_analysis)
#endif

namespace shoal {

// A std::mutex the analysis knows about.
class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for one scope. Unlock() and Lock() drop and retake it inside
// the scope (to call out without the lock); the destructor releases it only
// if held.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() {
    if (held_) mu_->Unlock();
  }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  void Unlock() RELEASE() {
    mu_->Unlock();
    held_ = false;
  }
  void Lock() ACQUIRE() {
    mu_->Lock();
    held_ = true;
  }

 private:
  Mutex* mu_;
  bool held_ = true;
};

// A condition variable waited on under a Mutex: each wait takes the mutex
// held, releases it while asleep and returns with it held again. Wakeups may
// be spurious, so callers wait in a loop on their condition.
class CondVar {
 public:
  void Wait(Mutex& mu) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    cv_.wait(lock);
    lock.release();
  }
  // False once `deadline` has passed.
  bool WaitUntil(Mutex& mu, std::chrono::steady_clock::time_point deadline) REQUIRES(mu) {
    std::unique_lock<std::mutex> lock(mu.mu_, std::adopt_lock);
    bool woken = cv_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

}  // namespace shoal
