#include "rdev/camera.h"

#include <charconv>
#include <limits>

#include "rdev/split_at.h"

namespace shoal::rdev {
namespace {

// A whole decimal uint32 (no sign, no spaces), or an error naming `what`.
Result<uint32_t> ParseU32(std::string_view text, std::string_view what, std::string_view mode) {
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return MakeError(Status::kInvalidArgs, "camera mode \"" + std::string(mode) + "\": the " +
                                               std::string(what) + " \"" + std::string(text) +
                                               "\" is not a number below 2^32");
  }
  if (value == 0) {
    return MakeError(Status::kInvalidArgs, "camera mode \"" + std::string(mode) + "\": the " +
                                               std::string(what) + " is 0");
  }
  return value;
}

}  // namespace

std::string_view PixelFormatName(PixelFormat format) {
  switch (format) {
    case PixelFormat::kYuyv:
      return "yuyv";
    case PixelFormat::kMjpeg:
      return "mjpeg";
    case PixelFormat::kRgb24:
      return "rgb24";
  }
  return "unknown";
}

std::optional<PixelFormat> ParsePixelFormat(std::string_view name) {
  for (uint8_t value = 1; value <= kMaxPixelFormat; ++value) {
    if (PixelFormatName(PixelFormat(value)) == name) return PixelFormat(value);
  }
  return std::nullopt;
}

std::string FormatMode(const CameraMode& mode) {
  return std::string(PixelFormatName(mode.format)) + " " + std::to_string(mode.width) + "x" +
         std::to_string(mode.height) + " " + std::to_string(mode.rate.numerator) + "/" +
         std::to_string(mode.rate.denominator);
}

Result<CameraMode> ParseMode(std::string_view text) {
  auto invalid = [&](std::string why) {
    return MakeError(Status::kInvalidArgs, "camera mode \"" + std::string(text) + "\": " + why);
  };
  auto format_rest = SplitAt(text, ' ');
  if (!format_rest) return invalid("expected \"FORMAT WIDTHxHEIGHT NUM/DEN\"");
  auto size_rate = SplitAt(format_rest->second, ' ');
  if (!size_rate) return invalid("expected \"FORMAT WIDTHxHEIGHT NUM/DEN\"");
  std::optional<PixelFormat> format = ParsePixelFormat(format_rest->first);
  if (!format) {
    return invalid("unknown pixel format \"" + std::string(format_rest->first) +
                   "\" (yuyv, mjpeg, rgb24)");
  }
  auto size = SplitAt(size_rate->first, 'x');
  if (!size) return invalid("the size \"" + std::string(size_rate->first) + "\" is not WxH");
  auto rate = SplitAt(size_rate->second, '/');
  if (!rate) return invalid("the rate \"" + std::string(size_rate->second) + "\" is not N/D");
  CameraMode mode;
  mode.format = *format;
  mode.width = TRY(ParseU32(size->first, "width", text));
  mode.height = TRY(ParseU32(size->second, "height", text));
  mode.rate.numerator = TRY(ParseU32(rate->first, "rate numerator", text));
  mode.rate.denominator = TRY(ParseU32(rate->second, "rate denominator", text));
  return mode;
}

size_t MaxFrameBytes(const CameraMode& mode) {
  size_t bytes_per_pixel = 0;
  size_t extra = 0;
  switch (mode.format) {
    case PixelFormat::kYuyv:
      bytes_per_pixel = 2;
      break;
    case PixelFormat::kRgb24:
      bytes_per_pixel = 3;
      break;
    case PixelFormat::kMjpeg:
      // A JPEG of noise can outgrow the raw image; raw RGB plus room for its
      // headers and tables bounds what a camera sends.
      bytes_per_pixel = 3;
      extra = 64 * 1024;
      break;
  }
  size_t pixels = 0, bytes = 0, total = 0;
  if (__builtin_mul_overflow(size_t(mode.width), size_t(mode.height), &pixels) ||
      __builtin_mul_overflow(pixels, bytes_per_pixel, &bytes) ||
      __builtin_add_overflow(bytes, extra, &total)) {
    return 0;
  }
  return pixels == 0 ? 0 : total;
}

}  // namespace shoal::rdev
