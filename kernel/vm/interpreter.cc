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

#include "kernel/vm/compiled_module.h"
#include "kernel/vm/numeric.h"

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

Value SlotToValue(const Slot* slot, ValType type) {
  Value v{type, slot->u64, 0};
  if (type == ValType::kI32 || type == ValType::kF32) v.lo = slot->u32;
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
  Value arg_values[16];
  std::vector<Value> arg_heap;
  Value* argv = arg_values;
  const size_t nparams = f.type.params.size();
  if (nparams > 16) {
    arg_heap.resize(nparams);
    argv = arg_heap.data();
  }
  for (size_t i = 0; i < nparams; ++i) argv[i] = SlotToValue(&args[i], f.type.params[i]);
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
  if (action == HostAction::kReturn) {
    for (size_t i = 0; i < nresults; ++i) args[i].u64 = resv[i].lo;
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
  static const HandlerTable kTable = {
#include "kernel/vm/opcodes.def"
      &&L_kFuel,
      &&L_kJump,
      &&L_kJumpIfZero,
      &&L_kBrK,
      &&L_kBrIfK,
      &&L_kBrTableK,
      &&L_kReturnK,
      &&L_kCallK,
      &&L_kCallIndirectK,
      &&L_kConst,
      &&L_kJumpIfNonZero,
#define FUSED(op) &&L_##op##_imm, &&L_##op##_loc,
      SHOAL_FUSED_BINOPS(FUSED)
#undef FUSED
  };
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
  Slot* sp = base + s.sp;
  Memory* mem = nullptr;
  uint8_t* mem_base = nullptr;
  uint64_t mem_size = 0;
  Store& store = s.store;
  std::string trap;
  RunStatus status = RunStatus::kTrapped;
  FunctionInstance* callee = nullptr;

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
#define NEXT() goto*(pc++)->handler
#define SAVE()                  \
  do {                          \
    s.fn = fn;                  \
    s.inst = inst;              \
    s.pc = uint32_t(pc - code); \
    s.fp = uint64_t(fp - base); \
    s.sp = uint64_t(sp - base); \
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
  if ((--sp)->u32 == 0) {
    pc = code + pc->u64;
  } else {
    ++pc;
  }
  NEXT();
L_kJumpIfNonZero:
  if ((--sp)->u32 != 0) {
    pc = code + pc->u64;
  } else {
    ++pc;
  }
  NEXT();
L_kBrIfK:
  if ((--sp)->u32 == 0) {
    pc += 3;
    NEXT();
  }

L_kBrK : {
  const uint64_t target = pc[0].u64;
  if (target == UINT32_MAX) goto L_kReturnK;
  Slot* dst = fp + pc[1].u64;
  const uint64_t arity = pc[2].u64;
  if (dst != sp - arity) std::memmove(dst, sp - arity, arity * sizeof(Slot));
  sp = dst + arity;
  pc = code + target;
  NEXT();
}
L_kBrTableK : {
  const uint32_t count = uint32_t(pc[0].u64);
  uint32_t i = (--sp)->u32;
  if (i > count) i = count;
  pc += 1 + 3 * i;
  goto L_kBrK;
}
L_kReturnK : {
  const uint32_t n = fn->result_slots;
  if (fp != sp - n) std::memmove(fp, sp - n, n * sizeof(Slot));
  sp = fp + n;
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
L_kCallK:
  callee = &store.func(inst->funcs()[(pc++)->u64]);
  goto do_call;

L_kCallIndirectK : {
  const uint32_t type_index = uint32_t(pc[0].u64);
  Table& table = store.table(inst->tables()[pc[1].u64]);
  const uint32_t i = (sp - 1)->u32;
  if (i >= table.size()) TRAP("undefined element");
  const uint64_t ref = table.elems()[i];
  if (ref == 0) TRAP("uninitialized element " + std::to_string(i));
  callee = &store.func(FuncAddr(ref - 1));
  if (callee->type_id != inst->type_ids()[type_index]) TRAP("indirect call type mismatch");
  --sp;
  pc += 2;
}

do_call:
  if (callee->instance == nullptr) {
    // Host function: arguments are the top slots; results replace them.
    const size_t nparams = callee->type.params.size();
    Slot* args = sp - nparams;
    int32_t exit_code = 0;
    SAVE();
    HostAction action = CallHost(s, *callee, inst, args, &trap, &exit_code);
    base = s.stack.data();  // A host call cannot grow the stack, but stay safe.
    switch (action) {
      case HostAction::kReturn:
        sp = args + callee->type.results.size();
        RELOAD_MEMORY();
        NEXT();
      case HostAction::kYield: {
        // Stop *at* the call so that the next Run() calls the host again.
        // The call instruction is the one whose pc_map entry precedes pc.
        const uint32_t here = uint32_t(pc - code);
        uint32_t call_pc = here;
        for (auto it = fn->pc_map.rbegin(); it != fn->pc_map.rend(); ++it) {
          if (it->pc < here && it->kind == SafepointKind::kCall) {
            call_pc = it->pc;
            break;
          }
        }
        pc = code + call_pc;
        // Put the consumed call_indirect operand back.
        if (pc->handler == kTable[size_t(IOp::kCallIndirectK)]) ++sp;
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
  {
    const CompiledFunction& cf = callee->instance->compiled().function(callee->func_index);
    if (s.frames.size() >= s.limits.max_call_depth) TRAP("call stack exhausted");
    Slot* new_fp = sp - cf.param_slots;
    const uint64_t needed = uint64_t(new_fp - base) + cf.max_height + 1;
    if (needed > s.stack.size()) {
      const uint64_t fp_index = fp - base, sp_index = sp - base, nfp_index = new_fp - base;
      if (!GrowStack(s, needed)) TRAP("call stack exhausted");
      base = s.stack.data();
      fp = base + fp_index;
      sp = base + sp_index;
      new_fp = base + nfp_index;
    }
    s.frames.push_back(Frame{fn, inst, uint32_t(pc - code), uint64_t(fp - base)});
    fp = new_fp;
    sp = fp + cf.param_slots;
    for (uint32_t i = 0; i < cf.local_slots; ++i) (sp++)->u64 = 0;
    fn = &cf;
    if (inst != callee->instance) {
      inst = callee->instance;
      RELOAD_MEMORY();
    }
    code = fn->code.data();
    pc = code;
    NEXT();
  }
L_kConst:
  (sp++)->u64 = (pc++)->u64;
  NEXT();

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
L_i32_const:
L_i64_const:
L_f32_const:
L_f64_const:
L_ref_null:
  TRAP("internal error: unlowered instruction");
L_drop:
  --sp;
  NEXT();
L_select : {
  const uint32_t c = (--sp)->u32;
  --sp;
  if (c == 0) sp[-1] = sp[0];
  NEXT();
}
L_local_get:
  *sp++ = fp[(pc++)->u64];
  NEXT();
L_local_set:
  fp[(pc++)->u64] = *--sp;
  NEXT();
L_local_tee:
  fp[(pc++)->u64] = sp[-1];
  NEXT();
L_global_get : {
  const GlobalCell& g = store.global(inst->globals()[(pc++)->u64]);
  (sp++)->u64 = g.lo;
  NEXT();
}
L_global_set : {
  GlobalCell& g = store.global(inst->globals()[(pc++)->u64]);
  g.lo = (--sp)->u64;
  NEXT();
}

  // ---- Tables and references ------------------------------------------------
L_table_get : {
  Table& t = store.table(inst->tables()[(pc++)->u64]);
  const uint32_t i = sp[-1].u32;
  if (i >= t.size()) TRAP("out of bounds table access");
  sp[-1].u64 = t.elems()[i];
  NEXT();
}
L_table_set : {
  Table& t = store.table(inst->tables()[(pc++)->u64]);
  const uint64_t ref = (--sp)->u64;
  const uint32_t i = (--sp)->u32;
  if (i >= t.size()) TRAP("out of bounds table access");
  t.elems()[i] = ref;
  NEXT();
}
L_ref_is_null:
  sp[-1].u64 = sp[-1].u64 == 0 ? 1 : 0;
  NEXT();
L_ref_func:
  (sp++)->u64 = uint64_t(inst->funcs()[(pc++)->u64]) + 1;
  NEXT();
L_table_size : {
  Table& t = store.table(inst->tables()[(pc++)->u64]);
  (sp++)->u64 = t.size();
  NEXT();
}
L_table_grow : {
  Table& t = store.table(inst->tables()[(pc++)->u64]);
  const uint32_t n = (--sp)->u32;
  const uint64_t init = sp[-1].u64;
  std::optional<uint32_t> old = t.Grow(n, init);
  sp[-1].u64 = old ? *old : 0xffffffffu;
  NEXT();
}
L_table_fill : {
  Table& t = store.table(inst->tables()[(pc++)->u64]);
  const uint32_t n = (--sp)->u32;
  const uint64_t val = (--sp)->u64;
  const uint32_t i = (--sp)->u32;
  if (uint64_t(i) + n > t.size()) TRAP("out of bounds table access");
  std::fill_n(t.elems().begin() + i, n, val);
  NEXT();
}
L_table_copy : {
  Table& dt = store.table(inst->tables()[pc[0].u64]);
  Table& st = store.table(inst->tables()[pc[1].u64]);
  pc += 2;
  const uint32_t n = (--sp)->u32;
  const uint32_t src = (--sp)->u32;
  const uint32_t dst = (--sp)->u32;
  if (uint64_t(src) + n > st.size() || uint64_t(dst) + n > dt.size()) {
    TRAP("out of bounds table access");
  }
  if (n > 0) {
    std::memmove(dt.elems().data() + dst, st.elems().data() + src, n * sizeof(uint64_t));
  }
  NEXT();
}
L_table_init : {
  const uint32_t seg = uint32_t(pc[0].u64);
  Table& t = store.table(inst->tables()[pc[1].u64]);
  pc += 2;
  const std::vector<uint64_t>& refs = inst->elem_refs()[seg];
  const uint32_t n = (--sp)->u32;
  const uint32_t src = (--sp)->u32;
  const uint32_t dst = (--sp)->u32;
  if (uint64_t(src) + n > refs.size() || uint64_t(dst) + n > t.size()) {
    TRAP("out of bounds table access");
  }
  std::copy_n(refs.begin() + src, n, t.elems().begin() + dst);
  NEXT();
}
L_elem_drop : {
  const uint32_t seg = uint32_t((pc++)->u64);
  inst->dropped_elems()[seg] = true;
  inst->elem_refs()[seg].clear();
  NEXT();
}

// ---- Memory ----------------------------------------------------------------
#define LOAD(label, T, load_t, slot_field)                                   \
  label : {                                                                  \
    const uint64_t ea = uint64_t(sp[-1].u32) + (pc++)->u64;                  \
    if (ea + sizeof(load_t) > mem_size) TRAP("out of bounds memory access"); \
    load_t v;                                                                \
    std::memcpy(&v, mem_base + ea, sizeof(load_t));                          \
    sp[-1].slot_field = T(v);                                                \
    NEXT();                                                                  \
  }
  LOAD(L_i32_load, uint32_t, uint32_t, u32)
  LOAD(L_i64_load, uint64_t, uint64_t, u64)
  LOAD(L_f32_load, uint32_t, uint32_t, u32)
  LOAD(L_f64_load, uint64_t, uint64_t, u64)
  LOAD(L_i32_load8_s, int32_t, int8_t, i32)
  LOAD(L_i32_load8_u, uint32_t, uint8_t, u32)
  LOAD(L_i32_load16_s, int32_t, int16_t, i32)
  LOAD(L_i32_load16_u, uint32_t, uint16_t, u32)
  LOAD(L_i64_load8_s, int64_t, int8_t, i64)
  LOAD(L_i64_load8_u, uint64_t, uint8_t, u64)
  LOAD(L_i64_load16_s, int64_t, int16_t, i64)
  LOAD(L_i64_load16_u, uint64_t, uint16_t, u64)
  LOAD(L_i64_load32_s, int64_t, int32_t, i64)
  LOAD(L_i64_load32_u, uint64_t, uint32_t, u64)
#undef LOAD
#define STORE(label, store_t, slot_field)                                     \
  label : {                                                                   \
    const store_t v = store_t(sp[-1].slot_field);                             \
    const uint64_t ea = uint64_t(sp[-2].u32) + (pc++)->u64;                   \
    sp -= 2;                                                                  \
    if (ea + sizeof(store_t) > mem_size) TRAP("out of bounds memory access"); \
    std::memcpy(mem_base + ea, &v, sizeof(store_t));                          \
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
  (sp++)->u64 = mem_size / kPageSize;
  NEXT();
L_memory_grow : {
  std::optional<uint32_t> old = mem->Grow(sp[-1].u32);
  sp[-1].u64 = old ? *old : 0xffffffffu;
  mem_size = mem->size_bytes();
  NEXT();
}
L_memory_init : {
  const uint32_t seg = uint32_t((pc++)->u64);
  const uint32_t n = (--sp)->u32;
  const uint32_t src = (--sp)->u32;
  const uint32_t dst = (--sp)->u32;
  const DataSegment& d = inst->module().data[seg];
  const uint64_t seg_size = inst->dropped_data()[seg] ? 0 : d.data_size;
  if (uint64_t(src) + n > seg_size || uint64_t(dst) + n > mem_size) {
    TRAP("out of bounds memory access");
  }
  if (n > 0) std::memcpy(mem_base + dst, inst->module().bytes.data() + d.data_offset + src, n);
  NEXT();
}
L_data_drop:
  inst->dropped_data()[(pc++)->u64] = true;
  NEXT();
L_memory_copy : {
  const uint32_t n = (--sp)->u32;
  const uint32_t src = (--sp)->u32;
  const uint32_t dst = (--sp)->u32;
  if (uint64_t(src) + n > mem_size || uint64_t(dst) + n > mem_size) {
    TRAP("out of bounds memory access");
  }
  if (n > 0) std::memmove(mem_base + dst, mem_base + src, n);
  NEXT();
}
L_memory_fill : {
  const uint32_t n = (--sp)->u32;
  const uint8_t val = uint8_t((--sp)->u32);
  const uint32_t dst = (--sp)->u32;
  if (uint64_t(dst) + n > mem_size) TRAP("out of bounds memory access");
  if (n > 0) std::memset(mem_base + dst, val, n);
  NEXT();
}

// ---- Numeric ---------------------------------------------------------------
#include "kernel/vm/interpreter_numeric.inc"

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
#undef SAVE
#undef TRAP
#undef RELOAD_MEMORY
}

}  // namespace shoal::vm
