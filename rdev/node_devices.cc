#include "rdev/node_devices.h"

#include <algorithm>
#include <array>

#include "rdev/alsa_audio.h"
#include "rdev/synthetic_audio.h"
#include "rdev/synthetic_camera.h"
#include "rdev/v4l2_camera.h"

namespace shoal::rdev {
namespace {

constexpr std::string_view kSyntheticCamera = "synthetic-camera";
constexpr std::string_view kV4l2 = "v4l2";
constexpr std::string_view kSyntheticTone = "synthetic-tone";
constexpr std::string_view kWavSink = "wav-sink";
constexpr std::string_view kAlsaPlayback = "alsa-playback";
constexpr std::string_view kAlsaCapture = "alsa-capture";
constexpr std::string_view kBackends[] = {kSyntheticCamera, kV4l2,         kSyntheticTone,
                                          kWavSink,         kAlsaPlayback, kAlsaCapture};

// The kernel's own devices, which every node kernel binds itself
// (kernel/proc): path and kind.
constexpr std::array<std::pair<std::string_view, std::string_view>, 3> kBasicDevices = {{
    {"/dev/null", "null"},
    {"/dev/random", "random"},
    {"/dev/zero", "zero"},
}};

bool IsBasicDevicePath(std::string_view path) {
  return std::any_of(kBasicDevices.begin(), kBasicDevices.end(),
                     [&](const auto& basic) { return basic.first == path; });
}

// An audio device's listing; its configuration is its one mode.
DeviceListing ListAudio(const std::string& path, const LocalAudioDevice& audio) {
  DeviceListing listing{path, "audio", "", {}, audio.sessions()};
  // An unplugged device answers nothing more; it is listed without a mode.
  if (Result<AudioInfo> info = audio.Info(); info.ok()) {
    listing.kind = info->direction == AudioDirection::kPlayback ? "audio-sink" : "audio-source";
    listing.driver = info->driver;
    listing.modes.push_back(FormatAudioConfig(info->config));
  }
  return listing;
}

}  // namespace

struct NodeDevices::Device {
  DeviceSpec spec;
  // One of these is set.
  std::shared_ptr<LocalCamera> camera;
  std::shared_ptr<LocalAudioDevice> audio;

  Ref<kernel::Provider> provider() const { return camera ? camera->provider() : audio->provider(); }
};

Result<DeviceSpec> ParseDeviceSpec(std::string_view text) {
  auto invalid = [&](std::string why) {
    return MakeError(Status::kInvalidArgs, "device \"" + std::string(text) + "\": " + why);
  };
  size_t equals = text.find('=');
  if (equals == std::string_view::npos) return invalid("expected PATH=BACKEND[:OPTIONS]");
  DeviceSpec spec;
  Result<std::string> path = kernel::Namespace::CheckPath(text.substr(0, equals));
  if (!path.ok()) return invalid(path.error().message);
  spec.path = std::move(*path);
  if (!spec.path.starts_with("/dev/") || spec.path.size() == 5) {
    return invalid("the path must name something below /dev/");
  }
  std::string_view rest = text.substr(equals + 1);
  size_t colon = rest.find(':');
  spec.backend = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) spec.options = std::string(rest.substr(colon + 1));
  if (std::find(std::begin(kBackends), std::end(kBackends), spec.backend) == std::end(kBackends)) {
    return invalid("unknown backend \"" + spec.backend +
                   "\" (synthetic-camera, v4l2, synthetic-tone, wav-sink, alsa-playback,"
                   " alsa-capture)");
  }
  if (spec.backend == kV4l2 && spec.options.empty()) {
    return invalid("v4l2 needs the host's device path (v4l2:/dev/video0)");
  }
  if ((spec.backend == kAlsaPlayback || spec.backend == kAlsaCapture) && spec.options.empty()) {
    return invalid(spec.backend + " needs an ALSA PCM name (" + spec.backend + ":hw:0,0)");
  }
  if (spec.backend == kWavSink && spec.options.empty()) {
    return invalid("wav-sink needs the host's file path (wav-sink:/tmp/out.wav)");
  }
  if (spec.backend == kSyntheticTone) {
    if (Result<uint32_t> hz = ParseToneHz(spec.options); !hz.ok()) {
      return invalid(hz.error().message);
    }
  }
  return spec;
}

NodeDevices::NodeDevices() = default;
NodeDevices::~NodeDevices() = default;

VoidResult NodeDevices::Add(const DeviceSpec& spec) {
  bool taken = IsBasicDevicePath(spec.path) ||
               std::any_of(devices_.begin(), devices_.end(),
                           [&](const auto& device) { return device->spec.path == spec.path; });
  if (taken) return MakeError(Status::kAlreadyExists, spec.path + " is taken");
  auto device = std::make_unique<Device>();
  device->spec = spec;
  if (spec.backend == kSyntheticCamera) {
    device->camera =
        CreateSyntheticCamera(spec.options.empty() ? "Synthetic camera" : spec.options);
  } else if (spec.backend == kSyntheticTone) {
    device->audio = CreateToneSource(TRY(ParseToneHz(spec.options)));
  } else if (spec.backend == kWavSink) {
    device->audio = TRY(CreateWavSink(spec.options));
  } else if (spec.backend == kAlsaPlayback) {
    device->audio = TRY(OpenAlsaDevice(AudioDirection::kPlayback, spec.options));
  } else if (spec.backend == kAlsaCapture) {
    device->audio = TRY(OpenAlsaDevice(AudioDirection::kCapture, spec.options));
  } else if (spec.backend == kV4l2) {
    device->camera = TRY(OpenV4l2Camera(spec.options));
  } else {
    return MakeError(Status::kInvalidArgs, "unknown device backend \"" + spec.backend + "\"");
  }
  devices_.push_back(std::move(device));
  return Ok();
}

VoidResult NodeDevices::BindAll(kernel::Namespace& root) {
  for (const auto& device : devices_) TRY(root.Bind(device->spec.path, device->provider()));
  return Ok();
}

std::vector<DeviceListing> NodeDevices::List() const {
  std::vector<DeviceListing> listings;
  for (const auto& [path, kind] : kBasicDevices) {
    listings.push_back({std::string(path), std::string(kind), "kernel", {}, 0});
  }
  for (const auto& device : devices_) {
    if (device->audio) {
      listings.push_back(ListAudio(device->spec.path, *device->audio));
      continue;
    }
    DeviceListing listing{device->spec.path, "camera", "", {}, 0};
    // An unplugged camera answers nothing more; it is listed without modes.
    if (Result<CameraInfo> info = device->camera->Info(); info.ok()) {
      listing.driver = info->driver;
      for (const CameraMode& mode : info->modes) listing.modes.push_back(FormatMode(mode));
      listing.open_handles = info->sessions;
    }
    listings.push_back(std::move(listing));
  }
  std::sort(listings.begin(), listings.end(),
            [](const auto& a, const auto& b) { return a.path < b.path; });
  return listings;
}

}  // namespace shoal::rdev
