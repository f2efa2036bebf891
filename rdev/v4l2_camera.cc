#include "rdev/v4l2_camera.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/videodev2.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "kernel/base/clock.h"
#include "kernel/base/unique_fd.h"
#include "rdev/frame_pool.h"

namespace shoal::rdev {
namespace {

// Buffers asked of the driver: one being filled, one being copied, and room
// for a late copy without the driver dropping frames.
constexpr uint32_t kDriverBuffers = 4;
constexpr size_t kPoolFrames = CameraOps::kQueueDepth + 2;

struct Size {
  uint32_t width, height;
};
// What a device that describes a range of sizes or intervals is offered at.
constexpr Size kRangeSizes[] = {{320, 240}, {640, 480}, {1280, 720}, {1920, 1080}};
constexpr uint32_t kRangeFps[] = {30, 15};

// ioctl, retried when a signal interrupts it.
int Ioctl(int fd, unsigned long request, void* arg) {
  int r;
  do {
    r = ::ioctl(fd, request, arg);
  } while (r == -1 && errno == EINTR);
  return r;
}

std::optional<PixelFormat> FormatOf(uint32_t fourcc) {
  switch (fourcc) {
    case V4L2_PIX_FMT_YUYV:
      return PixelFormat::kYuyv;
    case V4L2_PIX_FMT_MJPEG:
      return PixelFormat::kMjpeg;
    case V4L2_PIX_FMT_RGB24:
      return PixelFormat::kRgb24;
  }
  return std::nullopt;
}

uint32_t FourccOf(PixelFormat format) {
  switch (format) {
    case PixelFormat::kYuyv:
      return V4L2_PIX_FMT_YUYV;
    case PixelFormat::kMjpeg:
      return V4L2_PIX_FMT_MJPEG;
    case PixelFormat::kRgb24:
      return V4L2_PIX_FMT_RGB24;
  }
  return 0;
}

// Bytes a pixel takes in a packed format; 0 for MJPEG, whose frames vary.
size_t PixelBytes(PixelFormat format) {
  switch (format) {
    case PixelFormat::kYuyv:
      return 2;
    case PixelFormat::kRgb24:
      return 3;
    case PixelFormat::kMjpeg:
      return 0;
  }
  return 0;
}

std::vector<Size> SizesOf(int fd, uint32_t fourcc) {
  std::vector<Size> sizes;
  v4l2_frmsizeenum size{};
  size.pixel_format = fourcc;
  for (size.index = 0; Ioctl(fd, VIDIOC_ENUM_FRAMESIZES, &size) == 0; ++size.index) {
    if (size.type == V4L2_FRMSIZE_TYPE_DISCRETE) {
      sizes.push_back({size.discrete.width, size.discrete.height});
      continue;
    }
    const v4l2_frmsize_stepwise& range = size.stepwise;  // Continuous has step 1.
    auto fits = [](uint32_t value, uint32_t min, uint32_t max, uint32_t step) {
      return value >= min && value <= max && (step == 0 || (value - min) % step == 0);
    };
    for (Size usual : kRangeSizes) {
      if (fits(usual.width, range.min_width, range.max_width, range.step_width) &&
          fits(usual.height, range.min_height, range.max_height, range.step_height)) {
        sizes.push_back(usual);
      }
    }
    break;  // A range is the device's only entry.
  }
  return sizes;
}

std::vector<FrameRate> RatesOf(int fd, uint32_t fourcc, Size size) {
  std::vector<FrameRate> rates;
  v4l2_frmivalenum interval{};
  interval.pixel_format = fourcc;
  interval.width = size.width;
  interval.height = size.height;
  for (interval.index = 0; Ioctl(fd, VIDIOC_ENUM_FRAMEINTERVALS, &interval) == 0;
       ++interval.index) {
    if (interval.type == V4L2_FRMIVAL_TYPE_DISCRETE) {
      // An interval of n/d seconds is d/n frames a second.
      const v4l2_fract& seconds = interval.discrete;
      if (seconds.numerator != 0 && seconds.denominator != 0) {
        rates.push_back({seconds.denominator, seconds.numerator});
      }
      continue;
    }
    // 1/fps lies between the shortest and the longest interval.
    const v4l2_frmival_stepwise& range = interval.stepwise;
    for (uint32_t fps : kRangeFps) {
      if (uint64_t(fps) * range.min.numerator <= range.min.denominator &&
          uint64_t(fps) * range.max.numerator >= range.max.denominator) {
        rates.push_back({fps, 1});
      }
    }
    break;
  }
  if (rates.empty()) rates.push_back({30, 1});  // The device does not say.
  return rates;
}

std::vector<CameraMode> ModesOf(int fd) {
  std::vector<CameraMode> modes;
  v4l2_fmtdesc format{};
  format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
  for (format.index = 0; Ioctl(fd, VIDIOC_ENUM_FMT, &format) == 0; ++format.index) {
    std::optional<PixelFormat> known = FormatOf(format.pixelformat);
    if (!known) continue;
    for (Size size : SizesOf(fd, format.pixelformat)) {
      for (FrameRate rate : RatesOf(fd, format.pixelformat, size)) {
        CameraMode mode{*known, size.width, size.height, rate};
        if (MaxFrameBytes(mode) == 0) continue;
        if (std::find(modes.begin(), modes.end(), mode) == modes.end()) modes.push_back(mode);
      }
    }
  }
  return modes;
}

// A driver buffer mapped into this process.
struct MappedBuffer {
  const uint8_t* data = nullptr;
  size_t length = 0;
};

class V4l2Backend final : public CameraBackend {
 public:
  V4l2Backend(std::string path, UniqueFd device, UniqueFd wake, CameraDescription described)
      : path_(std::move(path)),
        device_(std::move(device)),
        wake_(std::move(wake)),
        described_(std::move(described)) {}
  ~V4l2Backend() override { End(); }

  CameraDescription Describe() const override { return described_; }

  VoidResult Begin(const CameraMode& mode) override {
    VoidResult began = BeginStream(mode);
    if (!began.ok()) End();
    return began;
  }

  Result<CapturedFrame> Next(uint64_t) override {
    for (;;) {
      pollfd fds[2] = {{wake_.get(), POLLIN, 0}, {device_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return Failure("wait for a frame");
      }
      if (fds[0].revents & POLLIN) {
        uint64_t count;
        (void)!::read(wake_.get(), &count, sizeof count);  // Resets it.
        return MakeError(Status::kShouldWait, "interrupted");
      }
      v4l2_buffer buffer{};
      buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buffer.memory = V4L2_MEMORY_MMAP;
      if (Ioctl(device_.get(), VIDIOC_DQBUF, &buffer) != 0) {
        if (errno == EAGAIN) continue;
        return Failure("take a frame");
      }
      std::optional<CapturedFrame> frame;
      if (!(buffer.flags & V4L2_BUF_FLAG_ERROR) && buffer.index < mapped_.size()) {
        frame = Copy(buffer);
      }
      if (Ioctl(device_.get(), VIDIOC_QBUF, &buffer) != 0) return Failure("give a buffer back");
      if (frame) return std::move(*frame);
      // A frame the driver marked corrupt, or one too short for its mode: the
      // next one replaces it, as a camera that skipped a frame.
    }
  }

  void Interrupt() override {
    uint64_t one = 1;
    (void)!::write(wake_.get(), &one, sizeof one);
  }

  void End() override {
    if (streaming_) {
      int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      Ioctl(device_.get(), VIDIOC_STREAMOFF, &type);
      streaming_ = false;
    }
    for (const MappedBuffer& buffer : mapped_) {
      ::munmap(const_cast<uint8_t*>(buffer.data), buffer.length);
    }
    if (!mapped_.empty()) {
      mapped_.clear();
      v4l2_requestbuffers none{};
      none.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      none.memory = V4L2_MEMORY_MMAP;
      Ioctl(device_.get(), VIDIOC_REQBUFS, &none);  // Frees the driver's buffers.
    }
  }

 private:
  // An error for the failed call just made, naming the device and the step:
  // kPeerClosed when the device is gone (unplugged), else kIoError.
  Error Failure(const std::string& step) const {
    int error = errno;
    return MakeError(error == ENODEV ? Status::kPeerClosed : Status::kIoError,
                     path_ + ": cannot " + step + ": " + std::strerror(error));
  }

  VoidResult BeginStream(const CameraMode& mode) {
    int fd = device_.get();
    v4l2_format format{};
    format.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    format.fmt.pix.width = mode.width;
    format.fmt.pix.height = mode.height;
    format.fmt.pix.pixelformat = FourccOf(mode.format);
    format.fmt.pix.field = V4L2_FIELD_NONE;
    if (Ioctl(fd, VIDIOC_S_FMT, &format) != 0) return Failure("set " + FormatMode(mode));
    const v4l2_pix_format& chosen = format.fmt.pix;
    if (chosen.width != mode.width || chosen.height != mode.height ||
        chosen.pixelformat != FourccOf(mode.format)) {
      return MakeError(Status::kIoError, path_ + ": asked for " + FormatMode(mode) +
                                             ", the driver chose " + std::to_string(chosen.width) +
                                             "x" + std::to_string(chosen.height));
    }
    mode_ = mode;
    row_bytes_ = size_t(mode.width) * PixelBytes(mode.format);
    stride_ = std::max<size_t>(chosen.bytesperline, row_bytes_);

    v4l2_streamparm parm{};
    parm.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (Ioctl(fd, VIDIOC_G_PARM, &parm) == 0 &&
        (parm.parm.capture.capability & V4L2_CAP_TIMEPERFRAME)) {
      parm.parm.capture.timeperframe = {mode.rate.denominator, mode.rate.numerator};
      if (Ioctl(fd, VIDIOC_S_PARM, &parm) != 0) return Failure("set the frame rate");
    }

    v4l2_requestbuffers request{};
    request.count = kDriverBuffers;
    request.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    request.memory = V4L2_MEMORY_MMAP;
    if (Ioctl(fd, VIDIOC_REQBUFS, &request) != 0) return Failure("get streaming buffers");
    if (request.count < 2) {
      return MakeError(Status::kIoError, path_ + ": the driver gave " +
                                             std::to_string(request.count) +
                                             " streaming buffer(s), fewer than 2");
    }
    for (uint32_t index = 0; index < request.count; ++index) {
      v4l2_buffer buffer{};
      buffer.type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
      buffer.memory = V4L2_MEMORY_MMAP;
      buffer.index = index;
      if (Ioctl(fd, VIDIOC_QUERYBUF, &buffer) != 0) return Failure("find a streaming buffer");
      void* data =
          ::mmap(nullptr, buffer.length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, buffer.m.offset);
      if (data == MAP_FAILED) return Failure("map a streaming buffer");
      mapped_.push_back({static_cast<const uint8_t*>(data), buffer.length});
      if (Ioctl(fd, VIDIOC_QBUF, &buffer) != 0) return Failure("queue a streaming buffer");
    }
    int type = V4L2_BUF_TYPE_VIDEO_CAPTURE;
    if (Ioctl(fd, VIDIOC_STREAMON, &type) != 0) return Failure("start streaming");
    streaming_ = true;
    return Ok();
  }

  // The frame in `buffer`, packed and timed; nullopt when it is too short
  // for its mode (or, for MJPEG, empty or larger than the mode's bound).
  std::optional<CapturedFrame> Copy(const v4l2_buffer& buffer) {
    const MappedBuffer& mapped = mapped_[buffer.index];
    size_t used = std::min<size_t>(buffer.bytesused, mapped.length);
    CapturedFrame frame;
    frame.capture_ns = CaptureTime(buffer);
    if (mode_.format == PixelFormat::kMjpeg) {
      if (used == 0 || used > MaxFrameBytes(mode_)) return std::nullopt;
      auto bytes = pool_.Take(used);
      std::memcpy(bytes->data(), mapped.data, used);
      frame.bytes = std::move(bytes);
      return frame;
    }
    if (used < stride_ * (mode_.height - 1) + row_bytes_) return std::nullopt;
    auto bytes = pool_.Take(row_bytes_ * mode_.height);
    if (stride_ == row_bytes_) {
      std::memcpy(bytes->data(), mapped.data, bytes->size());
    } else {
      for (uint32_t row = 0; row < mode_.height; ++row) {
        std::memcpy(bytes->data() + row * row_bytes_, mapped.data + row * stride_, row_bytes_);
      }
    }
    frame.bytes = std::move(bytes);
    return frame;
  }

  // The driver's timestamp moved to CLOCK_REALTIME; the time of the copy for
  // a driver whose timestamps are not monotonic.
  static uint64_t CaptureTime(const v4l2_buffer& buffer) {
    uint64_t now = RealtimeNow();
    if ((buffer.flags & V4L2_BUF_FLAG_TIMESTAMP_MASK) != V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC) {
      return now;
    }
    uint64_t taken = uint64_t(buffer.timestamp.tv_sec) * 1'000'000'000 +
                     uint64_t(buffer.timestamp.tv_usec) * 1'000;
    // A driver may stamp a frame with when it was due, a little ahead of
    // now (vivid does): that is an age of 0.
    uint64_t monotonic = MonotonicNow();
    uint64_t age = monotonic - std::min(taken, monotonic);
    return now - std::min(age, now);
  }

  const std::string path_;
  const UniqueFd device_;
  const UniqueFd wake_;  // An eventfd: Interrupt writes it, Next reads it.
  const CameraDescription described_;
  // The capture thread's own state, between Begin and End.
  CameraMode mode_;
  size_t row_bytes_ = 0;  // A packed row of mode_.
  size_t stride_ = 0;     // A row as the driver lays it out.
  std::vector<MappedBuffer> mapped_;
  bool streaming_ = false;
  FramePool pool_{kPoolFrames};
};

}  // namespace

Result<std::shared_ptr<LocalCamera>> OpenV4l2Camera(const std::string& host_path) {
  UniqueFd device(::open(host_path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!device.valid()) {
    int error = errno;
    return MakeError(error == ENOENT ? Status::kNotFound : Status::kIoError,
                     "cannot open " + host_path + ": " + std::strerror(error));
  }
  v4l2_capability capability{};
  if (Ioctl(device.get(), VIDIOC_QUERYCAP, &capability) != 0) {
    return MakeError(Status::kInvalidArgs, host_path + " is not a V4L2 device (VIDIOC_QUERYCAP: " +
                                               std::strerror(errno) + ")");
  }
  uint32_t caps = (capability.capabilities & V4L2_CAP_DEVICE_CAPS) ? capability.device_caps
                                                                   : capability.capabilities;
  if (!(caps & V4L2_CAP_VIDEO_CAPTURE) || !(caps & V4L2_CAP_STREAMING)) {
    return MakeError(Status::kInvalidArgs, host_path + " cannot stream video capture");
  }
  CameraDescription described;
  const char* card = reinterpret_cast<const char*>(capability.card);
  described.name = std::string(card, strnlen(card, sizeof capability.card));
  described.driver = "v4l2";
  described.modes = ModesOf(device.get());
  if (described.modes.empty()) {
    return MakeError(Status::kInvalidArgs,
                     host_path + " offers none of the formats Shoal reads (yuyv, mjpeg, rgb24)");
  }
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake.valid()) {
    return MakeError(Status::kIoError, std::string("eventfd: ") + std::strerror(errno));
  }
  return LocalCamera::Create(std::make_unique<V4l2Backend>(host_path, std::move(device),
                                                           std::move(wake), std::move(described)));
}

}  // namespace shoal::rdev
