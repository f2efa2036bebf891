#include "rdev/synthetic_jpeg.h"

#include <csetjmp>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

// jpeglib.h needs FILE and size_t declared before it (<cstdio>, <cstddef>).
// clang-format off
#include <jpeglib.h>
// clang-format on

namespace shoal::rdev {
namespace {

// libjpeg's default; the pattern's flat colours compress well at it.
constexpr int kQuality = 75;

// libjpeg reports a fatal error by calling error_exit, which by default
// exits the process: ours jumps back to the encoder with the message.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void JumpBack(j_common_ptr cinfo) {
  auto* errors = reinterpret_cast<JpegErrors*>(cinfo->err);
  errors->manager.format_message(cinfo, errors->message);
  std::longjmp(errors->jump, 1);
}

void IgnoreWarning(j_common_ptr) {}

// Encodes the RGB24 picture `rgb` of `mode`'s size into `out`, which libjpeg
// allocates with malloc (the caller frees it, also on failure).
VoidResult EncodeJpeg(const CameraMode& mode, const uint8_t* rgb, unsigned char** out,
                      unsigned long* size) {
  // Nothing with a destructor lives between setjmp and a longjmp to it.
  jpeg_compress_struct cinfo;
  JpegErrors errors;
  cinfo.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = JumpBack;
  errors.manager.output_message = IgnoreWarning;
  if (setjmp(errors.jump) != 0) {
    jpeg_destroy_compress(&cinfo);
    return MakeError(Status::kIoError,
                     std::string("the synthetic camera cannot encode a JPEG: ") + errors.message);
  }
  jpeg_create_compress(&cinfo);
  jpeg_mem_dest(&cinfo, out, size);
  cinfo.image_width = mode.width;
  cinfo.image_height = mode.height;
  cinfo.input_components = 3;
  cinfo.in_color_space = JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, kQuality, TRUE);
  jpeg_start_compress(&cinfo, TRUE);
  size_t row_bytes = size_t(mode.width) * 3;
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<JSAMPROW>(rgb + cinfo.next_scanline * row_bytes);
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  return Ok();
}

}  // namespace

Result<SyntheticJpeg> SyntheticJpeg::Create(const CameraMode& mode) {
  if (mode.format != PixelFormat::kMjpeg) {
    return MakeError(Status::kInvalidArgs,
                     "SyntheticJpeg makes mjpeg frames, not " + FormatMode(mode) + " ones");
  }
  CameraMode rgb = mode;
  rgb.format = PixelFormat::kRgb24;
  return SyntheticJpeg(mode, TRY(SyntheticPattern::Create(rgb)));
}

SyntheticJpeg::SyntheticJpeg(const CameraMode& mode, SyntheticPattern rgb)
    : mode_(mode), rgb_(std::move(rgb)), encoded_(rgb_.phases()) {}

Result<std::shared_ptr<std::vector<uint8_t>>> SyntheticJpeg::Frame(uint64_t sequence,
                                                                   uint64_t capture_ns,
                                                                   FramePool& pool) {
  const std::vector<uint8_t>& image = *TRY(Encoded(rgb_.PhaseOf(sequence)));
  std::shared_ptr<std::vector<uint8_t>> frame =
      pool.Take(kSyntheticJpegStampAt + kSyntheticStampBytes + image.size());
  uint8_t* out = frame->data();
  std::memcpy(out, kSyntheticJpegStart.data(), kSyntheticJpegStart.size());
  StoreSyntheticStamp(sequence, capture_ns, out + kSyntheticJpegStampAt);
  std::memcpy(out + kSyntheticJpegStampAt + kSyntheticStampBytes, image.data(), image.size());
  return frame;
}

Result<const std::vector<uint8_t>*> SyntheticJpeg::Encoded(uint32_t phase) {
  std::vector<uint8_t>& image = encoded_[phase];
  if (!image.empty()) return &image;
  std::vector<uint8_t> picture(rgb_.frame_bytes());
  rgb_.PaintPicture(phase, picture);
  unsigned char* jpeg = nullptr;
  unsigned long size = 0;
  VoidResult encoded = EncodeJpeg(mode_, picture.data(), &jpeg, &size);
  if (encoded.ok()) {
    // Everything after libjpeg's start-of-image marker: the frame puts its
    // own, then the stamp's comment, before it.
    image.assign(jpeg + 2, jpeg + size);
  }
  std::free(jpeg);
  TRY(encoded);
  return &image;
}

}  // namespace shoal::rdev
