#include "kernel/wasi/stdin_device.h"

#include <string>

namespace shoal::wasi {

StdinDevice::StdinDevice(std::shared_ptr<InputSource> source)
    : DeviceOps(kernel::ObjectType::kDevice, kernel::Signals::kReadable),
      source_(std::move(source)) {}

kernel::Ref<StdinDevice> StdinDevice::Create(std::shared_ptr<InputSource> source) {
  return kernel::Ref<StdinDevice>(new StdinDevice(std::move(source)));
}

Result<kernel::DeviceInfo> StdinDevice::Describe() {
  return kernel::DeviceInfo{.device_class = "stdin", .name = "stdin", .properties = {}};
}

ErrnoOr<size_t> StdinDevice::ReadInto(std::span<uint8_t> buf) {
  std::lock_guard lock(mu_);
  return source_->Read(buf);
}

Result<std::vector<uint8_t>> StdinDevice::Read(size_t max_bytes) {
  std::vector<uint8_t> bytes(std::min(max_bytes, kMaxTransfer));
  ErrnoOr<size_t> n = ReadInto(bytes);
  if (!n.ok()) {
    if (n.error() == Errno::kAgain) return MakeError(Status::kShouldWait, "no input yet");
    return MakeError(Status::kIoError,
                     "stdin read failed (WASI errno " + std::to_string(int(n.error())) + ")");
  }
  bytes.resize(n.value());
  return bytes;
}

Result<size_t> StdinDevice::Write(std::span<const uint8_t> bytes) {
  return MakeError(Status::kNotSupported, "stdin cannot be written");
}

Result<std::vector<uint8_t>> StdinDevice::Control(std::span<const uint8_t> request) {
  return MakeError(Status::kNotSupported, "stdin has no controls");
}

}  // namespace shoal::wasi
