// The table of `shoal` host functions, and what every handler shares.
#include <algorithm>

#include "kernel/abi/abi.h"

namespace shoal::kernel::abi {
namespace {

// Sorted by name (FindAbiFunction uses binary search; a test checks the order).
constexpr AbiFunctionSpec kFunctions[] = {
    {"audio_configure", "iiiiii", AudioConfigure},
    {"audio_drain", "i", AudioDrain},
    {"audio_info", "iii", AudioGetInfo},
    {"audio_read", "iiiii", AudioRead},
    {"audio_start", "i", AudioStart},
    {"audio_status", "ii", AudioGetStatus},
    {"audio_stop", "i", AudioStop},
    {"audio_write", "iiii", AudioWrite},
    {"camera_configure", "iiiiii", CameraConfigure},
    {"camera_info", "iii", CameraGetInfo},
    {"camera_read", "iiiii", CameraRead},
    {"camera_start", "i", CameraStart},
    {"camera_stop", "i", CameraStop},
    {"channel_create", "i", ChannelCreate},
    {"channel_read", "iiiiiii", ChannelRead},
    {"channel_write", "iiiii", ChannelWrite},
    {"device_control", "iiiii", DeviceControl},
    {"device_describe", "iii", DeviceDescribe},
    {"device_read", "iiii", DeviceRead},
    {"device_write", "iiii", DeviceWrite},
    {"fd_from_handle", "i", FdFromHandle},
    {"handle_close", "i", HandleClose},
    {"handle_duplicate", "ii", HandleDuplicate},
    {"handle_from_fd", "i", HandleFromFd},
    {"handle_replace", "ii", HandleReplace},
    {"namespace_open", "iiii", NamespaceOpen},
    {"object_wait_one", "iiIi", ObjectWaitOne},
    {"port_cancel", "iI", PortCancel},
    {"port_create", "", PortCreate},
    {"port_queue", "iI", PortQueue},
    {"port_wait", "iii", PortWait},
    {"port_wait_async", "iiiI", PortWaitAsync},
    {"process_kill", "i", ProcessKill},
    {"process_spawn", "iiiiii", ProcessSpawn},
    {"process_spawn_on", "iiiiiii", ProcessSpawnOn},
    {"process_terminate", "i", ProcessTerminate},
    {"process_wait", "iii", ProcessWait},
    {"process_watch_terminate", "iI", ProcessWatchTerminate},
    {"startup_handle", "i", StartupHandle},
    {"timer_cancel", "i", TimerCancel},
    {"timer_create", "", TimerCreate},
    {"timer_set", "iI", TimerSet},
};

}  // namespace

std::span<const AbiFunctionSpec> AbiFunctions() { return kFunctions; }

const AbiFunctionSpec* FindAbiFunction(std::string_view name) {
  auto it =
      std::lower_bound(std::begin(kFunctions), std::end(kFunctions), name,
                       [](const AbiFunctionSpec& s, std::string_view n) { return s.name < n; });
  return it != std::end(kFunctions) && it->name == name ? it : nullptr;
}

int32_t Dispatch(const AbiFunctionSpec& spec, AbiCall& call) {
  if (call.args.size() != spec.params.size()) return -int32_t(Status::kInvalidArgs);
  Result<int32_t> result = spec.handler(call);
  if (!result.ok()) return -int32_t(result.error().status);
  return *result;
}

Result<std::span<uint8_t>> AbiCall::Bytes(uint64_t addr, uint64_t len) const {
  std::optional<std::span<uint8_t>> bytes = memory.Bytes(addr, len);
  if (!bytes) return MakeError(Status::kOutOfBounds, "guest range out of bounds");
  return *bytes;
}

VoidResult AbiCall::Store32(uint64_t addr, uint32_t value) const {
  if (memory.Store32(addr, value) != wasi::Errno::kSuccess) {
    return MakeError(Status::kOutOfBounds, "guest range out of bounds");
  }
  return {};
}

}  // namespace shoal::kernel::abi
