// The server of an exported directory (Directory in object_rpc.capnp).
//
// Each call checks the capability's rights (looking entries up and listing
// them need kRead; changing them needs kWrite, as directory.h says), starts
// the directory's async operation and answers from its completion, on the
// loop thread whichever thread it came on. Open hands back the new File or
// Directory as a handle exported on this link, with no more rights than
// this capability's. Rename's and link's newDir must name a directory this node
// exported (one of its own servers): anything else is EXDEV. Failures
// travel as the host errno; kErrnoNotCapable (a path that tried to leave
// the directory) passes through as it is.
#include <kj/async.h>

#include <optional>

#include "kernel/object/directory.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"
#include "kernel/remote/types.h"

namespace shoal::kernel::remote {

namespace {

// Answers a call whose result is only its outcome.
template <typename Context>
kj::Promise<void> AnswerChange(Context context, kj::Promise<ErrnoResult<Done>> changed) {
  return changed.then([context](ErrnoResult<Done> result) mutable {
    if (!result.ok()) SetErrnoOutcome(context.getResults().initOutcome(), result.error());
  });
}

class DirectoryServer final : public proto::rpc::Directory::Server, public ServerBase {
 public:
  DirectoryServer(std::shared_ptr<Link> link, Ref<KernelObject> object, Rights rights)
      : ServerBase(std::move(link), std::move(object), rights),
        dir_(std::static_pointer_cast<DirectoryOps>(this->object())) {}
  // The link() accessor, which the link call below would hide.
  using ServerBase::link;

  kj::Promise<void> open(OpenContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    auto params = context.getParams();
    uint32_t rights = params.getRights();
    uint32_t granted = params.getGranted();
    if (((rights | granted) & ~uint32_t(Rights::kAll)) != 0) {
      SetErrnoOutcome(context.getResults().initOutcome(), EINVAL);
      return kj::READY_NOW;
    }
    std::string path = params.getPath().cStr();
    OpenOptions options = OpenOptions::Unpack(params.getOptions());
    Rights limit = this->rights();
    Ref<DirectoryOps> dir = dir_;
    std::shared_ptr<Link> link = this->link();
    return Completion<ErrnoResult<HandleEntry>>([&](DirectoryOps::OpenDone done) {
             dir->OpenAsync(path, options, Rights(rights) & limit, Rights(granted) & limit,
                            std::move(done));
           })
        .then([context, link](ErrnoResult<HandleEntry> opened) mutable {
          auto results = context.getResults();
          if (!opened.ok()) return SetErrnoOutcome(results.initOutcome(), opened.error());
          SetOutcome(results.initOutcome(), ExportHandle(link, *opened, results.initHandle()));
        });
  }

  kj::Promise<void> stat(StatContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    Ref<DirectoryOps> dir = dir_;
    return AnswerAttr(context, Completion<ErrnoResult<FileAttr>>([&](DirectoryOps::StatDone done) {
                        dir->StatAsync(std::move(done));
                      }));
  }

  kj::Promise<void> statAt(StatAtContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    auto params = context.getParams();
    std::string path = params.getPath().cStr();
    bool follow = params.getFollow();
    Ref<DirectoryOps> dir = dir_;
    return AnswerAttr(context, Completion<ErrnoResult<FileAttr>>([&](DirectoryOps::StatDone done) {
                        dir->StatAtAsync(path, follow, std::move(done));
                      }));
  }

  kj::Promise<void> readDir(ReadDirContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    Ref<DirectoryOps> dir = dir_;
    return Completion<ErrnoResult<std::vector<DirEntry>>>(
               [&](DirectoryOps::ReadDirDone done) { dir->ReadDirAsync(std::move(done)); })
        .then([context](ErrnoResult<std::vector<DirEntry>> entries) mutable {
          auto results = context.getResults();
          if (!entries.ok()) return SetErrnoOutcome(results.initOutcome(), entries.error());
          auto out = results.initEntries(uint32_t(entries->size()));
          for (uint32_t i = 0; i < out.size(); ++i) {
            const DirEntry& entry = (*entries)[i];
            out[i].setName(entry.name);
            out[i].setIno(entry.ino);
            out[i].setMode(entry.mode);
          }
        });
  }

  kj::Promise<void> makeDirectory(MakeDirectoryContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    std::string path = context.getParams().getPath().cStr();
    Ref<DirectoryOps> dir = dir_;
    return AnswerChange(context, Completion<ErrnoResult<Done>>([&](DirectoryOps::ChangeDone done) {
                          dir->MakeDirectoryAsync(path, std::move(done));
                        }));
  }

  kj::Promise<void> unlink(UnlinkContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto params = context.getParams();
    std::string path = params.getPath().cStr();
    bool directory = params.getDirectory();
    Ref<DirectoryOps> dir = dir_;
    return AnswerChange(context, Completion<ErrnoResult<Done>>([&](DirectoryOps::ChangeDone done) {
                          dir->UnlinkAsync(path, directory, std::move(done));
                        }));
  }

  kj::Promise<void> rename(RenameContext context) override {
    return ChangePair(context,
                      [](DirectoryOps& dir, const std::string& old_path, DirectoryOps& target,
                         const std::string& new_path, DirectoryOps::ChangeDone done) {
                        dir.RenameAsync(old_path, target, new_path, std::move(done));
                      });
  }

  kj::Promise<void> link(LinkContext context) override {
    return ChangePair(context,
                      [](DirectoryOps& dir, const std::string& old_path, DirectoryOps& target,
                         const std::string& new_path, DirectoryOps::ChangeDone done) {
                        dir.HardLinkAsync(old_path, target, new_path, std::move(done));
                      });
  }

  kj::Promise<void> symlink(SymlinkContext context) override {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto params = context.getParams();
    std::string target = params.getTarget().cStr();
    std::string path = params.getPath().cStr();
    Ref<DirectoryOps> dir = dir_;
    return AnswerChange(context, Completion<ErrnoResult<Done>>([&](DirectoryOps::ChangeDone done) {
                          dir->SymlinkAsync(target, path, std::move(done));
                        }));
  }

  kj::Promise<void> readLink(ReadLinkContext context) override {
    if (!Allowed(context, Require(Rights::kRead))) return kj::READY_NOW;
    std::string path = context.getParams().getPath().cStr();
    Ref<DirectoryOps> dir = dir_;
    return Completion<ErrnoResult<std::string>>(
               [&](DirectoryOps::ReadLinkDone done) { dir->ReadLinkAsync(path, std::move(done)); })
        .then([context](ErrnoResult<std::string> target) mutable {
          auto results = context.getResults();
          if (!target.ok()) return SetErrnoOutcome(results.initOutcome(), target.error());
          results.setTarget(*target);
        });
  }

 private:
  // A call naming a path here and one beneath newDir (rename, link), which
  // must be a directory this node exported, writable through its handle.
  template <typename Context, typename Change>
  kj::Promise<void> ChangePair(Context context, Change change) {
    if (!Allowed(context, Require(Rights::kWrite))) return kj::READY_NOW;
    auto params = context.getParams();
    if (!params.hasNewDir()) {
      SetErrnoOutcome(context.getResults().initOutcome(), EXDEV);
      return kj::READY_NOW;
    }
    std::string old_path = params.getOldPath().cStr();
    std::string new_path = params.getNewPath().cStr();
    proto::rpc::Object::Client new_dir = params.getNewDir();
    Ref<DirectoryOps> dir = dir_;
    return FindHomeObject(link(), kj::mv(new_dir))
        .then([dir, old_path, new_path, change](Result<std::optional<HandleEntry>> home) {
          if (!home.ok()) {
            return kj::Promise<ErrnoResult<Done>>(
                ErrnoResult<Done>(HostError{ErrnoFor(home.error())}));
          }
          // Only a directory this node exported is of the same kind.
          if (!home->has_value() || (*home)->object->type() != ObjectType::kDirectory) {
            return kj::Promise<ErrnoResult<Done>>(ErrnoResult<Done>(HostError{EXDEV}));
          }
          if (!Any((*home)->rights, Rights::kWrite)) {
            return kj::Promise<ErrnoResult<Done>>(ErrnoResult<Done>(HostError{EACCES}));
          }
          auto target = std::static_pointer_cast<DirectoryOps>((*home)->object);
          return Completion<ErrnoResult<Done>>([&](DirectoryOps::ChangeDone done) {
            change(*dir, old_path, *target, new_path, std::move(done));
          });
        })
        .then([context](ErrnoResult<Done> changed) mutable {
          if (!changed.ok()) SetErrnoOutcome(context.getResults().initOutcome(), changed.error());
        });
  }

  template <typename Context>
  static kj::Promise<void> AnswerAttr(Context context, kj::Promise<ErrnoResult<FileAttr>> attr) {
    return attr.then([context](ErrnoResult<FileAttr> result) mutable {
      auto results = context.getResults();
      if (!result.ok()) return SetErrnoOutcome(results.initOutcome(), result.error());
      WriteFileAttr(*result, results.initAttr());
    });
  }

  const Ref<DirectoryOps> dir_;
};

}  // namespace

kj::Own<ServerBase> NewDirectoryServer(const std::shared_ptr<Link>& link, Ref<KernelObject> object,
                                       Rights rights) {
  return kj::heap<DirectoryServer>(link, std::move(object), rights);
}

}  // namespace shoal::kernel::remote
