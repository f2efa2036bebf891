// ErrnoOr<T>: a value or a WASI errno (a ValueOr, kernel/base/value_or.h),
// the result type of every operation a WASI descriptor's object performs. WASI needs finer failures
// than shoal::Status (ENOTEMPTY, EISDIR, ...), and these travel straight back to the guest, so they
// stay errnos from the object up to the host call.
#pragma once

#include <cassert>
#include <string>

#include "kernel/base/result.h"
#include "kernel/base/value_or.h"
#include "kernel/wasi/wasi_abi.h"

namespace shoal::wasi {

template <typename T>
class [[nodiscard]] ErrnoOr : public ValueOr<T, Errno> {
 public:
  using ValueOr<T, Errno>::ValueOr;
  ErrnoOr(Errno err)  // NOLINT: implicit by design.
      : ValueOr<T, Errno>(typename ValueOr<T, Errno>::FailureTag{}, err) {
    assert(err != Errno::kSuccess);
  }
  Errno error() const { return this->ErrorOr(Errno::kSuccess); }
};

// The WASI errno for a host errno value; EIO for anything unmapped.
Errno ErrnoFromHost(int host_errno);

// Returns the WASI errno for the current host errno.
Errno LastHostErrno();

// Words for a WASI errno, for messages people read: the host's strerror of
// the first host errno that maps to it ("No such file or directory").
std::string ErrnoDescription(Errno err);

// TRY (kernel/base/result.h) returns a failed ErrnoOr's Errno: the enclosing
// function returns Errno or an ErrnoOr.
template <typename T>
Errno TryFailure(const ErrnoOr<T>& result) {
  return result.error();
}

}  // namespace shoal::wasi
