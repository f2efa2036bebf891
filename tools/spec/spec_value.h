// Values in wast2json's JSON and how results are compared against them.
//
// wast2json writes every number as the decimal form of its bit pattern
// ("4294967295" for i32 -1, "2143289344" for an f32 NaN), float results may be
// the patterns "nan:canonical" / "nan:arithmetic", and a v128 is a lane type
// plus one such string per lane. This file turns those into vm::Value
// arguments and ExpectedValue patterns, and matches results against them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/vm/runtime.h"

namespace shoal::spec {

// How one expected scalar (or one v128 lane) is matched.
enum class NanPattern : uint8_t {
  kNone,        // The bits must be equal.
  kCanonical,   // Any NaN whose payload is exactly the canonical one (either sign).
  kArithmetic,  // Any NaN with the payload's top bit set (either sign).
};

// The shape of a v128 as the test writes it: 16 x i8 ... 2 x f64.
enum class LaneType : uint8_t { kI8, kI16, kI32, kI64, kF32, kF64 };

int LaneCount(LaneType lane);
int LaneBits(LaneType lane);
bool IsFloatLane(LaneType lane);

// One expected lane (scalars have exactly one).
struct ExpectedLane {
  NanPattern nan = NanPattern::kNone;
  uint64_t bits = 0;
};

// An expected result. For references, `any_ref` accepts any non-null
// reference (wast2json writes `(ref.extern)` and `(ref.func)` without a value);
// otherwise lanes[0].bits is the Value::lo to match (0 is null).
struct ExpectedValue {
  vm::ValType type = vm::ValType::kI32;
  LaneType lane = LaneType::kI32;  // v128 only.
  std::vector<ExpectedLane> lanes;
  bool any_ref = false;
};

// Parses a scalar bit pattern: unsigned decimal, as wast2json writes it. Fails
// on anything else (including values too wide for `bits`).
Result<uint64_t> ParseBits(std::string_view text, int bits);

// Parses a value type name as wast2json spells it ("i32", "funcref", ...).
Result<vm::ValType> ParseValType(std::string_view name);
Result<LaneType> ParseLaneType(std::string_view name);

// Packs v128 lanes (lane 0 in the lowest bits) into a Value.
vm::Value PackV128(LaneType lane, const std::vector<uint64_t>& lane_bits);
// The bits of lane `index` of a v128 value.
uint64_t V128Lane(const vm::Value& value, LaneType lane, int index);

// Builds an argument value: `value` is the JSON "value" (a string; for v128 the
// lane strings). NaN patterns are not allowed in arguments.
Result<vm::Value> MakeArgument(vm::ValType type, LaneType lane,
                               const std::vector<std::string>& value);
// Builds an expected result. `value` is empty when the JSON had none
// (meaning any non-null reference).
Result<ExpectedValue> MakeExpected(vm::ValType type, LaneType lane,
                                   const std::vector<std::string>& value);

// True if `bits` (f32 when `bits_width` is 32, else f64) matches the pattern.
bool MatchesNan(NanPattern pattern, uint64_t bits, int bits_width);
// True if `actual` has the expected type and matches every lane.
bool Matches(const ExpectedValue& expected, const vm::Value& actual);

// Human-readable forms for failure messages: "i32:42 (0x2a)",
// "f32:nan:canonical", "v128:i32x4[1 2 3 4]", "externref:null".
std::string FormatValue(const vm::Value& value);
std::string FormatExpected(const ExpectedValue& expected);

}  // namespace shoal::spec
