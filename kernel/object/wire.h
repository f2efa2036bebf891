// Wire helpers for the object protocol (proto/object.capnp): Cap'n Proto
// messages to and from byte buffers.
//
// Cap'n Proto reports malformed input by throwing kj::Exception; this is the
// edge where such exceptions become a Status (STYLE.md, item 4). Everything
// that reads received bytes goes through ReadMessage().
#pragma once

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "kernel/base/result.h"

namespace shoal::kernel::wire {

// Limits on what one received message may make us read.
constexpr uint64_t kTraversalLimitWords = 1 << 20;  // 8 MiB.
constexpr int kNestingLimit = 16;

// The flat encoding of `message`.
std::vector<uint8_t> ToBytes(capnp::MessageBuilder& message);

// Copies `bytes` into word-aligned memory; kMalformed when the size is not a
// whole number of words.
Result<kj::Array<capnp::word>> AlignedCopy(std::span<const uint8_t> bytes);

// Parses `bytes` as a message with root `Root` and returns `read(root)`.
// Malformed bytes (bad segment table, out-of-bounds pointers, limits
// exceeded) give kMalformed; `read` must do all its reading inside.
template <typename Root, typename Fn>
auto ReadMessage(std::span<const uint8_t> bytes, Fn&& read)
    -> decltype(read(std::declval<typename Root::Reader>())) {
  kj::Array<capnp::word> words = TRY(AlignedCopy(bytes));
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kTraversalLimitWords;
  options.nestingLimit = kNestingLimit;
  std::string failure;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      return MakeError(Status::kMalformed, "trailing bytes after the message");
    }
    return read(reader.getRoot<Root>());
  } catch (const kj::Exception& e) {
    failure = e.getDescription().cStr();
  }
  return MakeError(Status::kMalformed, "malformed object-protocol message: " + failure);
}

}  // namespace shoal::kernel::wire
