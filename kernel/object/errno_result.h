// ErrnoResult<T>: a value or a host errno, the result of every File and
// Directory operation.
//
// Files need finer failures than shoal::Status (ENOTEMPTY, EISDIR, ELOOP, ...)
// and WASI hands them straight to the guest, so file and directory objects
// report the positive Linux errno; it crosses the object protocol as is
// (nodes share one ABI). kErrnoNotCapable stands for WASI's ENOTCAPABLE,
// which Linux lacks: a path tried to leave the directory it was resolved in.
#pragma once

#include <cassert>
#include <cerrno>

#include "kernel/base/result.h"
#include "kernel/base/value_or.h"

namespace shoal::kernel {

// Outside Linux's errno range (< 4096), so it never collides with a host errno.
constexpr int kErrnoNotCapable = 4096 + 76;

// The success value of operations that return nothing.
struct Done {};

template <typename T>
class [[nodiscard]] ErrnoResult : public ValueOr<T, int> {
 public:
  using ValueOr<T, int>::ValueOr;
  // A failure; `error` is a positive errno.
  static ErrnoResult Fail(int error) {
    assert(error > 0);
    return ErrnoResult(typename ValueOr<T, int>::FailureTag{}, error);
  }
  // 0 on success, else the errno.
  int error() const { return this->ErrorOr(0); }
};

// A failure from an errno, convertible to any ErrnoResult<T>.
struct HostError {
  int error;
  template <typename T>
  operator ErrnoResult<T>() const {  // NOLINT: implicit by design.
    return ErrnoResult<T>::Fail(error);
  }
};
// The current errno as a HostError.
inline HostError LastError() { return HostError{errno}; }

// TRY (kernel/base/result.h) returns a failed ErrnoResult's errno as a
// HostError, which becomes an ErrnoResult of the enclosing function's type.
template <typename T>
HostError TryFailure(const ErrnoResult<T>& result) {
  return HostError{result.error()};
}

}  // namespace shoal::kernel
