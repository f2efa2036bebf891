#include "kernel/object/provider.h"

#include <string>

namespace shoal::kernel {

Ref<ObjectProvider> ObjectProvider::Create(Ref<KernelObject> object, Rights grantable) {
  return Ref<ObjectProvider>(new ObjectProvider(std::move(object), grantable));
}

void ObjectProvider::OpenAsync(std::string_view relative, Rights requested, OpenDone done) {
  if (!relative.empty()) {
    return done(MakeError(Status::kNotFound, "a " + std::string(ObjectTypeName(object_->type())) +
                                                 " has nothing below it (\"" +
                                                 std::string(relative) + "\")"));
  }
  if (!IsSubset(requested, grantable_)) {
    return done(
        MakeError(Status::kAccessDenied, "the binding does not grant the requested rights"));
  }
  done(HandleEntry{object_, requested});
}

}  // namespace shoal::kernel
