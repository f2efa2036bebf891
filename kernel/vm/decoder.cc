// PLACEHOLDER until the decoder lands: keeps every target linkable.
#include "kernel/vm/decoder.h"

namespace shoal::vm {

Result<Module> DecodeModule(std::span<const uint8_t> bytes) {
  return MakeError(Status::kNotSupported, "decoder not built yet");
}

}  // namespace shoal::vm
