#include "kernel/base/byte_size.h"

#include <cctype>
#include <limits>

namespace shoal {

Result<uint64_t> ParseByteSize(std::string_view text) {
  auto bad = [&] {
    return MakeError(Status::kInvalidArgs, "'" + std::string(text) +
                                               "' is not a size (a number of bytes, or with K, "
                                               "M or G: 64K, 256M, 2G)");
  };
  size_t i = 0;
  uint64_t value = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i) {
    uint64_t digit = uint64_t(text[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) return bad();
    value = value * 10 + digit;
  }
  if (i == 0) return bad();
  std::string unit;
  for (; i < text.size(); ++i)
    unit.push_back(char(std::toupper(static_cast<unsigned char>(text[i]))));
  int shift = 0;
  if (unit.empty() || unit == "B") {
    shift = 0;
  } else if (unit == "K" || unit == "KB" || unit == "KIB") {
    shift = 10;
  } else if (unit == "M" || unit == "MB" || unit == "MIB") {
    shift = 20;
  } else if (unit == "G" || unit == "GB" || unit == "GIB") {
    shift = 30;
  } else {
    return bad();
  }
  if (shift > 0 && value > (std::numeric_limits<uint64_t>::max() >> shift)) return bad();
  return value << shift;
}

namespace {

// Largest first.
constexpr struct {
  int shift;
  const char* name;
} kUnits[] = {{30, "GiB"}, {20, "MiB"}, {10, "KiB"}};

}  // namespace

std::string FormatByteSize(uint64_t bytes) {
  for (const auto& unit : kUnits) {
    uint64_t size = uint64_t(1) << unit.shift;
    if (bytes >= size && bytes % size == 0) {
      return std::to_string(bytes / size) + " " + unit.name;
    }
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

std::string FormatByteSizeRounded(uint64_t bytes) {
  for (const auto& unit : kUnits) {
    const uint64_t size = uint64_t(1) << unit.shift;
    if (bytes < size) continue;
    // Tenths, rounded: 1.05 MiB shows as "1.1 MiB".
    const uint64_t tenths = (bytes * 10 + size / 2) / size;
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + " " + unit.name;
  }
  return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
}

}  // namespace shoal
