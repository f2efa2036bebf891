// ErrnoOr<T>: a value or a WASI errno, the result type of every operation a
// WASI descriptor's object performs. WASI needs finer failures than
// shoal::Status (ENOTEMPTY, EISDIR, ...), and these travel straight back to
// the guest, so they stay errnos from the object up to the host call.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "kernel/wasi/wasi_abi.h"

namespace shoal::wasi {

template <typename T>
class [[nodiscard]] ErrnoOr {
 public:
  ErrnoOr(T value) : v_(std::move(value)) {}                        // NOLINT: implicit by design.
  ErrnoOr(Errno err) : v_(err) { assert(err != Errno::kSuccess); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  Errno error() const { return ok() ? Errno::kSuccess : std::get<1>(v_); }

 private:
  std::variant<T, Errno> v_;
};

// The WASI errno for a host errno value; EIO for anything unmapped.
Errno ErrnoFromHost(int host_errno);

// Returns the WASI errno for the current host errno.
Errno LastHostErrno();

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
