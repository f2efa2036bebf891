// Provider: what a namespace binds at a path (namespace.h).
//
// A provider turns a path below its mount point into a handle entry: a Ref to
// a kernel object and the rights the opener gets. A local device, a directory
// tree of host files, or (later) a proxy for a provider on another node
// (`shoal mount node-a:/dev/video0 /dev/video1`) all implement this one
// interface.
//
// Threading: Open may be called from any thread, concurrently.
#pragma once

#include <string_view>

#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

class Provider {
 public:
  virtual ~Provider() = default;

  // Opens `relative` (the normalized path below the mount point without a
  // leading slash; "" for the mount point itself) with `requested` rights.
  // The entry's rights are never more than `requested`. Errors: kNotFound
  // for a name the provider does not have, kAccessDenied for rights it does
  // not grant.
  virtual Result<HandleEntry> Open(std::string_view relative, Rights requested) = 0;
};

// Serves one object at its mount point (nothing below it), granting at most
// `grantable` rights: how /dev/null, /dev/zero and /dev/random are bound.
// Every Open hands out the same object.
class ObjectProvider final : public Provider {
 public:
  static Ref<ObjectProvider> Create(Ref<KernelObject> object, Rights grantable);

  Result<HandleEntry> Open(std::string_view relative, Rights requested) override;

 private:
  ObjectProvider(Ref<KernelObject> object, Rights grantable)
      : object_(std::move(object)), grantable_(grantable) {}
  const Ref<KernelObject> object_;
  const Rights grantable_;
};

}  // namespace shoal::kernel
