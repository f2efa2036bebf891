// Snapshots: the state of a module instance and of a thread running in it,
// as plain host-independent data, captured at a safepoint and restored into a
// fresh store built the same way (same module, same host functions added in
// the same order), on this node or another.
//
// Nothing here holds a host pointer or depends on how the interpreter lays
// frames out in its value stack: a thread is a list of frames in Wasm terms
// (function index, Wasm byte offset, safepoint kind, locals, operand stack),
// so an image taken by one VM build (or a later JIT tier) restores on another
// that compiles the module differently. Values are typed bit patterns
// (Value: lo, and hi for a v128's upper half); reference values are
// FuncAddr + 1 or host value + 1, 0 for null, and a store built the same way
// assigns the same addresses. A later issue serializes these structs into the
// Cap'n Proto process image.
#pragma once

#include <cstdint>
#include <span>
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

// One Wasm frame stopped at a safepoint.
//
// What `operands` holds depends on the kind, that is, on where the frame
// stopped:
// - kEntry (the running frame, before its first instruction): nothing.
// - kLoop (the running frame, at a loop header, before the loop's first
//   instruction): the whole operand stack, the loop's params on top.
// - kCall (the running frame, stopped at a call that has not happened yet,
//   e.g. a host call that yielded; resuming performs the call):
//   the whole operand stack before the call instruction, that is, the
//   arguments on top, and for call_indirect the table index above them.
// - kReturn (every frame but the last: a caller suspended in a call, which
//   resumes after the call instruction): the operand stack below the call's
//   arguments (and below call_indirect's table index). The arguments are not
//   in this frame: they became the callee's params, the first locals of the
//   next frame, and the callee's results take their place when it returns.
// `wasm_offset` is the offset of the loop or call instruction (kLoop,
// kCall), of the instruction after the call (kReturn), or of the body's
// first instruction (kEntry).
struct FrameImage {
  uint32_t func_index = 0;  // In the module's function index space.
  uint32_t wasm_offset = 0;
  SafepointKind kind = SafepointKind::kNone;
  // Params, then declared locals, in index order, typed as the function
  // declares them.
  std::vector<Value> locals;
  // The frame's Wasm operand stack, bottom first (see above).
  std::vector<Value> operands;

  bool operator==(const FrameImage&) const = default;
};

// Values of type i32 and f32 have hi = 0 and lo < 2^32; i64, f64 and
// references have hi = 0; v128 is lo (bytes 0-7) and hi (bytes 8-15).
struct ThreadImage {
  FuncAddr entry = 0;                 // The function Thread::Call() called.
  std::vector<ValType> result_types;  // Its result types.
  // Callers first (each at kReturn); the last frame is the one that was
  // running. Frame 0 runs `entry`, and each later frame runs the function
  // that the call of the frame before it called.
  std::vector<FrameImage> frames;
  uint64_t fuel_used = 0;

  bool operator==(const ThreadImage&) const = default;
};

// What CaptureInstance copies of the memories.
enum class MemoryCapture {
  kContents,  // Each memory whole.
  kNone,      // Nothing (image.memories stays empty): they travel by other means.
};

// Copies the instance's globals, memories (as `memories` says), tables and
// segment state.
InstanceImage CaptureInstance(Instance& instance,
                              MemoryCapture memories = MemoryCapture::kContents);
// Overwrites a freshly instantiated instance of the same module with `image`.
// With `ahead` (one per memory, in index order), image.memories is empty and
// memory i takes the contents of *ahead[i], filled beforehand (a pre-copied
// migration), leaving it the fresh memory's; that costs no copy. Errors
// (kInvalidArgs) when the image does not fit the instance.
VoidResult RestoreInstance(Instance& instance, const InstanceImage& image,
                           std::span<Memory* const> ahead = {});

// Captures a thread that is stopped at a safepoint (after Call(), or after
// Run() returned kOutOfFuel or kYielded), all of whose frames run in
// `instance`. Errors: kInvalidArgs if the thread is not at a safepoint.
Result<ThreadImage> CaptureThread(const Thread& thread, const Instance& instance);
// Loads `image` into an idle thread whose store holds `instance`, restored
// from the same snapshot, and lays its values out in this VM's own frame
// layout. The image is untrusted: every index, offset, count, type and value
// is checked against the module and this VM's safepoints (each frame's
// locals and operand types must be exactly what the module has at that
// safepoint, each callee what its caller's call calls), and a bad one gives
// kInvalidArgs with a message naming the frame and value, never a crash.
// Nothing is written unless all checks pass.
VoidResult RestoreThread(Thread& thread, Instance& instance, const ThreadImage& image);

}  // namespace shoal::vm
