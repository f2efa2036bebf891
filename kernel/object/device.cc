#include "kernel/object/device.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace shoal::kernel {
namespace {

// Fills `out` from getrandom(2); a short read (a signal) is resumed.
VoidResult FillRandom(std::span<uint8_t> out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(Status::kIoError, std::string("getrandom: ") + std::strerror(errno));
    }
    done += size_t(n);
  }
  return Ok();
}

DeviceInfo BasicInfo(BasicDeviceKind kind) {
  DeviceInfo info;
  switch (kind) {
    case BasicDeviceKind::kNull:
      info.device_class = info.name = "null";
      break;
    case BasicDeviceKind::kZero:
      info.device_class = info.name = "zero";
      break;
    case BasicDeviceKind::kRandom:
      info.device_class = info.name = "random";
      info.properties.emplace_back("source", "getrandom");
      break;
  }
  return info;
}

Result<std::vector<uint8_t>> BasicRead(BasicDeviceKind kind, size_t max_bytes) {
  size_t n = std::min(max_bytes, DeviceOps::kMaxTransfer);
  switch (kind) {
    case BasicDeviceKind::kNull:
      return std::vector<uint8_t>();
    case BasicDeviceKind::kZero:
      return std::vector<uint8_t>(n, 0);
    case BasicDeviceKind::kRandom: {
      std::vector<uint8_t> bytes(n);
      TRY(FillRandom(bytes));
      return bytes;
    }
  }
  return MakeError(Status::kInternal, "unknown basic device kind");
}

Result<size_t> BasicWrite(std::span<const uint8_t> bytes) {
  if (bytes.size() > DeviceOps::kMaxTransfer) {
    return MakeError(Status::kInvalidArgs, "device write of " + std::to_string(bytes.size()) +
                                               " bytes is over the limit");
  }
  return bytes.size();  // Every basic device discards what it is given.
}

}  // namespace

Result<Ref<BasicDevice>> BasicDevice::Create(BasicDeviceKind kind) {
  switch (kind) {
    case BasicDeviceKind::kNull:
    case BasicDeviceKind::kZero:
    case BasicDeviceKind::kRandom:
      return Ref<BasicDevice>(new BasicDevice(kind));
  }
  return MakeError(Status::kInvalidArgs, "unknown basic device kind");
}

void BasicDevice::DescribeAsync(DescribeDone done) { done(BasicInfo(kind_)); }

void BasicDevice::ReadAsync(size_t max_bytes, ReadDone done) { done(BasicRead(kind_, max_bytes)); }

void BasicDevice::WriteAsync(std::span<const uint8_t> bytes, WriteDone done) {
  done(BasicWrite(bytes));
}

void BasicDevice::ControlAsync(std::span<const uint8_t>, ControlDone done) {
  done(MakeError(Status::kNotSupported, "the kernel's basic devices have no controls"));
}

}  // namespace shoal::kernel
