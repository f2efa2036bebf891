// FunctionValidator: type-checks one function body with the spec's algorithm
// (Validation appendix): an operand stack of value types, where kUnknownType
// stands for any type once code is unreachable, and a control stack of frames.
//
// Both stacks live on the heap and are reused from one body to the next, so
// deep nesting cannot overflow the host stack and the common path allocates
// nothing per instruction.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/byte_reader.h"
#include "kernel/vm/validate_context.h"

namespace shoal::vm {

class FunctionValidator {
 public:
  // `context` must outlive the validator.
  explicit FunctionValidator(const ValidationContext& context) : ctx_(context) {}

  // Validates defined function `defined_index` (0 is the first non-imported
  // function). Errors name the function by its index-space number.
  VoidResult Validate(uint32_t defined_index);

 private:
  // One entry of the control stack.
  struct Frame {
    uint8_t opcode = 0;  // block, loop, if, else; 0 for the function itself.
    std::span<const ValType> params;
    std::span<const ValType> results;
    uint32_t height = 0;  // Operand stack height when the frame was entered.
    bool unreachable = false;
    std::span<const ValType> label_types() const { return opcode == 0x03 ? params : results; }
  };

  // Immediates decoded by the generic path (meaning depends on the ImmKind).
  struct Immediates {
    uint32_t a = 0;
    uint32_t b = 0;
  };

  bool ValidateInstruction();
  bool ValidateSpecial(uint8_t opcode, const Immediates& imm);
  bool ValidateSpecialFC(uint32_t sub, const Immediates& imm);
  // The 0xFD (SIMD) instructions, after the prefix byte (validate_simd.cc).
  bool ValidateSimd();
  bool ReadSimdMemArg(uint8_t natural_align);
  bool ReadLaneIndex(uint8_t lane_count);
  bool ReadImmediates(uint8_t kind, Immediates* imm);
  bool ReadBlockType(std::span<const ValType>* params, std::span<const ValType>* results);
  bool ReadValType(ValType* out);
  bool ReadZeroByte();
  bool ValidateBrTable();
  bool ValidateSelect(bool typed);
  bool EndFrame(uint8_t opcode);

  // Operand stack operations; each returns false after recording an error.
  void Push(ValType type) { vals_.push_back(type); }
  void PushTypes(std::span<const ValType> types) {
    vals_.insert(vals_.end(), types.begin(), types.end());
  }
  bool PopAny(ValType* actual);
  bool Pop(ValType expected, ValType* actual = nullptr);
  bool PopTypes(std::span<const ValType> types);
  // Checks that the top of the stack matches `types` without popping.
  bool PeekTypes(std::span<const ValType> types);
  void SetUnreachable();
  void PushFrame(uint8_t opcode, std::span<const ValType> params, std::span<const ValType> results);

  bool LabelFrame(uint32_t depth, const Frame** out);
  bool LocalType(uint32_t index, ValType* out);
  bool HaveMemory();

  // Record the first error; always return false.
  bool Invalid(std::string_view rule, const std::string& detail = "");
  bool Malformed(std::string_view rule, const std::string& detail = "");
  bool Fail(Status status, std::string_view rule, const std::string& detail);
  bool Mismatch(ValType expected, ValType actual);
  std::string CurrentOpName() const;

  const ValidationContext& ctx_;
  const Module* module_ = nullptr;
  ByteReader reader_{{}};
  uint32_t func_index_ = 0;
  const FuncType* func_type_ = nullptr;
  const FunctionBody* body_ = nullptr;
  uint32_t op_offset_ = 0;
  uint8_t op_ = 0;
  uint32_t op_sub_ = 0;  // Sub-opcode after a 0xFC or 0xFD prefix.
  bool finished_ = false;
  std::vector<ValType> vals_;
  std::vector<Frame> ctrls_;
  Error error_;
  bool failed_ = false;
};

}  // namespace shoal::vm
