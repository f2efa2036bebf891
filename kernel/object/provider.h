// Provider: what a namespace binds at a path (namespace.h).
//
// A provider turns a path below its mount point into a handle entry: a Ref to
// a kernel object and the rights the opener gets. A local device, a directory
// tree of host files, or (later) a proxy for a provider on another node
// (`shoal mount node-a:/dev/video0 /dev/video1`) all implement this one
// interface.
//
// Asynchronous: OpenAsync is the one virtual, Open its blocking form
// (object.h). A local provider answers at once; a proxy for a provider on
// another node answers when that node does.
//
// Threading: OpenAsync may be called from any thread, concurrently.
#pragma once

#include <functional>
#include <string_view>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

class Provider {
 public:
  virtual ~Provider() = default;

  using OpenDone = std::function<void(Result<HandleEntry> entry)>;

  // Opens `relative` (the normalized path below the mount point without a
  // leading slash; "" for the mount point itself) with `requested` rights.
  // The entry's rights are never more than `requested`. Errors: kNotFound
  // for a name the provider does not have, kAccessDenied for rights it does
  // not grant.
  virtual void OpenAsync(std::string_view relative, Rights requested, OpenDone done) = 0;

  // The blocking form (object.h): never on a scheduler worker.
  Result<HandleEntry> Open(std::string_view relative, Rights requested) {
    return Await<Result<HandleEntry>>(
        [&](OpenDone done) { OpenAsync(relative, requested, std::move(done)); });
  }
};

// Serves one object at its mount point (nothing below it), granting at most
// `grantable` rights: how /dev/null, /dev/zero and /dev/random are bound.
// Every Open hands out the same object.
class ObjectProvider final : public Provider {
 public:
  static Ref<ObjectProvider> Create(Ref<KernelObject> object, Rights grantable);

  // Answers at once, on the calling thread.
  void OpenAsync(std::string_view relative, Rights requested, OpenDone done) override;

 private:
  ObjectProvider(Ref<KernelObject> object, Rights grantable)
      : object_(std::move(object)), grantable_(grantable) {}
  const Ref<KernelObject> object_;
  const Rights grantable_;
};

}  // namespace shoal::kernel
