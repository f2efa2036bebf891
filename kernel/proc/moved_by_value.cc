#include "kernel/proc/moved_by_value.h"

#include <algorithm>
#include <string>

#include "kernel/object/channel.h"
#include "kernel/object/port.h"
#include "kernel/object/timer.h"

namespace shoal::kernel {
namespace {

// A local timer, port or channel end that may move by value, pending what
// watches it and, for a channel end, its peer.
struct Candidate {
  const HandleRecord* record;
  PortValue port;                      // A port's, read once.
  ChannelValue channel;                // A channel end's, read once.
  const KernelObject* peer = nullptr;  // A channel end's; null when gone.
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
    } else if (auto* channel = dynamic_cast<Channel*>(object)) {
      Candidate candidate{&r, {}, {}, nullptr};
      std::optional<ChannelValue> value = channel->Value(&candidate.peer);
      if (!value) continue;
      candidate.channel = std::move(*value);
      candidates.emplace(object, std::move(candidate));
    } else if (dynamic_cast<Timer*>(object) != nullptr) {
      candidates.emplace(object, Candidate{&r, {}, {}, nullptr});
    }
  }
  return candidates;
}

// Drops the candidates something watches besides the ports still
// candidates, and the channel ends whose live peer is not one, until none is
// dropped: a port watched by a port depends on it, and an end on its peer.
void DropTheReachableFromOutside(Candidates& candidates) {
  for (bool dropped = true; dropped;) {
    dropped = false;
    std::unordered_map<const KernelObject*, size_t> watches;
    for (const auto& [object, candidate] : candidates) {
      for (const PortWatch& w : candidate.port.watches) {
        if (Ref<KernelObject> watched = w.object.lock()) ++watches[watched.get()];
      }
    }
    for (auto it = candidates.begin(); it != candidates.end();) {
      const Candidate& candidate = it->second;
      const bool peer_stays = candidate.record->entry.object->type() == ObjectType::kChannel &&
                              candidate.peer != nullptr && !candidates.contains(candidate.peer);
      if (peer_stays || it->first->observer_count() != watches[it->first]) {
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
  DropTheReachableFromOutside(candidates);
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
    } else if (object->type() == ObjectType::kChannel) {
      image.origin = HandleOrigin::kChannel;
      image.channel.peer = candidate.peer != nullptr ? named.at(candidate.peer) : kInvalidHandle;
      image.channel.inbox = std::move(candidate.channel.inbox);
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

Result<std::unordered_map<HandleValue, Ref<KernelObject>>> RestoreObjectsByValue(
    std::span<const HandleImage> handles, TimerService& timers, MonotonicNs now) {
  std::unordered_map<HandleValue, Ref<KernelObject>> objects;
  std::unordered_map<HandleValue, const HandleImage*> images;
  for (const HandleImage& handle : handles) images.emplace(handle.value, &handle);
  for (const HandleImage& handle : handles) {
    const std::string name = "handle " + std::to_string(handle.value) + " of the image";
    switch (handle.origin) {
      case HandleOrigin::kTimer:
        objects[handle.value] = TRY(Timer::CreateFrom(timers, handle.timer, now));
        break;
      case HandleOrigin::kPort:
        objects[handle.value] = TRY(Port::CreateWith(handle.port.packets));
        break;
      case HandleOrigin::kChannel: {
        if (objects.contains(handle.value)) break;  // Made with its peer.
        auto [end, other] = TRY(Channel::Create());
        const HandleImage* peer = nullptr;
        if (handle.channel.peer != kInvalidHandle) {
          auto found = images.find(handle.channel.peer);
          if (found == images.end() || found->second->origin != HandleOrigin::kChannel ||
              found->second->channel.peer != handle.value) {
            return MakeError(Status::kInvalidArgs,
                             name + " is a channel end whose peer the image does not pair with it");
          }
          peer = found->second;
        }
        // Each end's messages are written by the other, oldest first.
        for (const std::vector<uint8_t>& bytes : handle.channel.inbox) TRY(other->Write(bytes, {}));
        if (peer != nullptr) {
          for (const std::vector<uint8_t>& bytes : peer->channel.inbox) TRY(end->Write(bytes, {}));
          objects[peer->value] = std::move(other);
        }
        objects[handle.value] = std::move(end);  // Alone, `other` goes: the peer is gone.
        break;
      }
      default:
        break;
    }
  }
  return objects;
}

Result<std::vector<PortWatchAgain>> WatchesAgain(std::span<const HandleImage> handles,
                                                 const HandleTable& table) {
  std::vector<PortWatchAgain> again;
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
      again.push_back({port, watched->object, watch.signals, watch.key});
    }
  }
  return again;
}

VoidResult MakeWatches(std::span<const PortWatchAgain> watches) {
  for (const PortWatchAgain& watch : watches) {
    TRY(watch.port->WaitAsync(watch.object, watch.signals, watch.key));
  }
  return Ok();
}

}  // namespace shoal::kernel
