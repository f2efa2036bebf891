// The binary decoder: bytes in, Module out.
//
// Decoding checks the binary format only (magic, version, section order and
// sizes, LEB128 encodings, UTF-8 names, immediates' encodings where the
// structure needs them). Type rules are the validator's job.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/base/result.h"
#include "kernel/vm/module.h"

namespace shoal::vm {

// Decodes a whole module. Never crashes or aborts on any input; on failure
// returns Status::kMalformed with a message naming the byte offset and what is
// wrong, e.g. "at offset 0x1c in section 'code' (function 2): unexpected end".
Result<Module> DecodeModule(std::span<const uint8_t> bytes);

}  // namespace shoal::vm
