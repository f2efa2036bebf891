// The "name" custom section (Wasm 2.0, appendix 7.4.1): only the function
// names subsection is used, for messages and traps.
#include <string>

#include "kernel/vm/decoder_sections.h"

namespace shoal::vm::decoder {

namespace {

constexpr uint8_t kFunctionNamesSubsection = 1;

// Reads a name map of function names into `module.func_names`.
void ReadFunctionNames(ByteReader& r, Module& module) {
  uint32_t count;
  if (!ReadCount(r, &count)) return;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t index;
    std::string name;
    if (!r.ReadU32(&index) || !ReadName(r, &name)) return;
    if (index < module.func_names.size()) module.func_names[index] = std::move(name);
  }
}

}  // namespace

void DecodeNameSection(Module& module, const CustomSection& section) {
  ByteReader r(
      std::span<const uint8_t>(module.bytes).subspan(section.data_offset, section.data_size),
      section.data_offset);
  while (r.ok() && !r.at_end()) {
    uint8_t id;
    uint32_t size;
    std::span<const uint8_t> contents;
    if (!r.ReadU8(&id) || !r.ReadU32(&size)) return;
    const uint32_t contents_offset = r.offset();
    if (!r.ReadBytes(size, &contents)) return;
    if (id == kFunctionNamesSubsection) {
      ByteReader sub(contents, contents_offset);
      ReadFunctionNames(sub, module);
      return;
    }
  }
}

}  // namespace shoal::vm::decoder
