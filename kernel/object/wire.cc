#include "kernel/object/wire.h"

#include <cstring>

namespace shoal::kernel::wire {

std::vector<uint8_t> ToBytes(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

Result<kj::Array<capnp::word>> AlignedCopy(std::span<const uint8_t> bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty()) {
    return MakeError(Status::kMalformed, "message size " + std::to_string(bytes.size()) +
                                             " is not a positive multiple of 8");
  }
  auto words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

}  // namespace shoal::kernel::wire
