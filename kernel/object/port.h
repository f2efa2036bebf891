// Port: a queue of packets, and the way to wait on many objects at once.
//
// WaitAsync(object, signals, key) registers a one-shot observer on `object`;
// when it fires, a signal packet {key, observed signals} is queued. Queue()
// adds user packets: the kernel uses them for events a process chose to
// receive here ("child exited", "kill requested", "about to migrate"), as
// there are no signals in Shoal (ARCHITECTURE.md, invariant 5).
//
// Signals: kReadable while a packet is queued, so a process parks on a port as
// on any object.
//
// Capacity: registrations plus queued packets never exceed kMaxPackets, so a
// registration that fires always has room for its packet.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

enum class PacketType : uint8_t {
  kSignal = 1,  // From WaitAsync: `observed` holds the object's signals.
  kUser = 2,    // From Queue: `user` holds the payload.
};

struct Packet {
  uint64_t key = 0;
  PacketType type = PacketType::kUser;
  Signals observed = Signals::kNone;
  std::array<uint64_t, 4> user = {};
};

// The operations of a port, local or proxied. Rights on the port's handle:
// WaitAsync, Cancel and Queue need kWrite, Wait needs kRead; WaitAsync also
// needs kWait on the observed object's handle.
class PortOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kPort;
  static constexpr size_t kMaxPackets = 1024;

  // Queues a signal packet with `key` once any of `signals` is set on
  // `object` (at once if one is set already). The port does not keep `object`
  // alive; if it is destroyed first, no packet comes. kInvalidArgs for a null
  // object or empty signals; kShouldWait when the port is at capacity.
  virtual VoidResult WaitAsync(Ref<KernelObject> object, Signals signals, uint64_t key) = 0;

  // Removes every registration with `key` and every signal packet with `key`
  // still queued. kNotFound when there was none.
  virtual VoidResult Cancel(uint64_t key) = 0;

  // Queues a user packet (its type is forced to kUser). kShouldWait when the
  // port is at capacity.
  virtual VoidResult Queue(const Packet& packet) = 0;

  // Dequeues the oldest packet; kShouldWait when there is none.
  virtual Result<Packet> Wait() = 0;

 protected:
  using KernelObject::KernelObject;
};

// What a port watches: one registration of WaitAsync not yet fired.
struct PortWatch {
  std::weak_ptr<KernelObject> object;
  Signals signals = Signals::kNone;
  uint64_t key = 0;
};

// A port as data: what moving it by value takes (docs/migration.md).
struct PortValue {
  std::vector<Packet> packets;     // Oldest first.
  std::vector<PortWatch> watches;  // In the order they were made.
};

// The local port.
class Port final : public PortOps {
 public:
  static Result<Ref<Port>> Create();
  // A port holding `packets`, oldest first. kInvalidArgs past kMaxPackets.
  static Result<Ref<Port>> CreateWith(std::vector<Packet> packets);
  ~Port() override;

  // Its queued packets and live registrations, read at one moment.
  PortValue Value();

  VoidResult WaitAsync(Ref<KernelObject> object, Signals signals, uint64_t key) override;
  VoidResult Cancel(uint64_t key) override;
  VoidResult Queue(const Packet& packet) override;
  Result<Packet> Wait() override;

 private:
  struct Registration {
    uint64_t id;  // Port-local; names the registration to its observer.
    uint64_t key;
    Signals signals;
    std::weak_ptr<KernelObject> object;
    ObserverToken token;  // 0 until ObserveAsync has returned.
  };
  Port() : PortOps(ObjectType::kPort) {}
  void OnFired(uint64_t id, Signals observed);
  void PushLocked(Packet packet, Notifications& fired) REQUIRES(mu_);
  void PurgeDeadLocked() REQUIRES(mu_);

  Mutex mu_;
  std::deque<Packet> queue_ GUARDED_BY(mu_);
  std::vector<Registration> registrations_ GUARDED_BY(mu_);
  uint64_t next_id_ GUARDED_BY(mu_) = 1;
};

}  // namespace shoal::kernel
