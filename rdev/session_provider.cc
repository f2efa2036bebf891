#include "rdev/session_provider.h"

#include <string>

namespace shoal::rdev {

kernel::Ref<SessionProvider> SessionProvider::Create(kernel::ObjectType type, OpenSession open) {
  return kernel::Ref<SessionProvider>(
      new SessionProvider(kernel::DefaultRights(type), std::move(open)));
}

void SessionProvider::OpenAsync(std::string_view relative, kernel::Rights requested,
                                OpenDone done) {
  if (!relative.empty()) {
    return done(MakeError(Status::kNotFound,
                          "a device has nothing below it (\"" + std::string(relative) + "\")"));
  }
  if (!kernel::IsSubset(requested, grantable_)) {
    return done(MakeError(Status::kAccessDenied, "the device does not grant the requested rights"));
  }
  Result<kernel::Ref<kernel::KernelObject>> object = open_();
  if (!object.ok()) return done(std::move(object).error());
  done(kernel::HandleEntry{std::move(*object), requested});
}

}  // namespace shoal::rdev
