// Camera modes, information and frames on the wire (Camera in
// object_rpc.capnp), shared by the camera's server and its proxy.
//
// Readers check what the bytes alone can tell: a pixel format outside
// rdev::PixelFormat or a zero rate part is kMalformed (a peer that sends one
// breaks the protocol); whether a mode is one the camera has is the camera's
// call.
#pragma once

#include "kernel/base/result.h"
#include "proto/object_rpc.capnp.h"
#include "rdev/camera.h"

namespace shoal::kernel::remote {

void WriteCameraMode(const rdev::CameraMode& mode, proto::rpc::CameraMode::Builder out);
Result<rdev::CameraMode> ReadCameraMode(proto::rpc::CameraMode::Reader in);

void WriteCameraInfo(const rdev::CameraInfo& info, proto::rpc::CameraInfo::Builder out);
Result<rdev::CameraInfo> ReadCameraInfo(proto::rpc::CameraInfo::Reader in);

// Copies the bytes into the message.
void WriteCameraFrame(const rdev::CameraFrame& frame, proto::rpc::CameraFrame::Builder out);
// Copies the bytes out of the message.
Result<rdev::CameraFrame> ReadCameraFrame(proto::rpc::CameraFrame::Reader in);

}  // namespace shoal::kernel::remote
