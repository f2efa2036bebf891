// CameraPreview: frames of a camera handle as Admin.WatchCamera streams
// them (admin.proto): a session of its own, configured to a mode if asked,
// read as a process reads it (waiting on kReadable, never polling), capped
// in rate, until the caller has enough or cancels.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>

#include "kernel/object/object.h"
#include "proto/admin.pb.h"

namespace shoal::clusterd {

// Streams frames of `camera` (a handle entry of any object: not a camera
// is FAILED_PRECONDITION) to `write`, which returns false to stop; stops
// too when `cancelled()` says so (checked at least every second). Returns
// how it ended: OK after `count` frames or a stop, else the camera's error
// as a gRPC status.
grpc::Status StreamCameraFrames(const kernel::HandleEntry& camera,
                                const shoal::admin::v1::WatchCameraRequest& request,
                                const std::function<bool(const shoal::admin::v1::CameraFrame&)>& write,
                                const std::function<bool()>& cancelled);

}  // namespace shoal::clusterd
