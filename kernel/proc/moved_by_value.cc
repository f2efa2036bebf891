#include "kernel/proc/moved_by_value.h"

#include <algorithm>
#include <string>

#include "kernel/object/port.h"
#include "kernel/object/timer.h"

namespace shoal::kernel {
namespace {

// A local timer or port that may move by value, pending what watches it.
struct Candidate {
  const HandleRecord* record;
  PortValue port;  // A port's, read once.
};

using Candidates = std::unordered_map<const KernelObject*, Candidate>;

// Local timers and ports that only their one handle holds (the table's
// reference and the snapshot's), ports only when every object they watch is
// one the process names.
Candidates HeldOnlyByTheProcess(std::span<const HandleRecord> records) {
  std::unordered_map<const KernelObject*, HandleValue> named;
  for (const HandleRecord& r : records) named.emplace(r.entry.object.get(), r.value);
  Candidates candidates;
  for (const HandleRecord& r : records) {
    KernelObject* object = r.entry.object.get();
    if (r.entry.object.use_count() != 2) continue;
    if (auto* port = dynamic_cast<Port*>(object)) {
      PortValue value = port->Value();
      bool all_named = std::all_of(value.watches.begin(), value.watches.end(), [&](const auto& w) {
        Ref<KernelObject> watched = w.object.lock();
        return watched != nullptr && named.count(watched.get()) != 0;
      });
      if (all_named) candidates.emplace(object, Candidate{&r, std::move(value)});
    } else if (dynamic_cast<Timer*>(object) != nullptr) {
      candidates.emplace(object, Candidate{&r, {}});
    }
  }
  return candidates;
}

// Drops the candidates something watches besides the ports still
// candidates, until none is dropped: a port watched by a port depends on it.
void DropTheWatchedFromOutside(Candidates& candidates) {
  for (bool dropped = true; dropped;) {
    dropped = false;
    std::unordered_map<const KernelObject*, size_t> watches;
    for (const auto& [object, candidate] : candidates) {
      for (const PortWatch& w : candidate.port.watches) {
        if (Ref<KernelObject> watched = w.object.lock()) ++watches[watched.get()];
      }
    }
    for (auto it = candidates.begin(); it != candidates.end();) {
      if (it->first->observer_count() != watches[it->first]) {
        it = candidates.erase(it);
        dropped = true;
      } else {
        ++it;
      }
    }
  }
}

}  // namespace

std::unordered_map<const KernelObject*, HandleImage> CaptureObjectsByValue(
    std::span<const HandleRecord> records, MonotonicNs now) {
  Candidates candidates = HeldOnlyByTheProcess(records);
  DropTheWatchedFromOutside(candidates);
  std::unordered_map<const KernelObject*, HandleValue> named;
  for (const HandleRecord& r : records) named.emplace(r.entry.object.get(), r.value);

  std::unordered_map<const KernelObject*, HandleImage> values;
  for (auto& [object, candidate] : candidates) {
    const HandleRecord& record = *candidate.record;
    HandleImage image;
    image.value = record.value;
    image.rights = record.entry.rights;
    image.type = object->type();
    image.origin = HandleOrigin::kTimer;
    if (object->type() == ObjectType::kTimer) {
      image.timer = static_cast<Timer&>(*record.entry.object).ValueAt(now);
    } else {
      image.origin = HandleOrigin::kPort;
      image.port.packets = std::move(candidate.port.packets);
      for (const PortWatch& w : candidate.port.watches) {
        Ref<KernelObject> watched = w.object.lock();  // Named, so alive.
        image.port.watches.push_back({named.at(watched.get()), w.signals, w.key});
      }
    }
    values.emplace(object, std::move(image));
  }
  return values;
}

Result<Ref<KernelObject>> RestoreObjectByValue(const HandleImage& handle, TimerService& timers,
                                               MonotonicNs now) {
  switch (handle.origin) {
    case HandleOrigin::kTimer:
      return Ref<KernelObject>(TRY(Timer::CreateFrom(timers, handle.timer, now)));
    case HandleOrigin::kPort:
      return Ref<KernelObject>(TRY(Port::CreateWith(handle.port.packets)));
    default:
      return MakeError(Status::kInvalidArgs, "handle " + std::to_string(handle.value) +
                                                 " of the image is not moved by value");
  }
}

VoidResult WatchAgain(std::span<const HandleImage> handles, const HandleTable& table) {
  for (const HandleImage& handle : handles) {
    if (handle.origin != HandleOrigin::kPort) continue;
    Ref<PortOps> port = TRY(table.Get<PortOps>(handle.value, Rights::kNone));
    for (const PortWatchImage& watch : handle.port.watches) {
      Result<HandleEntry> watched = table.GetEntry(watch.handle, Rights::kNone);
      if (!watched.ok()) {
        return MakeError(Status::kInvalidArgs, "port handle " + std::to_string(handle.value) +
                                                   " of the image watches handle " +
                                                   std::to_string(watch.handle) +
                                                   ", which the image does not have");
      }
      TRY(port->WaitAsync(watched->object, watch.signals, watch.key));
    }
  }
  return Ok();
}

}  // namespace shoal::kernel
