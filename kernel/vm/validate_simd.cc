// Validation of the fixed-width SIMD instructions (0xFD prefix).
//
// Every SIMD instruction has a fixed signature (simd_opcodes.def); what is
// left to check by hand are the immediates: the memory argument (a memory
// must exist, alignment at most natural), lane indices below the lane count
// of the vector shape, and shuffle lanes below 32 (two vectors of 16).

#include <string>

#include "kernel/vm/opcodes.h"
#include "kernel/vm/validate_function.h"
#include "kernel/vm/validate_signatures.h"

namespace shoal::vm {

bool FunctionValidator::ValidateSimd() {
  if (!reader_.ReadU32(&op_sub_)) return Malformed(reader_.error());
  ImmKind kind;
  if (!OpFDImmediates(op_sub_, &kind)) {
    return Malformed("illegal opcode", "0xfd " + std::to_string(op_sub_));
  }
  const OpSignature& sig = kFDSignatures[op_sub_];
  switch (kind) {
    case ImmKind::kNone:
      break;
    case ImmKind::kMem:
      if (!ReadSimdMemArg(sig.natural_align)) return false;
      break;
    case ImmKind::kMemLane:
      if (!ReadSimdMemArg(sig.natural_align) || !ReadLaneIndex(sig.lane_count)) return false;
      break;
    case ImmKind::kLane:
      if (!ReadLaneIndex(sig.lane_count)) return false;
      break;
    case ImmKind::kV128:
      if (!reader_.Skip(16)) return Malformed(reader_.error());
      break;
    case ImmKind::kShuffle:
      for (int i = 0; i < 16; ++i) {
        if (!ReadLaneIndex(32)) return false;
      }
      break;
    default:
      return Malformed("illegal opcode", "0xfd " + std::to_string(op_sub_));
  }
  for (int i = sig.param_count - 1; i >= 0; --i) {
    if (!Pop(sig.params[i])) return false;
  }
  if (sig.has_result) Push(sig.result);
  return true;
}

bool FunctionValidator::ReadSimdMemArg(uint8_t natural_align) {
  uint32_t align, offset;
  if (!reader_.ReadU32(&align) || !reader_.ReadU32(&offset)) return Malformed(reader_.error());
  if (!HaveMemory()) return false;
  if (align > natural_align) {
    return Invalid("alignment must not be larger than natural",
                   "2^" + std::to_string(align) + " bytes");
  }
  return true;
}

bool FunctionValidator::ReadLaneIndex(uint8_t lane_count) {
  uint8_t lane;
  if (!reader_.ReadU8(&lane)) return Malformed(reader_.error());
  if (lane >= lane_count) {
    return Invalid("invalid lane index",
                   std::to_string(lane) + " >= " + std::to_string(lane_count) + " lanes");
  }
  return true;
}

}  // namespace shoal::vm
