// Snapshots: the state of a module instance and of a thread running in it,
// as plain host-independent data, captured at a safepoint and restored into a
// fresh store built the same way (same module, same host functions added in
// the same order), on this node or another.
//
// Nothing here holds a host pointer. Values are bit patterns; code positions
// are (function index, Wasm byte offset, safepoint kind), which the restoring
// side maps back to its own internal code because compilation is
// deterministic. Reference values are FuncAddr + 1 or host value + 1, and a
// store built the same way assigns the same addresses. A later issue
// serializes these structs into the Cap'n Proto process image.
#pragma once

#include <cstdint>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/code.h"
#include "kernel/vm/runtime.h"
#include "kernel/vm/thread.h"

namespace shoal::vm {

struct InstanceImage {
  struct GlobalValue {
    uint64_t lo = 0;
    uint64_t hi = 0;
  };
  std::vector<GlobalValue> globals;            // The instance's global index space.
  std::vector<std::vector<uint8_t>> memories;  // Whole contents; size = pages × 64 KiB.
  std::vector<std::vector<uint64_t>> tables;   // References as Value::lo.
  std::vector<bool> dropped_data;
  std::vector<bool> dropped_elems;
};

struct FrameImage {
  uint32_t func_index = 0;  // In the module's function index space.
  uint32_t wasm_offset = 0;
  SafepointKind kind = SafepointKind::kNone;
  uint64_t fp = 0;  // Slot index of the frame base.
};

struct ThreadImage {
  FuncAddr entry = 0;
  std::vector<ValType> result_types;
  // Callers first; the last frame is the one that was running.
  std::vector<FrameImage> frames;
  std::vector<uint64_t> stack;  // Value-stack slots [0, sp).
  uint64_t fuel_used = 0;
};

// Copies the instance's globals, memories, tables and segment state.
InstanceImage CaptureInstance(Instance& instance);
// Overwrites a freshly instantiated instance of the same module with `image`.
// Errors (kInvalidArgs) when the image does not fit the instance.
VoidResult RestoreInstance(Instance& instance, const InstanceImage& image);

// Captures a thread that is stopped at a safepoint (after Call(), or after
// Run() returned kOutOfFuel or kYielded), all of whose frames run in
// `instance`. Errors: kInvalidArgs if the thread is not at a safepoint.
Result<ThreadImage> CaptureThread(const Thread& thread, const Instance& instance);
// Loads `image` into an idle thread whose store holds `instance`, restored
// from the same snapshot. The image is untrusted: every index, offset and
// size is checked, and a bad one gives kInvalidArgs, never a crash.
VoidResult RestoreThread(Thread& thread, Instance& instance, const ThreadImage& image);

}  // namespace shoal::vm
