// The synthetic camera: a camera without hardware (docs/devices.md), for
// tests, the simulator and nodes with no real camera. It is a LocalCamera
// (local_camera.h) whose backend paints the moving test pattern of
// synthetic_pattern.h (JPEG-encoded for MJPEG modes: synthetic_jpeg.h) at
// the mode's rate, paced by absolute deadlines on the steady clock, each
// frame stamped with its sequence number and capture time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "rdev/local_camera.h"

namespace shoal::rdev {

// Every mode, in Info's order: YUYV, RGB24 then MJPEG, each at 320x240,
// 640x480, 1280x720 and 1920x1080, each at 30/1 then 15/1. A new camera is in
// CameraMode{} (YUYV 640x480 30/1).
std::vector<CameraMode> SyntheticCameraModes();

// `name` is what Info reports.
std::shared_ptr<LocalCamera> CreateSyntheticCamera(std::string name = "Synthetic camera");

}  // namespace shoal::rdev
