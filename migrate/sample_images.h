// Process images built by hand, for the codec's tests and the image fuzzer's
// seeds: every field set, so that a round trip that drops one shows.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel/proc/process_image.h"
#include "kernel/vm/types.h"
#include "migrate/image_codec.h"

namespace shoal::migrate {

// A memory of `wasm_pages` pages: zero pages, pages of random bytes (which
// zstd cannot shrink), pages of repeated text (which it can) and a page
// with one non-zero byte at its end.
inline std::vector<uint8_t> SampleMemory(uint32_t wasm_pages) {
  std::vector<uint8_t> memory(size_t(wasm_pages) * vm::kPageSize);
  const size_t pages = memory.size() / 4096;
  std::mt19937_64 random(42);
  for (size_t page = 1; page < 4 && page < pages; ++page) {
    for (size_t i = 0; i < 4096; i += 8) {
      uint64_t word = random();
      std::memcpy(&memory[page * 4096 + i], &word, 8);
    }
  }
  static constexpr char kText[] = "the quick brown fox jumps over the lazy process image. ";
  for (size_t i = 5 * 4096; i < 12 * 4096 && i < memory.size(); ++i) {
    memory[i] = uint8_t(kText[i % (sizeof kText - 1)]);
  }
  if (pages > 14) memory[15 * 4096 - 1] = 0x5a;
  return memory;
}

// SampleMemory(2) as a pre-copy's last delta would carry it: pages 0 and 31
// (written back to zeros), random pages 1-2, text pages 6-7 and page 14.
inline kernel::MemoryDelta SampleDelta() {
  const std::vector<uint8_t> memory = SampleMemory(2);
  kernel::MemoryDelta delta;
  delta.size_bytes = memory.size();
  delta.pages = {0, 1, 2, 6, 7, 14, 31};
  for (uint32_t page : delta.pages) {
    const auto start = memory.begin() + ptrdiff_t(page) * 4096;
    delta.bytes.insert(delta.bytes.end(), start, start + 4096);
  }
  return delta;
}

// A process stopped in a host call three frames deep, with stdio handles.
// A handle of the image; nothing more for origins other than kTimer and
// kPort.
inline kernel::HandleImage SampleHandle(kernel::HandleValue value, kernel::Rights rights,
                                        kernel::ObjectType type, kernel::HandleOrigin origin) {
  kernel::HandleImage handle;
  handle.value = value;
  handle.rights = rights;
  handle.type = type;
  handle.origin = origin;
  return handle;
}

inline kernel::ProcessImage SampleImage() {
  using vm::Value;
  kernel::ProcessImage image;
  image.pid = 4097;
  image.parent_pid = 12;
  image.args = {"sample", "--flag", std::string("embedded\0nul", 12)};
  image.env = {"HOME=/", "LANG=C.UTF-8"};
  image.module = std::make_shared<const std::vector<uint8_t>>(
      std::vector<uint8_t>{0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60});
  image.module_sha256 = HashBytes(image.module_bytes());
  image.page_cap = 64;
  image.fuel_limit = 1'000'000'000;
  image.fuel_used = 123'456;
  image.cpu_ns = 987'654'321;

  image.instance.globals = {{7, 0}, {0xffffffffffffffff, 0}, {0x0123456789abcdef, 0xfedcba98}};
  image.instance.memories = {SampleMemory(2), std::vector<uint8_t>(vm::kPageSize)};
  image.instance.tables = {{0, 1, 2, 5}, {}, {9}};
  image.instance.dropped_data = {true, false, true};
  image.instance.dropped_elems = {false, true};

  image.thread.entry = 3;
  image.thread.result_types = {vm::ValType::kI32, vm::ValType::kV128};
  image.thread.frames = {
      {3,
       0x40,
       vm::SafepointKind::kReturn,
       {Value::I32(1), Value::V128(0x1111, 0x2222)},
       {Value::I64(0xfffffffffffffff0)}},
      {5,
       0x81,
       vm::SafepointKind::kReturn,
       {Value::F32Bits(0x3f800000), Value::F64Bits(0x4000000000000000), Value::Func(7),
        Value::Null(vm::ValType::kExternRef), Value::Extern(41)},
       {}},
      {6, 0x99, vm::SafepointKind::kCall, {}, {Value::V128(~0ull, 1), Value::I32(0xffffffff)}},
  };
  image.thread.fuel_used = 4242;
  image.start_pending = true;

  using kernel::HandleOrigin;
  using kernel::ObjectType;
  using kernel::Rights;
  image.handles = {
      SampleHandle(0x10001, Rights::kRead | Rights::kWait, ObjectType::kDevice,
                   HandleOrigin::kStdin),
      SampleHandle(0x10002, Rights::kWrite, ObjectType::kConsole, HandleOrigin::kStdout),
      SampleHandle(0x20003, Rights::kAll, ObjectType::kConsole, HandleOrigin::kStderr),
  };
  image.descriptors = {
      {0, 0x10001, kernel::DescriptorKind::kStdio, 0x2, 0, ""},
      {1, 0x10002, kernel::DescriptorKind::kStdio, 0x40, 0x40, ""},
      {2, 0x20003, kernel::DescriptorKind::kStdio, 0x40, 0, "stderr"},
      {5, 0x10002, kernel::DescriptorKind::kFile, 0x42, 0, "", 123'456'789'012, true},
  };
  image.startup_handles = {0x20003};
  image.console = {100,
                   {'h', 'e', 'l', 'l', 'o', '\n', 'o', 'w', '\n'},
                   {{100, kernel::ConsoleStream::kStdout}, {106, kernel::ConsoleStream::kStderr}}};
  image.pending_poll = kernel::PollImage{1500, UINT64_MAX};
  image.yield_pending = true;
  image.moves = 3;
  image.started_unix_ms = 1764633600000;
  return image;
}

// SampleImage with its memories gone ahead: a delta for the first, and
// nothing written since the last round in the second.
inline kernel::ProcessImage SampleImageAhead() {
  kernel::ProcessImage image = SampleImage();
  image.instance.memories.clear();
  kernel::MemoryDelta unchanged;
  unchanged.size_bytes = vm::kPageSize;
  image.memories_ahead = {SampleDelta(), unchanged};
  return image;
}

// Adds two live objects (a channel and a timer) after the stdio handles,
// their objects left null, as an image read from the wire has them.
inline void AddLiveObjects(kernel::ProcessImage& image) {
  using kernel::ObjectType;
  using kernel::Rights;
  image.handles.push_back(SampleHandle(0x30004, Rights::kRead | Rights::kWrite | Rights::kTransfer,
                                       ObjectType::kChannel, kernel::HandleOrigin::kObject));
  image.handles.push_back(
      SampleHandle(0x40005, Rights::kManage, ObjectType::kTimer, kernel::HandleOrigin::kObject));
  image.startup_handles.push_back(0x30004);
}

// Adds a timer, a port and channel ends moved by value after the stdio
// handles: the timer armed, the port holding a user and a signal packet,
// watching the timer, and the process's terminate port; a channel's two
// ends with messages queued both ways, and an end whose peer is gone.
inline void AddObjectsByValue(kernel::ProcessImage& image) {
  using kernel::ObjectType;
  using kernel::Rights;
  using kernel::Signals;
  kernel::HandleImage timer =
      SampleHandle(0x50004, Rights::kManage, ObjectType::kTimer, kernel::HandleOrigin::kTimer);
  timer.timer = {kernel::TimerValue::State::kArmed, 1'234'567};
  kernel::HandleImage port = SampleHandle(0x60005, Rights::kRead | Rights::kWrite,
                                          ObjectType::kPort, kernel::HandleOrigin::kPort);
  port.port.packets = {{.key = 0, .type = kernel::PacketType::kUser, .user = {1, 2, 3, 4}},
                       {.key = 7,
                        .type = kernel::PacketType::kSignal,
                        .observed = Signals::kReadable | Signals::kPeerClosed}};
  port.port.watches = {{0x50004, Signals::kSignaled, 11}, {0x20003, Signals::kWritable, 12}};
  image.handles.push_back(std::move(timer));
  image.handles.push_back(std::move(port));
  image.terminate_watch = kernel::TerminateWatchImage{0x60005, 5};
  // A channel whose ends are both the process's, and one whose peer is gone.
  kernel::HandleImage a = SampleHandle(0x70006, Rights::kRead | Rights::kWrite,
                                       ObjectType::kChannel, kernel::HandleOrigin::kChannel);
  kernel::HandleImage b = a;
  kernel::HandleImage lonely = a;
  a.channel = {0x80007, {{'h', 'i'}, {}}};
  b.value = 0x80007;
  b.channel = {0x70006, {{0, 1, 2}}};
  lonely.value = 0x90008;
  lonely.channel = {kernel::kInvalidHandle, {{'b', 'y', 'e'}}};
  image.handles.push_back(std::move(a));
  image.handles.push_back(std::move(b));
  image.handles.push_back(std::move(lonely));
}

}  // namespace shoal::migrate
