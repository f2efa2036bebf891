// libFuzzer target: the process-image decoder (migrate/image_codec.h).
//
// The first byte of an input says what the rest is. Even: a payload, which
// the target frames with a correct header and hash, so that the fuzzer gets
// past the hash to the Cap'n Proto message and the structural checks. Odd:
// a whole image, header included, for the header's own checks.
//
// The contract under test: any input yields an image or an Error, never a
// crash, a sanitizer report or an allocation past the decoder's memory
// budget; and whatever decodes encodes again (live objects allowed, as on
// the wire), to bytes that decode and encode to the same bytes.
//
// Seeds: with SHOAL_IMAGE_FUZZ_RECORD=DIR the binary instead writes a few
// images built by migrate/sample_images.h into DIR/seed_<name>, in both
// forms, and exits; build-and-run.sh does that before fuzzing.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "migrate/image_codec.h"
#include "migrate/sample_images.h"

namespace {

using namespace shoal;
using namespace shoal::migrate;

// Inputs are small, but the memories they describe need not be.
constexpr DecodeOptions kDecodeOptions{.max_memory_bytes = 16 << 20};
constexpr EncodeOptions kWireOptions{.allow_live_objects = true};

void WriteSeed(const std::string& path, uint8_t form, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary);
  out.put(char(form));
  out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// Each sample as a payload (form 0) and as a whole image (form 1).
void RecordSeeds(const std::string& dir) {
  kernel::ProcessImage rich = SampleImage();
  AddLiveObjects(rich);
  AddObjectsByValue(rich);  // Their handle values are apart.
  kernel::ProcessImage bare;
  bare.module_sha256 = HashBytes({});
  kernel::ProcessImage quiet = SampleImage();
  quiet.pending_poll.reset();
  quiet.instance.memories = {SampleMemory(1)};
  // Pre-copy's final image: memories as deltas, with zero runs.
  kernel::ProcessImage ahead = SampleImageAhead();
  const std::pair<const char*, const kernel::ProcessImage*> samples[] = {
      {"rich", &rich}, {"bare", &bare}, {"quiet", &quiet}, {"ahead", &ahead}};
  for (const auto& [name, image] : samples) {
    Result<std::vector<uint8_t>> bytes = EncodeImage(*image, kWireOptions);
    if (!bytes.ok()) std::abort();
    std::span<const uint8_t> all(*bytes);
    WriteSeed(dir + "/seed_payload_" + name, 0, all.subspan(kImageHeaderSize));
    WriteSeed(dir + "/seed_image_" + name, 1, all);
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("SHOAL_IMAGE_FUZZ_RECORD")) {
    RecordSeeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::span<const uint8_t> rest(data + 1, size - 1);
  std::vector<uint8_t> framed;
  if (data[0] % 2 == 0) {
    framed = FrameImagePayload(rest);
    rest = framed;
  }
  Result<kernel::ProcessImage> image = DecodeImage(rest, kDecodeOptions);
  if (!image.ok()) return 0;
  Result<std::vector<uint8_t>> again = EncodeImage(*image, kWireOptions);
  if (!again.ok()) __builtin_trap();
  Result<kernel::ProcessImage> back = DecodeImage(*again, kDecodeOptions);
  if (!back.ok()) __builtin_trap();
  Result<std::vector<uint8_t>> third = EncodeImage(*back, kWireOptions);
  if (!third.ok() || *third != *again) __builtin_trap();
  return 0;
}
