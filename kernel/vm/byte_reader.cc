#include "kernel/vm/byte_reader.h"

namespace shoal::vm {

bool ByteReader::ReadName(std::string* out) {
  uint32_t len;
  std::span<const uint8_t> bytes;
  if (!ReadU32(&len) || !ReadBytes(len, &bytes)) return false;
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!IsValidUtf8(text)) return Fail("malformed UTF-8 encoding");
  out->assign(text);
  return true;
}

bool IsValidUtf8(std::string_view bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    const uint8_t b0 = uint8_t(bytes[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((b0 & 0xe0) == 0xc0) {
      len = 2;
      cp = b0 & 0x1f;
    } else if ((b0 & 0xf0) == 0xe0) {
      len = 3;
      cp = b0 & 0x0f;
    } else if ((b0 & 0xf8) == 0xf0) {
      len = 4;
      cp = b0 & 0x07;
    } else {
      return false;
    }
    if (i + len > bytes.size()) return false;
    for (int k = 1; k < len; ++k) {
      const uint8_t b = uint8_t(bytes[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3f);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

}  // namespace shoal::vm
