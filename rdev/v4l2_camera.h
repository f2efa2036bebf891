// The V4L2 camera: a video capture device of the host (a webcam, or the
// vivid driver in a simulator guest) as a LocalCamera (local_camera.h), its
// backend using V4L2's mmap streaming (docs/devices.md, "V4L2").
//
// Its modes are what the device enumerates in the formats Shoal reads
// (YUYV, MJPEG, RGB24): every discrete size, and for a device that
// describes a range instead, the usual webcam sizes inside it; at every
// frame interval the device lists for the size (30/1 when it lists none).
// Frames are copied out of the driver's buffers (four, queued back at once),
// so a slow reader never starves the driver; padded rows are packed. A
// frame's capture time is the driver's timestamp, moved to CLOCK_REALTIME.
#pragma once

#include <memory>
#include <string>

#include "kernel/base/result.h"
#include "rdev/local_camera.h"

namespace shoal::rdev {

// Opens the host's V4L2 device at `host_path` ("/dev/video0") and reads what
// it offers. kNotFound when there is no such file; kInvalidArgs when it is
// not a V4L2 device, cannot stream video capture, or offers none of the
// formats Shoal reads; kIoError for another failure; each says which.
Result<std::shared_ptr<LocalCamera>> OpenV4l2Camera(const std::string& host_path);

}  // namespace shoal::rdev
