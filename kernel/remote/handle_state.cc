#include "kernel/remote/handle_state.h"

#include <string>

#include "rdev/camera.h"

namespace shoal::kernel::remote {

void WriteHandleState(KernelObject& object, proto::rpc::HandleState::Builder out) {
  if (object.type() != ObjectType::kCamera) return;
  std::optional<uint64_t> last_read = static_cast<rdev::CameraOps&>(object).LastRead();
  if (last_read.has_value()) out.setCameraLastRead(*last_read);
}

Result<HandleState> ReadHandleState(proto::rpc::HandleState::Reader in) {
  switch (in.which()) {
    case proto::rpc::HandleState::NONE:
      return HandleState{};
    case proto::rpc::HandleState::CAMERA_LAST_READ:
      return HandleState{.camera_last_read = in.getCameraLastRead()};
  }
  return MakeError(Status::kMalformed, "a received handle carries state of an unknown kind");
}

VoidResult ApplyHandleState(KernelObject& object, const HandleState& state) {
  if (!state.camera_last_read.has_value()) return Ok();
  if (object.type() != ObjectType::kCamera) {
    return MakeError(Status::kMalformed, "a received " +
                                             std::string(ObjectTypeName(object.type())) +
                                             " handle carries a camera reader's position");
  }
  static_cast<rdev::CameraOps&>(object).ResumeAfter(*state.camera_last_read);
  return Ok();
}

}  // namespace shoal::kernel::remote
