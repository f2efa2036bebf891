// FileOps through the object protocol (see object_client.h). Every operation
// is asynchronous end to end: `done` runs when the server's answer arrives,
// which it sends from the real file's completion for reads, writes and syncs.
#include <capnp/message.h>

#include "kernel/object/file.h"
#include "kernel/object/fs_proxy.h"

namespace shoal::kernel {

int ErrnoFromStatus(Status status) {
  switch (status) {
    case Status::kBadHandle:
    case Status::kWrongType:
      return EBADF;
    case Status::kAccessDenied:
      return kErrnoNotCapable;
    case Status::kInvalidArgs:
      return EINVAL;
    case Status::kNoMemory:
      return ENOMEM;
    case Status::kNotSupported:
      return ENOTSUP;
    default:
      return EIO;
  }
}

FileAttr AttrFromWire(proto::FileAttr::Reader in) {
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

class FileProxy final : public Proxy<FileOps> {
 public:
  FileProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kFile, std::move(client), export_id) {}

  void ReadAsync(uint64_t offset, size_t max_bytes, ReadDone done) override {
    capnp::MallocMessageBuilder message;
    auto read = NewRequest(message).initFileRead();
    read.setOffset(offset);
    read.setMaxBytes(std::min(max_bytes, kMaxTransfer));
    FsCallAsync<std::vector<uint8_t>>(
        client(), message,
        [](proto::ObjectResponse::Reader r) -> ErrnoResult<std::vector<uint8_t>> {
          if (!r.getResult().isData()) return HostError{EIO};
          auto data = r.getResult().getData();
          return std::vector<uint8_t>(data.begin(), data.end());
        },
        std::move(done));
  }

  void WriteAsync(uint64_t offset, std::vector<uint8_t> bytes, WriteDone done) override {
    if (bytes.size() > kMaxTransfer) return done(HostError{EFBIG});
    capnp::MallocMessageBuilder message;
    auto write = NewRequest(message).initFileWrite();
    write.setOffset(offset);
    write.setBytes(kj::arrayPtr(bytes.data(), bytes.size()));
    FsCallAsync<size_t>(
        client(), message,
        [](proto::ObjectResponse::Reader r) -> ErrnoResult<size_t> {
          if (!r.getResult().isCount()) return HostError{EIO};
          return size_t(r.getResult().getCount());
        },
        std::move(done));
  }

  void SyncAsync(bool data_only, SyncDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setFileSync(data_only);
    FsCallAsync<Done>(
        client(), message, [](auto) -> ErrnoResult<Done> { return Done{}; }, std::move(done));
  }

  void StatAsync(StatDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setStat();
    FsCallAsync<FileAttr>(
        client(), message,
        [](proto::ObjectResponse::Reader r) -> ErrnoResult<FileAttr> {
          if (!r.getResult().isAttr()) return HostError{EIO};
          return AttrFromWire(r.getResult().getAttr());
        },
        std::move(done));
  }

  void SetSizeAsync(uint64_t size, SetSizeDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setFileSetSize(size);
    FsCallAsync<Done>(
        client(), message, [](auto) -> ErrnoResult<Done> { return Done{}; }, std::move(done));
  }
};

}  // namespace

Ref<KernelObject> MakeFileProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<FileProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
