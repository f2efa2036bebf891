// shoal-simd-check: checks kernel/vm/simd.h against the spec's SIMD tests
// without the interpreter.
//
//   shoal-simd-check [-v] [--wast2json PATH] FILE.wast...
//
// Until the interpreter runs SIMD, this evaluates the exported functions of
// each module that are straight-line code (locals, reads of constant globals,
// scalar and v128 constants, i32.add, i64.load, drop and SIMD instructions, with a private linear
// memory filled from the module's active data segments) and compares every
// assert_return on them with the expected values. Other functions and
// commands are counted as skipped. A development tool: delete it once the
// interpreter passes the simd_*.wast files.
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kernel/vm/byte_reader.h"
#include "kernel/vm/decoder.h"
#include "kernel/vm/opcodes.h"
#include "kernel/vm/simd.h"
#include "kernel/vm/validate_signatures.h"
#include "tools/spec/commands.h"
#include "tools/spec/spec_value.h"
#include "tools/spec/wast2json.h"

namespace shoal::spec {
namespace {

using vm::Value;
using vm::simd::V128;

struct Machine {
  std::vector<Value> stack;
  std::vector<uint8_t> memory;
  const uint8_t* imm16 = nullptr;  // v128.const / shuffle bytes.
  uint8_t lane = 0;
  uint32_t offset = 0;
  uint32_t access = 0;  // Bytes a memory instruction touches.
  bool trapped = false;
  vm::ImmKind kind = vm::ImmKind::kNone;

  Value Pop() {
    Value v = stack.back();
    stack.pop_back();
    return v;
  }
  V128 PopV() {
    Value v = Pop();
    return {v.lo, v.hi};
  }
  uint32_t PopI() { return Pop().i32(); }
  uint64_t PopL() { return Pop().i64(); }
  float PopF() { return Pop().f32(); }
  double PopD() { return Pop().f64(); }
  void Push(V128 v) { stack.push_back(Value::V128(v.lo, v.hi)); }
  void PushI(uint32_t v) { stack.push_back(Value::I32(v)); }
  void PushL(uint64_t v) { stack.push_back(Value::I64(v)); }
  void PushF(float v) { stack.push_back(Value::F32(v)); }
  void PushD(double v) { stack.push_back(Value::F64(v)); }
  uint8_t* At(uint32_t addr) {
    const uint64_t ea = uint64_t(addr) + offset;
    if (ea + access > memory.size()) {
      trapped = true;
      return nullptr;
    }
    return memory.data() + ea;
  }
};

namespace simd = vm::simd;

void Run(simd::Fn_None_X_X* f, Machine& m) {
  V128 a = m.PopV();
  m.Push(f(a));
}
void Run(simd::Fn_None_X_XX* f, Machine& m) {
  V128 b = m.PopV(), a = m.PopV();
  m.Push(f(a, b));
}
void Run(simd::Fn_None_X_XXX* f, Machine& m) {
  V128 c = m.PopV(), b = m.PopV(), a = m.PopV();
  m.Push(f(a, b, c));
}
void Run(simd::Fn_None_I_X* f, Machine& m) { m.PushI(f(m.PopV())); }
void Run(simd::Fn_None_X_XI* f, Machine& m) {
  uint32_t n = m.PopI();
  V128 a = m.PopV();
  m.Push(f(a, n));
}
void Run(simd::Fn_None_X_I* f, Machine& m) { m.Push(f(m.PopI())); }
void Run(simd::Fn_None_X_L* f, Machine& m) { m.Push(f(m.PopL())); }
void Run(simd::Fn_None_X_F* f, Machine& m) { m.Push(f(m.PopF())); }
void Run(simd::Fn_None_X_D* f, Machine& m) { m.Push(f(m.PopD())); }
void Run(simd::Fn_Lane_I_X* f, Machine& m) { m.PushI(f(m.PopV(), m.lane)); }
void Run(simd::Fn_Lane_L_X* f, Machine& m) { m.PushL(f(m.PopV(), m.lane)); }
void Run(simd::Fn_Lane_F_X* f, Machine& m) { m.PushF(f(m.PopV(), m.lane)); }
void Run(simd::Fn_Lane_D_X* f, Machine& m) { m.PushD(f(m.PopV(), m.lane)); }
void Run(simd::Fn_Lane_X_XI* f, Machine& m) {
  uint32_t x = m.PopI();
  V128 a = m.PopV();
  m.Push(f(a, x, m.lane));
}
void Run(simd::Fn_Lane_X_XL* f, Machine& m) {
  uint64_t x = m.PopL();
  V128 a = m.PopV();
  m.Push(f(a, x, m.lane));
}
void Run(simd::Fn_Lane_X_XF* f, Machine& m) {
  float x = m.PopF();
  V128 a = m.PopV();
  m.Push(f(a, x, m.lane));
}
void Run(simd::Fn_Lane_X_XD* f, Machine& m) {
  double x = m.PopD();
  V128 a = m.PopV();
  m.Push(f(a, x, m.lane));
}
// Fn_Mem_X_I is also Fn_V128_X_ (both take a byte pointer): told apart by kind.
void Run(simd::Fn_Mem_X_I* f, Machine& m) {
  if (m.kind == vm::ImmKind::kV128) return m.Push(f(m.imm16));
  uint8_t* p = m.At(m.PopI());
  if (p) m.Push(f(p));
}
void Run(simd::Fn_Mem_V_IX* f, Machine& m) {
  V128 v = m.PopV();
  uint8_t* p = m.At(m.PopI());
  if (p) f(p, v);
}
void Run(simd::Fn_MemLane_X_IX* f, Machine& m) {
  V128 v = m.PopV();
  uint8_t* p = m.At(m.PopI());
  if (p) m.Push(f(p, v, m.lane));
}
void Run(simd::Fn_MemLane_V_IX* f, Machine& m) {
  V128 v = m.PopV();
  uint8_t* p = m.At(m.PopI());
  if (p) f(p, v, m.lane);
}
void Run(simd::Fn_Shuffle_X_XX* f, Machine& m) {
  V128 b = m.PopV(), a = m.PopV();
  m.Push(f(a, b, m.imm16));
}

// Runs one SIMD instruction whose sub-opcode was read; false if unknown.
bool RunSimd(uint32_t sub, vm::ByteReader& r, Machine& m) {
  vm::ImmKind kind;
  if (!vm::OpFDImmediates(sub, &kind)) return false;
  const vm::OpSignature& sig = vm::kFDSignatures[sub];
  m.kind = kind;
  uint32_t align = 0;
  std::span<const uint8_t> bytes;
  switch (kind) {
    case vm::ImmKind::kMem:
    case vm::ImmKind::kMemLane:
      if (!r.ReadU32(&align) || !r.ReadU32(&m.offset)) return false;
      m.access = 1u << sig.natural_align;
      if (kind == vm::ImmKind::kMemLane && !r.ReadU8(&m.lane)) return false;
      break;
    case vm::ImmKind::kLane:
      if (!r.ReadU8(&m.lane)) return false;
      break;
    case vm::ImmKind::kV128:
    case vm::ImmKind::kShuffle:
      if (!r.ReadBytes(16, &bytes)) return false;
      m.imm16 = bytes.data();
      break;
    default:
      break;
  }
  switch (vm::OpFD(sub)) {
#define OP_FD(ident, text, code, imm, sig) \
  case vm::OpFD::k_##ident:                \
    Run(simd::ident, m);                   \
    return true;
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
  }
  return false;
}

enum class Outcome { kOk, kTrap, kUnsupported };

Outcome Call(const vm::Module& module, uint32_t func_index, const std::vector<Value>& args,
             std::vector<uint8_t>* memory, std::vector<Value>* results) {
  if (func_index < module.imported_funcs) return Outcome::kUnsupported;
  const vm::FunctionBody& body = module.functions[func_index - module.imported_funcs];
  vm::ByteReader r(module.code(body), body.code_offset);
  std::vector<Value> locals = args;
  for (vm::ValType t : body.locals) locals.push_back(Value{t, 0, 0});
  Machine m;
  m.memory = std::move(*memory);
  struct GiveBack {  // Memory outlives the call: later commands see its stores.
    Machine& m;
    std::vector<uint8_t>* memory;
    ~GiveBack() { *memory = std::move(m.memory); }
  } give_back{m, memory};
  while (true) {
    uint8_t op;
    if (!r.ReadU8(&op)) return Outcome::kUnsupported;
    switch (op) {
      case 0x0b:
        if (!r.at_end()) return Outcome::kUnsupported;
        *results = m.stack;
        return Outcome::kOk;
      case 0x1a:
        m.Pop();
        break;
      case 0x20:
      case 0x21:
      case 0x22: {
        uint32_t i;
        if (!r.ReadU32(&i) || i >= locals.size()) return Outcome::kUnsupported;
        if (op != 0x20) locals[i] = m.Pop();
        if (op != 0x21) m.stack.push_back(locals[i]);
        break;
      }
      case 0x23: {  // Immutable globals only: their initial constant.
        uint32_t i;
        if (!r.ReadU32(&i) || i < module.imported_globals) return Outcome::kUnsupported;
        const vm::Global& g = module.globals[i - module.imported_globals];
        if (g.init.kind == vm::ConstExpr::Kind::kGlobalGet ||
            g.type.mutability == vm::Mutability::kVar) {
          return Outcome::kUnsupported;
        }
        m.stack.push_back(Value{g.type.type, g.init.bits[0], g.init.bits[1]});
        break;
      }
      case 0x29: {  // i64.load
        uint32_t align;
        if (!r.ReadU32(&align) || !r.ReadU32(&m.offset)) return Outcome::kUnsupported;
        m.access = 8;
        uint8_t* p = m.At(m.PopI());
        if (!p) return Outcome::kTrap;
        uint64_t v;
        std::memcpy(&v, p, 8);
        m.PushL(v);
        break;
      }
      case 0x41: {
        int32_t v;
        if (!r.ReadS32(&v)) return Outcome::kUnsupported;
        m.PushI(uint32_t(v));
        break;
      }
      case 0x42: {
        int64_t v;
        if (!r.ReadS64(&v)) return Outcome::kUnsupported;
        m.PushL(uint64_t(v));
        break;
      }
      case 0x43: {
        uint32_t v;
        if (!r.ReadFixed32(&v)) return Outcome::kUnsupported;
        m.stack.push_back(Value::F32Bits(v));
        break;
      }
      case 0x44: {
        uint64_t v;
        if (!r.ReadFixed64(&v)) return Outcome::kUnsupported;
        m.stack.push_back(Value::F64Bits(v));
        break;
      }
      case 0x6a: {
        uint32_t b = m.PopI(), a = m.PopI();
        m.PushI(a + b);
        break;
      }
      case 0xfd: {
        uint32_t sub;
        if (!r.ReadU32(&sub) || !RunSimd(sub, r, m)) return Outcome::kUnsupported;
        if (m.trapped) return Outcome::kTrap;
        break;
      }
      default:
        return Outcome::kUnsupported;
    }
  }
}

// The module's initial memory: min pages (at most 1 here) and active data.
// Memory persists from one call to the next, as in an instance.
bool InitialMemory(const vm::Module& module, std::vector<uint8_t>* out) {
  out->clear();
  if (module.memories.empty()) return true;
  if (module.memories[0].limits.min > 1) return false;
  out->assign(module.memories[0].limits.min * vm::kPageSize, 0);
  for (const vm::DataSegment& d : module.data) {
    if (d.mode != vm::SegmentMode::kActive) continue;
    if (d.offset.kind != vm::ConstExpr::Kind::kI32Const) return false;
    const uint64_t at = uint32_t(d.offset.bits[0]);
    if (at + d.data_size > out->size()) return false;
    std::memcpy(out->data() + at, module.bytes.data() + d.data_offset, d.data_size);
  }
  return true;
}

struct Counts {
  int passed = 0, failed = 0, skipped = 0;
};

Counts CheckFile(const std::string& wast, const std::string& wast2json, bool verbose) {
  Counts c;
  auto tmp = TempDir::Create();
  if (!tmp.ok()) return {0, 1, 0};
  const std::string json = tmp->path() + "/x.json";
  if (!RunWast2Json(wast2json, wast, json).ok()) return {0, 1, 0};
  FILE* f = std::fopen(json.c_str(), "rb");
  std::string text;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
  std::fclose(f);
  auto commands = ParseCommands(text);
  if (!commands.ok()) return {0, 1, 0};
  std::unique_ptr<vm::Module> current;
  std::vector<uint8_t> memory;
  bool memory_ok = false;
  for (const Command& cmd : *commands) {
    if (cmd.type == CommandType::kModule) {
      current.reset();
      FILE* mf = std::fopen((tmp->path() + "/" + cmd.filename).c_str(), "rb");
      if (!mf) continue;
      std::vector<uint8_t> bytes;
      while ((n = std::fread(buf, 1, sizeof buf, mf)) > 0) bytes.insert(bytes.end(), buf, buf + n);
      std::fclose(mf);
      auto m = vm::DecodeModule(bytes);
      if (!m.ok()) continue;
      current = std::make_unique<vm::Module>(std::move(*m));
      memory_ok = InitialMemory(*current, &memory);
      continue;
    }
    const bool is_return = cmd.type == CommandType::kAssertReturn;
    const bool is_trap = cmd.type == CommandType::kAssertTrap && cmd.has_action;
    if (!is_return && !is_trap) continue;
    if (!current || !memory_ok || !cmd.action.module.empty() ||
        cmd.action.kind != Action::Kind::kInvoke) {
      ++c.skipped;
      continue;
    }
    const vm::Export* e = nullptr;
    for (const vm::Export& x : current->exports) {
      if (x.name == cmd.action.field && x.kind == vm::ExternKind::kFunc) e = &x;
    }
    std::vector<Value> results;
    Outcome o =
        e ? Call(*current, e->index, cmd.action.args, &memory, &results) : Outcome::kUnsupported;
    if (o == Outcome::kUnsupported) {
      ++c.skipped;
      continue;
    }
    bool ok = false;
    std::string got;
    if (is_trap) {
      ok = o == Outcome::kTrap;
      got = o == Outcome::kTrap ? "trap" : "no trap";
    } else if (o == Outcome::kOk && results.size() == cmd.expected.size()) {
      ok = true;
      for (size_t i = 0; i < results.size(); ++i) {
        ok = ok && Matches(cmd.expected[i], results[i]);
        got += FormatValue(results[i]) + " ";
      }
    } else {
      got = o == Outcome::kTrap ? "trap" : "wrong result count";
    }
    if (ok) {
      ++c.passed;
    } else {
      ++c.failed;
      if (verbose) {
        std::string want;
        for (const ExpectedValue& x : cmd.expected) want += FormatExpected(x) + " ";
        std::printf("%s:%u: %s: got %s, expected %s\n", wast.c_str(), cmd.line,
                    cmd.action.field.c_str(), got.c_str(),
                    is_trap ? cmd.text.c_str() : want.c_str());
      }
    }
  }
  return c;
}

}  // namespace
}  // namespace shoal::spec

int main(int argc, char** argv) {
  bool verbose = false;
  std::string wast2json = "wast2json";
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "-v") == 0) {
      verbose = true;
    } else if (std::strcmp(argv[i], "--wast2json") == 0 && i + 1 < argc) {
      wast2json = argv[++i];
    } else {
      files.push_back(argv[i]);
    }
  }
  shoal::spec::Counts total;
  for (const std::string& f : files) {
    shoal::spec::Counts c = shoal::spec::CheckFile(f, wast2json, verbose);
    std::printf("%s: %d passed, %d failed, %d skipped\n", f.c_str(), c.passed, c.failed, c.skipped);
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  }
  std::printf("%d passed, %d failed, %d skipped\n", total.passed, total.failed, total.skipped);
  return total.failed == 0 ? 0 : 1;
}
