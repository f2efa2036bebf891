// The process image's Cap'n Proto message (proto/image.capnp), apart from
// the header and hash that image_codec.cc puts around it.
#pragma once

#include <cstdio>
#include <string>

#include "kernel/base/result.h"
#include "kernel/proc/process_image.h"
#include "migrate/image_codec.h"
#include "proto/image.capnp.h"

namespace shoal::migrate {

// "0x10001": how messages show handle values and rights.
inline std::string FormatHex(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", value);
  return buf;
}

// Fills `out` from `image`. Errors as EncodeImage's; nothing useful is left
// in `out` after one.
VoidResult WriteImageMessage(const kernel::ProcessImage& image, const EncodeOptions& options,
                             proto::image::ProcessImage::Builder out);

// Reads and checks a message (the checks DecodeImage lists). May throw
// kj::Exception for a message Cap'n Proto cannot read; the caller turns it
// into an Error.
Result<kernel::ProcessImage> ReadImageMessage(proto::image::ProcessImage::Reader in,
                                              const DecodeOptions& options);

}  // namespace shoal::migrate
