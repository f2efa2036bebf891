// LoopbackConnection: an ObjectClient wired to an ObjectServer in the same
// process through byte buffers.
//
// It proves the object interfaces are messages (ARCHITECTURE.md, invariant 3):
// every operation on a proxy is encoded, copied as bytes, decoded by the
// server, run on the real object, and the response comes back the same way:
// at once for most operations, from the completion for file IO (so a proxied
// file read parks its process like a local one).
// The object tests run against these proxies as well as against local objects.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "kernel/base/result.h"
#include "kernel/object/object.h"
#include "kernel/object/object_client.h"
#include "kernel/object/object_server.h"

namespace shoal::kernel {

class LoopbackConnection {
 public:
  // Counts of what crossed the buffer, for tests.
  struct Traffic {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> events{0};
    std::atomic<uint64_t> bytes{0};
  };

  LoopbackConnection();

  // Exports `object` with `rights` and returns the client's proxy for it.
  Result<Ref<KernelObject>> Proxy(Ref<KernelObject> object, Rights rights);

  ObjectServer& server() { return *server_; }
  const Ref<ObjectClient>& client() { return client_; }
  const Traffic& traffic() const { return *traffic_; }

 private:
  struct Link;
  std::shared_ptr<Traffic> traffic_;
  std::shared_ptr<Link> link_;
  Ref<ObjectServer> server_;
  Ref<ObjectClient> client_;
};

}  // namespace shoal::kernel
