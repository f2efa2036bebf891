#include "kernel/vm/snapshot.h"

#include <cstring>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/interpreter.h"

namespace shoal::vm {

namespace {

Error Bad(const std::string& what) { return MakeError(Status::kInvalidArgs, "snapshot: " + what); }

// Finds the pc_map entry for `pc` with one of the allowed kinds.
const PcMapEntry* FindSafepoint(const CompiledFunction& fn, uint32_t pc,
                                std::initializer_list<SafepointKind> kinds) {
  for (const PcMapEntry& e : fn.pc_map) {
    if (e.pc != pc) continue;
    for (SafepointKind k : kinds) {
      if (e.kind == k) return &e;
    }
  }
  return nullptr;
}

}  // namespace

InstanceImage CaptureInstance(Instance& instance) {
  Store& store = instance.store();
  InstanceImage image;
  for (GlobalAddr a : instance.globals()) {
    const GlobalCell& g = store.global(a);
    image.globals.push_back({g.lo, g.hi});
  }
  for (MemAddr a : instance.memories()) {
    Memory& m = store.memory(a);
    image.memories.emplace_back(m.data(), m.data() + m.size_bytes());
  }
  for (TableAddr a : instance.tables()) image.tables.push_back(store.table(a).elems());
  image.dropped_data = instance.dropped_data();
  image.dropped_elems = instance.dropped_elems();
  return image;
}

VoidResult RestoreInstance(Instance& instance, const InstanceImage& image) {
  Store& store = instance.store();
  if (image.globals.size() != instance.globals().size() ||
      image.memories.size() != instance.memories().size() ||
      image.tables.size() != instance.tables().size() ||
      image.dropped_data.size() != instance.dropped_data().size() ||
      image.dropped_elems.size() != instance.dropped_elems().size()) {
    return Bad("instance image does not match the module's index spaces");
  }
  for (size_t i = 0; i < image.memories.size(); ++i) {
    Memory& m = store.memory(instance.memories()[i]);
    const std::vector<uint8_t>& bytes = image.memories[i];
    if (bytes.size() % kPageSize != 0 || bytes.size() < m.size_bytes()) {
      return Bad("memory " + std::to_string(i) + " has a bad size");
    }
    const uint64_t pages = bytes.size() / kPageSize;
    if (pages > m.pages() && !m.Grow(uint32_t(pages - m.pages()))) {
      return Bad("memory " + std::to_string(i) + " cannot grow to " + std::to_string(pages) +
                 " pages");
    }
  }
  for (size_t i = 0; i < image.tables.size(); ++i) {
    Table& t = store.table(instance.tables()[i]);
    if (image.tables[i].size() < t.size()) return Bad("table " + std::to_string(i) + " shrank");
    if (image.tables[i].size() > t.size() &&
        !t.Grow(uint32_t(image.tables[i].size() - t.size()), 0)) {
      return Bad("table " + std::to_string(i) + " cannot grow");
    }
    for (uint64_t ref : image.tables[i]) {
      if (ref != 0 && t.type().elem_type == ValType::kFuncRef && ref - 1 >= store.func_count()) {
        return Bad("table " + std::to_string(i) + " holds an unknown function");
      }
    }
  }
  // All checks passed: now write.
  for (size_t i = 0; i < image.globals.size(); ++i) {
    GlobalCell& g = store.global(instance.globals()[i]);
    g.lo = image.globals[i].lo;
    g.hi = image.globals[i].hi;
  }
  for (size_t i = 0; i < image.memories.size(); ++i) {
    Memory& m = store.memory(instance.memories()[i]);
    if (!image.memories[i].empty()) {
      std::memcpy(m.data(), image.memories[i].data(), image.memories[i].size());
    }
  }
  for (size_t i = 0; i < image.tables.size(); ++i) {
    store.table(instance.tables()[i]).elems() = image.tables[i];
  }
  instance.dropped_data() = image.dropped_data;
  instance.dropped_elems() = image.dropped_elems;
  for (size_t i = 0; i < image.dropped_elems.size(); ++i) {
    if (image.dropped_elems[i]) instance.elem_refs()[i].clear();
  }
  return Ok();
}

Result<ThreadImage> CaptureThread(const Thread& thread, const Instance& instance) {
  const Thread::State& s = thread.state();
  if (s.phase != ThreadPhase::kReady) return Bad("thread is not stopped at a safepoint");
  if (s.fn == nullptr) return Bad("a direct host-function call has no Wasm state to capture");
  ThreadImage image;
  image.entry = s.entry;
  image.result_types = s.result_types;
  image.fuel_used = s.fuel_used;
  for (const Frame& f : s.frames) {
    if (f.inst != &instance) return Bad("frames of several instances are not supported");
    const PcMapEntry* e = FindSafepoint(*f.fn, f.return_pc, {SafepointKind::kReturn});
    if (e == nullptr) return Bad("caller frame is not at a call site");
    image.frames.push_back({f.fn->func_index, e->wasm_offset, e->kind, f.fp});
  }
  if (s.inst != &instance) return Bad("the running frame belongs to another instance");
  const PcMapEntry* e = FindSafepoint(
      *s.fn, s.pc, {SafepointKind::kEntry, SafepointKind::kLoop, SafepointKind::kCall});
  if (e == nullptr) return Bad("thread is not at a safepoint");
  image.frames.push_back({s.fn->func_index, e->wasm_offset, e->kind, s.fp});
  image.stack.reserve(s.sp);
  for (uint64_t i = 0; i < s.sp; ++i) image.stack.push_back(s.stack[i].u64);
  return image;
}

VoidResult RestoreThread(Thread& thread, Instance& instance, const ThreadImage& image) {
  Thread::State& s = thread.state();
  if (s.phase == ThreadPhase::kReady) return Bad("thread is busy");
  if (image.frames.empty()) return Bad("no frames");
  if (image.frames.size() > s.limits.max_call_depth) return Bad("too many frames");
  if (image.stack.size() > s.limits.max_stack_slots) return Bad("stack too large");
  if (image.entry >= s.store.func_count()) return Bad("unknown entry function");
  const CompiledModule& cm = instance.compiled();
  const Module& m = cm.module();

  std::vector<Frame> frames;
  const CompiledFunction* top_fn = nullptr;
  uint32_t top_pc = 0;
  uint64_t top_fp = 0;
  uint64_t prev_fp = 0;
  uint64_t stack_needed = image.stack.size();
  for (size_t i = 0; i < image.frames.size(); ++i) {
    const FrameImage& f = image.frames[i];
    if (f.func_index < m.imported_funcs || f.func_index >= m.func_count()) {
      return Bad("frame " + std::to_string(i) + " names no defined function");
    }
    const CompiledFunction& fn = cm.function(f.func_index);
    const bool top = i + 1 == image.frames.size();
    const bool kind_ok = top ? (f.kind == SafepointKind::kEntry || f.kind == SafepointKind::kLoop ||
                                f.kind == SafepointKind::kCall)
                             : f.kind == SafepointKind::kReturn;
    if (!kind_ok) return Bad("frame " + std::to_string(i) + " has a bad safepoint kind");
    const uint32_t pc = fn.SafepointPc(f.wasm_offset, f.kind);
    if (pc == UINT32_MAX) return Bad("frame " + std::to_string(i) + " names no safepoint");
    if (f.fp < prev_fp || f.fp + fn.param_slots + fn.local_slots > image.stack.size()) {
      return Bad("frame " + std::to_string(i) + " has a bad frame base");
    }
    prev_fp = f.fp;
    stack_needed = std::max<uint64_t>(stack_needed, f.fp + fn.max_height + 1);
    if (top) {
      top_fn = &fn;
      top_pc = pc;
      top_fp = f.fp;
    } else {
      frames.push_back(Frame{&fn, &instance, pc, f.fp});
    }
  }
  if (stack_needed > s.limits.max_stack_slots) return Bad("stack too large");

  s.frames = std::move(frames);
  s.stack.assign(std::max<uint64_t>(stack_needed, 1024), Slot{0});
  for (size_t i = 0; i < image.stack.size(); ++i) s.stack[i].u64 = image.stack[i];
  s.sp = image.stack.size();
  s.fn = top_fn;
  s.inst = &instance;
  s.pc = top_pc;
  s.fp = top_fp;
  s.entry = image.entry;
  s.result_types = image.result_types;
  s.fuel_used = image.fuel_used;
  s.trap.clear();
  s.exit_code = 0;
  s.phase = ThreadPhase::kReady;
  return Ok();
}

}  // namespace shoal::vm
