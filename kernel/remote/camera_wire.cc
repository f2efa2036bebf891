#include "kernel/remote/camera_wire.h"

#include <memory>
#include <string>
#include <vector>

namespace shoal::kernel::remote {

void WriteCameraMode(const rdev::CameraMode& mode, proto::rpc::CameraMode::Builder out) {
  out.setFormat(uint8_t(mode.format));
  out.setWidth(mode.width);
  out.setHeight(mode.height);
  out.setRateNumerator(mode.rate.numerator);
  out.setRateDenominator(mode.rate.denominator);
}

Result<rdev::CameraMode> ReadCameraMode(proto::rpc::CameraMode::Reader in) {
  uint8_t format = in.getFormat();
  if (format == 0 || format > rdev::kMaxPixelFormat) {
    return MakeError(Status::kMalformed,
                     "a camera mode has unknown pixel format " + std::to_string(format));
  }
  if (in.getRateNumerator() == 0 || in.getRateDenominator() == 0) {
    return MakeError(Status::kMalformed, "a camera mode has a zero frame rate part");
  }
  return rdev::CameraMode{rdev::PixelFormat(format), in.getWidth(), in.getHeight(),
                          rdev::FrameRate{in.getRateNumerator(), in.getRateDenominator()}};
}

void WriteCameraInfo(const rdev::CameraInfo& info, proto::rpc::CameraInfo::Builder out) {
  out.setName(info.name);
  out.setDriver(info.driver);
  auto modes = out.initModes(uint32_t(info.modes.size()));
  for (uint32_t i = 0; i < modes.size(); ++i) WriteCameraMode(info.modes[i], modes[i]);
  WriteCameraMode(info.mode, out.initMode());
  out.setStreaming(info.streaming);
  out.setSessions(info.sessions);
  out.setFramesCaptured(info.frames_captured);
  out.setStarted(info.started);
}

Result<rdev::CameraInfo> ReadCameraInfo(proto::rpc::CameraInfo::Reader in) {
  rdev::CameraInfo info;
  info.name = in.getName().cStr();
  info.driver = in.getDriver().cStr();
  for (auto mode : in.getModes()) info.modes.push_back(TRY(ReadCameraMode(mode)));
  info.mode = TRY(ReadCameraMode(in.getMode()));
  info.streaming = in.getStreaming();
  info.sessions = in.getSessions();
  info.frames_captured = in.getFramesCaptured();
  info.started = in.getStarted();
  return info;
}

void WriteCameraFrame(const rdev::CameraFrame& frame, proto::rpc::CameraFrame::Builder out) {
  out.setSequence(frame.sequence);
  out.setCaptureNs(frame.capture_ns);
  out.setDropped(frame.dropped);
  WriteCameraMode(frame.mode, out.initMode());
  if (frame.bytes != nullptr) {
    // A copy: referencing the frame (Orphanage::referenceExternalData) would
    // need it to outlive the message, which the RPC system keeps until written.
    out.setBytes(kj::arrayPtr(frame.bytes->data(), frame.bytes->size()));
  }
}

Result<rdev::CameraFrame> ReadCameraFrame(proto::rpc::CameraFrame::Reader in) {
  rdev::CameraFrame frame;
  frame.sequence = in.getSequence();
  frame.capture_ns = in.getCaptureNs();
  frame.dropped = in.getDropped();
  frame.mode = TRY(ReadCameraMode(in.getMode()));
  auto bytes = in.getBytes();
  frame.bytes = std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end());
  return frame;
}

}  // namespace shoal::kernel::remote
