#include "kernel/wasi/stdin_device.h"

#include <string>

namespace shoal::wasi {

StdinDevice::StdinDevice(std::shared_ptr<InputSource> source)
    : DeviceOps(kernel::ObjectType::kDevice, kernel::Signals::kReadable),
      source_(std::move(source)) {}

kernel::Ref<StdinDevice> StdinDevice::Create(std::shared_ptr<InputSource> source) {
  return kernel::Ref<StdinDevice>(new StdinDevice(std::move(source)));
}

void StdinDevice::DescribeAsync(DescribeDone done) {
  done(kernel::DeviceInfo{.device_class = "stdin", .name = "stdin", .properties = {}});
}

ErrnoOr<size_t> StdinDevice::ReadInto(std::span<uint8_t> buf) {
  MutexLock lock(&mu_);
  return source_->Read(buf);
}

void StdinDevice::ReadAsync(size_t max_bytes, ReadDone done) {
  std::vector<uint8_t> bytes(std::min(max_bytes, kMaxTransfer));
  ErrnoOr<size_t> n = ReadInto(bytes);
  if (!n.ok()) {
    if (n.error() == Errno::kAgain) return done(MakeError(Status::kShouldWait, "no input yet"));
    return done(MakeError(Status::kIoError, "stdin read failed: " + ErrnoDescription(n.error())));
  }
  bytes.resize(n.value());
  done(std::move(bytes));
}

void StdinDevice::WriteAsync(std::span<const uint8_t>, WriteDone done) {
  done(MakeError(Status::kNotSupported, "stdin cannot be written"));
}

void StdinDevice::ControlAsync(std::span<const uint8_t>, ControlDone done) {
  done(MakeError(Status::kNotSupported, "stdin has no controls"));
}

}  // namespace shoal::wasi
