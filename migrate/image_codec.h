// The process image as bytes (docs/migration.md, "The process image").
//
// An image is a fixed 56-byte header followed by the payload, one unpacked
// Cap'n Proto message (proto/image.capnp) in flat-array form:
//
//   offset  size  field
//        0     8  magic "SHOALIMG"
//        8     4  format version, little-endian (kImageFormatVersion)
//       12     4  reserved, 0
//       16     8  payload length in bytes, little-endian
//       24    32  SHA-256 of the payload
//       56     n  payload
//
// Linear memory travels as runs of non-zero 4 KiB pages (all-zero pages are
// left out), each run compressed with zstd when that makes it smaller. When
// the memories went ahead in pre-copy rounds (ProcessImage::memories_ahead),
// the message says so (memoriesAhead) and each memory carries its size and
// only the pages written since the last round, all-zero ones as zero runs
// (migrate/page_runs.h).
//
// Thread: every function here is thread-safe and keeps no state.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/proc/process_image.h"

namespace shoal::migrate {

inline constexpr uint32_t kImageFormatVersion = 2;
inline constexpr size_t kImageHeaderSize = 56;

struct EncodeOptions {
  // False: the image carries only the module's hash (the receiver has the
  // bytes).
  bool include_module = true;
  // True (the wire): each kObject handle gets capIndex 0, 1, 2... in handle
  // order, and its capability travels next to the image. False (a file): an
  // image with any kObject handle is refused with kNotSupported.
  bool allow_live_objects = false;
  // zstd level for memory page runs; 0: never compress.
  int zstd_level = 1;
};

struct DecodeOptions {
  // The most linear memory, summed over the image's memories, that decoding
  // may allocate (kNoMemory beyond it): a receiver that will not hold a
  // process this large says so before the image costs it anything. A memory
  // that went ahead counts the pages its delta carries, not its size, which
  // the receiver holds already.
  uint64_t max_memory_bytes = uint64_t{4} << 30;
};

// Errors: kNotSupported for a live object in file mode (naming the handle
// and its type); kInvalidArgs when the image cannot be written (a memory
// that is not whole Wasm pages, a delta whose pages are not ascending, past
// its memory or not matched by its bytes, whole memories beside
// memories_ahead, a module or console over Cap'n Proto's 512 MiB per blob).
Result<std::vector<uint8_t>> EncodeImage(const kernel::ProcessImage& image,
                                         const EncodeOptions& options = {});

// Reads an image that `bytes` holds exactly. Every kObject handle comes back
// with object == nullptr: the caller fills it in from the capabilities that
// travelled with the image, the i-th kObject handle (in handle order) taking
// the i-th capability, which is its capIndex.
//
// The bytes are untrusted. Errors, the first that applies winning:
// kMalformed for anything but an image ("not a Shoal process image"), a
// format version other than kImageFormatVersion, a truncated image, a
// payload whose SHA-256 is not the header's ("corrupt: ..."), a payload that
// is not a Cap'n Proto message, or one that contradicts itself (an enum value
// out of range, memory page runs out of order or past their memory, a zero
// run with bytes, a module whose hash is not moduleSha256, ...); kNoMemory
// for memories over options.max_memory_bytes. An image whose memories went
// ahead comes back with memories_ahead set (one delta per memory, the pages
// its runs cover) and instance.memories empty.
// What only the module can tell (function indices, frame types) is left to
// the kernel's RestoreInstance and RestoreThread.
Result<kernel::ProcessImage> DecodeImage(std::span<const uint8_t> bytes,
                                         const DecodeOptions& options = {});

// An image whose payload is `payload`, taken as it is: the header and hash
// put around it. For tests and the fuzzer, which build payloads that
// EncodeImage would never write.
std::vector<uint8_t> FrameImagePayload(std::span<const uint8_t> payload);

// The SHA-256 of `bytes` (OpenSSL).
kernel::Sha256 HashBytes(std::span<const uint8_t> bytes);

}  // namespace shoal::migrate
