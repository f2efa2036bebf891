// The server of an exported process handle (Process in object_rpc.capnp).
//
// The process itself stays where it runs; the holder learns its pid and exit
// status through `info` and its end through the watch (kSignaled, a level
// that is never cleared).
#include "kernel/object/process_ops.h"
#include "kernel/remote/op_server.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

void WriteInfo(const ProcessInfo& info, proto::rpc::ProcessInfo::Builder out) {
  out.setPid(info.pid);
  if (!info.exit) return;
  out.setExited(true);
  auto exit = out.initExit();
  exit.setReason(uint8_t(info.exit->reason));
  exit.setCode(info.exit->code);
  exit.setTrapMessage(info.exit->trap_message);
  exit.setFuelUsed(info.exit->fuel_used);
  exit.setCpuNs(info.exit->cpu_ns);
}

class ProcessServer final : public proto::rpc::Process::Server, public OpServer {
 public:
  ProcessServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : OpServer(std::move(link), std::move(object), rights),
        process_(std::static_pointer_cast<ProcessOps>(this->object())) {}

  // Needs no right, as ProcessOps::Info.
  kj::Promise<void> info(InfoContext context) override {
    Result<ProcessInfo> info = process_->Info();
    auto results = context.getResults();
    if (info.ok()) {
      WriteInfo(*info, results.initInfo());
    } else {
      SetOutcome(results.initOutcome(), info.error());
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> terminate(TerminateContext context) override {
    return Perform(context, Rights::kManage, [&] { return process_->Terminate(); });
  }

  kj::Promise<void> kill(KillContext context) override {
    return Perform(context, Rights::kManage, [&] { return process_->Kill(); });
  }

 private:
  const Ref<ProcessOps> process_;
};

}  // namespace

kj::Own<ServerBase> NewProcessServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                     Rights rights) {
  return kj::heap<ProcessServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
