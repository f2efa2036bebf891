// Result<T>: a value or an Error, the kernel's way of failing.
//
// Errors are values: functions that can fail return [[nodiscard]] Result<T>,
// and callers either handle the Error or pass it up with TRY(). Exceptions are
// not used in the kernel or the VM.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "kernel/base/status.h"

namespace shoal {

// A failure: a Status for programs and a message for people. Messages are
// complete sentences' worth of context ("at byte 0x1f in function 3: ...").
struct Error {
  Status status = Status::kInternal;
  std::string message;
};

inline Error MakeError(Status status, std::string message) {
  return Error{status, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design.
  Result(Error error) : v_(std::move(error)) {}  // NOLINT: implicit by design.

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const& { assert(!ok()); return std::get<1>(v_); }
  Error&& error() && { assert(!ok()); return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success carries nothing.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  void value() const { assert(ok_); }
  const Error& error() const& { assert(!ok_); return error_; }
  Error&& error() && { assert(!ok_); return std::move(error_); }

 private:
  Error error_;
  bool ok_ = true;
};

using VoidResult = Result<void>;

inline VoidResult Ok() { return {}; }

// What TRY returns from the enclosing function for a failed result. The
// other result families (ErrnoResult, wasi::ErrnoOr) declare theirs beside
// their types, found by argument-dependent lookup.
template <typename T>
Error TryFailure(Result<T>&& result) {
  return std::move(result).error();
}
template <typename T>
Error TryFailure(const Result<T>& result) {
  return result.error();
}

}  // namespace shoal

// TRY(expr): evaluates a result (Result, ErrnoResult, wasi::ErrnoOr); on
// failure returns TryFailure(result) from the enclosing function, whose
// return type must accept it, else yields the value (for Result<void>,
// nothing). The one early-return macro of the code base.
#define TRY(expr)                                                     \
  ({                                                                  \
    auto&& try_result_ = (expr);                                      \
    if (!try_result_.ok()) return TryFailure(std::move(try_result_)); \
    std::move(try_result_).value();                                   \
  })
