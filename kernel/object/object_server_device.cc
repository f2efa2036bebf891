// ObjectServer: device and process operations (see object_server.h).
#include <algorithm>

#include "kernel/object/device.h"
#include "kernel/object/object_server.h"
#include "kernel/object/process_ops.h"

namespace shoal::kernel {
namespace {

std::span<const uint8_t> AsSpan(capnp::Data::Reader data) { return {data.begin(), data.size()}; }

kj::ArrayPtr<const uint8_t> AsData(const std::vector<uint8_t>& bytes) {
  return kj::arrayPtr(bytes.data(), bytes.size());
}

}  // namespace

VoidResult ObjectServer::ServeDevice(uint64_t target, proto::ObjectRequest::Reader request,
                                     proto::ObjectResponse::Builder response) {
  switch (request.which()) {
    case proto::ObjectRequest::DEVICE_DESCRIBE: {
      auto device = TRY(LookupAs<DeviceOps>(target, Rights::kNone));
      DeviceInfo info = TRY(device->Describe());
      auto out = response.getResult().initDeviceInfo();
      out.setDeviceClass(info.device_class);
      out.setName(info.name);
      auto properties = out.initProperties(uint32_t(info.properties.size()));
      for (uint32_t i = 0; i < info.properties.size(); ++i) {
        properties[i].setKey(info.properties[i].first);
        properties[i].setValue(info.properties[i].second);
      }
      return Ok();
    }
    case proto::ObjectRequest::DEVICE_READ: {
      auto device = TRY(LookupAs<DeviceOps>(target, Rights::kRead));
      size_t max = size_t(std::min<uint64_t>(request.getDeviceRead(), DeviceOps::kMaxTransfer));
      std::vector<uint8_t> bytes = TRY(device->Read(max));
      response.getResult().setData(AsData(bytes));
      return Ok();
    }
    case proto::ObjectRequest::DEVICE_WRITE: {
      auto device = TRY(LookupAs<DeviceOps>(target, Rights::kWrite));
      size_t n = TRY(device->Write(AsSpan(request.getDeviceWrite())));
      response.getResult().setCount(n);
      return Ok();
    }
    default: {
      auto device = TRY(LookupAs<DeviceOps>(target, Rights::kManage));
      std::vector<uint8_t> reply = TRY(device->Control(AsSpan(request.getDeviceControl())));
      response.getResult().setData(AsData(reply));
      return Ok();
    }
  }
}

VoidResult ObjectServer::ServeProcess(uint64_t target, proto::ObjectRequest::Reader request,
                                      proto::ObjectResponse::Builder response) {
  switch (request.which()) {
    case proto::ObjectRequest::PROCESS_INFO: {
      auto process = TRY(LookupAs<ProcessOps>(target, Rights::kNone));
      ProcessInfo info = TRY(process->Info());
      auto out = response.getResult().initProcessInfo();
      out.setPid(info.pid);
      out.setExited(info.exit.has_value());
      if (info.exit) {
        auto e = out.initExit();
        e.setReason(uint8_t(info.exit->reason));
        e.setCode(info.exit->code);
        e.setTrapMessage(info.exit->trap_message);
        e.setFuelUsed(info.exit->fuel_used);
        e.setCpuNs(info.exit->cpu_ns);
      }
      return Ok();
    }
    case proto::ObjectRequest::PROCESS_TERMINATE: {
      auto process = TRY(LookupAs<ProcessOps>(target, Rights::kManage));
      return process->Terminate();
    }
    default: {
      auto process = TRY(LookupAs<ProcessOps>(target, Rights::kManage));
      return process->Kill();
    }
  }
}

}  // namespace shoal::kernel
