#include "tools/spec/spec_value.h"

#include <charconv>
#include <cstdio>
#include <cstring>

namespace shoal::spec {
namespace {

using vm::ValType;
using vm::Value;

uint64_t WidthMask(int bits) { return bits >= 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1; }

std::string_view LaneTypeName(LaneType lane) {
  switch (lane) {
    case LaneType::kI8:
      return "i8";
    case LaneType::kI16:
      return "i16";
    case LaneType::kI32:
      return "i32";
    case LaneType::kI64:
      return "i64";
    case LaneType::kF32:
      return "f32";
    case LaneType::kF64:
      return "f64";
  }
  return "?";
}

int ScalarBits(ValType type) { return (type == ValType::kI32 || type == ValType::kF32) ? 32 : 64; }

bool IsFloat(ValType type) { return type == ValType::kF32 || type == ValType::kF64; }

// Parses one lane or scalar, allowing NaN patterns when `allow_nan` is set.
Result<ExpectedLane> ParseLane(std::string_view text, int bits, bool is_float, bool allow_nan) {
  if (text == "nan:canonical" || text == "nan:arithmetic") {
    if (!is_float || !allow_nan) {
      return MakeError(Status::kInvalidArgs, "NaN pattern not allowed here: " + std::string(text));
    }
    return ExpectedLane{text == "nan:canonical" ? NanPattern::kCanonical : NanPattern::kArithmetic,
                        0};
  }
  uint64_t value = TRY(ParseBits(text, bits));
  return ExpectedLane{NanPattern::kNone, value};
}

std::string FloatString(uint64_t bits, int width) {
  char buf[64];
  if (width == 32) {
    uint32_t b = uint32_t(bits);
    float f;
    std::memcpy(&f, &b, sizeof f);
    std::snprintf(buf, sizeof buf, "%.9g", double(f));
  } else {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    std::snprintf(buf, sizeof buf, "%.17g", d);
  }
  return buf;
}

std::string BitsString(uint64_t bits, bool is_float, int width) {
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%llx", static_cast<unsigned long long>(bits));
  if (is_float) return FloatString(bits, width) + " (" + hex + ")";
  return std::to_string(bits) + " (" + hex + ")";
}

std::string PatternString(const ExpectedLane& lane, bool is_float, int width) {
  switch (lane.nan) {
    case NanPattern::kCanonical:
      return "nan:canonical";
    case NanPattern::kArithmetic:
      return "nan:arithmetic";
    case NanPattern::kNone:
      break;
  }
  return BitsString(lane.bits, is_float, width);
}

bool MatchLane(const ExpectedLane& expected, uint64_t actual, int width) {
  if (expected.nan == NanPattern::kNone) return expected.bits == (actual & WidthMask(width));
  return MatchesNan(expected.nan, actual, width);
}

}  // namespace

int LaneCount(LaneType lane) { return 128 / LaneBits(lane); }

int LaneBits(LaneType lane) {
  switch (lane) {
    case LaneType::kI8:
      return 8;
    case LaneType::kI16:
      return 16;
    case LaneType::kI32:
    case LaneType::kF32:
      return 32;
    case LaneType::kI64:
    case LaneType::kF64:
      return 64;
  }
  return 32;
}

bool IsFloatLane(LaneType lane) { return lane == LaneType::kF32 || lane == LaneType::kF64; }

Result<uint64_t> ParseBits(std::string_view text, int bits) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 10);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return MakeError(Status::kInvalidArgs, "not an unsigned number: \"" + std::string(text) + "\"");
  }
  if (bits < 64 && value > WidthMask(bits)) {
    return MakeError(Status::kInvalidArgs,
                     std::string(text) + " does not fit in " + std::to_string(bits) + " bits");
  }
  return value;
}

Result<ValType> ParseValType(std::string_view name) {
  if (name == "i32") return ValType::kI32;
  if (name == "i64") return ValType::kI64;
  if (name == "f32") return ValType::kF32;
  if (name == "f64") return ValType::kF64;
  if (name == "v128") return ValType::kV128;
  if (name == "funcref") return ValType::kFuncRef;
  if (name == "externref") return ValType::kExternRef;
  return MakeError(Status::kInvalidArgs, "unknown value type \"" + std::string(name) + "\"");
}

Result<LaneType> ParseLaneType(std::string_view name) {
  if (name == "i8") return LaneType::kI8;
  if (name == "i16") return LaneType::kI16;
  if (name == "i32") return LaneType::kI32;
  if (name == "i64") return LaneType::kI64;
  if (name == "f32") return LaneType::kF32;
  if (name == "f64") return LaneType::kF64;
  return MakeError(Status::kInvalidArgs, "unknown lane type \"" + std::string(name) + "\"");
}

Value PackV128(LaneType lane, const std::vector<uint64_t>& lane_bits) {
  const int width = LaneBits(lane);
  uint64_t half[2] = {0, 0};
  for (size_t i = 0; i < lane_bits.size() && int(i) < LaneCount(lane); ++i) {
    const size_t bit = i * width;
    half[bit / 64] |= (lane_bits[i] & WidthMask(width)) << (bit % 64);
  }
  return Value::V128(half[0], half[1]);
}

uint64_t V128Lane(const Value& value, LaneType lane, int index) {
  const int width = LaneBits(lane);
  const int bit = index * width;
  const uint64_t half = bit < 64 ? value.lo : value.hi;
  return (half >> (bit % 64)) & WidthMask(width);
}

Result<Value> MakeArgument(ValType type, LaneType lane, const std::vector<std::string>& value) {
  ExpectedValue parsed = TRY(MakeExpected(type, lane, value));
  if (parsed.any_ref) {
    return MakeError(Status::kInvalidArgs, "a reference argument needs a value");
  }
  for (const ExpectedLane& l : parsed.lanes) {
    if (l.nan != NanPattern::kNone) {
      return MakeError(Status::kInvalidArgs, "NaN pattern used as an argument");
    }
  }
  if (type == ValType::kV128) {
    std::vector<uint64_t> bits;
    for (const ExpectedLane& l : parsed.lanes) bits.push_back(l.bits);
    return PackV128(lane, bits);
  }
  // Numbers are their bit patterns; references are already stored as
  // Value::lo (0 for null, host value + 1 for an externref).
  return Value{type, parsed.lanes[0].bits, 0};
}

Result<ExpectedValue> MakeExpected(ValType type, LaneType lane,
                                   const std::vector<std::string>& value) {
  ExpectedValue out;
  out.type = type;
  out.lane = lane;
  if (vm::IsRefType(type)) {
    if (value.empty()) {
      out.any_ref = true;
      out.lanes.push_back({});
      return out;
    }
    if (value.size() != 1) return MakeError(Status::kInvalidArgs, "a reference has one value");
    if (value[0] == "null") {
      out.lanes.push_back({NanPattern::kNone, 0});
      return out;
    }
    // An externref n is the host value n, stored as n + 1 (0 means null).
    uint64_t host = TRY(ParseBits(value[0], 63));
    out.lanes.push_back({NanPattern::kNone, host + 1});
    return out;
  }
  if (type == ValType::kV128) {
    if (int(value.size()) != LaneCount(lane)) {
      return MakeError(Status::kInvalidArgs, "v128 needs " + std::to_string(LaneCount(lane)) +
                                                 " lanes, got " + std::to_string(value.size()));
    }
    for (const std::string& text : value) {
      out.lanes.push_back(TRY(ParseLane(text, LaneBits(lane), IsFloatLane(lane), true)));
    }
    return out;
  }
  if (value.size() != 1) return MakeError(Status::kInvalidArgs, "a number has one value");
  out.lanes.push_back(TRY(ParseLane(value[0], ScalarBits(type), IsFloat(type), true)));
  return out;
}

bool MatchesNan(NanPattern pattern, uint64_t bits, int bits_width) {
  // Exponent all ones, plus the quiet bit (the payload's top bit).
  const uint64_t exp_quiet = bits_width == 32 ? 0x7fc00000u : 0x7ff8000000000000u;
  const uint64_t magnitude = bits & (bits_width == 32 ? 0x7fffffffu : 0x7fffffffffffffffu);
  switch (pattern) {
    case NanPattern::kCanonical:
      return magnitude == exp_quiet;
    case NanPattern::kArithmetic:
      return (magnitude & exp_quiet) == exp_quiet;
    case NanPattern::kNone:
      return false;
  }
  return false;
}

bool Matches(const ExpectedValue& expected, const Value& actual) {
  if (actual.type != expected.type) return false;
  if (expected.lanes.empty()) return false;
  if (vm::IsRefType(expected.type)) {
    if (expected.any_ref) return !actual.is_null();
    // A funcref's address is the engine's business: the test can only ask
    // for null or non-null (and wast2json has no syntax for a particular one).
    if (expected.type == ValType::kFuncRef && expected.lanes[0].bits != 0) {
      return !actual.is_null();
    }
    return actual.lo == expected.lanes[0].bits;
  }
  if (expected.type == ValType::kV128) {
    if (int(expected.lanes.size()) != LaneCount(expected.lane)) return false;
    for (int i = 0; i < LaneCount(expected.lane); ++i) {
      if (!MatchLane(expected.lanes[i], V128Lane(actual, expected.lane, i),
                     LaneBits(expected.lane))) {
        return false;
      }
    }
    return true;
  }
  const int width = ScalarBits(expected.type);
  if (width == 32 && (actual.lo >> 32) != 0) return false;  // Garbage in the high bits.
  return MatchLane(expected.lanes[0], actual.lo, width);
}

std::string FormatValue(const Value& value) {
  std::string out(vm::ValTypeName(value.type));
  out += ':';
  switch (value.type) {
    case ValType::kI32:
    case ValType::kI64:
    case ValType::kF32:
    case ValType::kF64:
      return out + BitsString(value.lo, IsFloat(value.type), ScalarBits(value.type));
    case ValType::kFuncRef:
      return out + (value.is_null() ? "null" : "func " + std::to_string(value.func_addr()));
    case ValType::kExternRef:
      return out + (value.is_null() ? "null" : std::to_string(value.extern_value()));
    case ValType::kV128: {
      char buf[48];
      std::snprintf(buf, sizeof buf, "0x%016llx%016llx", static_cast<unsigned long long>(value.hi),
                    static_cast<unsigned long long>(value.lo));
      return out + buf;
    }
  }
  return out + "?";
}

std::string FormatExpected(const ExpectedValue& expected) {
  std::string out(vm::ValTypeName(expected.type));
  out += ':';
  if (expected.lanes.empty()) return out + "?";
  if (vm::IsRefType(expected.type)) {
    if (expected.any_ref) return out + "non-null";
    if (expected.lanes[0].bits == 0) return out + "null";
    return out + std::to_string(expected.lanes[0].bits - 1);
  }
  if (expected.type == ValType::kV128) {
    out += LaneTypeName(expected.lane);
    out += 'x' + std::to_string(LaneCount(expected.lane)) + "[";
    for (size_t i = 0; i < expected.lanes.size(); ++i) {
      if (i) out += ' ';
      const ExpectedLane& l = expected.lanes[i];
      if (l.nan != NanPattern::kNone) {
        out += PatternString(l, true, LaneBits(expected.lane));
      } else {
        out += std::to_string(l.bits);
      }
    }
    return out + "]";
  }
  return out + PatternString(expected.lanes[0], IsFloat(expected.type), ScalarBits(expected.type));
}

}  // namespace shoal::spec
