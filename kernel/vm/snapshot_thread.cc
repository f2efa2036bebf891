// Snapshots of a thread: converting between the interpreter's frames (slots
// laid out as code.h describes) and the Wasm-level frames of snapshot.h.
#include <algorithm>
#include <cassert>

#include "kernel/vm/byte_reader.h"
#include "kernel/vm/compiled_module.h"
#include "kernel/vm/interpreter.h"
#include "kernel/vm/opcodes.h"
#include "kernel/vm/snapshot.h"

namespace shoal::vm {

namespace {

Error Bad(const std::string& what) { return MakeError(Status::kInvalidArgs, "snapshot: " + what); }

// Params, then declared locals.
std::vector<ValType> LocalTypes(const Module& m, uint32_t func_index) {
  std::vector<ValType> types = m.func_type(func_index).params;
  const FunctionBody& body = m.functions[func_index - m.imported_funcs];
  types.insert(types.end(), body.locals.begin(), body.locals.end());
  return types;
}

uint64_t SlotsOf(std::span<const ValType> types) {
  uint64_t n = 0;
  for (ValType t : types) n += SlotCount(t);
  return n;
}

// A value as the image holds it: i32 and f32 without the slot's upper bits.
Value ReadValue(const Slot* slot, ValType type) {
  Value v{type, slot[0].u64, 0};
  if (type == ValType::kI32 || type == ValType::kF32) v.lo &= 0xffffffffu;
  if (type == ValType::kV128) v.hi = slot[1].u64;
  return v;
}

void WriteValue(Slot* slot, const Value& v) {
  slot[0].u64 = v.lo;
  if (v.type == ValType::kV128) slot[1].u64 = v.hi;
}

// Why `v` cannot be a value of `type` in `store`, or empty.
std::string CheckValue(const Value& v, ValType type, const Store& store) {
  if (v.type != type) {
    return "is " + std::string(ValTypeName(v.type)) + ", expected " +
           std::string(ValTypeName(type));
  }
  if (type != ValType::kV128 && v.hi != 0) return "has bits in hi";
  if ((type == ValType::kI32 || type == ValType::kF32) && v.lo > 0xffffffffu) {
    return "has bits above 32";
  }
  if (type == ValType::kFuncRef && v.lo != 0 && v.lo - 1 >= store.func_count()) {
    return "names no function";
  }
  return {};
}

// The Wasm instruction of a kCall safepoint: its opcode and first index
// immediate (the function for call, the type for call_indirect).
struct CallSite {
  Op op;
  uint32_t index;
};
CallSite ReadCallSite(const Module& m, uint32_t wasm_offset) {
  ByteReader r(std::span(m.bytes).subspan(wasm_offset), wasm_offset);
  uint8_t op = 0;
  uint32_t index = 0;
  r.ReadU8(&op);
  r.ReadU32(&index);
  return {Op(op), index};
}

// The slot a call_indirect at `call_pc` reads its table index from (code.h:
// [type index, table index, slots(element), first arg slot]).
uint32_t ElementSlot(const CompiledFunction& fn, uint32_t call_pc) {
  return SlotField(fn.code[call_pc + 3].u64, 0);
}

// Reads the frame at `fp`, stopped at safepoint `e`.
FrameImage CaptureFrame(const Module& m, const CompiledFunction& fn, const PcMapEntry& e,
                        const Slot* fp) {
  FrameImage f{fn.func_index, e.wasm_offset, e.kind, {}, {}};
  uint64_t slot = 0;
  for (ValType t : LocalTypes(m, fn.func_index)) {
    f.locals.push_back(ReadValue(fp + slot, t));
    slot += SlotCount(t);
  }
  slot = fn.operand_base;
  for (ValType t : fn.StackTypes(e.stack_types())) {
    f.operands.push_back(ReadValue(fp + slot, t));
    slot += SlotCount(t);
  }
  if (e.kind == SafepointKind::kCall && ReadCallSite(m, e.wasm_offset).op == Op::k_call_indirect) {
    // The table index may still be in the local it was read from.
    f.operands.back() = ReadValue(fp + ElementSlot(fn, e.pc), ValType::kI32);
  }
  return f;
}

const PcMapEntry* TopSafepoint(const CompiledFunction& fn, uint32_t pc) {
  for (SafepointKind k : {SafepointKind::kEntry, SafepointKind::kLoop, SafepointKind::kCall}) {
    if (const PcMapEntry* e = fn.SafepointAt(pc, k)) return e;
  }
  return nullptr;
}

}  // namespace

Result<ThreadImage> CaptureThread(const Thread& thread, const Instance& instance) {
  const Thread::State& s = thread.state();
  if (s.phase != ThreadPhase::kReady) return Bad("thread is not stopped at a safepoint");
  if (s.fn == nullptr) return Bad("a direct host-function call has no Wasm state to capture");
  const Module& m = instance.compiled().module();
  ThreadImage image;
  image.entry = s.entry;
  image.result_types = s.result_types;
  image.fuel_used = s.fuel_used;
  image.frames.reserve(s.frames.size() + 1);
  for (const Frame& f : s.frames) {
    if (f.inst != &instance) return Bad("frames of several instances are not supported");
    const PcMapEntry* e = f.fn->SafepointAt(f.return_pc, SafepointKind::kReturn);
    if (e == nullptr) return Bad("caller frame is not at a call site");
    image.frames.push_back(CaptureFrame(m, *f.fn, *e, s.stack.data() + f.fp));
  }
  if (s.inst != &instance) return Bad("the running frame belongs to another instance");
  const PcMapEntry* e = TopSafepoint(*s.fn, s.pc);
  if (e == nullptr) return Bad("thread is not at a safepoint");
  image.frames.push_back(CaptureFrame(m, *s.fn, *e, s.stack.data() + s.fp));
  return image;
}

namespace {

// A frame of the image, checked, with where it goes in this VM's stack.
struct PlacedFrame {
  const CompiledFunction* fn;
  const PcMapEntry* safepoint;
  uint64_t fp;
};

std::string FrameName(size_t i) { return "frame " + std::to_string(i); }

std::string KindName(SafepointKind kind) {
  switch (kind) {
    case SafepointKind::kNone:
      return "none";
    case SafepointKind::kEntry:
      return "entry";
    case SafepointKind::kLoop:
      return "loop";
    case SafepointKind::kCall:
      return "call";
    case SafepointKind::kReturn:
      return "return";
  }
  return "unknown (" + std::to_string(int(kind)) + ")";
}

// Checks `values` against `types`: what fails names the first bad one.
VoidResult CheckValues(const std::vector<Value>& values, std::span<const ValType> types,
                       const Store& store, const std::string& where, const char* what) {
  if (values.size() != types.size()) {
    return Bad(where + " has " + std::to_string(values.size()) + " " + what + "s, expected " +
               std::to_string(types.size()));
  }
  for (size_t j = 0; j < values.size(); ++j) {
    const std::string problem = CheckValue(values[j], types[j], store);
    if (!problem.empty()) return Bad(where + ": " + what + " " + std::to_string(j) + " " + problem);
  }
  return Ok();
}

// Checks frame i of `image` (whose frame base is `fp`) against the module
// and this VM's safepoints.
Result<PlacedFrame> PlaceFrame(const ThreadImage& image, size_t i, const Instance& instance,
                               const Store& store, uint64_t fp) {
  const CompiledModule& cm = instance.compiled();
  const Module& m = cm.module();
  const FrameImage& f = image.frames[i];
  const std::string where = FrameName(i);
  if (f.func_index < m.imported_funcs || f.func_index >= m.func_count()) {
    return Bad(where + " names no defined function (" + std::to_string(f.func_index) + ")");
  }
  const CompiledFunction& fn = cm.function(f.func_index);
  const bool top = i + 1 == image.frames.size();
  const bool kind_ok = top ? (f.kind == SafepointKind::kEntry || f.kind == SafepointKind::kLoop ||
                              f.kind == SafepointKind::kCall)
                           : f.kind == SafepointKind::kReturn;
  if (!kind_ok) {
    return Bad(where + " is at a safepoint of kind " + KindName(f.kind) +
               (top ? "; the last frame must be at an entry, loop or call"
                    : "; a caller frame must be at a return"));
  }
  const PcMapEntry* e = fn.FindSafepoint(f.wasm_offset, f.kind);
  if (e == nullptr) {
    return Bad(where + ": function " + std::to_string(f.func_index) + " has no " +
               KindName(f.kind) + " safepoint at offset " + std::to_string(f.wasm_offset));
  }
  TRY(CheckValues(f.locals, LocalTypes(m, f.func_index), store, where, "local"));
  const std::vector<ValType> operand_types = fn.StackTypes(e->stack_types());
  TRY(CheckValues(f.operands, operand_types, store, where, "operand"));

  if (f.kind == SafepointKind::kCall && ReadCallSite(m, e->wasm_offset).op == Op::k_call_indirect) {
    const uint32_t slot = ElementSlot(fn, e->pc);
    if (slot < fn.operand_base) {
      // Read from a local: find which one, and require the same value.
      uint64_t local_slot = 0;
      const std::vector<ValType> local_types = LocalTypes(m, f.func_index);
      uint32_t local = 0;
      while (local_slot < slot) local_slot += SlotCount(local_types[local++]);
      if (f.locals[local].lo != f.operands.back().lo) {
        return Bad(where + ": operand " + std::to_string(f.operands.size() - 1) +
                   " (call_indirect's table index) differs from local " + std::to_string(local) +
                   ", which it was read from");
      }
    }
  }
  return PlacedFrame{&fn, e, fp};
}

// Checks that frame i + 1 runs what the call that frame i (at kReturn) made
// calls.
VoidResult CheckCallee(const ThreadImage& image, size_t i, const PlacedFrame& caller,
                       const Module& m) {
  // The compiler records a call's kCall entry just before its kReturn entry.
  const PcMapEntry& call = *(caller.safepoint - 1);
  const CallSite site = ReadCallSite(m, call.wasm_offset);
  const uint32_t callee = image.frames[i + 1].func_index;
  if (site.op == Op::k_call && site.index != callee) {
    return Bad(FrameName(i + 1) + " runs function " + std::to_string(callee) + ", but " +
               FrameName(i) + " called function " + std::to_string(site.index));
  }
  if (site.op == Op::k_call_indirect && m.types[site.index] != m.func_type(callee)) {
    return Bad(FrameName(i + 1) + " runs function " + std::to_string(callee) + " of type " +
               FuncTypeString(m.func_type(callee)) + ", but " + FrameName(i) +
               "'s call_indirect expects " + FuncTypeString(m.types[site.index]));
  }
  return Ok();
}

}  // namespace

VoidResult RestoreThread(Thread& thread, Instance& instance, const ThreadImage& image) {
  Thread::State& s = thread.state();
  if (s.phase == ThreadPhase::kReady) return Bad("thread is busy");
  if (image.frames.empty()) return Bad("no frames");
  if (image.frames.size() > s.limits.max_call_depth) {
    return Bad(std::to_string(image.frames.size()) + " frames; the limit is " +
               std::to_string(s.limits.max_call_depth));
  }
  const Module& m = instance.compiled().module();
  if (image.entry >= s.store.func_count()) return Bad("unknown entry function");
  const FunctionInstance& entry = s.store.func(image.entry);
  if (entry.instance != &instance || entry.func_index != image.frames[0].func_index) {
    return Bad("frame 0 does not run the entry function");
  }
  if (image.result_types != entry.type.results) {
    return Bad("result types do not match the entry function's type " + FuncTypeString(entry.type));
  }

  // Check every frame and place it: frame 0 at slot 0, and each callee at
  // its caller's first argument slot, which follows the caller's operands.
  std::vector<PlacedFrame> placed;
  placed.reserve(image.frames.size());
  uint64_t fp = 0;
  uint64_t stack_needed = SlotsOf(image.result_types) + 1;
  for (size_t i = 0; i < image.frames.size(); ++i) {
    PlacedFrame p = TRY(PlaceFrame(image, i, instance, s.store, fp));
    if (i > 0) TRY(CheckCallee(image, i - 1, placed.back(), m));
    stack_needed = std::max<uint64_t>(stack_needed, fp + p.fn->max_height + 1);
    if (stack_needed > s.limits.max_stack_slots) return Bad("stack too large");
    fp += p.fn->operand_base + SlotsOf(p.fn->StackTypes(p.safepoint->stack_types()));
    // The call's first argument slot, its last immediate, says the same.
    assert(i + 1 == image.frames.size() || p.fn->code[p.safepoint->pc - 1].u64 == fp - p.fp);
    placed.push_back(p);
  }

  // All checks passed: now write.
  s.stack.assign(std::max<uint64_t>(stack_needed, 1024), Slot{0});
  s.frames.clear();
  for (size_t i = 0; i < image.frames.size(); ++i) {
    const FrameImage& f = image.frames[i];
    const PlacedFrame& p = placed[i];
    Slot* base = s.stack.data() + p.fp;
    uint64_t slot = 0;
    for (const Value& v : f.locals) {
      WriteValue(base + slot, v);
      slot += SlotCount(v.type);
    }
    slot = p.fn->operand_base;
    for (const Value& v : f.operands) {
      WriteValue(base + slot, v);
      slot += SlotCount(v.type);
    }
    if (i + 1 < image.frames.size()) {
      s.frames.push_back(Frame{p.fn, &instance, p.safepoint->pc, p.fp});
    }
  }
  const PlacedFrame& top = placed.back();
  s.fn = top.fn;
  s.inst = &instance;
  s.pc = top.safepoint->pc;
  s.fp = top.fp;
  s.sp = top.fp + top.fn->max_height;
  s.entry = image.entry;
  s.result_types = image.result_types;
  s.fuel_used = image.fuel_used;
  s.trap.clear();
  s.exit_code = 0;
  s.phase = ThreadPhase::kReady;
  return Ok();
}

}  // namespace shoal::vm
