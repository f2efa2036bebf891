// A ProcessImage out of its Cap'n Proto message, checking what the bytes
// alone can tell (image_message.h).
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "kernel/remote/port_packet.h"
#include "migrate/image_message.h"
#include "migrate/page_runs.h"

namespace shoal::migrate {
namespace {

namespace pi = proto::image;
using kernel::HandleOrigin;
using kernel::HandleValue;
using kernel::ProcessImage;

// Bounds on counts that the message's size does not bound tightly enough.
constexpr size_t kMaxMemories = 256;
constexpr size_t kMaxFrames = size_t{1} << 20;

Error Malformed(std::string message) { return MakeError(Status::kMalformed, std::move(message)); }

bool IsValType(uint8_t raw) {
  switch (vm::ValType(raw)) {
    case vm::ValType::kI32:
    case vm::ValType::kI64:
    case vm::ValType::kF32:
    case vm::ValType::kF64:
    case vm::ValType::kV128:
    case vm::ValType::kFuncRef:
    case vm::ValType::kExternRef:
      return true;
  }
  return false;
}

// `where` names the list ("frame 3's locals") in errors.
Result<std::vector<vm::Value>> ReadValues(capnp::List<pi::Value>::Reader in,
                                          const std::string& where) {
  std::vector<vm::Value> values;
  values.reserve(in.size());
  for (uint32_t i = 0; i < in.size(); ++i) {
    pi::Value::Reader v = in[i];
    const std::string name = where + " value " + std::to_string(i);
    if (!IsValType(v.getType())) {
      return Malformed(name + " has type " + std::to_string(v.getType()) +
                       ", which is no value type");
    }
    vm::Value value{vm::ValType(v.getType()), v.getLo(), v.getHi()};
    if (value.type != vm::ValType::kV128 && value.hi != 0) {
      return Malformed(name + " is an " + std::string(vm::ValTypeName(value.type)) +
                       " with a nonzero upper half");
    }
    if ((value.type == vm::ValType::kI32 || value.type == vm::ValType::kF32) &&
        (value.lo >> 32) != 0) {
      return Malformed(name + " is an " + std::string(vm::ValTypeName(value.type)) +
                       " wider than 32 bits");
    }
    values.push_back(value);
  }
  return values;
}

std::vector<bool> ReadBools(capnp::List<bool>::Reader in) {
  std::vector<bool> bools(in.size());
  for (uint32_t i = 0; i < in.size(); ++i) bools[i] = in[i];
  return bools;
}

std::vector<std::string> ReadStrings(capnp::List<capnp::Text>::Reader in) {
  std::vector<std::string> strings;
  strings.reserve(in.size());
  for (capnp::Text::Reader s : in) strings.emplace_back(s.begin(), s.size());
  return strings;
}

Result<kernel::ConsoleTail> ReadConsole(pi::Console::Reader in) {
  kernel::ConsoleTail console;
  console.start = in.getStart();
  capnp::Data::Reader bytes = in.getBytes();
  console.bytes.assign(bytes.begin(), bytes.end());
  auto runs = in.getRuns();
  console.runs.reserve(runs.size());
  for (auto run : runs) {
    console.runs.push_back({run.getOffset(), kernel::ConsoleStream(run.getStream())});
  }
  if (VoidResult checked = kernel::CheckConsoleTail(console); !checked.ok()) {
    return Malformed(checked.error().message);
  }
  return console;
}

// The image's memories into image.instance.memories, or into
// image.memories_ahead when they went ahead. image.page_cap is read already.
VoidResult ReadMemories(pi::ProcessImage::Reader in, const DecodeOptions& options,
                        ProcessImage& image) {
  auto memories = in.getInstance().getMemories();
  if (memories.size() > kMaxMemories) {
    return Malformed("the image has " + std::to_string(memories.size()) + " memories, over the " +
                     std::to_string(kMaxMemories) + " it may have");
  }
  // Sizes first, so that nothing is allocated for an image over budget: a
  // whole memory costs its size, a delta the pages its runs cover (the
  // receiver holds the rest already).
  const bool ahead = in.getMemoriesAhead();
  uint64_t total_bytes = 0;
  for (uint32_t i = 0; i < memories.size(); ++i) {
    const uint32_t pages = memories[i].getPageCount();
    const std::string name = "memory " + std::to_string(i);
    if (pages > vm::kMaxPages) {
      return Malformed(name + " has " + std::to_string(pages) + " pages, over wasm32's " +
                       std::to_string(vm::kMaxPages));
    }
    if (image.page_cap != 0 && pages > image.page_cap) {
      return Malformed(name + " has " + std::to_string(pages) +
                       " pages, over the process's cap of " + std::to_string(image.page_cap));
    }
    total_bytes +=
        ahead ? CoveredPages(memories[i]) * kRunPageSize : uint64_t(pages) * vm::kPageSize;
  }
  if (total_bytes > options.max_memory_bytes) {
    return MakeError(Status::kNoMemory, "the image's memories hold " + std::to_string(total_bytes) +
                                            " bytes, over this reader's limit of " +
                                            std::to_string(options.max_memory_bytes));
  }
  if (ahead) {
    image.memories_ahead.emplace();
    for (uint32_t i = 0; i < memories.size(); ++i) {
      image.memories_ahead->push_back(TRY(ReadDelta(memories[i], i)));
    }
    return Ok();
  }
  for (uint32_t i = 0; i < memories.size(); ++i) {
    image.instance.memories.push_back(TRY(ReadMemory(memories[i], i)));
  }
  return Ok();
}

// The instance apart from its memories (ReadMemories).
void ReadInstance(pi::Instance::Reader in, vm::InstanceImage& image) {
  for (pi::GlobalValue::Reader g : in.getGlobals()) image.globals.push_back({g.getLo(), g.getHi()});
  for (capnp::List<uint64_t>::Reader table : in.getTables()) {
    std::vector<uint64_t>& elements = image.tables.emplace_back(table.size());
    for (uint32_t i = 0; i < table.size(); ++i) elements[i] = table[i];
  }
  image.dropped_data = ReadBools(in.getDroppedData());
  image.dropped_elems = ReadBools(in.getDroppedElems());
}

Result<vm::ThreadImage> ReadThread(pi::Thread::Reader in) {
  vm::ThreadImage image;
  image.entry = in.getEntry();
  auto results = in.getResultTypes();
  for (uint32_t i = 0; i < results.size(); ++i) {
    if (!IsValType(results[i])) {
      return Malformed("the thread's result " + std::to_string(i) + " has type " +
                       std::to_string(results[i]) + ", which is no value type");
    }
    image.result_types.push_back(vm::ValType(results[i]));
  }
  auto frames = in.getFrames();
  if (frames.size() > kMaxFrames) {
    return Malformed("the thread has " + std::to_string(frames.size()) + " frames, over the " +
                     std::to_string(kMaxFrames) + " an image may hold");
  }
  image.frames.reserve(frames.size());
  for (uint32_t i = 0; i < frames.size(); ++i) {
    pi::Frame::Reader f = frames[i];
    const std::string name = "frame " + std::to_string(i);
    vm::FrameImage frame;
    frame.func_index = f.getFuncIndex();
    frame.wasm_offset = f.getWasmOffset();
    const uint8_t kind = f.getKind();
    if (kind < uint8_t(vm::SafepointKind::kEntry) || kind > uint8_t(vm::SafepointKind::kReturn)) {
      return Malformed(name + " has safepoint kind " + std::to_string(kind) +
                       ", which is no safepoint");
    }
    frame.kind = vm::SafepointKind(kind);
    frame.locals = TRY(ReadValues(f.getLocals(), name + "'s locals:"));
    frame.operands = TRY(ReadValues(f.getOperands(), name + "'s operands:"));
    image.frames.push_back(std::move(frame));
  }
  image.fuel_used = in.getFuelUsed();
  return image;
}

Result<kernel::TimerValue> ReadTimer(pi::TimerValue::Reader in, const std::string& name) {
  using State = kernel::TimerValue::State;
  if (in.getState() > uint8_t(State::kFired)) {
    return Malformed(name + "'s timer has state " + std::to_string(in.getState()) +
                     ", which is no timer state");
  }
  kernel::TimerValue timer{State(in.getState()), in.getRemainingNs()};
  if (timer.state != State::kArmed && timer.remaining_ns != 0) {
    return Malformed(name + "'s timer is not armed, yet has time remaining");
  }
  return timer;
}

Result<kernel::PortImage> ReadPort(pi::PortValue::Reader in, const std::string& name) {
  auto packets = in.getPackets();
  auto watches = in.getWatches();
  if (uint64_t(packets.size()) + watches.size() > kernel::PortOps::kMaxPackets) {
    return Malformed(name + "'s port holds " + std::to_string(packets.size()) + " packets and " +
                     std::to_string(watches.size()) + " watches, over the " +
                     std::to_string(kernel::PortOps::kMaxPackets) + " a port can hold");
  }
  kernel::PortImage port;
  port.packets.reserve(packets.size());
  for (auto packet : packets) {
    Result<kernel::Packet> read = kernel::remote::ReadPacket(packet);
    if (!read.ok()) return Malformed(name + "'s port: " + read.error().message);
    // As the writer writes them, so that an image reads back to its bytes.
    const uint32_t words = read->type == kernel::PacketType::kUser ? 4 : 0;
    if (packet.getUser().size() != words ||
        (packet.getObserved() & ~uint32_t(kernel::Signals::kAll)) != 0) {
      return Malformed(name + "'s port holds a packet with " +
                       std::to_string(packet.getUser().size()) + " user words and signals " +
                       FormatHex(packet.getObserved()) + ", which its type does not have");
    }
    port.packets.push_back(*read);
  }
  for (auto w : watches) {
    if (w.getSignals() == 0 || (w.getSignals() & ~uint32_t(kernel::Signals::kAll)) != 0) {
      return Malformed(name + "'s port watches for signals " + FormatHex(w.getSignals()) +
                       ", which are none or unknown");
    }
    port.watches.push_back({w.getHandle(), kernel::Signals(w.getSignals()), w.getKey()});
  }
  return port;
}

Result<kernel::ChannelImage> ReadChannel(pi::ChannelValue::Reader in, const std::string& name) {
  auto inbox = in.getInbox();
  if (inbox.size() > kernel::ChannelOps::kMaxQueuedMessages) {
    return Malformed(name + "'s channel end holds " + std::to_string(inbox.size()) +
                     " messages, over the " +
                     std::to_string(kernel::ChannelOps::kMaxQueuedMessages) + " a channel queues");
  }
  kernel::ChannelImage channel;
  channel.peer = in.getPeer();
  for (capnp::Data::Reader message : inbox) {
    if (message.size() > kernel::ChannelOps::kMaxMessageBytes) {
      return Malformed(name + "'s channel end holds a message of " +
                       std::to_string(message.size()) + " bytes, over a channel's " +
                       std::to_string(kernel::ChannelOps::kMaxMessageBytes));
    }
    channel.inbox.emplace_back(message.begin(), message.end());
  }
  return channel;
}

Result<std::vector<kernel::HandleImage>> ReadHandles(capnp::List<pi::Handle>::Reader in,
                                                     std::unordered_set<HandleValue>& values) {
  std::vector<kernel::HandleImage> handles;
  handles.reserve(in.size());
  uint32_t next_cap = 0;
  for (uint32_t i = 0; i < in.size(); ++i) {
    pi::Handle::Reader h = in[i];
    kernel::HandleImage handle;
    handle.value = h.getValue();
    const std::string name = "handle " + FormatHex(handle.value);
    if (handle.value == kernel::kInvalidHandle) {
      return Malformed("handle " + std::to_string(i) + " has value 0, which names no handle");
    }
    if (!values.insert(handle.value).second) return Malformed(name + " appears twice");
    if ((h.getRights() & ~uint32_t(kernel::Rights::kAll)) != 0) {
      return Malformed(name + " has rights " + FormatHex(h.getRights()) +
                       ", beyond every right there is (" +
                       FormatHex(uint32_t(kernel::Rights::kAll)) + ")");
    }
    handle.rights = kernel::Rights(h.getRights());
    if (h.getType() < 1 || h.getType() > kernel::kMaxObjectType) {
      return Malformed(name + " has object type " + std::to_string(h.getType()) +
                       ", which is no object type");
    }
    handle.type = kernel::ObjectType(h.getType());
    if (h.getOrigin() < uint8_t(HandleOrigin::kStdin) ||
        h.getOrigin() > uint8_t(HandleOrigin::kChannel)) {
      return Malformed(name + " has origin " + std::to_string(h.getOrigin()) +
                       ", which is no handle origin");
    }
    handle.origin = HandleOrigin(h.getOrigin());
    if (handle.origin == HandleOrigin::kTimer) {
      if (handle.type != kernel::ObjectType::kTimer) {
        return Malformed(name + " is a timer moved by value, but its type is " +
                         std::string(kernel::ObjectTypeName(handle.type)));
      }
      handle.timer = TRY(ReadTimer(h.getTimer(), name));
    } else if (handle.origin == HandleOrigin::kPort) {
      if (handle.type != kernel::ObjectType::kPort) {
        return Malformed(name + " is a port moved by value, but its type is " +
                         std::string(kernel::ObjectTypeName(handle.type)));
      }
      handle.port = TRY(ReadPort(h.getPort(), name));
    } else if (handle.origin == HandleOrigin::kChannel) {
      if (handle.type != kernel::ObjectType::kChannel) {
        return Malformed(name + " is a channel end moved by value, but its type is " +
                         std::string(kernel::ObjectTypeName(handle.type)));
      }
      handle.channel = TRY(ReadChannel(h.getChannel(), name));
    }
    const uint32_t expected_cap = handle.origin == HandleOrigin::kObject ? next_cap++ : 0;
    if (h.getCapIndex() != expected_cap) {
      return Malformed(name + " has capability index " + std::to_string(h.getCapIndex()) +
                       " where " + std::to_string(expected_cap) +
                       " belongs: live objects are numbered 0, 1, 2... in handle order, and "
                       "other handles carry 0");
    }
    handles.push_back(std::move(handle));
  }
  std::unordered_map<HandleValue, const kernel::HandleImage*> by_value;
  for (const kernel::HandleImage& handle : handles) by_value.emplace(handle.value, &handle);
  for (const kernel::HandleImage& handle : handles) {
    if (handle.origin == HandleOrigin::kChannel && handle.channel.peer != kernel::kInvalidHandle) {
      auto peer = by_value.find(handle.channel.peer);
      if (peer == by_value.end() || peer->second->origin != HandleOrigin::kChannel ||
          peer->second->channel.peer != handle.value || handle.channel.peer == handle.value) {
        return Malformed("handle " + FormatHex(handle.value) + " is a channel end whose peer " +
                         FormatHex(handle.channel.peer) + " is not a channel end paired with it");
      }
    }
    for (const kernel::PortWatchImage& watch : handle.port.watches) {
      if (!values.contains(watch.handle)) {
        return Malformed("handle " + FormatHex(handle.value) + " watches handle " +
                         FormatHex(watch.handle) + ", which the image does not hold");
      }
    }
  }
  return handles;
}

Result<std::vector<kernel::DescriptorImage>> ReadDescriptors(
    capnp::List<pi::Descriptor>::Reader in, const std::unordered_set<HandleValue>& handles) {
  std::vector<kernel::DescriptorImage> descriptors;
  descriptors.reserve(in.size());
  std::unordered_set<uint32_t> fds;
  for (pi::Descriptor::Reader d : in) {
    kernel::DescriptorImage descriptor;
    descriptor.fd = d.getFd();
    const std::string name = "descriptor " + std::to_string(descriptor.fd);
    if (!fds.insert(descriptor.fd).second) return Malformed(name + " appears twice");
    descriptor.handle = d.getHandle();
    if (!handles.contains(descriptor.handle)) {
      return Malformed(name + " views handle " + FormatHex(descriptor.handle) +
                       ", which the image does not hold");
    }
    if (d.getKind() < uint8_t(kernel::DescriptorKind::kStdio) ||
        d.getKind() > uint8_t(kernel::DescriptorKind::kFile)) {
      return Malformed(name + " has kind " + std::to_string(d.getKind()) +
                       ", which is no descriptor kind");
    }
    descriptor.kind = kernel::DescriptorKind(d.getKind());
    descriptor.rights_base = d.getRightsBase();
    descriptor.rights_inheriting = d.getRightsInheriting();
    descriptor.position = d.getPosition();
    descriptor.append = d.getAppend();
    capnp::Text::Reader preopen = d.getPreopenName();
    descriptor.preopen_name.assign(preopen.begin(), preopen.size());
    descriptors.push_back(std::move(descriptor));
  }
  return descriptors;
}

}  // namespace

Result<ProcessImage> ReadImageMessage(pi::ProcessImage::Reader in, const DecodeOptions& options) {
  ProcessImage image;
  image.pid = in.getPid();
  image.parent_pid = in.getParentPid();
  image.args = ReadStrings(in.getArgs());
  image.env = ReadStrings(in.getEnv());

  capnp::Data::Reader sha = in.getModuleSha256();
  if (sha.size() != image.module_sha256.size()) {
    return Malformed("the module's SHA-256 is " + std::to_string(sha.size()) + " bytes, not 32");
  }
  std::copy(sha.begin(), sha.end(), image.module_sha256.begin());
  capnp::Data::Reader module = in.getModule();
  if (module.size() != 0 &&
      HashBytes(std::span<const uint8_t>(module.begin(), module.size())) != image.module_sha256) {
    return Malformed("the module's bytes do not match its SHA-256");
  }
  if (module.size() != 0) {
    image.module = std::make_shared<const std::vector<uint8_t>>(module.begin(), module.end());
  }

  image.page_cap = in.getPageCap();
  if (image.page_cap > vm::kMaxPages) {
    return Malformed("the memory cap of " + std::to_string(image.page_cap) +
                     " pages is over wasm32's " + std::to_string(vm::kMaxPages));
  }
  image.fuel_limit = in.getFuelLimit();
  image.fuel_used = in.getFuelUsed();
  image.cpu_ns = in.getCpuNs();
  TRY(ReadMemories(in, options, image));
  ReadInstance(in.getInstance(), image.instance);
  image.thread = TRY(ReadThread(in.getThread()));
  image.start_pending = in.getStartPending();

  std::unordered_set<HandleValue> handle_values;
  image.handles = TRY(ReadHandles(in.getHandles(), handle_values));
  image.descriptors = TRY(ReadDescriptors(in.getDescriptors(), handle_values));
  for (HandleValue value : in.getStartupHandles()) {
    if (!handle_values.contains(value)) {
      return Malformed("startup handle " + FormatHex(value) + " is not one of the image's handles");
    }
    image.startup_handles.push_back(value);
  }
  image.console = TRY(ReadConsole(in.getConsole()));

  auto poll = in.getPendingPoll();
  switch (poll.which()) {
    case pi::ProcessImage::PendingPoll::NONE:
      break;
    case pi::ProcessImage::PendingPoll::PARKED:
      image.pending_poll =
          kernel::PollImage{poll.getParked().getElapsedNs(), poll.getParked().getRemainingNs()};
      break;
    default:
      return Malformed("the pending poll has variant " + std::to_string(unsigned(poll.which())) +
                       ", which this build does not know");
  }
  image.yield_pending = in.getYieldPending();
  image.moves = in.getMoves();
  image.started_unix_ms = in.getStartedUnixMs();
  auto watch = in.getTerminateWatch();
  switch (watch.which()) {
    case pi::ProcessImage::TerminateWatch::NONE:
      break;
    case pi::ProcessImage::TerminateWatch::PORT:
      image.terminate_watch = {watch.getPort().getHandle(), watch.getPort().getKey()};
      if (!handle_values.contains(image.terminate_watch->port)) {
        return Malformed("the terminate watch names handle " +
                         FormatHex(image.terminate_watch->port) +
                         ", which the image does not hold");
      }
      break;
    default:
      return Malformed("the terminate watch has variant " +
                       std::to_string(unsigned(watch.which())) +
                       ", which this build does not know");
  }
  return image;
}

}  // namespace shoal::migrate
