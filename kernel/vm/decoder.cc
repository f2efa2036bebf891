// DecodeModule(): the header, the section loop and the checks that span
// sections. The sections themselves are in decoder_sections.cc and
// decoder_segments.cc, the shared encodings in decoder_primitives.cc.
#include "kernel/vm/decoder.h"

#include <algorithm>
#include <array>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>

#include "kernel/vm/decoder_primitives.h"
#include "kernel/vm/decoder_sections.h"

namespace shoal::vm {

namespace {

using decoder::Decoding;

constexpr std::array<uint8_t, 4> kMagic = {0x00, 0x61, 0x73, 0x6d};  // "\0asm"
constexpr std::array<uint8_t, 4> kVersion = {0x01, 0x00, 0x00, 0x00};

constexpr uint8_t kCustomSectionId = 0;
constexpr uint8_t kCodeSectionId = 10;
constexpr uint8_t kDataSectionId = 11;

// Known sections by id, with their rank in the required order (the data
// count section, id 12, sits between element and code).
struct SectionInfo {
  std::string_view name;
  int rank;
  bool (*decode)(Decoding&);
};

constexpr std::array<SectionInfo, 13> kSections = {{
    {"custom", 0, nullptr},
    {"type", 1, decoder::DecodeTypeSection},
    {"import", 2, decoder::DecodeImportSection},
    {"function", 3, decoder::DecodeFunctionSection},
    {"table", 4, decoder::DecodeTableSection},
    {"memory", 5, decoder::DecodeMemorySection},
    {"global", 6, decoder::DecodeGlobalSection},
    {"export", 7, decoder::DecodeExportSection},
    {"start", 8, decoder::DecodeStartSection},
    {"element", 9, decoder::DecodeElementSection},
    {"code", 11, decoder::DecodeCodeSection},
    {"data", 12, decoder::DecodeDataSection},
    {"data count", 10, decoder::DecodeDataCountSection},
}};

bool ReadHeader(ByteReader& r) {
  std::span<const uint8_t> magic, version;
  if (!r.ReadBytes(kMagic.size(), &magic)) return false;
  if (!std::equal(magic.begin(), magic.end(), kMagic.begin())) {
    return r.FailAt(0, "magic header not detected");
  }
  if (!r.ReadBytes(kVersion.size(), &version)) return false;
  if (!std::equal(version.begin(), version.end(), kVersion.begin())) {
    return r.FailAt(4, "unknown binary version");
  }
  return true;
}

bool DecodeCustomSection(Decoding& d, uint32_t section_end) {
  CustomSection custom;
  if (!decoder::ReadName(d.r, &custom.name)) return false;
  if (d.r.offset() > section_end) {
    return d.r.FailAt(section_end, std::string(decoder::kUnexpectedEndInSection));
  }
  custom.data_offset = d.r.offset();
  custom.data_size = section_end - custom.data_offset;
  d.module.customs.push_back(std::move(custom));
  return d.r.Skip(d.module.customs.back().data_size);
}

// Reads sections until the end of the module.
bool DecodeSections(Decoding& d) {
  ByteReader& r = d.r;
  bool seen[kSections.size()] = {};
  int last_rank = 0;
  while (!r.at_end()) {
    d.section = "";
    const uint32_t id_offset = r.offset();
    uint8_t id;
    if (!r.ReadU8(&id)) return false;
    if (id >= kSections.size()) return r.FailAt(id_offset, "malformed section id");
    const SectionInfo& info = kSections[id];
    if (id != kCustomSectionId) {
      if (seen[id]) {
        return r.FailAt(id_offset, "unexpected content after last section (duplicate " +
                                       std::string(info.name) + " section)");
      }
      if (info.rank < last_rank) {
        return r.FailAt(id_offset, "unexpected content after last section (" +
                                       std::string(info.name) + " section out of order)");
      }
      seen[id] = true;
      last_rank = info.rank;
    }
    d.section = info.name;
    uint32_t size;
    if (!decoder::ReadLength(r, &size)) return false;
    const uint32_t start = r.offset();
    const uint32_t end = start + size;
    const bool decoded = id == kCustomSectionId ? DecodeCustomSection(d, end) : info.decode(d);
    if (!decoded) return false;
    if (r.offset() != end) {
      return r.FailAt(start, std::string(decoder::kSectionSizeMismatch) + " (size " +
                                 std::to_string(size) + ", contents " +
                                 std::to_string(r.offset() - start) + ")");
    }
  }
  d.section = "";

  const Module& m = d.module;
  if (!m.functions.empty() && !seen[kCodeSectionId]) {
    return r.Fail("function and code section have inconsistent lengths (" +
                  std::to_string(m.functions.size()) + " functions, no code section)");
  }
  if (m.has_data_count && m.data_count != 0 && !seen[kDataSectionId]) {
    return r.Fail("data count and data section have inconsistent lengths");
  }
  return true;
}

std::string FormatError(const Decoding& d) {
  std::string message = d.r.error();
  const bool in_section = !d.section.empty();
  if (in_section && message == decoder::kUnexpectedEnd) {
    message = decoder::kUnexpectedEndInSection;
  }
  char where[32];
  std::snprintf(where, sizeof(where), "0x%" PRIx32, d.r.error_offset());
  message += " (at offset ";
  message += where;
  if (in_section) {
    message += " in section '";
    message += d.section;
    message += "'";
    if (d.function >= 0) message += ", function " + std::to_string(d.function);
  }
  message += ")";
  return message;
}

}  // namespace

Result<Module> DecodeModule(std::span<const uint8_t> bytes) {
  if (bytes.size() > std::numeric_limits<uint32_t>::max()) {
    return MakeError(Status::kMalformed, "module too large (more than 4 GiB)");
  }
  Decoding d(bytes);
  if (!ReadHeader(d.r) || !DecodeSections(d)) return MakeError(d.status, FormatError(d));

  Module& m = d.module;
  m.bytes.assign(bytes.begin(), bytes.end());
  m.func_names.resize(m.func_count());
  for (const CustomSection& custom : m.customs) {
    if (custom.name == "name") {
      decoder::DecodeNameSection(m, custom);
      break;
    }
  }
  return std::move(m);
}

}  // namespace shoal::vm
