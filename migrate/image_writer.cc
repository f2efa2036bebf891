// A ProcessImage into its Cap'n Proto message (image_message.h).
#include <string>

#include "kernel/remote/port_packet.h"
#include "migrate/image_message.h"
#include "migrate/page_runs.h"

namespace shoal::migrate {
namespace {

namespace pi = proto::image;
using kernel::HandleOrigin;
using kernel::ProcessImage;

// Cap'n Proto counts a blob's bytes in 29 bits.
constexpr size_t kMaxBlobBytes = (size_t{1} << 29) - 1;

VoidResult CheckBlob(size_t size, const char* what) {
  if (size <= kMaxBlobBytes) return Ok();
  return MakeError(Status::kInvalidArgs, std::string(what) + " of " + std::to_string(size) +
                                             " bytes is over the image format's 512 MiB");
}

void WriteValues(const std::vector<vm::Value>& values, capnp::List<pi::Value>::Builder out) {
  for (size_t i = 0; i < values.size(); ++i) {
    auto v = out[uint32_t(i)];
    v.setType(uint8_t(values[i].type));
    v.setLo(values[i].lo);
    v.setHi(values[i].hi);
  }
}

void WriteBools(const std::vector<bool>& bools, capnp::List<bool>::Builder out) {
  for (size_t i = 0; i < bools.size(); ++i) out.set(uint32_t(i), bools[i]);
}

void WriteStrings(const std::vector<std::string>& strings, capnp::List<capnp::Text>::Builder out) {
  for (size_t i = 0; i < strings.size(); ++i) {
    out.set(uint32_t(i), capnp::Text::Reader(strings[i].data(), strings[i].size()));
  }
}

void WriteConsole(const kernel::ConsoleTail& console, pi::Console::Builder out) {
  out.setStart(console.start);
  out.setBytes(capnp::Data::Reader(console.bytes.data(), console.bytes.size()));
  auto runs = out.initRuns(unsigned(console.runs.size()));
  for (size_t i = 0; i < console.runs.size(); ++i) {
    runs[unsigned(i)].setOffset(console.runs[i].offset);
    runs[unsigned(i)].setStream(uint8_t(console.runs[i].stream));
  }
}

// The image's memories: whole, or as the deltas of memories that went ahead.
VoidResult WriteMemories(const ProcessImage& image, int zstd_level, pi::Instance::Builder out) {
  if (!image.memories_ahead) {
    auto memories = out.initMemories(uint32_t(image.instance.memories.size()));
    for (size_t i = 0; i < image.instance.memories.size(); ++i) {
      TRY(WriteMemory(image.instance.memories[i], zstd_level, memories[uint32_t(i)]));
    }
    return Ok();
  }
  if (!image.instance.memories.empty()) {
    return MakeError(Status::kInvalidArgs, "an image whose memories went ahead holds " +
                                               std::to_string(image.instance.memories.size()) +
                                               " whole memories as well");
  }
  const std::vector<kernel::MemoryDelta>& deltas = *image.memories_ahead;
  auto memories = out.initMemories(uint32_t(deltas.size()));
  for (size_t i = 0; i < deltas.size(); ++i) {
    TRY(WriteDelta(deltas[i], zstd_level, memories[uint32_t(i)]));
  }
  return Ok();
}

// The instance apart from its memories (WriteMemories).
void WriteInstance(const vm::InstanceImage& image, pi::Instance::Builder out) {
  auto globals = out.initGlobals(uint32_t(image.globals.size()));
  for (size_t i = 0; i < image.globals.size(); ++i) {
    globals[uint32_t(i)].setLo(image.globals[i].lo);
    globals[uint32_t(i)].setHi(image.globals[i].hi);
  }
  auto tables = out.initTables(uint32_t(image.tables.size()));
  for (size_t i = 0; i < image.tables.size(); ++i) {
    const std::vector<uint64_t>& table = image.tables[i];
    auto elements = tables.init(uint32_t(i), uint32_t(table.size()));
    for (size_t j = 0; j < table.size(); ++j) elements.set(uint32_t(j), table[j]);
  }
  WriteBools(image.dropped_data, out.initDroppedData(uint32_t(image.dropped_data.size())));
  WriteBools(image.dropped_elems, out.initDroppedElems(uint32_t(image.dropped_elems.size())));
}

void WriteThread(const vm::ThreadImage& image, pi::Thread::Builder out) {
  out.setEntry(image.entry);
  auto results = out.initResultTypes(uint32_t(image.result_types.size()));
  for (size_t i = 0; i < image.result_types.size(); ++i) {
    results.set(uint32_t(i), uint8_t(image.result_types[i]));
  }
  auto frames = out.initFrames(uint32_t(image.frames.size()));
  for (size_t i = 0; i < image.frames.size(); ++i) {
    const vm::FrameImage& frame = image.frames[i];
    auto f = frames[uint32_t(i)];
    f.setFuncIndex(frame.func_index);
    f.setWasmOffset(frame.wasm_offset);
    f.setKind(uint8_t(frame.kind));
    WriteValues(frame.locals, f.initLocals(uint32_t(frame.locals.size())));
    WriteValues(frame.operands, f.initOperands(uint32_t(frame.operands.size())));
  }
  out.setFuelUsed(image.fuel_used);
}

void WritePort(const kernel::PortImage& port, pi::PortValue::Builder out) {
  auto packets = out.initPackets(uint32_t(port.packets.size()));
  for (uint32_t i = 0; i < packets.size(); ++i) {
    kernel::remote::WritePacket(port.packets[i], packets[i]);
  }
  auto watches = out.initWatches(uint32_t(port.watches.size()));
  for (uint32_t i = 0; i < watches.size(); ++i) {
    watches[i].setHandle(port.watches[i].handle);
    watches[i].setSignals(uint32_t(port.watches[i].signals));
    watches[i].setKey(port.watches[i].key);
  }
}

void WriteHandles(const std::vector<kernel::HandleImage>& handles,
                  capnp::List<pi::Handle>::Builder out) {
  uint32_t next_cap = 0;
  for (size_t i = 0; i < handles.size(); ++i) {
    const kernel::HandleImage& handle = handles[i];
    auto h = out[uint32_t(i)];
    h.setValue(handle.value);
    h.setRights(uint32_t(handle.rights));
    h.setType(uint8_t(handle.type));
    h.setOrigin(uint8_t(handle.origin));
    switch (handle.origin) {
      case HandleOrigin::kObject:
        h.setCapIndex(next_cap++);
        break;
      case HandleOrigin::kTimer:
        h.initTimer().setState(uint8_t(handle.timer.state));
        h.getTimer().setRemainingNs(handle.timer.remaining_ns);
        break;
      case HandleOrigin::kPort:
        WritePort(handle.port, h.initPort());
        break;
      case HandleOrigin::kChannel: {
        auto channel = h.initChannel();
        channel.setPeer(handle.channel.peer);
        auto inbox = channel.initInbox(uint32_t(handle.channel.inbox.size()));
        for (uint32_t m = 0; m < inbox.size(); ++m) {
          const std::vector<uint8_t>& bytes = handle.channel.inbox[m];
          inbox.set(m, capnp::Data::Reader(bytes.data(), bytes.size()));
        }
        break;
      }
      default:
        break;
    }
  }
}

void WriteDescriptors(const std::vector<kernel::DescriptorImage>& descriptors,
                      capnp::List<pi::Descriptor>::Builder out) {
  for (size_t i = 0; i < descriptors.size(); ++i) {
    const kernel::DescriptorImage& descriptor = descriptors[i];
    auto d = out[uint32_t(i)];
    d.setFd(descriptor.fd);
    d.setHandle(descriptor.handle);
    d.setKind(uint8_t(descriptor.kind));
    d.setRightsBase(descriptor.rights_base);
    d.setRightsInheriting(descriptor.rights_inheriting);
    d.setPosition(descriptor.position);
    d.setAppend(descriptor.append);
    d.setPreopenName(
        capnp::Text::Reader(descriptor.preopen_name.data(), descriptor.preopen_name.size()));
  }
}

}  // namespace

VoidResult WriteImageMessage(const ProcessImage& image, const EncodeOptions& options,
                             pi::ProcessImage::Builder out) {
  if (!options.allow_live_objects) {
    for (const kernel::HandleImage& handle : image.handles) {
      if (handle.origin != HandleOrigin::kObject) continue;
      return MakeError(Status::kNotSupported,
                       "handle " + FormatHex(handle.value) + " (a " +
                           std::string(kernel::ObjectTypeName(handle.type)) +
                           ") lives on this node and cannot be written to a file");
    }
  }
  if (options.include_module) TRY(CheckBlob(image.module_bytes().size(), "a module"));
  TRY(CheckBlob(image.console.bytes.size(), "the console's retained output"));

  out.setPid(image.pid);
  out.setParentPid(image.parent_pid);
  WriteStrings(image.args, out.initArgs(uint32_t(image.args.size())));
  WriteStrings(image.env, out.initEnv(uint32_t(image.env.size())));
  out.setModuleSha256(capnp::Data::Reader(image.module_sha256.data(), image.module_sha256.size()));
  if (options.include_module) {
    out.setModule(capnp::Data::Reader(image.module_bytes().data(), image.module_bytes().size()));
  }
  out.setPageCap(image.page_cap);
  out.setFuelLimit(image.fuel_limit);
  out.setFuelUsed(image.fuel_used);
  out.setCpuNs(image.cpu_ns);
  pi::Instance::Builder instance = out.initInstance();
  TRY(WriteMemories(image, options.zstd_level, instance));
  WriteInstance(image.instance, instance);
  out.setMemoriesAhead(image.memories_ahead.has_value());
  WriteThread(image.thread, out.initThread());
  out.setStartPending(image.start_pending);
  WriteHandles(image.handles, out.initHandles(uint32_t(image.handles.size())));
  WriteDescriptors(image.descriptors, out.initDescriptors(uint32_t(image.descriptors.size())));
  auto startup = out.initStartupHandles(uint32_t(image.startup_handles.size()));
  for (size_t i = 0; i < image.startup_handles.size(); ++i) {
    startup.set(uint32_t(i), image.startup_handles[i]);
  }
  WriteConsole(image.console, out.initConsole());
  if (image.pending_poll) {
    auto poll = out.getPendingPoll().initParked();
    poll.setElapsedNs(image.pending_poll->elapsed_ns);
    poll.setRemainingNs(image.pending_poll->remaining_ns);
  } else {
    out.getPendingPoll().setNone();
  }
  out.setYieldPending(image.yield_pending);
  out.setMoves(image.moves);
  out.setStartedUnixMs(image.started_unix_ms);
  if (image.terminate_watch) {
    auto watch = out.getTerminateWatch().initPort();
    watch.setHandle(image.terminate_watch->port);
    watch.setKey(image.terminate_watch->key);
  } else {
    out.getTerminateWatch().setNone();
  }
  return Ok();
}

}  // namespace shoal::migrate
