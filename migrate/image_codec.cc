// The image's header and hash around its Cap'n Proto message
// (image_codec.h).
#include "migrate/image_codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>
#include <kj/io.h>
#include <openssl/evp.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <new>
#include <string>

#include "kernel/base/little_endian.h"
#include "migrate/image_message.h"

namespace shoal::migrate {
namespace {

constexpr char kMagic[8] = {'S', 'H', 'O', 'A', 'L', 'I', 'M', 'G'};
constexpr size_t kVersionOffset = 8;
constexpr size_t kReservedOffset = 12;
constexpr size_t kLengthOffset = 16;
constexpr size_t kHashOffset = 24;
static_assert(kHashOffset + sizeof(kernel::Sha256) == kImageHeaderSize);
static_assert(kImageHeaderSize % sizeof(capnp::word) == 0, "the payload stays word-aligned");

Error Malformed(std::string message) { return MakeError(Status::kMalformed, std::move(message)); }

// Fills in the header of `image`, whose payload follows it.
void WriteHeader(std::span<uint8_t> image) {
  std::span<const uint8_t> payload = image.subspan(kImageHeaderSize);
  std::memcpy(image.data(), kMagic, sizeof kMagic);
  StoreLittleEndian(image.data() + kVersionOffset, kImageFormatVersion, 4);
  StoreLittleEndian(image.data() + kReservedOffset, 0, 4);
  StoreLittleEndian(image.data() + kLengthOffset, payload.size(), 8);
  kernel::Sha256 hash = HashBytes(payload);
  std::memcpy(image.data() + kHashOffset, hash.data(), hash.size());
}

// The checks of the header; returns the payload.
Result<std::span<const uint8_t>> ReadHeader(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    return Malformed("not a Shoal process image: it does not start with \"SHOALIMG\"");
  }
  if (bytes.size() < kImageHeaderSize) {
    return Malformed("truncated: the header is " + std::to_string(kImageHeaderSize) + " bytes, " +
                     std::to_string(bytes.size()) + " present");
  }
  const uint32_t version = uint32_t(LoadLittleEndian(bytes.data() + kVersionOffset, 4));
  if (version != kImageFormatVersion) {
    return Malformed("image format version " + std::to_string(version) +
                     "; this build reads version " + std::to_string(kImageFormatVersion));
  }
  const uint32_t reserved = uint32_t(LoadLittleEndian(bytes.data() + kReservedOffset, 4));
  if (reserved != 0) {
    return Malformed("the header's reserved field is " + std::to_string(reserved) + ", not 0");
  }
  const uint64_t length = LoadLittleEndian(bytes.data() + kLengthOffset, 8);
  const uint64_t present = bytes.size() - kImageHeaderSize;
  if (length > present) {
    return Malformed("truncated: the header says " + std::to_string(length) +
                     " bytes of payload, " + std::to_string(present) + " present");
  }
  if (length < present) {
    return Malformed("the header says " + std::to_string(length) + " bytes of payload, but " +
                     std::to_string(present - length) + " more follow it");
  }
  if (length % sizeof(capnp::word) != 0) {
    return Malformed("the payload is " + std::to_string(length) +
                     " bytes, not a whole number of 8-byte words");
  }
  std::span<const uint8_t> payload = bytes.subspan(kImageHeaderSize);
  kernel::Sha256 expected;
  std::memcpy(expected.data(), bytes.data() + kHashOffset, expected.size());
  if (HashBytes(payload) != expected) {
    return Malformed("corrupt: the SHA-256 of the payload does not match the header");
  }
  return payload;
}

}  // namespace

kernel::Sha256 HashBytes(std::span<const uint8_t> bytes) {
  kernel::Sha256 digest{};
  unsigned int size = 0;
  [[maybe_unused]] int ok =
      EVP_Digest(bytes.data(), bytes.size(), digest.data(), &size, EVP_sha256(), nullptr);
  assert(ok == 1 && size == digest.size());
  return digest;
}

std::vector<uint8_t> FrameImagePayload(std::span<const uint8_t> payload) {
  std::vector<uint8_t> image(kImageHeaderSize + payload.size());
  std::copy(payload.begin(), payload.end(), image.begin() + kImageHeaderSize);
  WriteHeader(image);
  return image;
}

Result<std::vector<uint8_t>> EncodeImage(const kernel::ProcessImage& image,
                                         const EncodeOptions& options) {
  try {
    capnp::MallocMessageBuilder message;
    TRY(WriteImageMessage(image, options, message.initRoot<proto::image::ProcessImage>()));
    const size_t length = capnp::computeSerializedSizeInWords(message) * sizeof(capnp::word);
    std::vector<uint8_t> out(kImageHeaderSize + length);
    kj::ArrayOutputStream stream(kj::arrayPtr(out.data() + kImageHeaderSize, length));
    capnp::writeMessage(stream, message);
    WriteHeader(out);
    return out;
  } catch (const kj::Exception& e) {
    return MakeError(Status::kInternal,
                     std::string("writing the image failed: ") + e.getDescription().cStr());
  } catch (const std::bad_alloc&) {
    return MakeError(Status::kNoMemory, "out of memory writing the image");
  }
}

Result<kernel::ProcessImage> DecodeImage(std::span<const uint8_t> bytes,
                                         const DecodeOptions& options) {
  std::span<const uint8_t> payload = TRY(ReadHeader(bytes));
  try {
    // Cap'n Proto reads words in place; bytes that are not word-aligned
    // (a caller's odd buffer) are copied first.
    kj::Array<capnp::word> copy;
    kj::ArrayPtr<const capnp::word> words(reinterpret_cast<const capnp::word*>(payload.data()),
                                          payload.size() / sizeof(capnp::word));
    if (reinterpret_cast<uintptr_t>(payload.data()) % alignof(capnp::word) != 0) {
      copy = kj::heapArray<capnp::word>(words.size());
      std::memcpy(copy.begin(), payload.data(), payload.size());
      words = copy;
    }
    capnp::ReaderOptions reader_options;
    // Each part of an image is read once, so twice its size (and room for a
    // small one) bounds the traversal: a 4 GiB memory fits, while pointers
    // aliased to make a small message read as a large one do not.
    reader_options.traversalLimitInWords = 2 * words.size() + (1 << 16);
    reader_options.nestingLimit = 16;
    capnp::FlatArrayMessageReader reader(words, reader_options);
    if (reader.getEnd() != words.end()) {
      return Malformed("the payload holds " +
                       std::to_string((words.end() - reader.getEnd()) * sizeof(capnp::word)) +
                       " bytes after its message");
    }
    return ReadImageMessage(reader.getRoot<proto::image::ProcessImage>(), options);
  } catch (const kj::Exception& e) {
    return Malformed(std::string("the payload is not a process image message: ") +
                     e.getDescription().cStr());
  } catch (const std::bad_alloc&) {
    return MakeError(Status::kNoMemory, "out of memory reading the image");
  }
}

}  // namespace shoal::migrate
