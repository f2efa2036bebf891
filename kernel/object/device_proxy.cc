// DeviceOps through the object protocol (see object_client.h). Each
// operation still waits for its answer before calling `done`.
#include <capnp/message.h>

#include "kernel/object/device.h"
#include "kernel/object/object_client.h"

namespace shoal::kernel {
namespace {

std::vector<uint8_t> CopyData(capnp::Data::Reader data) { return {data.begin(), data.end()}; }

Result<std::vector<uint8_t>> ReadData(proto::ObjectResponse::Reader r) {
  if (!r.getResult().isData()) return MakeError(Status::kMalformed, "expected bytes");
  return CopyData(r.getResult().getData());
}

class DeviceProxy final : public Proxy<DeviceOps> {
 public:
  DeviceProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kDevice, std::move(client), export_id) {}

  void DescribeAsync(DescribeDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDeviceDescribe();
    done(client().Call(message, [](proto::ObjectResponse::Reader r) -> Result<DeviceInfo> {
      if (!r.getResult().isDeviceInfo()) return MakeError(Status::kMalformed, "expected info");
      auto in = r.getResult().getDeviceInfo();
      DeviceInfo info;
      info.device_class = in.getDeviceClass().cStr();
      info.name = in.getName().cStr();
      for (auto p : in.getProperties()) {
        info.properties.emplace_back(p.getKey().cStr(), p.getValue().cStr());
      }
      return info;
    }));
  }

  void ReadAsync(size_t max_bytes, ReadDone done) override { done(CallRead(max_bytes)); }
  void WriteAsync(std::span<const uint8_t> bytes, WriteDone done) override {
    done(CallWrite(bytes));
  }
  void ControlAsync(std::span<const uint8_t> request, ControlDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDeviceControl(kj::arrayPtr(request.data(), request.size()));
    done(client().Call(message, ReadData));
  }

 private:
  Result<std::vector<uint8_t>> CallRead(size_t max_bytes) {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDeviceRead(max_bytes);
    std::vector<uint8_t> bytes = TRY(client().Call(message, ReadData));
    if (bytes.size() > max_bytes) return MakeError(Status::kMalformed, "device read overran");
    return bytes;
  }

  Result<size_t> CallWrite(std::span<const uint8_t> bytes) {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDeviceWrite(kj::arrayPtr(bytes.data(), bytes.size()));
    uint64_t n =
        TRY(client().Call(message, [](proto::ObjectResponse::Reader r) -> Result<uint64_t> {
          if (!r.getResult().isCount()) return MakeError(Status::kMalformed, "expected a count");
          return r.getResult().getCount();
        }));
    if (n > bytes.size()) return MakeError(Status::kMalformed, "device consumed more than sent");
    return size_t(n);
  }
};

}  // namespace

Ref<KernelObject> MakeDeviceProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<DeviceProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
