// Pair: two nodes' worth of the object protocol joined by one connection,
// for tests and benchmarks. Side A exports objects, side B holds proxies of
// them. The transport is an in-process pipe on one loop, or a TCP socket on
// 127.0.0.1 between two loops (two event-loop threads, as two nodes have).
//
// Threading: every method from a thread that may block (the test's), never a
// loop thread or a scheduler worker.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/object/provider.h"
#include "kernel/remote/connection.h"
#include "kernel/remote/loop.h"

namespace shoal::kernel::remote {

class Pair {
 public:
  enum class Transport { kPipe, kTcp };

  static std::unique_ptr<Pair> Create(Transport transport);
  ~Pair();

  // Exports `object` with `rights` from side A; returns side B's proxy for it.
  Result<Ref<KernelObject>> Proxy(Ref<KernelObject> object, Rights rights);

  // Closes the connection from side A: both links go.
  void Cut();

  const std::shared_ptr<Loop>& loop_a() const { return a_; }
  const std::shared_ptr<Loop>& loop_b() const { return b_; }
  // The link of side B's proxies.
  std::shared_ptr<Link> link_b() const;

 private:
  class Table;
  Pair() = default;

  std::shared_ptr<Loop> a_;
  std::shared_ptr<Loop> b_;  // a_ itself for kPipe.
  std::shared_ptr<Table> table_;
  // Owned by their loops' threads; destroyed there.
  Connection* connection_a_ = nullptr;
  Connection* connection_b_ = nullptr;
};

}  // namespace shoal::kernel::remote
