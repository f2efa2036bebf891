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
// returns Status::kMalformed with a message that starts with the spec's text
// and names the byte offset, e.g. "unexpected end of section or function (at
// offset 0x1c in section 'code', function 2)". A non-constant instruction in
// a constant expression gives Status::kInvalid ("constant expression
// required"), as the spec classes it as a validation error.
Result<Module> DecodeModule(std::span<const uint8_t> bytes);

}  // namespace shoal::vm
