// Clang thread-safety annotations and an annotated mutex.
//
// Fields under a lock are GUARDED_BY(mu_); functions that need the lock held
// are REQUIRES(mu_) and end in `Locked`. Under clang with -Wthread-safety the
// compiler checks them; under other compilers the macros expand to nothing and
// remain documentation.
#pragma once

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

namespace shoal::kernel {

// A std::mutex the analysis knows about.
class CAPABILITY("mutex") Mutex {
 public:
  void Lock() ACQUIRE() { mu_.lock(); }
  void Unlock() RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

// Holds a Mutex for one scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ACQUIRE(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() RELEASE() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

}  // namespace shoal::kernel
