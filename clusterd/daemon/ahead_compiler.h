// AheadCompiler: one thread that compiles the modules of moves arriving at
// this node while their processes still run on the source, so that the
// freeze finds them compiled (docs/migration.md, pre-copy step 5). A module
// of megabytes takes tens of milliseconds to compile and more.
//
// Bounded: at most kMaxWaiting modules wait; past that a module is not
// compiled ahead and the move's prepare compiles it, as it would anyway.
//
// Threading: safe from any thread. The destructor stops the thread after
// the module in hand; futures of modules never compiled become ready
// (their promise is dropped).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

class AheadCompiler {
 public:
  static constexpr size_t kMaxWaiting = 8;
  using Compile = std::function<void(const std::vector<uint8_t>& module)>;

  explicit AheadCompiler(Compile compile);
  ~AheadCompiler();
  AheadCompiler(const AheadCompiler&) = delete;
  AheadCompiler& operator=(const AheadCompiler&) = delete;

  // Queues `module`; the future is ready once it was compiled (or will not
  // be). Invalid when kMaxWaiting already wait or the thread cannot start.
  std::shared_future<void> Add(std::shared_ptr<const std::vector<uint8_t>> module);

 private:
  struct Job {
    std::shared_ptr<const std::vector<uint8_t>> module;
    std::promise<void> done;
  };
  void Run();

  const Compile compile_;
  Mutex mu_;
  CondVar wake_;
  std::deque<Job> waiting_ GUARDED_BY(mu_);
  bool stopping_ GUARDED_BY(mu_) = false;
  std::thread thread_;  // Started with the first module.
};

}  // namespace shoal::clusterd
