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
// Asynchronous: every operation is an `...Async` virtual with a blocking
// form of the plain name beside it (object.h). Local devices answer at once;
// a proxied one when the node serving it does. Its kShouldWait still means
// "nothing now": a completed answer, after which the reader observes
// signals as above.
//
// Threading: every operation is thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "kernel/base/await.h"
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

  using DescribeDone = std::function<void(Result<DeviceInfo> info)>;
  using ReadDone = std::function<void(Result<std::vector<uint8_t>> bytes)>;
  using WriteDone = std::function<void(Result<size_t> consumed)>;
  using ControlDone = std::function<void(Result<std::vector<uint8_t>> reply)>;

  virtual void DescribeAsync(DescribeDone done) = 0;

  // Up to `max_bytes` (at most kMaxTransfer) bytes. An empty result is the
  // end of the stream (or max_bytes == 0). kShouldWait when none is available
  // yet, kPeerClosed when the device is gone.
  virtual void ReadAsync(size_t max_bytes, ReadDone done) = 0;

  // Consumes a prefix of `bytes` and reports its length (> 0 unless `bytes`
  // is empty). kShouldWait when it can take none now; kInvalidArgs past
  // kMaxTransfer. `bytes` need stay valid only until WriteAsync returns.
  virtual void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) = 0;

  // An opaque request and its reply. kNotSupported for devices without
  // controls; kInvalidArgs past kMaxTransfer. `request` need stay valid only
  // until ControlAsync returns.
  virtual void ControlAsync(std::span<const uint8_t> request, ControlDone done) = 0;

  // Blocking forms (object.h): never on a scheduler worker.
  Result<DeviceInfo> Describe() {
    return Await<Result<DeviceInfo>>([&](DescribeDone done) { DescribeAsync(std::move(done)); });
  }
  Result<std::vector<uint8_t>> Read(size_t max_bytes) {
    return Await<Result<std::vector<uint8_t>>>(
        [&](ReadDone done) { ReadAsync(max_bytes, std::move(done)); });
  }
  Result<size_t> Write(std::span<const uint8_t> bytes) {
    return Await<Result<size_t>>([&](WriteDone done) { WriteAsync(bytes, std::move(done)); });
  }
  Result<std::vector<uint8_t>> Control(std::span<const uint8_t> request) {
    return Await<Result<std::vector<uint8_t>>>(
        [&](ControlDone done) { ControlAsync(request, std::move(done)); });
  }

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

  // Every operation answers at once, on the calling thread.
  void DescribeAsync(DescribeDone done) override;
  void ReadAsync(size_t max_bytes, ReadDone done) override;
  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override;
  void ControlAsync(std::span<const uint8_t> request, ControlDone done) override;

 private:
  explicit BasicDevice(BasicDeviceKind kind)
      : DeviceOps(ObjectType::kDevice, Signals::kReadable | Signals::kWritable), kind_(kind) {}
  const BasicDeviceKind kind_;
};

}  // namespace shoal::kernel
