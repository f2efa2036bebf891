// A file on another node (File in object_rpc.capnp).
//
// Every operation is one call, answered on the loop thread when the
// response comes; nothing blocks the caller. ReadNow answers EAGAIN (a read
// must wait for the wire). Failures are the host errno the serving node
// reported; a refused right is EACCES, a gone link EHOSTUNREACH
// (ReadErrnoOutcome). A file has no signals to mirror.
#include <algorithm>

#include "kernel/object/file.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

FileAttr ReadFileAttr(proto::rpc::FileAttr::Reader in) {
  FileAttr attr;
  attr.dev = in.getDev();
  attr.ino = in.getIno();
  attr.mode = in.getMode();
  attr.nlink = in.getNlink();
  attr.size = in.getSize();
  attr.atim_ns = in.getAtimNs();
  attr.mtim_ns = in.getMtimNs();
  attr.ctim_ns = in.getCtimNs();
  return attr;
}

namespace {

class FileProxy final : public ErrnoProxy<FileOps, proto::rpc::File> {
 public:
  FileProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : ErrnoProxy(std::move(link), kj::mv(capability)) {}

  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override {
    uint64_t wanted = std::min(max_bytes, kMaxTransfer);
    Send<std::vector<uint8_t>>(
        [offset, wanted](proto::rpc::File::Client file) {
          auto request = file.readRequest();
          request.setOffset(offset);
          request.setMaxBytes(wanted);
          return request;
        },
        [](auto& response) -> ErrnoResult<std::vector<uint8_t>> {
          auto bytes = response.getBytes();
          return std::vector<uint8_t>(bytes.begin(), bytes.end());
        },
        std::move(done));
  }

  void WriteAsync(uint64_t offset, std::vector<uint8_t> bytes, WriteDone done) override {
    if (bytes.size() > kMaxTransfer) return done(HostError{EFBIG});
    auto shared = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
    Send<size_t>(
        [offset, shared](proto::rpc::File::Client file) {
          auto request = file.writeRequest();
          request.setOffset(offset);
          request.setBytes(kj::arrayPtr(shared->data(), shared->size()));
          return request;
        },
        [](auto& response) -> ErrnoResult<size_t> { return size_t(response.getWritten()); },
        std::move(done));
  }

  void SyncAsync(SyncScope scope, SyncDone done) override {
    Send<Done>(
        [scope](proto::rpc::File::Client file) {
          auto request = file.syncRequest();
          request.setDataOnly(scope == SyncScope::kDataOnly);
          return request;
        },
        [](auto&) -> ErrnoResult<Done> { return Done{}; }, std::move(done));
  }

  void StatAsync(StatDone done) override {
    Send<FileAttr>(
        [](proto::rpc::File::Client file) { return file.statRequest(); },
        [](auto& response) -> ErrnoResult<FileAttr> { return ReadFileAttr(response.getAttr()); },
        std::move(done));
  }

  void SetSizeAsync(uint64_t size, SetSizeDone done) override {
    Send<Done>(
        [size](proto::rpc::File::Client file) {
          auto request = file.setSizeRequest();
          request.setSize(size);
          return request;
        },
        [](auto&) -> ErrnoResult<Done> { return Done{}; }, std::move(done));
  }
};

}  // namespace

Ref<KernelObject> NewFileProxy(const std::shared_ptr<Link>& link,
                               proto::rpc::Object::Client capability) {
  return std::make_shared<FileProxy>(link, kj::mv(capability));
}

}  // namespace shoal::kernel::remote
