// A directory on another node (Directory in object_rpc.capnp).
//
// Every operation is one call, answered on the loop thread when the
// response comes; nothing blocks the caller. Open imports the handle the
// server answers with (ImportHandle): a File or Directory proxy, or the
// local object itself when it came home. Rename's and Link's new directory must be a
// proxy of the same link, whose capability goes along; anything else is
// EXDEV without a call. Failures are the host errno the serving node
// reported; a refused right is EACCES, a gone link EHOSTUNREACH
// (ReadErrnoOutcome). A directory has no signals to mirror.
#include "kernel/object/directory.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

namespace {

// The value of a call with only an outcome, once that outcome is checked.
constexpr auto Changed = [](const auto&) -> ErrnoResult<Done> { return Done{}; };

class DirectoryProxy final : public ErrnoProxy<DirectoryOps, proto::rpc::Directory> {
 public:
  DirectoryProxy(std::shared_ptr<Link> link, proto::rpc::Object::Client capability)
      : ErrnoProxy(std::move(link), kj::mv(capability)) {}

  void OpenAsync(std::string_view path, const OpenOptions& options, Rights rights, Rights granted,
                 OpenDone done) override {
    auto shared_done = std::make_shared<OpenDone>(std::move(done));
    std::shared_ptr<Link> link = this->link();
    uint32_t packed = options.Pack();
    VoidResult started =
        OnLoop<proto::rpc::Directory>([link, shared_done, path = std::string(path), packed, rights,
                                       granted](proto::rpc::Directory::Client dir) {
          auto request = dir.openRequest();
          request.setPath(path);
          request.setOptions(packed);
          request.setRights(uint32_t(rights));
          request.setGranted(uint32_t(granted));
          auto answered =
              request.send()
                  .then([link](auto&& response) -> kj::Promise<ErrnoResult<HandleEntry>> {
                    if (int error = ReadErrnoOutcome(response.getOutcome())) {
                      return ErrnoResult<HandleEntry>(HostError{error});
                    }
                    return ImportHandle(link, response.getHandle())
                        .then([](Result<HandleEntry> entry) -> ErrnoResult<HandleEntry> {
                          if (!entry.ok()) return HostError{ErrnoFor(entry.error())};
                          return std::move(entry).value();
                        });
                  })
                  .then([shared_done](
                            ErrnoResult<HandleEntry> opened) { (*shared_done)(std::move(opened)); },
                        [link, shared_done](kj::Exception&& e) {
                          (*shared_done)(HostError{ErrnoFor(FromException(e, link->peer()))});
                        });
          link->loop()->Detach(kj::mv(answered), "open");
        });
    if (!started.ok()) (*shared_done)(HostError{ErrnoFor(started.error())});
  }

  void StatAsync(StatDone done) override {
    Send<FileAttr>(
        [](proto::rpc::Directory::Client dir) { return dir.statRequest(); },
        [](auto& response) -> ErrnoResult<FileAttr> { return ReadFileAttr(response.getAttr()); },
        std::move(done));
  }

  void StatAtAsync(std::string_view path, bool follow, StatDone done) override {
    Send<FileAttr>(
        [path = std::string(path), follow](proto::rpc::Directory::Client dir) {
          auto request = dir.statAtRequest();
          request.setPath(path);
          request.setFollow(follow);
          return request;
        },
        [](auto& response) -> ErrnoResult<FileAttr> { return ReadFileAttr(response.getAttr()); },
        std::move(done));
  }

  void ReadDirAsync(ReadDirDone done) override {
    Send<std::vector<DirEntry>>(
        [](proto::rpc::Directory::Client dir) { return dir.readDirRequest(); },
        [](auto& response) -> ErrnoResult<std::vector<DirEntry>> {
          std::vector<DirEntry> entries;
          for (auto in : response.getEntries()) {
            entries.push_back(DirEntry{in.getName().cStr(), in.getIno(), in.getMode()});
          }
          return entries;
        },
        std::move(done));
  }

  void MakeDirectoryAsync(std::string_view path, ChangeDone done) override {
    Send<Done>(
        [path = std::string(path)](proto::rpc::Directory::Client dir) {
          auto request = dir.makeDirectoryRequest();
          request.setPath(path);
          return request;
        },
        Changed, std::move(done));
  }

  void UnlinkAsync(std::string_view path, bool directory, ChangeDone done) override {
    Send<Done>(
        [path = std::string(path), directory](proto::rpc::Directory::Client dir) {
          auto request = dir.unlinkRequest();
          request.setPath(path);
          request.setDirectory(directory);
          return request;
        },
        Changed, std::move(done));
  }

  void RenameAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                   ChangeDone done) override {
    SendPair(old_path, new_dir, new_path, std::move(done),
             [](proto::rpc::Directory::Client& dir) { return dir.renameRequest(); });
  }

  void HardLinkAsync(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                     ChangeDone done) override {
    SendPair(old_path, new_dir, new_path, std::move(done),
             [](proto::rpc::Directory::Client& dir) { return dir.linkRequest(); });
  }

  void SymlinkAsync(std::string_view target, std::string_view path, ChangeDone done) override {
    Send<Done>(
        [target = std::string(target),
         path = std::string(path)](proto::rpc::Directory::Client dir) {
          auto request = dir.symlinkRequest();
          request.setTarget(target);
          request.setPath(path);
          return request;
        },
        Changed, std::move(done));
  }

  void ReadLinkAsync(std::string_view path, ReadLinkDone done) override {
    Send<std::string>(
        [path = std::string(path)](proto::rpc::Directory::Client dir) {
          auto request = dir.readLinkRequest();
          request.setPath(path);
          return request;
        },
        [](auto& response) -> ErrnoResult<std::string> {
          return std::string(response.getTarget().cStr());
        },
        std::move(done));
  }

 private:
  // A call naming a path here and one beneath `new_dir` (rename, link):
  // `new_dir` must be a proxy of the same link, whose capability goes along.
  template <typename NewRequest>
  void SendPair(std::string_view old_path, DirectoryOps& new_dir, std::string_view new_path,
                ChangeDone done, NewRequest new_request) {
    RemoteObject* remote = AsRemote(new_dir);
    if (remote == nullptr || remote->link() != link()) return done(HostError{EXDEV});
    // Keeps the new directory's proxy (and so its capability) until the call
    // is built on the loop thread.
    auto target = std::static_pointer_cast<DirectoryOps>(new_dir.shared_from_this());
    Send<Done>(
        [target, new_request, old_path = std::string(old_path),
         new_path = std::string(new_path)](proto::rpc::Directory::Client dir) {
          auto request = new_request(dir);
          request.setOldPath(old_path);
          request.setNewDir(AsRemote(*target)->capability().castAs<proto::rpc::Directory>());
          request.setNewPath(new_path);
          return request;
        },
        Changed, std::move(done));
  }
};

}  // namespace

Ref<KernelObject> NewDirectoryProxy(const std::shared_ptr<Link>& link,
                                    proto::rpc::Object::Client capability) {
  return std::make_shared<DirectoryProxy>(link, kj::mv(capability));
}

}  // namespace shoal::kernel::remote
