// Registry: who is in the cluster and whether each member is alive.
//
// The daemon asks a Registry, never the transport, so the static peer list
// with heartbeats (HeartbeatRegistry) can later be replaced by one backed by
// a distributed store such as etcd for large clusters.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace shoal::clusterd {

enum class MemberState : uint8_t { kUp, kSuspect, kDead };

std::string_view MemberStateName(MemberState state);

// A process a member reported hosting.
struct HostedProcess {
  uint64_t pid = 0;
  bool running = false;
};

// A member's load as it last reported it (admin.proto's NodeLoad).
struct MemberLoad {
  uint32_t workers = 0;
  uint32_t busy_workers = 0;
  uint64_t run_queue = 0;
  uint32_t cpu_permille = 0;  // Of one core.
  uint64_t memory_bytes = 0;  // Resident.
  uint64_t memory_total_bytes = 0;
};

struct Member {
  std::string name;
  uint32_t node_id = 0;
  std::string peer_address;
  std::string admin_address;
  std::string data_address;  // Empty when the node announces no data plane.
  MemberState state = MemberState::kUp;
  uint64_t incarnation = 0;
  std::chrono::steady_clock::time_point last_heard;
  bool self = false;
  std::vector<HostedProcess> processes;  // As last reported.
  std::vector<std::string> devices;      // Device and mount paths, as last reported.
  MemberLoad load;
};

// A change the registry observed.
struct MemberChange {
  enum class Kind : uint8_t {
    kUp,  // Joined, or heard again after suspect or dead (rejoin).
    kSuspect,
    kDead,       // `previous` holds what it hosted: those processes are lost.
    kRestarted,  // New incarnation: `previous` (the old one's) are lost.
    kProcesses,  // Its reported process list changed (`previous` is the old list).
  };
  Kind kind;
  Member member;
  std::vector<HostedProcess> previous;
};

class Registry {
 public:
  virtual ~Registry() = default;

  // Every member ever heard from, self first. Thread-safe.
  virtual std::vector<Member> Members() const = 0;
  virtual std::optional<Member> FindByName(const std::string& name) const = 0;
  virtual std::optional<Member> FindById(uint32_t node_id) const = 0;

  // Called for each change, on a registry thread, without registry locks
  // held. Set once, before Start().
  using Listener = std::function<void(const MemberChange&)>;
  virtual void SetListener(Listener listener) = 0;

  virtual void Start() = 0;
  // Stops all registry threads; no listener call happens after it returns.
  virtual void Stop() = 0;
};

}  // namespace shoal::clusterd
