// ObjectServer: file and directory operations (see object_server.h).
//
// A file's Read, Write and Sync are asynchronous: StartFileIo starts them and
// the response is sent from their completion (on the reactor's thread for a
// local File), so no serving thread waits for the disk.
#include <string>

#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/object_server.h"
#include "kernel/object/wire.h"

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
void ReplyDone(const ErrnoResult<Done>& result, proto::ObjectResponse::Builder response) {
  if (!Failed(result, response)) response.getResult().setNone();
}

// The encoded response to a file operation that ended with `result`: its
// failure, or what `set` writes into the result.
template <typename T, typename Fn>
std::vector<uint8_t> FileResponse(const ErrnoResult<T>& result, Fn&& set) {
  capnp::MallocMessageBuilder message;
  auto response = message.initRoot<proto::ObjectResponse>();
  if (!Failed(result, response)) set(response.getResult());
  return wire::ToBytes(message);
}

}  // namespace

VoidResult ObjectServer::StartFileIo(uint64_t target, proto::ObjectRequest::Reader request,
                                     Reply& reply, bool& started) {
  switch (request.which()) {
    case proto::ObjectRequest::FILE_READ: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kRead));
      auto in = request.getFileRead();
      size_t max = size_t(std::min<uint64_t>(in.getMaxBytes(), FileOps::kMaxTransfer));
      started = true;
      file->ReadAsync(in.getOffset(), max,
                      [reply = std::move(reply)](ErrnoResult<std::vector<uint8_t>> bytes) {
                        reply(FileResponse(bytes, [&](proto::ObjectResponse::Result::Builder out) {
                          out.setData(kj::arrayPtr(bytes->data(), bytes->size()));
                        }));
                      });
      return Ok();
    }
    case proto::ObjectRequest::FILE_WRITE: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kWrite));
      auto in = request.getFileWrite();
      auto data = in.getBytes();
      started = true;
      file->WriteAsync(
          in.getOffset(), std::vector<uint8_t>(data.begin(), data.end()),
          [reply = std::move(reply)](ErrnoResult<size_t> written) {
            reply(FileResponse(written, [&](proto::ObjectResponse::Result::Builder out) {
              out.setCount(*written);
            }));
          });
      return Ok();
    }
    case proto::ObjectRequest::FILE_SYNC: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kWrite));
      started = true;
      file->SyncAsync(request.getFileSync(), [reply = std::move(reply)](ErrnoResult<Done> synced) {
        reply(FileResponse(synced,
                           [](proto::ObjectResponse::Result::Builder out) { out.setNone(); }));
      });
      return Ok();
    }
    default:  // Serve() routes only the three above here.
      return MakeError(Status::kInternal, "not a file IO request");
  }
}

VoidResult ObjectServer::ServeFile(uint64_t target, proto::ObjectRequest::Reader request,
                                   proto::ObjectResponse::Builder response) {
  switch (request.which()) {
    case proto::ObjectRequest::FILE_SET_SIZE: {
      auto file = TRY(LookupAs<FileOps>(target, Rights::kWrite));
      ReplyDone(file->SetSize(request.getFileSetSize()), response);
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
      ReplyDone(dir->MakeDirectory(AsView(request.getDirMkdir())), response);
      return Ok();
    case proto::ObjectRequest::DIR_UNLINK: {
      auto in = request.getDirUnlink();
      ReplyDone(dir->Unlink(AsView(in.getPath()), in.getDirectory()), response);
      return Ok();
    }
    case proto::ObjectRequest::DIR_RENAME: {
      auto in = request.getDirRename();
      auto to = TRY(LookupAs<DirectoryOps>(in.getNewDir(), Rights::kWrite));
      ReplyDone(dir->Rename(AsView(in.getOldPath()), *to, AsView(in.getNewPath())), response);
      return Ok();
    }
    case proto::ObjectRequest::DIR_SYMLINK: {
      auto in = request.getDirSymlink();
      ReplyDone(dir->Symlink(AsView(in.getTarget()), AsView(in.getPath())), response);
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
