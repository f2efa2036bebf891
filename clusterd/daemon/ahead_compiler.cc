// AheadCompiler (ahead_compiler.h).
#include "clusterd/daemon/ahead_compiler.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <system_error>
#include <utility>

namespace shoal::clusterd {

AheadCompiler::AheadCompiler(Compile compile) : compile_(std::move(compile)) {}

AheadCompiler::~AheadCompiler() {
  {
    MutexLock lock(&mu_);
    stopping_ = true;
    wake_.SignalAll();
  }
  if (thread_.joinable()) thread_.join();
}

std::shared_future<void> AheadCompiler::Add(std::shared_ptr<const std::vector<uint8_t>> module) {
  MutexLock lock(&mu_);
  if (stopping_ || waiting_.size() >= kMaxWaiting) return {};
  if (!thread_.joinable()) {
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error& e) {
      spdlog::warn("no thread to compile modules ahead of their processes: {}", e.what());
      return {};
    }
  }
  Job& job = waiting_.emplace_back();
  job.module = std::move(module);
  std::shared_future<void> done = job.done.get_future().share();
  wake_.SignalAll();
  return done;
}

void AheadCompiler::Run() {
  for (;;) {
    Job job;
    {
      MutexLock lock(&mu_);
      while (waiting_.empty() && !stopping_) wake_.Wait(mu_);
      if (stopping_) return;  // The jobs left drop their promises: ready.
      job = std::move(waiting_.front());
      waiting_.pop_front();
    }
    try {
      compile_(*job.module);
    } catch (const std::exception& e) {
      // The move's prepare compiles it again and answers whatever this was.
      spdlog::warn("compiling a module ahead of its process failed: {}", e.what());
    } catch (...) {
      spdlog::warn("compiling a module ahead of its process failed");
    }
    job.done.set_value();
  }
}

}  // namespace shoal::clusterd
