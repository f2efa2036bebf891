// Device: a stream-like endpoint of the node's hardware or of the kernel
// itself (/dev/null, /dev/zero, /dev/random; later cameras and audio sinks in
// rdev/), reached through a namespace path (namespace.h).
//
// DeviceOps is the interface every device implements, local or proxied
// (ARCHITECTURE.md, invariant 3): Describe says what it is, Read and Write
// move bytes, Control carries opaque requests (format negotiation, start and
// stop) whose encoding each device class defines.
//
// Waiting: a device that has nothing to read now returns kShouldWait and
// keeps kReadable clear until it has; a reader observes
// kReadable | kPeerClosed and retries (a process parks on it, docs/abi.md).
// Writes likewise with kWritable. kPeerClosed means the device is gone
// (unplugged, or the node serving it vanished).
//
// Threading: every operation is thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/object.h"

namespace shoal::kernel {

// What a device is: its class ("null", "zero", "random", later "camera",
// "audio-sink"), its name on the node, and class-specific key/value
// properties (formats, rates), in the device's order.
struct DeviceInfo {
  std::string device_class;
  std::string name;
  std::vector<std::pair<std::string, std::string>> properties;
};

// The operations of a device, local or proxied. Rights: Describe needs none,
// Read kRead, Write kWrite, Control kManage.
class DeviceOps : public KernelObject {
 public:
  static constexpr ObjectType kType = ObjectType::kDevice;
  // The most bytes one Read, Write or Control moves (bigger requests are
  // kInvalidArgs for Write and Control; Read returns at most this many).
  static constexpr size_t kMaxTransfer = 64 * 1024;

  virtual Result<DeviceInfo> Describe() = 0;

  // Up to `max_bytes` (at most kMaxTransfer) bytes. An empty result is the
  // end of the stream (or max_bytes == 0). kShouldWait when none is available
  // yet, kPeerClosed when the device is gone.
  virtual Result<std::vector<uint8_t>> Read(size_t max_bytes) = 0;

  // Consumes a prefix of `bytes` and returns its length (> 0 unless `bytes`
  // is empty). kShouldWait when it can take none now; kInvalidArgs past
  // kMaxTransfer.
  virtual Result<size_t> Write(std::span<const uint8_t> bytes) = 0;

  // An opaque request and its reply. kNotSupported for devices without
  // controls; kInvalidArgs past kMaxTransfer.
  virtual Result<std::vector<uint8_t>> Control(std::span<const uint8_t> request) = 0;

 protected:
  using KernelObject::KernelObject;
};

// The kernel's own devices.
enum class BasicDeviceKind : uint8_t {
  kNull,    // Reads end at once (empty), writes are discarded.
  kZero,    // Reads give zero bytes, writes are discarded.
  kRandom,  // Reads give bytes from the host's getrandom(2); writes are discarded.
};

// A local device of one BasicDeviceKind. Always readable and writable (both
// signals set for life); it never waits.
class BasicDevice final : public DeviceOps {
 public:
  static Result<Ref<BasicDevice>> Create(BasicDeviceKind kind);

  Result<DeviceInfo> Describe() override;
  Result<std::vector<uint8_t>> Read(size_t max_bytes) override;
  Result<size_t> Write(std::span<const uint8_t> bytes) override;
  Result<std::vector<uint8_t>> Control(std::span<const uint8_t> request) override;

 private:
  explicit BasicDevice(BasicDeviceKind kind)
      : DeviceOps(ObjectType::kDevice, Signals::kReadable | Signals::kWritable), kind_(kind) {}
  const BasicDeviceKind kind_;
};

}  // namespace shoal::kernel
