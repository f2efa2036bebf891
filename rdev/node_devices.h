// NodeDevices: the devices one node serves from its own hardware or
// backends (docs/devices.md): what shoald binds under /dev in its kernel's
// root namespace, and what ListDevices reports for the node.
//
// A device is configured as "PATH=BACKEND[:OPTIONS]", for example
// "/dev/video0=synthetic-camera" or "/dev/video0=v4l2:/dev/video0"
// (`shoald --device`, the `devices` list of the config file). Backends:
//   synthetic-camera[:NAME]  a deterministic test pattern (synthetic_camera.h)
//   v4l2:HOSTPATH            a V4L2 capture device of the host (v4l2_camera.h)
//   synthetic-tone[:HZ]      a sine capture device (synthetic_audio.h)
//   wav-sink:HOSTPATH        a playback device writing a WAV file of the host
//   alsa-playback:PCM        an ALSA playback PCM of the host (alsa_audio.h)
//   alsa-capture:PCM         an ALSA capture PCM of the host
// The kernel's own /dev/null, /dev/zero and /dev/random are listed too.
//
// Threading: Add and BindAll before the node serves; List from any thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/base/result.h"
#include "kernel/object/namespace.h"
#include "kernel/object/provider.h"

namespace shoal::rdev {

// One configured device: where it is bound and what serves it.
struct DeviceSpec {
  std::string path;     // "/dev/video0": a normal-form path below /dev/.
  std::string backend;  // "synthetic-camera", "v4l2", "synthetic-tone", "wav-sink", "alsa-...".
  std::string options;  // Backend-specific, "" for none.
};

// Parses "PATH=BACKEND[:OPTIONS]"; kInvalidArgs says what is wrong (a path
// not below /dev/, an unknown backend).
Result<DeviceSpec> ParseDeviceSpec(std::string_view text);

// What ListDevices shows of one device.
struct DeviceListing {
  std::string path;    // "/dev/video0".
  std::string kind;    // "camera", "audio-sink", "audio-source", "null", "zero", "random".
  std::string driver;  // "synthetic", "v4l2", "wav", "alsa", "kernel".
  // FormatMode of each mode (cameras), FormatAudioConfig of the current
  // configuration (audio); empty otherwise.
  std::vector<std::string> modes;
  uint32_t open_handles = 0;  // Handles open on it anywhere (sessions, for a camera).
};

class NodeDevices {
 public:
  NodeDevices();
  ~NodeDevices();
  NodeDevices(const NodeDevices&) = delete;
  NodeDevices& operator=(const NodeDevices&) = delete;

  // Creates the backend of `spec`. kAlreadyExists for a path taken (also by
  // the kernel's basic devices), the backend's error when it cannot start
  // (a missing host device).
  VoidResult Add(const DeviceSpec& spec);

  // Binds every added device at its path in `root` (the node kernel's root
  // namespace, which already holds the basic devices).
  VoidResult BindAll(kernel::Namespace& root);

  // The basic devices and every added one, by path.
  std::vector<DeviceListing> List() const;

 private:
  struct Device;
  std::vector<std::unique_ptr<Device>> devices_;
};

}  // namespace shoal::rdev
