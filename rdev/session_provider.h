// SessionProvider: serves a device whose every Open is a new object (a
// camera session, rdev/camera.h), at its mount point only.
#pragma once

#include <functional>

#include "kernel/base/result.h"
#include "kernel/object/provider.h"

namespace shoal::rdev {

class SessionProvider final : public kernel::Provider {
 public:
  using OpenSession = std::function<Result<kernel::Ref<kernel::KernelObject>>()>;

  // Grants at most DefaultRights(type); `open` makes each new object (of
  // `type`) or says why it cannot.
  static kernel::Ref<SessionProvider> Create(kernel::ObjectType type, OpenSession open);

  // Answers at once, on the calling thread: kNotFound below the mount point,
  // kAccessDenied for rights beyond the type's, else `open`'s result.
  void OpenAsync(std::string_view relative, kernel::Rights requested, OpenDone done) override;

 private:
  SessionProvider(kernel::Rights grantable, OpenSession open)
      : grantable_(grantable), open_(std::move(open)) {}
  const kernel::Rights grantable_;
  const OpenSession open_;
};

}  // namespace shoal::rdev
