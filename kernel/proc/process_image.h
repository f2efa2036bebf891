// ProcessImage: a process stopped at a safepoint, as data (docs/migration.md).
//
// Kernel::Freeze captures one; Kernel::Prepare builds a process from one, on
// this node or another. The image is in Wasm and kernel terms only: the
// instance and thread as kernel/vm/snapshot.h has them (frames in Wasm
// terms), the handle table with what each handle is, the WASI descriptors
// that view those handles, the consoles' retained output, and what a parked
// host call waits for. migrate/ turns it into bytes (proto/image.capnp).
//
// Handles: the process's own stdio objects are rebuilt on the destination
// (kStdin, kStdout, kStderr); every other handle is a live object
// (kObject): on the wire it travels as a capability, so it stays on its node
// behind a proxy (kernel/remote/handles.h); a file image cannot hold one and
// refuses it. Timers, ports and channels that only the process can reach
// move by value instead (kTimer, kPort, kChannel), in files too.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kernel/object/channel.h"
#include "kernel/object/console_log.h"
#include "kernel/object/handle_table.h"
#include "kernel/object/object.h"
#include "kernel/object/port.h"
#include "kernel/object/timer.h"
#include "kernel/vm/snapshot.h"

namespace shoal::kernel {

using Sha256 = std::array<uint8_t, 32>;

// What one handle of the image stands for.
enum class HandleOrigin : uint8_t {
  kStdin = 1,    // The process's stdin device.
  kStdout = 2,   // Its stdout console.
  kStderr = 3,   // Its stderr console.
  kObject = 4,   // Any other object, carried live (`object`).
  kTimer = 5,    // A timer only this handle held, moved by value (`timer`).
  kPort = 6,     // A port only this handle held, moved by value (`port`).
  kChannel = 7,  // A channel end only this handle held, moved by value (`channel`).
};

// A channel end moved by value: the handle of its peer end, moved by value
// with it (kInvalidHandle when the peer is gone), and the messages queued
// for it.
struct ChannelImage {
  HandleValue peer = kInvalidHandle;
  std::vector<std::vector<uint8_t>> inbox;
};

// What a port moved by value watches, by the handle of the image that names
// the watched object.
struct PortWatchImage {
  HandleValue handle = kInvalidHandle;
  Signals signals = Signals::kNone;
  uint64_t key = 0;
};

struct PortImage {
  std::vector<Packet> packets;  // Oldest first.
  std::vector<PortWatchImage> watches;
};

struct HandleImage {
  HandleValue value = kInvalidHandle;
  Rights rights = Rights::kNone;
  ObjectType type = ObjectType::kChannel;
  HandleOrigin origin = HandleOrigin::kObject;
  Ref<KernelObject> object;  // kObject only: the object itself (never serialized).
  TimerValue timer;          // kTimer only, relative to the moment of capture.
  PortImage port;            // kPort only.
  ChannelImage channel;      // kChannel only.
};

// Process::WatchTerminate's port, by the handle that names it.
struct TerminateWatchImage {
  HandleValue port = kInvalidHandle;
  uint64_t key = 0;
};

// What a WASI descriptor is a view of.
enum class DescriptorKind : uint8_t {
  kStdio = 1,      // A stdin, stdout or stderr stream (its handle says which).
  kDirectory = 2,  // A directory (preopened or opened): its handle's Directory.
  kFile = 3,       // A regular file opened by path: its handle's File, at `position`.
};

struct DescriptorImage {
  uint32_t fd = 0;
  HandleValue handle = kInvalidHandle;  // The handle it views.
  DescriptorKind kind = DescriptorKind::kStdio;
  uint64_t rights_base = 0;  // WASI rights.
  uint64_t rights_inheriting = 0;
  std::string preopen_name;
  uint64_t position = 0;  // kFile: where the next read or write goes.
  bool append = false;    // kFile: writes go to the end.
};

// A poll_oneoff parked on a clock, relative to the moment of capture, so it
// rebases onto the destination's clocks.
struct PollImage {
  uint64_t elapsed_ns = 0;    // Since the call's first attempt.
  uint64_t remaining_ns = 0;  // Until it looks again; UINT64_MAX: no clock.
};

// One linear memory of a pre-copied image (docs/migration.md, "Pre-copy"):
// its contents went ahead in rounds while the process ran, so the image
// carries only its size and the 4 KiB pages written since the last round,
// which the destination lays over what the rounds brought.
struct MemoryDelta {
  uint64_t size_bytes = 0;      // Whole Wasm pages.
  std::vector<uint32_t> pages;  // 4 KiB page indices (byte address / 4096), ascending.
  std::vector<uint8_t> bytes;   // Their contents in that order: pages.size() * 4096.
};

struct ProcessImage {
  uint64_t pid = 0;
  uint64_t parent_pid = 0;
  std::vector<std::string> args;  // args[0] is the program name.
  std::vector<std::string> env;
  Sha256 module_sha256{};
  // The module's bytes, shared with the process it was captured from (a
  // capture copies none of them); null when the image came without them,
  // the destination having the module.
  std::shared_ptr<const std::vector<uint8_t>> module;
  std::span<const uint8_t> module_bytes() const {
    return module != nullptr ? std::span<const uint8_t>(*module) : std::span<const uint8_t>();
  }
  uint32_t page_cap = 0;
  uint64_t fuel_limit = UINT64_MAX;
  uint64_t fuel_used = 0;  // Charged so far (the scheduler's accounting).
  uint64_t cpu_ns = 0;

  // With memories_ahead set, instance.memories is empty.
  vm::InstanceImage instance;
  // Set instead of instance.memories when the memories went ahead: one
  // delta per memory, in index order.
  std::optional<std::vector<MemoryDelta>> memories_ahead;
  vm::ThreadImage thread;
  // The module's start function is still running; `_start` comes after it.
  bool start_pending = false;

  std::vector<HandleImage> handles;
  std::vector<DescriptorImage> descriptors;
  std::vector<HandleValue> startup_handles;
  ConsoleTail console;  // Its log's retained output (console_log.h).
  std::optional<PollImage> pending_poll;
  bool yield_pending = false;
  std::optional<TerminateWatchImage> terminate_watch;

  // The daemon's record of it, which the kernel only carries along: how
  // many times it moved between nodes, and when it first started.
  uint32_t moves = 0;
  uint64_t started_unix_ms = 0;
};

}  // namespace shoal::kernel
