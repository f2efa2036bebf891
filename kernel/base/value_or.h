// ValueOr<T, E>: a value, or an error code of type E.
//
// The base of results whose failures are finer than shoal::Status and travel
// as codes: ErrnoResult<T> (host errnos, kernel/object/errno_result.h) and
// wasi::ErrnoOr<T> (WASI errnos, kernel/wasi/errno.h). They differ only in
// how a failure is made and what error() says on success.
#pragma once

#include <cassert>
#include <utility>
#include <variant>

namespace shoal {

template <typename T, typename E>
class [[nodiscard]] ValueOr {
 public:
  ValueOr(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design.

  bool ok() const { return v_.index() == 0; }
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  T& operator*() & { return value(); }
  T operator*() && { return std::move(*this).value(); }

 protected:
  struct FailureTag {};
  ValueOr(FailureTag, E error) : v_(std::in_place_index<1>, error) {}
  // The error, or `none` on success.
  E ErrorOr(E none) const { return ok() ? none : std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace shoal
