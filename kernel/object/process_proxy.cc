// ProcessOps through the object protocol (see object_client.h): a handle to
// a process served elsewhere.
#include <capnp/message.h>

#include "kernel/object/object_client.h"
#include "kernel/object/process_ops.h"

namespace shoal::kernel {
namespace {

class ProcessProxy final : public Proxy<ProcessOps> {
 public:
  ProcessProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kProcess, std::move(client), export_id) {}

  Result<ProcessInfo> Info() override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setProcessInfo();
    return client().Call(message, [](proto::ObjectResponse::Reader r) -> Result<ProcessInfo> {
      if (!r.getResult().isProcessInfo()) return MakeError(Status::kMalformed, "expected info");
      auto in = r.getResult().getProcessInfo();
      ProcessInfo info;
      info.pid = in.getPid();
      if (in.getExited()) {
        auto e = in.getExit();
        if (e.getReason() > kMaxExitReason) {
          return MakeError(Status::kMalformed, "unknown exit reason");
        }
        ExitStatus status = MakeExitStatus(ExitReason(e.getReason()), e.getCode());
        status.trap_message = e.getTrapMessage().cStr();
        status.fuel_used = e.getFuelUsed();
        status.cpu_ns = e.getCpuNs();
        info.exit = std::move(status);
      }
      return info;
    });
  }

  VoidResult Terminate() override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setProcessTerminate();
    return client().CallVoid(message);
  }

  VoidResult Kill() override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setProcessKill();
    return client().CallVoid(message);
  }
};

}  // namespace

Ref<KernelObject> MakeProcessProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<ProcessProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
