// Byte sizes as people write them on command lines and in configuration:
// "65536", "64K", "256M", "2G" (binary units: K = KiB, M = MiB, G = GiB; an
// optional trailing "iB" or "B" is accepted, "2GiB", "2GB", any case), and
// back ("256 MiB").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kernel/base/result.h"

namespace shoal {

// kInvalidArgs for anything else (empty, a sign, a fraction, an unknown
// unit, a value that overflows 64 bits), saying what was expected.
Result<uint64_t> ParseByteSize(std::string_view text);

// The largest binary unit that divides `bytes` exactly: "4 GiB", "1536 KiB",
// "100 bytes".
std::string FormatByteSize(uint64_t bytes);
// For amounts shown to people rather than limits: the largest binary unit
// not above `bytes`, to one decimal: "1.1 MiB", "132.0 KiB", "512 bytes".
std::string FormatByteSizeRounded(uint64_t bytes);

}  // namespace shoal
