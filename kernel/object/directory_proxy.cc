// DirectoryOps through the object protocol (see object_client.h). Each
// operation still waits for its answer before calling `done` (the loopback
// server answers before the transport returns).
#include <capnp/message.h>

#include "kernel/object/directory.h"
#include "kernel/object/fs_proxy.h"

namespace shoal::kernel {
namespace {

ErrnoResult<Done> NoResult(proto::ObjectResponse::Reader) { return Done{}; }

class DirectoryProxy final : public Proxy<DirectoryOps> {
 public:
  DirectoryProxy(Ref<ObjectClient> client, uint64_t export_id)
      : Proxy(ObjectType::kDirectory, std::move(client), export_id) {}

  // The server grants `granted` within the export's rights.
  void OpenAsync(std::string_view path, const OpenOptions& options, Rights rights, Rights granted,
                 OpenDone done) override {
    capnp::MallocMessageBuilder message;
    auto open = NewRequest(message).initDirOpen();
    open.setPath(Text(path));
    open.setOptions(options.Pack());
    open.setRights(uint32_t(rights));
    open.setGranted(uint32_t(granted));
    done(FsCall<HandleEntry>(client(), message,
                             [&](proto::ObjectResponse::Reader r) -> ErrnoResult<HandleEntry> {
                               if (!r.getResult().isHandle()) return HostError{EIO};
                               auto entry = client().ImportRef(r.getResult().getHandle());
                               if (!entry.ok()) return HostError{EIO};
                               return std::move(entry).value();
                             }));
  }

  void StatAsync(StatDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setStat();
    done(CallAttr(message));
  }

  void StatAtAsync(std::string_view path, bool follow, StatDone done) override {
    capnp::MallocMessageBuilder message;
    auto stat = NewRequest(message).initDirStatAt();
    stat.setPath(Text(path));
    stat.setFollow(follow);
    done(CallAttr(message));
  }

  void ReadDirAsync(ReadDirDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDirRead();
    done(FsCall<std::vector<DirEntry>>(
        client(), message,
        [](proto::ObjectResponse::Reader r) -> ErrnoResult<std::vector<DirEntry>> {
          if (!r.getResult().isEntries()) return HostError{EIO};
          std::vector<DirEntry> entries;
          for (auto e : r.getResult().getEntries()) {
            entries.push_back(DirEntry{std::string(e.getName().cStr(), e.getName().size()),
                                       e.getIno(), e.getMode()});
          }
          return entries;
        }));
  }

  void MakeDirectoryAsync(std::string_view path, ChangeDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDirMkdir(Text(path));
    done(FsCall<Done>(client(), message, NoResult));
  }

  void UnlinkAsync(std::string_view path, bool directory, ChangeDone done) override {
    capnp::MallocMessageBuilder message;
    auto unlink = NewRequest(message).initDirUnlink();
    unlink.setPath(Text(path));
    unlink.setDirectory(directory);
    done(FsCall<Done>(client(), message, NoResult));
  }

  void RenameAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                   ChangeDone done) override {
    auto* target = dynamic_cast<DirectoryProxy*>(&new_dir);
    if (target == nullptr || &target->client() != &client()) return done(HostError{EXDEV});
    capnp::MallocMessageBuilder message;
    auto rename = NewRequest(message).initDirRename();
    rename.setOldPath(Text(old_path));
    rename.setNewDir(target->export_id());
    rename.setNewPath(Text(new_path));
    done(FsCall<Done>(client(), message, NoResult));
  }

  void SymlinkAsync(std::string_view target, std::string_view path, ChangeDone done) override {
    capnp::MallocMessageBuilder message;
    auto symlink = NewRequest(message).initDirSymlink();
    symlink.setTarget(Text(target));
    symlink.setPath(Text(path));
    done(FsCall<Done>(client(), message, NoResult));
  }

  void ReadLinkAsync(std::string_view path, ReadLinkDone done) override {
    capnp::MallocMessageBuilder message;
    NewRequest(message).setDirReadLink(Text(path));
    done(FsCall<std::string>(client(), message,
                             [](proto::ObjectResponse::Reader r) -> ErrnoResult<std::string> {
                               if (!r.getResult().isText()) return HostError{EIO};
                               auto text = r.getResult().getText();
                               return std::string(text.cStr(), text.size());
                             }));
  }

 private:
  static capnp::Text::Reader Text(std::string_view s) { return {s.data(), s.size()}; }
  ErrnoResult<FileAttr> CallAttr(capnp::MessageBuilder& message) {
    return FsCall<FileAttr>(client(), message,
                            [](proto::ObjectResponse::Reader r) -> ErrnoResult<FileAttr> {
                              if (!r.getResult().isAttr()) return HostError{EIO};
                              return AttrFromWire(r.getResult().getAttr());
                            });
  }
};

}  // namespace

Ref<KernelObject> MakeDirectoryProxy(Ref<ObjectClient> client, uint64_t export_id) {
  return std::make_shared<DirectoryProxy>(std::move(client), export_id);
}

}  // namespace shoal::kernel
