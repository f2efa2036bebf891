// libFuzzer target: decode and validate arbitrary bytes.
//
// The contract under test is the decoder's and validator's: any input yields
// a Module or an Error, never a crash, an abort, a sanitizer report or an
// unbounded allocation. Build and run with tests/fuzz/build-and-run.sh.
#include <cstddef>
#include <cstdint>
#include <span>

#include "kernel/vm/decoder.h"
#include "kernel/vm/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace shoal;
  using namespace shoal::vm;
  Result<Module> module = DecodeModule(std::span<const uint8_t>(data, size));
  if (!module.ok()) return 0;
  // Whatever decodes must describe ranges inside its own bytes; the later
  // stages rely on it without checking again.
  const Module& m = *module;
  for (const FunctionBody& f : m.functions) {
    if (uint64_t(f.code_offset) + f.code_size > m.bytes.size()) __builtin_trap();
  }
  for (const DataSegment& d : m.data) {
    if (uint64_t(d.data_offset) + d.data_size > m.bytes.size()) __builtin_trap();
  }
  (void)ValidateModule(m);
  return 0;
}
