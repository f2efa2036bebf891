// The server of an exported file (File in object_rpc.capnp).
//
// Each call checks the capability's rights (read and stat need kRead; write,
// sync and setSize need kWrite, as FileOps says), starts the file's async
// operation and answers from its completion, which may come on another
// thread (the io_uring reactor's): it crosses back to the loop thread
// through a cross-thread fulfiller. A read the page cache can serve is
// answered at once, on the loop thread, straight into the response
// (FileOps::ReadNow never waits for a device): two thread hand-offs fewer
// than a trip through the reactor. Failures travel as the host errno.
// Files have no signals, so there is nothing for the watchers to refresh.
#include <capnp/orphan.h>
#include <kj/async.h>

#include <algorithm>
#include <span>

#include "kernel/object/file.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

void WriteFileAttr(const FileAttr& attr, proto::rpc::FileAttr::Builder out) {
  out.setDev(attr.dev);
  out.setIno(attr.ino);
  out.setMode(attr.mode);
  out.setNlink(attr.nlink);
  out.setSize(attr.size);
  out.setAtimNs(attr.atim_ns);
  out.setMtimNs(attr.mtim_ns);
  out.setCtimNs(attr.ctim_ns);
}

namespace {

class FileServer final : public proto::rpc::File::Server, public ServerBase {
 public:
  FileServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights),
        file_(std::static_pointer_cast<FileOps>(this->object())) {}

  kj::Promise<void> read(ReadContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    auto params = context.getParams();
    uint64_t offset = params.getOffset();
    size_t max_bytes = size_t(std::min<uint64_t>(params.getMaxBytes(), FileOps::kMaxTransfer));
    auto results = context.getResults();
    auto buffer = capnp::Orphanage::getForMessageContaining(results).newOrphan<capnp::Data>(
        uint32_t(max_bytes));
    ErrnoResult<size_t> now =
        file_->ReadNow(offset, std::span<uint8_t>(buffer.get().begin(), buffer.get().size()));
    // Truncating gives the unused tail back to the response (a dropped
    // orphan would still travel as zeros).
    buffer.truncate(now.ok() ? uint32_t(*now) : 0);
    if (now.ok()) {
      results.adoptBytes(kj::mv(buffer));
      return kj::READY_NOW;
    }
    if (now.error() != EAGAIN) {
      SetErrnoOutcome(results.initOutcome(), now.error());
      return kj::READY_NOW;
    }
    // The reactor's answer is copied into the response below.
    Ref<FileOps> file = file_;
    return Completion<ErrnoResult<std::vector<uint8_t>>>(
               [&](FileOps::ReadDone done) { file->ReadAsync(offset, max_bytes, std::move(done)); })
        .then([context](ErrnoResult<std::vector<uint8_t>> bytes) mutable {
          auto results = context.getResults();
          if (!bytes.ok()) return SetErrnoOutcome(results.initOutcome(), bytes.error());
          results.setBytes(kj::arrayPtr(bytes->data(), bytes->size()));
        });
  }

  kj::Promise<void> write(WriteContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto params = context.getParams();
    auto data = params.getBytes();
    if (data.size() > FileOps::kMaxTransfer) {
      SetErrnoOutcome(context.getResults().initOutcome(), EFBIG);
      return kj::READY_NOW;
    }
    uint64_t offset = params.getOffset();
    std::vector<uint8_t> bytes(data.begin(), data.end());
    Ref<FileOps> file = file_;
    return Completion<ErrnoResult<size_t>>([&](FileOps::WriteDone done) {
             file->WriteAsync(offset, std::move(bytes), std::move(done));
           })
        .then([context](ErrnoResult<size_t> written) mutable {
          auto results = context.getResults();
          if (!written.ok()) return SetErrnoOutcome(results.initOutcome(), written.error());
          results.setWritten(*written);
        });
  }

  kj::Promise<void> sync(SyncContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    SyncScope scope = context.getParams().getDataOnly() ? SyncScope::kDataOnly : SyncScope::kAll;
    Ref<FileOps> file = file_;
    return Completion<ErrnoResult<Done>>(
               [&](FileOps::SyncDone done) { file->SyncAsync(scope, std::move(done)); })
        .then([context](ErrnoResult<Done> synced) mutable {
          if (!synced.ok()) SetErrnoOutcome(context.getResults().initOutcome(), synced.error());
        });
  }

  kj::Promise<void> stat(StatContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    Ref<FileOps> file = file_;
    return Completion<ErrnoResult<FileAttr>>(
               [&](FileOps::StatDone done) { file->StatAsync(std::move(done)); })
        .then([context](ErrnoResult<FileAttr> attr) mutable {
          auto results = context.getResults();
          if (!attr.ok()) return SetErrnoOutcome(results.initOutcome(), attr.error());
          WriteFileAttr(*attr, results.initAttr());
        });
  }

  kj::Promise<void> setSize(SetSizeContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    uint64_t size = context.getParams().getSize();
    Ref<FileOps> file = file_;
    return Completion<ErrnoResult<Done>>(
               [&](FileOps::SetSizeDone done) { file->SetSizeAsync(size, std::move(done)); })
        .then([context](ErrnoResult<Done> resized) mutable {
          if (!resized.ok()) SetErrnoOutcome(context.getResults().initOutcome(), resized.error());
        });
  }

 private:
  const Ref<FileOps> file_;
};

}  // namespace

kj::Own<ServerBase> NewFileServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                  Rights rights) {
  return kj::heap<FileServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
