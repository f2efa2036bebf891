#include "rdev/synthetic_pattern.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "kernel/base/little_endian.h"

namespace shoal::rdev {
namespace {

struct Rgb {
  uint8_t r, g, b;
};

// SMPTE-like bars, left to right: white, yellow, cyan, green, magenta, red,
// blue, black.
constexpr std::array<Rgb, 8> kBars = {{{235, 235, 235},
                                       {235, 235, 16},
                                       {16, 235, 235},
                                       {16, 235, 16},
                                       {235, 16, 235},
                                       {235, 16, 16},
                                       {16, 16, 235},
                                       {16, 16, 16}}};

// BT.601 limited range, the usual integer approximation (snapshot.c inverts
// it).
uint8_t LumaOf(Rgb c) { return uint8_t(((66 * c.r + 129 * c.g + 25 * c.b + 128) >> 8) + 16); }
uint8_t BlueDiffOf(Rgb c) { return uint8_t(((-38 * c.r - 74 * c.g + 112 * c.b + 128) >> 8) + 128); }
uint8_t RedDiffOf(Rgb c) { return uint8_t(((112 * c.r - 94 * c.g - 18 * c.b + 128) >> 8) + 128); }

// Two periods of `width` pixels of `colour(x)` in `format`, so that any
// window of `width` pixels starting below `width` is one memcpy.
template <typename ColourAt>
std::vector<uint8_t> PaintRow(PixelFormat format, uint32_t width, ColourAt colour) {
  std::vector<uint8_t> row;
  size_t pixels = size_t(width) * 2;
  if (format == PixelFormat::kRgb24) {
    row.reserve(pixels * 3);
    for (size_t x = 0; x < pixels; ++x) {
      Rgb c = colour(x % width);
      row.insert(row.end(), {c.r, c.g, c.b});
    }
    return row;
  }
  row.reserve(pixels * 2);  // YUYV: Y0 U Y1 V per pair, chroma of the pair's mean.
  for (size_t x = 0; x < pixels; x += 2) {
    Rgb a = colour(x % width), b = colour((x + 1) % width);
    Rgb mean{uint8_t((a.r + b.r) / 2), uint8_t((a.g + b.g) / 2), uint8_t((a.b + b.b) / 2)};
    row.insert(row.end(), {LumaOf(a), BlueDiffOf(mean), LumaOf(b), RedDiffOf(mean)});
  }
  return row;
}

Result<size_t> BytesPerPixel(const CameraMode& mode) {
  switch (mode.format) {
    case PixelFormat::kYuyv:
      if (mode.width % 2 != 0) {
        return MakeError(Status::kInvalidArgs,
                         "a YUYV frame needs an even width, not " + std::to_string(mode.width));
      }
      return 2;
    case PixelFormat::kRgb24:
      return 3;
    case PixelFormat::kMjpeg:
      break;
  }
  return MakeError(Status::kInvalidArgs, "the synthetic pattern has no " +
                                             std::string(PixelFormatName(mode.format)) + " frames");
}

}  // namespace

void StoreSyntheticStamp(uint64_t sequence, uint64_t capture_ns, uint8_t* out) {
  StoreLittleEndian(out, sequence, 8);
  StoreLittleEndian(out + 8, capture_ns, 8);
  StoreLittleEndian(out + 16, SyntheticStampCheck(sequence, capture_ns), 8);
}

Result<SyntheticStamp> ReadSyntheticStamp(const CameraMode& mode, std::span<const uint8_t> frame) {
  size_t at = 0;
  if (mode.format == PixelFormat::kMjpeg) {
    constexpr size_t kHead = kSyntheticJpegStampAt + kSyntheticStampBytes;
    if (frame.size() < kHead || frame.size() > MaxFrameBytes(mode)) {
      return MakeError(Status::kInvalidArgs, "a " + FormatMode(mode) + " frame of " +
                                                 std::to_string(frame.size()) +
                                                 " bytes cannot be one of the synthetic camera's");
    }
    if (!std::equal(kSyntheticJpegStart.begin(), kSyntheticJpegStart.end(), frame.begin())) {
      return MakeError(Status::kMalformed,
                       "the frame does not start with the synthetic camera's stamp comment");
    }
    at = kSyntheticJpegStampAt;
  } else {
    TRY(BytesPerPixel(mode));
    size_t expected = MaxFrameBytes(mode);
    if (frame.size() != expected || expected < kSyntheticStampBytes) {
      return MakeError(Status::kInvalidArgs, "a " + FormatMode(mode) + " frame is " +
                                                 std::to_string(expected) + " bytes, not " +
                                                 std::to_string(frame.size()));
    }
  }
  const uint8_t* bytes = frame.data() + at;
  SyntheticStamp stamp{LoadLittleEndian(bytes, 8), LoadLittleEndian(bytes + 8, 8)};
  if (LoadLittleEndian(bytes + 16, 8) != SyntheticStampCheck(stamp.sequence, stamp.capture_ns)) {
    return MakeError(Status::kMalformed,
                     "the frame's stamp does not check (not a synthetic "
                     "frame, or a damaged one)");
  }
  return stamp;
}

Result<SyntheticPattern> SyntheticPattern::Create(const CameraMode& mode) {
  size_t bytes_per_pixel = TRY(BytesPerPixel(mode));
  size_t frame_bytes = MaxFrameBytes(mode);
  if (frame_bytes < kSyntheticStampBytes || mode.width < 2) {
    return MakeError(Status::kInvalidArgs,
                     "a " + FormatMode(mode) + " frame is too small for the stamp");
  }
  return SyntheticPattern(mode, bytes_per_pixel);
}

SyntheticPattern::SyntheticPattern(const CameraMode& mode, size_t bytes_per_pixel)
    : mode_(mode),
      bytes_per_pixel_(bytes_per_pixel),
      row_bytes_(size_t(mode.width) * bytes_per_pixel),
      // About 64 frames to cross the picture; even, so YUYV pairs stay whole.
      step_(std::max<uint32_t>(2, mode.width / 64 & ~1u)) {
  uint32_t width = mode.width;
  bars_ = PaintRow(mode.format, width, [&](size_t x) { return kBars[x * kBars.size() / width]; });
  ramp_ = PaintRow(mode.format, width, [&](size_t x) {
    uint8_t grey = uint8_t(16 + x * (235 - 16) / width);
    return Rgb{grey, grey, grey};
  });
}

void SyntheticPattern::Paint(uint64_t sequence, uint64_t capture_ns,
                             std::span<uint8_t> frame) const {
  PaintPicture(sequence, frame);
  StoreSyntheticStamp(sequence, capture_ns, frame.data());
}

void SyntheticPattern::PaintPicture(uint64_t sequence, std::span<uint8_t> frame) const {
  uint32_t width = mode_.width;
  uint32_t offset = uint32_t(sequence * step_ % width);
  // The bars move left, the ramp below them right.
  const uint8_t* bars = bars_.data() + size_t(offset) * bytes_per_pixel_;
  const uint8_t* ramp = ramp_.data() + size_t((width - offset) % width) * bytes_per_pixel_;
  uint32_t bars_rows = mode_.height - mode_.height / 4;
  for (uint32_t y = 0; y < mode_.height; ++y) {
    std::memcpy(frame.data() + size_t(y) * row_bytes_, y < bars_rows ? bars : ramp, row_bytes_);
  }
}

}  // namespace shoal::rdev
