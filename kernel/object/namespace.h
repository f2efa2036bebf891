// Namespace: a process's view of named things, path -> Provider
// (ARCHITECTURE.md, invariant 2: no path access outside its namespace).
//
// Paths are absolute, '/'-separated, and must already be in normal form:
// no empty components ("//", a trailing '/'), no "." or "..", no NUL, at
// most kMaxPathBytes. There is no way to climb out of a binding, so a
// provider only ever sees paths below its own mount point. A path resolves
// to the binding with the longest mount point that is a whole-component
// prefix of it (/dev/video1 does not match /dev/video10), and the provider
// opens the rest.
//
// Per process: every process holds its own Namespace, a copy made at spawn
// (of the node's root namespace, or of the parent's for guest spawns), which
// the spawner may narrow. A later Bind or Unbind changes only the namespace
// it is made on: binding into the node root affects processes spawned after
// it, never one already running. Authority is fixed when a process starts and
// only its spawner shapes it; nothing reaches into a running process's view.
// The providers themselves are shared, so a provider whose backing goes away
// (an unplugged camera, a node that left) fails Opens everywhere at once.
//
// Threading: thread-safe; Bind/Unbind may run while processes Open. OpenAsync
// calls the provider without the namespace lock, so a slow (remote) provider
// never holds up other paths. An object opened before an Unbind stays usable:
// the handle holds the object, not the binding.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/await.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/object.h"
#include "kernel/object/provider.h"

namespace shoal::kernel {

class Namespace {
 public:
  static constexpr size_t kMaxPathBytes = 4096;
  static constexpr size_t kMaxBindings = 1024;

  static std::shared_ptr<Namespace> Create();

  // `path` if it is in normal form (above), else kInvalidArgs saying why.
  static Result<std::string> CheckPath(std::string_view path);

  // Binds `provider` at `path`. kAlreadyExists if something is bound there
  // (Unbind first), kNoMemory past kMaxBindings, kInvalidArgs for a bad path
  // or a null provider.
  VoidResult Bind(std::string_view path, Ref<Provider> provider);

  // Removes the binding at exactly `path`; kNotFound if there is none.
  VoidResult Unbind(std::string_view path);

  // Opens `path` through the binding that covers it. kInvalidArgs for a bad
  // path, kNotFound when nothing covers it, else the provider's result, when
  // the provider answers (object.h: `done` may run on another thread).
  void OpenAsync(std::string_view path, Rights requested, Provider::OpenDone done) const;
  // The blocking form (object.h): never on a scheduler worker.
  Result<HandleEntry> Open(std::string_view path, Rights requested) const {
    return Await<Result<HandleEntry>>(
        [&](Provider::OpenDone done) { OpenAsync(path, requested, std::move(done)); });
  }

  // A new namespace with the same bindings (the providers are shared).
  std::shared_ptr<Namespace> Clone() const;

  // The mount points, sorted.
  std::vector<std::string> paths() const;

 private:
  Namespace() = default;

  mutable Mutex mu_;
  std::map<std::string, Ref<Provider>> bindings_ GUARDED_BY(mu_);
};

}  // namespace shoal::kernel
