// The interpreter loop. Direct threading: every instruction word holds the
// address of its handler, and each handler ends by jumping to the next one.
// Hot state (pc, sp, fp, memory base and size, fuel) lives in locals and is
// written back to Thread::State only when the loop stops.
#include "kernel/vm/interpreter.h"

#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/numeric.h"
#include "kernel/vm/simd.h"

namespace shoal::vm {

namespace {

const HandlerTable* g_handlers = nullptr;  // Written once, by the first call.

constexpr uint64_t kInitialStackSlots = 1024;

// Grows the stack so that `needed` slots fit; false when the limit forbids it.
bool GrowStack(Thread::State& s, uint64_t needed) {
  if (needed > s.limits.max_stack_slots) return false;
  uint64_t size = std::max<uint64_t>(s.stack.size(), kInitialStackSlots);
  while (size < needed) size *= 2;
  size = std::min<uint64_t>(size, s.limits.max_stack_slots);
  s.stack.resize(size);
  return true;
}

// The value of an `_imm` operand, from its bits.
template <typename T>
T ImmAs(uint64_t bits) {
  if constexpr (std::is_same_v<T, float>) {
    return std::bit_cast<float>(uint32_t(bits));
  } else if constexpr (std::is_same_v<T, double>) {
    return std::bit_cast<double>(bits);
  } else {
    return T(bits);
  }
}

Value SlotToValue(const Slot* slot, ValType type) {
  Value v{type, slot->u64, 0};
  if (type == ValType::kI32 || type == ValType::kF32) v.lo = slot->u32;
  if (type == ValType::kV128) v.hi = slot[1].u64;
  return v;
}

}  // namespace

static RunStatus InterpretLoop(Thread::State* state, uint64_t fuel);

RunStatus Interpret(Thread::State& state, uint64_t fuel) { return InterpretLoop(&state, fuel); }

const HandlerTable& InterpreterHandlers() {
  if (g_handlers == nullptr) {
    InterpretLoop(nullptr, 0);  // Fills g_handlers and returns at once.
    for (const void* handler : *g_handlers) {
      assert(handler != nullptr && "an IOp has no handler");
      (void)handler;
    }
  }
  return *g_handlers;
}

// Calls a host function with arguments taken from `args`; results are written
// back over the arguments' slots by the caller.
static HostAction CallHost(Thread::State& s, FunctionInstance& f, Instance* caller, Slot* args,
                           std::string* trap, int32_t* exit_code) {
  if (s.host_calls_held) return HostAction::kYield;
  Value arg_values[16];
  std::vector<Value> arg_heap;
  Value* argv = arg_values;
  const size_t nparams = f.type.params.size();
  if (nparams > 16) {
    arg_heap.resize(nparams);
    argv = arg_heap.data();
  }
  for (size_t i = 0, slot = 0; i < nparams; slot += SlotCount(f.type.params[i]), ++i) {
    argv[i] = SlotToValue(&args[slot], f.type.params[i]);
  }
  Value result_values[8];
  std::vector<Value> result_heap;
  Value* resv = result_values;
  const size_t nresults = f.type.results.size();
  if (nresults > 8) {
    result_heap.resize(nresults);
    resv = result_heap.data();
  }
  for (size_t i = 0; i < nresults; ++i) resv[i] = Value{f.type.results[i], 0, 0};
  HostCall call{*s.owner, caller, {argv, nparams}, {resv, nresults}, {}, 0};
  HostAction action = f.host ? f.host(call) : HostAction::kTrap;
  if (!f.host) call.trap_message = "host function " + f.debug_name + " is not callable";
  // Whatever it returned, its writes through Memory::Span() are done.
  if (Memory* memory = call.memory()) memory->MarkSpansWritten();
  if (action == HostAction::kReturn) {
    for (size_t i = 0, slot = 0; i < nresults; slot += SlotCount(resv[i].type), ++i) {
      args[slot].u64 = resv[i].lo;
      if (resv[i].type == ValType::kV128) args[slot + 1].u64 = resv[i].hi;
    }
  } else if (action == HostAction::kTrap) {
    *trap = call.trap_message.empty() ? "host function trapped" : call.trap_message;
  } else if (action == HostAction::kExit) {
    *exit_code = call.exit_code;
  }
  return action;
}

// The loop proper. Called with a null state once, to publish its handler
// addresses (labels are only visible inside the function).
static RunStatus InterpretLoop(Thread::State* state, uint64_t fuel) {
#define OP(ident, name, code, imm, sig) &&L_##ident,
#define OP_FC(ident, name, code, imm, sig) &&L_##ident,
  // A plain array first, so that a missing handler is a compile error rather
  // than a null entry.
  static const void* const kHandlers[] = {
#include "kernel/vm/opcodes.def"
#define OP_FD(ident, name, code, imm, sig) &&L_##ident,
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
      &&L_kFuel,
      &&L_kJump,
      &&L_kJumpIfZero,
      &&L_kJumpIfNonZero,
      &&L_kBr,
      &&L_kBrIf,
      &&L_kBrTable,
      &&L_kReturn,
      &&L_kCall,
      &&L_kCallIndirect,
      &&L_kConst,
      &&L_kCopy,
      &&L_kCopy2,
      &&L_kCallDirect,
      &&L_kSelect2,
      &&L_kGlobalGet2,
      &&L_kGlobalSet2,
#define FUSED(op) &&L_##op##_imm,
      SHOAL_FUSED_BINOPS(FUSED)
#undef FUSED
#define JUMP_IF(op, negated, cpp_op, field) &&L_kJumpIf_##op, &&L_kJumpIf_##op##_imm,
          SHOAL_JUMP_COMPARES(JUMP_IF)
#undef JUMP_IF
#define LOAD_AT(op, value_t, memory_t, field) &&L_##op##_at,
              SHOAL_LOADS(LOAD_AT)
#undef LOAD_AT
  };
  static_assert(std::size(kHandlers) == size_t(IOp::kCount), "every IOp needs a handler");
  static const HandlerTable kTable = [] {
    HandlerTable table;
    std::copy(std::begin(kHandlers), std::end(kHandlers), table.begin());
    return table;
  }();
#undef OP
#undef OP_FC
  if (state == nullptr) {
    g_handlers = &kTable;
    return RunStatus::kFinished;
  }
  Thread::State& s = *state;

  // Hot state.
  const CompiledFunction* fn = s.fn;
  Instance* inst = s.inst;
  const CodeWord* code = fn->code.data();
  const CodeWord* pc = code + s.pc;
  Slot* base = s.stack.data();
  Slot* fp = base + s.fp;
  Memory* mem = nullptr;
  uint8_t* mem_base = nullptr;
  uint64_t mem_size = 0;
  Store& store = s.store;
  std::string trap;
  RunStatus status = RunStatus::kTrapped;
  // Set before do_call / do_enter: the callee and its first argument slot.
  FunctionInstance* callee = nullptr;
  const CompiledFunction* callee_fn = nullptr;
  Instance* callee_inst = nullptr;
  uint64_t args = 0;

#define RELOAD_MEMORY()                         \
  do {                                          \
    if (!inst->memories().empty()) {            \
      mem = &store.memory(inst->memories()[0]); \
      mem_base = mem->data();                   \
      mem_size = mem->size_bytes();             \
    } else {                                    \
      mem = nullptr;                            \
      mem_base = nullptr;                       \
      mem_size = 0;                             \
    }                                           \
  } while (0)
// Dispatch: pc points just past the handler word while a handler runs.
#define NEXT() goto*(pc++)->handler
// Slot fields of an instruction's slots word.
#define F0(w) ((w) & (kMaxFrameSlots - 1))
#define F1(w) (((w) >> kSlotFieldBits) & (kMaxFrameSlots - 1))
#define F2(w) ((w) >> (2 * kSlotFieldBits))
#define SAVE()                                   \
  do {                                           \
    s.fn = fn;                                   \
    s.inst = inst;                               \
    s.pc = uint32_t(pc - code);                  \
    s.fp = uint64_t(fp - base);                  \
    s.sp = uint64_t(fp - base) + fn->max_height; \
  } while (0)
#define TRAP(msg) \
  do {            \
    trap = (msg); \
    goto do_trap; \
  } while (0)

  RELOAD_MEMORY();
  NEXT();

  // ---- Control -------------------------------------------------------------
L_kFuel:
  if (fuel == 0) {
    --pc;  // Resume at this safepoint.
    status = RunStatus::kOutOfFuel;
    goto do_stop;
  }
  --fuel;
  ++s.fuel_used;
  NEXT();
L_kJump:
  pc = code + pc->u64;
  NEXT();
L_kJumpIfZero:
  pc = fp[F0(pc[0].u64)].u32 == 0 ? code + pc[1].u64 : pc + 2;
  NEXT();
L_kJumpIfNonZero:
  pc = fp[F0(pc[0].u64)].u32 != 0 ? code + pc[1].u64 : pc + 2;
  NEXT();
#define JUMP_IF(op, negated, cpp_op, field)                                                   \
  L_kJumpIf_##op : {                                                                          \
    const uint64_t w = pc[0].u64;                                                             \
    pc = fp[F0(w)].field cpp_op fp[F1(w)].field ? code + pc[1].u64 : pc + 2;                  \
    NEXT();                                                                                   \
  }                                                                                           \
  L_kJumpIf_##op##_imm : {                                                                    \
    const uint64_t w = pc[0].u64;                                                             \
    pc = fp[F0(w)].field cpp_op decltype(Slot::field)(pc[1].u64) ? code + pc[2].u64 : pc + 3; \
    NEXT();                                                                                   \
  }
  SHOAL_JUMP_COMPARES(JUMP_IF)
#undef JUMP_IF
L_kBrIf:
  if (fp[F0(pc[0].u64)].u32 == 0) {
    pc += 4;
    NEXT();
  }
  ++pc;
  goto L_kBr;
L_kBr : {
  // [target, slots(dst, src), count]
  const uint64_t target = pc[0].u64;
  const uint64_t w = pc[1].u64;
  const uint64_t count = pc[2].u64;
  if (count != 0) std::memmove(fp + F0(w), fp + F1(w), count * sizeof(Slot));
  if (target == kReturnTarget) goto do_return;
  pc = code + target;
  NEXT();
}
L_kBrTable : {
  const uint64_t count = pc[1].u64;
  uint64_t i = fp[F0(pc[0].u64)].u32;
  if (i > count) i = count;
  pc += 2 + 3 * i;
  goto L_kBr;
}
L_kReturn : {
  const uint32_t n = fn->result_slots;
  const uint64_t src = F0(pc[0].u64);
  if (src != 0 && n != 0) std::memmove(fp, fp + src, n * sizeof(Slot));
  goto do_return;
}
do_return : {
  // The results are at fp[0...].
  if (s.frames.empty()) {
    status = RunStatus::kFinished;
    goto do_stop;
  }
  const Frame& f = s.frames.back();
  fn = f.fn;
  inst = f.inst;
  code = fn->code.data();
  pc = code + f.return_pc;
  fp = base + f.fp;
  s.frames.pop_back();
  RELOAD_MEMORY();
  NEXT();
}
L_kCall:
  callee = &store.func(inst->funcs()[pc[0].u64]);
  args = pc[1].u64;
  pc += 2;
  goto do_call;

L_kCallDirect:
  // A call within the module: the compiled callee is in the instruction.
  callee_fn = static_cast<const CompiledFunction*>(pc[0].handler);
  callee_inst = inst;
  args = pc[1].u64;
  pc += 2;
  goto do_enter;
L_kCallIndirect : {
  // [type index, table index, slots(element), first arg slot]
  const uint32_t type_index = uint32_t(pc[0].u64);
  Table& table = store.table(inst->tables()[pc[1].u64]);
  const uint32_t i = fp[F0(pc[2].u64)].u32;
  if (i >= table.size()) TRAP("undefined element");
  const uint64_t ref = table.elems()[i];
  if (ref == 0) TRAP("uninitialized element " + std::to_string(i));
  callee = &store.func(FuncAddr(ref - 1));
  if (callee->type_id != inst->type_ids()[type_index]) TRAP("indirect call type mismatch");
  args = pc[3].u64;
  pc += 4;
}

do_call:
  if (callee->instance == nullptr) {
    // Host function: arguments are at fp[args...]; results replace them.
    int32_t exit_code = 0;
    SAVE();
    HostAction action = CallHost(s, *callee, inst, fp + args, &trap, &exit_code);
    switch (action) {
      case HostAction::kReturn:
        RELOAD_MEMORY();
        NEXT();
      case HostAction::kYield: {
        // Stop *at* the call so that the next Run() calls the host again:
        // the call instruction is the last kCall safepoint before pc.
        const uint32_t here = uint32_t(pc - code);
        uint32_t call_pc = here;
        for (auto it = fn->pc_map.rbegin(); it != fn->pc_map.rend(); ++it) {
          if (it->pc < here && it->kind == SafepointKind::kCall) {
            call_pc = it->pc;
            break;
          }
        }
        pc = code + call_pc;
        status = RunStatus::kYielded;
        goto do_stop;
      }
      case HostAction::kExit:
        s.exit_code = exit_code;
        status = RunStatus::kExited;
        goto do_stop;
      case HostAction::kTrap:
        goto do_trap;
    }
  }
  callee_fn = &callee->instance->compiled().function(callee->func_index);
  callee_inst = callee->instance;

do_enter : {
  // Push a frame for callee_fn, whose arguments are at fp[args...].
  if (s.frames.size() >= s.limits.max_call_depth) TRAP("call stack exhausted");
  const uint64_t new_fp = uint64_t(fp - base) + args;
  const uint64_t needed = new_fp + callee_fn->max_height + 1;
  if (needed > s.stack.size()) {
    const uint64_t fp_index = fp - base;
    if (!GrowStack(s, needed)) TRAP("call stack exhausted");
    base = s.stack.data();
    fp = base + fp_index;
  }
  s.frames.push_back(Frame{fn, inst, uint32_t(pc - code), uint64_t(fp - base)});
  fp = base + new_fp;
  std::memset(fp + callee_fn->param_slots, 0, callee_fn->local_slots * sizeof(Slot));
  fn = callee_fn;
  code = fn->code.data();
  if (inst != callee_inst) {
    inst = callee_inst;
    RELOAD_MEMORY();
  }
  // The callee's first instruction is its entry kFuel; charge it here and
  // skip it, or stop at it (the entry safepoint) when fuel has run out.
  pc = code;
  if (fuel == 0) {
    status = RunStatus::kOutOfFuel;
    goto do_stop;
  }
  --fuel;
  ++s.fuel_used;
  ++pc;
  NEXT();
}
L_kConst:
  fp[F0(pc[0].u64)].u64 = pc[1].u64;
  pc += 2;
  NEXT();
L_kCopy : {
  const uint64_t w = pc->u64;
  fp[F0(w)] = fp[F1(w)];
  pc += 1;
  NEXT();
}
L_kCopy2 : {
  const uint64_t w = pc->u64;
  const Slot lo = fp[F1(w)], hi = fp[F1(w) + 1];
  fp[F0(w)] = lo;
  fp[F0(w) + 1] = hi;
  pc += 1;
  NEXT();
}

  // ---- Parametric and variables ---------------------------------------------
L_unreachable:
  TRAP("unreachable");
L_nop:
L_block:
L_loop:
L_if:
L_else:
L_end:
L_br:
L_br_if:
L_br_table:
L_return:
L_call:
L_call_indirect:
L_select_t:
L_drop:
L_local_get:
L_local_set:
L_local_tee:
L_i32_const:
L_i64_const:
L_f32_const:
L_f64_const:
L_ref_null:
L_i32_reinterpret_f32:
L_f32_reinterpret_i32:
L_i64_reinterpret_f64:
L_f64_reinterpret_i64:
  TRAP("internal error: unlowered instruction");
L_select : {
  // [slots(dst, a, b), slots(cond)]
  const uint64_t w = pc[0].u64;
  fp[F0(w)] = fp[F0(pc[1].u64)].u32 != 0 ? fp[F1(w)] : fp[F2(w)];
  pc += 2;
  NEXT();
}
L_kSelect2 : {
  const uint64_t w = pc[0].u64;
  const uint32_t src = fp[F0(pc[1].u64)].u32 != 0 ? F1(w) : F2(w);
  const Slot lo = fp[src], hi = fp[src + 1];
  fp[F0(w)] = lo;
  fp[F0(w) + 1] = hi;
  pc += 2;
  NEXT();
}
L_kGlobalGet2 : {
  const GlobalCell& g = store.global(inst->globals()[pc[1].u64]);
  fp[F0(pc[0].u64)].u64 = g.lo;
  fp[F0(pc[0].u64) + 1].u64 = g.hi;
  pc += 2;
  NEXT();
}
L_kGlobalSet2 : {
  GlobalCell& g = store.global(inst->globals()[pc[1].u64]);
  g.lo = fp[F0(pc[0].u64)].u64;
  g.hi = fp[F0(pc[0].u64) + 1].u64;
  pc += 2;
  NEXT();
}
L_global_get : {
  const GlobalCell& g = store.global(inst->globals()[pc[1].u64]);
  fp[F0(pc[0].u64)].u64 = g.lo;
  pc += 2;
  NEXT();
}
L_global_set : {
  GlobalCell& g = store.global(inst->globals()[pc[1].u64]);
  g.lo = fp[F0(pc[0].u64)].u64;
  pc += 2;
  NEXT();
}

  // ---- Tables and references ------------------------------------------------
L_table_get : {
  const uint64_t w = pc[0].u64;
  Table& t = store.table(inst->tables()[pc[1].u64]);
  const uint32_t i = fp[F1(w)].u32;
  if (i >= t.size()) TRAP("out of bounds table access");
  fp[F0(w)].u64 = t.elems()[i];
  pc += 2;
  NEXT();
}
L_table_set : {
  const uint64_t w = pc[0].u64;
  Table& t = store.table(inst->tables()[pc[1].u64]);
  const uint32_t i = fp[F0(w)].u32;
  if (i >= t.size()) TRAP("out of bounds table access");
  t.elems()[i] = fp[F1(w)].u64;
  pc += 2;
  NEXT();
}
L_ref_is_null : {
  const uint64_t w = pc[0].u64;
  fp[F0(w)].u64 = fp[F1(w)].u64 == 0 ? 1 : 0;
  pc += 1;
  NEXT();
}
L_ref_func:
  fp[F0(pc[0].u64)].u64 = uint64_t(inst->funcs()[pc[1].u64]) + 1;
  pc += 2;
  NEXT();
L_table_size : {
  Table& t = store.table(inst->tables()[pc[1].u64]);
  fp[F0(pc[0].u64)].u64 = t.size();
  pc += 2;
  NEXT();
}
L_table_grow : {
  // [slots(dst, init, n), table]
  const uint64_t w = pc[0].u64;
  Table& t = store.table(inst->tables()[pc[1].u64]);
  std::optional<uint32_t> old = t.Grow(fp[F2(w)].u32, fp[F1(w)].u64);
  fp[F0(w)].u64 = old ? *old : 0xffffffffu;
  pc += 2;
  NEXT();
}
L_table_fill : {
  // [slots(i, val, n), table]
  const uint64_t w = pc[0].u64;
  Table& t = store.table(inst->tables()[pc[1].u64]);
  const uint32_t i = fp[F0(w)].u32;
  const uint64_t val = fp[F1(w)].u64;
  const uint32_t n = fp[F2(w)].u32;
  if (uint64_t(i) + n > t.size()) TRAP("out of bounds table access");
  std::fill_n(t.elems().begin() + i, n, val);
  pc += 2;
  NEXT();
}
L_table_copy : {
  // [slots(dst, src, n), dst table, src table]
  const uint64_t w = pc[0].u64;
  Table& dt = store.table(inst->tables()[pc[1].u64]);
  Table& st = store.table(inst->tables()[pc[2].u64]);
  const uint32_t dst = fp[F0(w)].u32;
  const uint32_t src = fp[F1(w)].u32;
  const uint32_t n = fp[F2(w)].u32;
  if (uint64_t(src) + n > st.size() || uint64_t(dst) + n > dt.size()) {
    TRAP("out of bounds table access");
  }
  if (n > 0) {
    std::memmove(dt.elems().data() + dst, st.elems().data() + src, n * sizeof(uint64_t));
  }
  pc += 3;
  NEXT();
}
L_table_init : {
  // [slots(dst, src, n), segment, table]
  const uint64_t w = pc[0].u64;
  const uint32_t seg = uint32_t(pc[1].u64);
  Table& t = store.table(inst->tables()[pc[2].u64]);
  const std::vector<uint64_t>& refs = inst->elem_refs()[seg];
  const uint32_t dst = fp[F0(w)].u32;
  const uint32_t src = fp[F1(w)].u32;
  const uint32_t n = fp[F2(w)].u32;
  if (uint64_t(src) + n > refs.size() || uint64_t(dst) + n > t.size()) {
    TRAP("out of bounds table access");
  }
  std::copy_n(refs.begin() + src, n, t.elems().begin() + dst);
  pc += 3;
  NEXT();
}
L_elem_drop : {
  const uint32_t seg = uint32_t(pc[0].u64);
  inst->dropped_elems()[seg] = true;
  inst->elem_refs()[seg].clear();
  pc += 1;
  NEXT();
}

// ---- Memory ----------------------------------------------------------------
// Loads: [slots(dst, addr), offset]; `_at` loads: [slots(dst, base), addend,
// offset]. Stores: [slots(addr, value), offset].
#define LOAD(op, value_t, memory_t, field)                                     \
  L_##op : {                                                                   \
    const uint64_t w = pc[0].u64;                                              \
    const uint64_t ea = uint64_t(fp[F1(w)].u32) + pc[1].u64;                   \
    if (ea + sizeof(memory_t) > mem_size) TRAP("out of bounds memory access"); \
    memory_t v;                                                                \
    std::memcpy(&v, mem_base + ea, sizeof(memory_t));                          \
    fp[F0(w)].field = value_t(v);                                              \
    pc += 2;                                                                   \
    NEXT();                                                                    \
  }                                                                            \
  L_##op##_at : {                                                              \
    const uint64_t w = pc[0].u64;                                              \
    const uint32_t addr = fp[F1(w)].u32 + uint32_t(pc[1].u64);                 \
    const uint64_t ea = uint64_t(addr) + pc[2].u64;                            \
    if (ea + sizeof(memory_t) > mem_size) TRAP("out of bounds memory access"); \
    memory_t v;                                                                \
    std::memcpy(&v, mem_base + ea, sizeof(memory_t));                          \
    fp[F0(w)].field = value_t(v);                                              \
    pc += 3;                                                                   \
    NEXT();                                                                    \
  }
  SHOAL_LOADS(LOAD)
#undef LOAD
#define STORE(label, store_t, slot_field)                                     \
  label : {                                                                   \
    const uint64_t w = pc[0].u64;                                             \
    const uint64_t ea = uint64_t(fp[F0(w)].u32) + pc[1].u64;                  \
    if (ea + sizeof(store_t) > mem_size) TRAP("out of bounds memory access"); \
    const store_t v = store_t(fp[F1(w)].slot_field);                          \
    std::memcpy(mem_base + ea, &v, sizeof(store_t));                          \
    Memory::MarkStored(mem_base, ea, sizeof(store_t));                        \
    pc += 2;                                                                  \
    NEXT();                                                                   \
  }
  STORE(L_i32_store, uint32_t, u32)
  STORE(L_i64_store, uint64_t, u64)
  STORE(L_f32_store, uint32_t, u32)
  STORE(L_f64_store, uint64_t, u64)
  STORE(L_i32_store8, uint8_t, u32)
  STORE(L_i32_store16, uint16_t, u32)
  STORE(L_i64_store8, uint8_t, u64)
  STORE(L_i64_store16, uint16_t, u64)
  STORE(L_i64_store32, uint32_t, u64)
#undef STORE
L_memory_size:
  fp[F0(pc[0].u64)].u64 = mem_size / kPageSize;
  pc += 1;
  NEXT();
L_memory_grow : {
  const uint64_t w = pc[0].u64;
  std::optional<uint32_t> old = mem->Grow(fp[F1(w)].u32);
  fp[F0(w)].u64 = old ? *old : 0xffffffffu;
  mem_size = mem->size_bytes();
  pc += 1;
  NEXT();
}
L_memory_init : {
  // [slots(dst, src, n), segment]
  const uint64_t w = pc[0].u64;
  const uint32_t seg = uint32_t(pc[1].u64);
  const uint32_t dst = fp[F0(w)].u32;
  const uint32_t src = fp[F1(w)].u32;
  const uint32_t n = fp[F2(w)].u32;
  const DataSegment& d = inst->module().data[seg];
  const uint64_t seg_size = inst->dropped_data()[seg] ? 0 : d.data_size;
  if (uint64_t(src) + n > seg_size || uint64_t(dst) + n > mem_size) {
    TRAP("out of bounds memory access");
  }
  if (n > 0) std::memcpy(mem_base + dst, inst->module().bytes.data() + d.data_offset + src, n);
  Memory::MarkRange(mem_base, dst, n);
  pc += 2;
  NEXT();
}
L_data_drop:
  inst->dropped_data()[pc[0].u64] = true;
  pc += 1;
  NEXT();
L_memory_copy : {
  const uint64_t w = pc[0].u64;
  const uint32_t dst = fp[F0(w)].u32;
  const uint32_t src = fp[F1(w)].u32;
  const uint32_t n = fp[F2(w)].u32;
  if (uint64_t(src) + n > mem_size || uint64_t(dst) + n > mem_size) {
    TRAP("out of bounds memory access");
  }
  if (n > 0) std::memmove(mem_base + dst, mem_base + src, n);
  Memory::MarkRange(mem_base, dst, n);
  pc += 1;
  NEXT();
}
L_memory_fill : {
  const uint64_t w = pc[0].u64;
  const uint32_t dst = fp[F0(w)].u32;
  const uint8_t val = uint8_t(fp[F1(w)].u32);
  const uint32_t n = fp[F2(w)].u32;
  if (uint64_t(dst) + n > mem_size) TRAP("out of bounds memory access");
  if (n > 0) std::memset(mem_base + dst, val, n);
  Memory::MarkRange(mem_base, dst, n);
  pc += 1;
  NEXT();
}

// ---- Numeric ---------------------------------------------------------------
#include "kernel/vm/interpreter_numeric.inc"
#include "kernel/vm/interpreter_simd.inc"

do_trap:
  s.phase = ThreadPhase::kTrapped;
  {
    const uint32_t at = uint32_t(pc - code);
    char where[96];
    std::snprintf(where, sizeof where, " (in function %u at offset 0x%x)", fn->func_index,
                  fn->WasmOffset(at == 0 ? 0 : at - 1));
    s.trap = trap + where;
  }
  SAVE();
  return RunStatus::kTrapped;

do_stop:
  SAVE();
  switch (status) {
    case RunStatus::kFinished:
      s.phase = ThreadPhase::kFinished;
      break;
    case RunStatus::kExited:
      s.phase = ThreadPhase::kExited;
      break;
    case RunStatus::kTrapped:
      s.phase = ThreadPhase::kTrapped;
      break;
    default:
      s.phase = ThreadPhase::kReady;
      break;
  }
  return status;
#undef NEXT
#undef F0
#undef F1
#undef F2
#undef SAVE
#undef TRAP
#undef RELOAD_MEMORY
}

}  // namespace shoal::vm
