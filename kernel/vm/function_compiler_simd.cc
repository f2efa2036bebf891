// FunctionCompiler: SIMD (0xFD) instructions. Every row of simd_opcodes.def
// has a fixed signature, so one routine lowers them all: operands where the
// compile-time stack says they are, then the row's immediates.
#include <array>

#include "kernel/vm/function_compiler.h"
#include "kernel/vm/validate_signatures.h"

namespace shoal::vm {

namespace {

// IOp of each SIMD sub-opcode; kCount where none is assigned.
constexpr std::array<IOp, kFDTableSize> MakeFDOps() {
  std::array<IOp, kFDTableSize> ops{};
  for (IOp& op : ops) op = IOp::kCount;
#define OP_FD(ident, name, code, imm, sig) ops[code] = IOp::k_##ident;
#include "kernel/vm/simd_opcodes.def"
#undef OP_FD
  return ops;
}
constexpr std::array<IOp, kFDTableSize> kFDOps = MakeFDOps();

}  // namespace

bool FunctionCompiler::CompileFD() {
  uint32_t sub;
  ImmKind imm;
  if (!r_.ReadU32(&sub) || sub >= kFDTableSize || kFDOps[sub] == IOp::kCount ||
      !OpFDImmediates(sub, &imm)) {
    return false;
  }
  const OpSignature& sig = kFDSignatures[sub];
  uint32_t align = 0, offset = 0;
  uint8_t lane = 0;
  uint64_t bytes[2] = {0, 0};
  switch (imm) {
    case ImmKind::kMem:
      r_.ReadU32(&align);
      r_.ReadU32(&offset);
      break;
    case ImmKind::kMemLane:
      r_.ReadU32(&align);
      r_.ReadU32(&offset);
      r_.ReadU8(&lane);
      break;
    case ImmKind::kLane:
      r_.ReadU8(&lane);
      break;
    case ImmKind::kV128:
    case ImmKind::kShuffle:
      r_.ReadFixed64(&bytes[0]);
      r_.ReadFixed64(&bytes[1]);
      break;
    default:
      break;
  }
  if (!r_.ok() || sig.param_count > 3) return false;

  Entry in[3];
  for (int i = sig.param_count - 1; i >= 0; --i) in[i] = Pop();
  uint32_t slot[3] = {0, 0, 0};
  for (int i = 0; i < sig.param_count; ++i) slot[i] = SlotOf(in[i]);
  const uint32_t dst = height_;
  Emit(kFDOps[sub]);
  if (sig.has_result) {
    Imm(PackSlots(dst, slot[0], slot[1]));
    if (sig.param_count == 3) Imm(PackSlots(slot[2]));
  } else {
    Imm(PackSlots(slot[0], slot[1], slot[2]));
  }
  switch (imm) {
    case ImmKind::kMem:
      Imm(offset);
      Imm(uint64_t(1) << sig.natural_align);
      break;
    case ImmKind::kMemLane:
      Imm(offset);
      Imm(uint64_t(1) << sig.natural_align);
      Imm(lane);
      break;
    case ImmKind::kLane:
      Imm(lane);
      break;
    case ImmKind::kV128:
    case ImmKind::kShuffle:
      Imm(bytes[0]);
      Imm(bytes[1]);
      break;
    default:
      break;
  }
  if (sig.has_result) {
    PushSlot(sig.result);
    MarkResult(dst);
  }
  return true;
}

}  // namespace shoal::vm
