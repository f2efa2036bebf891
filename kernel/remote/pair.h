// Pair: two nodes' worth of the object protocol joined by one connection,
// for tests and benchmarks. Side A exports objects, side B holds proxies of
// them. The transport is an in-process pipe on one loop, a TCP socket on
// 127.0.0.1 between two loops (two event-loop threads, as two nodes have), or
// a TLS socket between two loops: transport.h with certificates for nodes
// "a" and "b" minted by deploy/gen-certs (once per process), as two shoald
// connect.
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

class Transport;

class Pair {
 public:
  enum class Transport { kPipe, kTcp, kTls };

  // Null when the pair cannot be set up (no loopback, no certificates).
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
  // Joins the loops over TLS on 127.0.0.1; false when that fails.
  bool ConnectTls(const Connection::Bootstrap& offer_a, const Connection::Bootstrap& offer_b);

  std::shared_ptr<Loop> a_;
  std::shared_ptr<Loop> b_;  // a_ itself for kPipe.
  std::shared_ptr<Table> table_;
  // Owned by their loops' threads; destroyed there.
  Connection* connection_a_ = nullptr;
  Connection* connection_b_ = nullptr;
  // kTls: each side's transport, owned by its loop's thread too.
  remote::Transport* transport_a_ = nullptr;
  remote::Transport* transport_b_ = nullptr;
};

}  // namespace shoal::kernel::remote
