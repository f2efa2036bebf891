// ErrnoOr<T>: a value or a WASI errno (a ValueOr, kernel/base/value_or.h),
// the result type of every operation a WASI descriptor's object performs. WASI needs finer failures
// than shoal::Status (ENOTEMPTY, EISDIR, ...), and these travel straight back to the guest, so they
// stay errnos from the object up to the host call.
#pragma once

#include <cassert>
#include <string>

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

}  // namespace shoal::wasi

// TRY_ERRNO(expr): evaluates an ErrnoOr; on failure returns its Errno from the
// enclosing function (which must return Errno or an ErrnoOr), else yields
// the value.
#define TRY_ERRNO(expr)                              \
  ({                                                 \
    auto&& try_errno_ = (expr);                      \
    if (!try_errno_.ok()) return try_errno_.error(); \
    std::move(try_errno_).value();                   \
  })

// RETURN_IF_ERRNO(errno_expr): returns the Errno unless it is kSuccess.
#define RETURN_IF_ERRNO(expr)                                                  \
  do {                                                                         \
    ::shoal::wasi::Errno errno_result_ = (expr);                               \
    if (errno_result_ != ::shoal::wasi::Errno::kSuccess) return errno_result_; \
  } while (0)
