// The server of an exported device (Device in object_rpc.capnp).
//
// Each call checks the capability's rights (describe needs none, read kRead,
// write kWrite, control kManage, as DeviceOps says), starts the device's
// async operation and answers from its completion, on the loop thread
// whichever thread it came on; kShouldWait travels as an outcome like any
// failure. Reads and writes may clear kReadable or kWritable, so the
// watchers are refreshed after each.
#include <kj/async.h>

#include "kernel/object/device.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class DeviceServer final : public proto::rpc::Device::Server, public ServerBase {
 public:
  DeviceServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights),
        device_(std::static_pointer_cast<DeviceOps>(this->object())) {}

  kj::Promise<void> describe(DescribeContext context) override {
    Ref<DeviceOps> device = device_;
    return Completion<Result<DeviceInfo>>(
               [&](DeviceOps::DescribeDone done) { device->DescribeAsync(std::move(done)); })
        .then([context](Result<DeviceInfo> info) mutable {
          auto results = context.getResults();
          if (!info.ok()) return SetOutcome(results.initOutcome(), info.error());
          auto out = results.initInfo();
          out.setDeviceClass(info->device_class);
          out.setName(info->name);
          auto properties = out.initProperties(uint32_t(info->properties.size()));
          for (uint32_t i = 0; i < properties.size(); ++i) {
            properties[i].setKey(info->properties[i].first);
            properties[i].setValue(info->properties[i].second);
          }
        });
  }

  kj::Promise<void> read(ReadContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    uint64_t wanted = context.getParams().getMaxBytes();
    size_t max_bytes = wanted > DeviceOps::kMaxTransfer ? DeviceOps::kMaxTransfer : size_t(wanted);
    Ref<DeviceOps> device = device_;
    return Completion<Result<std::vector<uint8_t>>>(
               [&](DeviceOps::ReadDone done) { device->ReadAsync(max_bytes, std::move(done)); })
        .then([this, context](Result<std::vector<uint8_t>> bytes) mutable {
          RefreshWatchers();
          auto results = context.getResults();
          if (!bytes.ok()) return SetOutcome(results.initOutcome(), bytes.error());
          results.setBytes(kj::arrayPtr(bytes->data(), bytes->size()));
        });
  }

  kj::Promise<void> write(WriteContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto bytes = context.getParams().getBytes();
    Ref<DeviceOps> device = device_;
    // The device reads `bytes` before WriteAsync returns; the params outlive
    // the call.
    return Completion<Result<size_t>>([&](DeviceOps::WriteDone done) {
             device->WriteAsync(std::span<const uint8_t>(bytes.begin(), bytes.size()),
                                std::move(done));
           })
        .then([this, context](Result<size_t> consumed) mutable {
          RefreshWatchers();
          auto results = context.getResults();
          if (!consumed.ok()) return SetOutcome(results.initOutcome(), consumed.error());
          results.setWritten(*consumed);
        });
  }

  kj::Promise<void> control(ControlContext context) override {
    if (!Allowed(context, Require(Rights::kManage))) return kj::READY_NOW;
    auto request = context.getParams().getRequest();
    Ref<DeviceOps> device = device_;
    return Completion<Result<std::vector<uint8_t>>>([&](DeviceOps::ControlDone done) {
             device->ControlAsync(std::span<const uint8_t>(request.begin(), request.size()),
                                  std::move(done));
           })
        .then([this, context](Result<std::vector<uint8_t>> reply) mutable {
          RefreshWatchers();
          auto results = context.getResults();
          if (!reply.ok()) return SetOutcome(results.initOutcome(), reply.error());
          results.setReply(kj::arrayPtr(reply->data(), reply->size()));
        });
  }

 private:
  const Ref<DeviceOps> device_;
};

}  // namespace

kj::Own<ServerBase> NewDeviceServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                    Rights rights) {
  return kj::heap<DeviceServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
