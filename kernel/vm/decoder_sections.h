// Decoder internals: one function per known section. Each reads the section's
// contents (its id and size are already consumed) from Decoding::r into
// Decoding::module and returns false on error, leaving the message in the
// reader. decoder.cc checks that each consumed exactly the section's size.
#pragma once

#include "kernel/vm/decoder_primitives.h"

namespace shoal::vm::decoder {

bool DecodeTypeSection(Decoding& d);
bool DecodeImportSection(Decoding& d);
bool DecodeFunctionSection(Decoding& d);
bool DecodeTableSection(Decoding& d);
bool DecodeMemorySection(Decoding& d);
bool DecodeGlobalSection(Decoding& d);
bool DecodeExportSection(Decoding& d);
bool DecodeStartSection(Decoding& d);
bool DecodeElementSection(Decoding& d);
bool DecodeDataCountSection(Decoding& d);
// Requires the function section's entries in module.functions (or none).
bool DecodeCodeSection(Decoding& d);
bool DecodeDataSection(Decoding& d);

// Fills module.func_names from the "name" custom section `section`. Best
// effort: names are only for messages, so a malformed name section is
// ignored (names read before the damage are kept) and never fails decoding.
void DecodeNameSection(Module& module, const CustomSection& section);

}  // namespace shoal::vm::decoder
