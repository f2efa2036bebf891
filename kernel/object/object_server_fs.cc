// ObjectServer: file and directory operations (see object_server.h).
//
// The protocol is synchronous today (object_client.h), so a file's
// asynchronous Read/Write/Sync is awaited here, on the serving thread, until
// its completion runs on the reactor; the transport that answers later will
// reply from the completion instead.
#include <string>

#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/object_server.h"

namespace shoal::kernel {
namespace {

std::string_view AsView(capnp::Text::Reader text) { return {text.cStr(), text.size()}; }

// Writes a failed file operation into `response`; returns whether it failed.
template <typename T>
bool Failed(const ErrnoResult<T>& result, proto::ObjectResponse::Builder response) {
  if (result.ok()) return false;
  response.setStatus(uint8_t(Status::kIoError));
  response.setHostErrno(result.error());
  response.setMessage("file operation failed with errno " + std::to_string(result.error()));
  return true;
}

void SetAttr(const FileAttr& attr, proto::FileAttr::Builder out) {
  out.setDev(attr.dev);
  out.setIno(attr.ino);
  out.setMode(attr.mode);
  out.setNlink(attr.nlink);
  out.setSize(attr.size);
  out.setAtimNs(attr.atim_ns);
  out.setMtimNs(attr.mtim_ns);
  out.setCtimNs(attr.ctim_ns);
}

// Sets a Done result unless it failed.
void Reply(const ErrnoResult<Done>& result, proto::ObjectResponse::Builder response) {
  if (!Failed(result, response)) response.getResult().setNone();
}

}  // namespace

VoidResult ObjectServer::ServeFile(uint64_t target, proto::ObjectRequest::Reader request,
                                   proto::ObjectResponse::Builder response) {
  switch (request.which()) {
    case proto::ObjectRequest::FILE_READ: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kRead));
      auto in = request.getFileRead();
      size_t max = size_t(std::min<uint64_t>(in.getMaxBytes(), FileOps::kMaxTransfer));
      auto bytes = AwaitFileOp<std::vector<uint8_t>>(
          [&](auto done) { file->Read(in.getOffset(), max, std::move(done)); });
      if (!Failed(bytes, response)) {
        response.getResult().setData(kj::arrayPtr(bytes->data(), bytes->size()));
      }
      return Ok();
    }
    case proto::ObjectRequest::FILE_WRITE: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kWrite));
      auto in = request.getFileWrite();
      auto data = in.getBytes();
      std::vector<uint8_t> bytes(data.begin(), data.end());
      auto written = AwaitFileOp<size_t>(
          [&](auto done) { file->Write(in.getOffset(), std::move(bytes), std::move(done)); });
      if (!Failed(written, response)) response.getResult().setCount(*written);
      return Ok();
    }
    case proto::ObjectRequest::FILE_SYNC: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kWrite));
      bool data_only = request.getFileSync();
      Reply(AwaitFileOp<Done>([&](auto done) { file->Sync(data_only, std::move(done)); }),
            response);
      return Ok();
    }
    case proto::ObjectRequest::FILE_SET_SIZE: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kWrite));
      Reply(file->SetSize(request.getFileSetSize()), response);
      return Ok();
    }
    default: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kRead));
      auto attr = file->Stat();
      if (!Failed(attr, response)) SetAttr(*attr, response.getResult().initAttr());
      return Ok();
    }
  }
}

VoidResult ObjectServer::ServeDirectory(uint64_t target, proto::ObjectRequest::Reader request,
                                        proto::ObjectResponse::Builder response) {
  bool writes = request.isDirMkdir() || request.isDirUnlink() || request.isDirRename() ||
                request.isDirSymlink();
  Rights needed = writes ? Rights::kWrite : Rights::kRead;
  auto dir = TRY(LookupAs<DirectoryOps>(target, needed));
  switch (request.which()) {
    case proto::ObjectRequest::DIR_OPEN: {
      auto in = request.getDirOpen();
      Exported self = TRY(Lookup(target, Rights::kNone));
      auto opened =
          dir->Open(AsView(in.getPath()), OpenOptions::Unpack(in.getOptions()),
                    Rights(in.getRights()) & Rights::kAll, Rights(in.getGranted()) & self.rights);
      if (Failed(opened, response)) return Ok();
      uint64_t id = TRY(Export(opened->object, opened->rights));
      auto ref = response.getResult().initHandle();
      ref.setExportId(id);
      ref.setType(uint8_t(opened->object->type()));
      ref.setRights(uint32_t(opened->rights));
      return Ok();
    }
    case proto::ObjectRequest::DIR_STAT_AT: {
      auto in = request.getDirStatAt();
      auto attr = dir->StatAt(AsView(in.getPath()), in.getFollow());
      if (!Failed(attr, response)) SetAttr(*attr, response.getResult().initAttr());
      return Ok();
    }
    case proto::ObjectRequest::DIR_READ: {
      auto entries = dir->ReadDir();
      if (Failed(entries, response)) return Ok();
      auto out = response.getResult().initEntries(uint32_t(entries->size()));
      for (uint32_t i = 0; i < entries->size(); ++i) {
        const DirEntry& e = (*entries)[i];
        out[i].setName(e.name);
        out[i].setIno(e.ino);
        out[i].setMode(e.mode);
      }
      return Ok();
    }
    case proto::ObjectRequest::DIR_MKDIR:
      Reply(dir->MakeDirectory(AsView(request.getDirMkdir())), response);
      return Ok();
    case proto::ObjectRequest::DIR_UNLINK: {
      auto in = request.getDirUnlink();
      Reply(dir->Unlink(AsView(in.getPath()), in.getDirectory()), response);
      return Ok();
    }
    case proto::ObjectRequest::DIR_RENAME: {
      auto in = request.getDirRename();
      auto to = TRY(LookupAs<DirectoryOps>(in.getNewDir(), Rights::kWrite));
      Reply(dir->Rename(AsView(in.getOldPath()), *to, AsView(in.getNewPath())), response);
      return Ok();
    }
    case proto::ObjectRequest::DIR_SYMLINK: {
      auto in = request.getDirSymlink();
      Reply(dir->Symlink(AsView(in.getTarget()), AsView(in.getPath())), response);
      return Ok();
    }
    case proto::ObjectRequest::DIR_READ_LINK: {
      auto target_text = dir->ReadLink(AsView(request.getDirReadLink()));
      if (!Failed(target_text, response)) response.getResult().setText(*target_text);
      return Ok();
    }
    default: {
      auto attr = dir->Stat();
      if (!Failed(attr, response)) SetAttr(*attr, response.getResult().initAttr());
      return Ok();
    }
  }
}

}  // namespace shoal::kernel
