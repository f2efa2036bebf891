// A device on another node (Device in object_rpc.capnp).
//
// Every operation is one call, answered on the loop thread when the
// response comes; nothing blocks the caller. kShouldWait from the serving
// node is an answer like any other: the reader then observes the signals,
// which mirror the device's through a watch (MirroredProxy); a gone link
// sets kPeerClosed and fails calls with kPeerGone.
#include "kernel/object/device.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {
namespace {

class DeviceProxy final : public MirroredProxy<DeviceOps> {
 public:
  DeviceProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : MirroredProxy(std::move(link), kj::mv(capability)) {}
  using MirroredProxy::Start;

  void DescribeAsync(DescribeDone done) override {
    Call<proto::rpc::Device, Result<DeviceInfo>>(
        [](proto::rpc::Device::Client device) { return device.describeRequest(); },
        [](auto& response) -> Result<DeviceInfo> {
          TRY(ReadOutcome(response.getOutcome()));
          auto in = response.getInfo();
          DeviceInfo info;
          info.device_class = in.getDeviceClass().cStr();
          info.name = in.getName().cStr();
          for (auto property : in.getProperties()) {
            info.properties.emplace_back(property.getKey().cStr(), property.getValue().cStr());
          }
          return info;
        },
        std::move(done));
  }

  void ReadAsync(size_t max_bytes, ReadDone done) override {
    uint64_t wanted = max_bytes > kMaxTransfer ? kMaxTransfer : max_bytes;
    Call<proto::rpc::Device, Result<std::vector<uint8_t>>>(
        [wanted](proto::rpc::Device::Client device) {
          auto request = device.readRequest();
          request.setMaxBytes(wanted);
          return request;
        },
        [](auto& response) -> Result<std::vector<uint8_t>> {
          TRY(ReadOutcome(response.getOutcome()));
          auto bytes = response.getBytes();
          return std::vector<uint8_t>(bytes.begin(), bytes.end());
        },
        std::move(done));
  }

  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override {
    if (bytes.size() > kMaxTransfer) {
      return done(MakeError(Status::kInvalidArgs, "a device write moves at most 64 KiB"));
    }
    auto copy = std::make_shared<std::vector<uint8_t>>(bytes.begin(), bytes.end());
    Call<proto::rpc::Device, Result<size_t>>(
        [copy](proto::rpc::Device::Client device) {
          auto request = device.writeRequest();
          request.setBytes(kj::arrayPtr(copy->data(), copy->size()));
          return request;
        },
        [](auto& response) -> Result<size_t> {
          TRY(ReadOutcome(response.getOutcome()));
          return size_t(response.getWritten());
        },
        std::move(done));
  }

  void ControlAsync(std::span<const uint8_t> request, ControlDone done) override {
    if (request.size() > kMaxTransfer) {
      return done(MakeError(Status::kInvalidArgs, "a device control moves at most 64 KiB"));
    }
    auto copy = std::make_shared<std::vector<uint8_t>>(request.begin(), request.end());
    Call<proto::rpc::Device, Result<std::vector<uint8_t>>>(
        [copy](proto::rpc::Device::Client device) {
          auto out = device.controlRequest();
          out.setRequest(kj::arrayPtr(copy->data(), copy->size()));
          return out;
        },
        [](auto& response) -> Result<std::vector<uint8_t>> {
          TRY(ReadOutcome(response.getOutcome()));
          auto reply = response.getReply();
          return std::vector<uint8_t>(reply.begin(), reply.end());
        },
        std::move(done));
  }
};

}  // namespace

Ref<KernelObject> NewDeviceProxy(const std::shared_ptr<Link>& link,
                                 proto::rpc::Object::Client capability) {
  auto proxy = std::make_shared<DeviceProxy>(link, kj::mv(capability));
  proxy->Start(proxy);
  return proxy;
}

}  // namespace shoal::kernel::remote
