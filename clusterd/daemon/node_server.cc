#include "clusterd/daemon/node_server.h"

#include <cstring>
#include <filesystem>

#include "clusterd/daemon/migration_server.h"
#include "kernel/object/directory.h"
#include "kernel/object/namespace.h"
#include "kernel/remote/file_wire.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"

namespace shoal::clusterd {
namespace {

using kernel::Rights;

// What a directory opened for a peer may carry at most.
constexpr Rights kDirectoryGrantable =
    Rights::kRead | Rights::kWrite | Rights::kDuplicate | Rights::kTransfer | Rights::kWait;

// `path` when a peer may open it as a device: rights within Rights::kAll,
// normal form (kInvalidArgs), below /dev/ (kAccessDenied: the rest of the
// namespace is the node's processes' business, not its peers').
Result<std::string> DevicePath(const std::string& path, uint32_t rights) {
  if ((rights & ~uint32_t(Rights::kAll)) != 0) {
    return MakeError(Status::kInvalidArgs, "unknown rights");
  }
  std::string normal = TRY(kernel::Namespace::CheckPath(path));
  if (!normal.starts_with("/dev/")) {
    return MakeError(Status::kAccessDenied,
                     "a peer may open devices only, paths below /dev/, not " + normal);
  }
  return normal;
}

class NodeServer final : public proto::rpc::Node::Server {
 public:
  NodeServer(std::shared_ptr<kernel::remote::Link> link, NodeServices services)
      : link_(std::move(link)), services_(std::move(services)) {}

  kj::Promise<void> openDirectory(OpenDirectoryContext context) override {
    auto params = context.getParams();
    auto outcome = context.getResults().initOutcome();
    if ((params.getRights() & ~uint32_t(Rights::kAll)) != 0) {
      kernel::remote::SetOutcome(outcome, MakeError(Status::kInvalidArgs, "unknown rights"));
      return kj::READY_NOW;
    }
    std::string normal = std::filesystem::path(params.getPath().cStr()).lexically_normal();
    if (normal.size() > 1 && normal.back() == '/') normal.pop_back();
    Result<std::string> path = kernel::Namespace::CheckPath(normal);
    if (!path.ok()) {
      kernel::remote::SetOutcome(outcome, path.error());
      return kj::READY_NOW;
    }
    if (!services_.directories) {
      kernel::remote::SetOutcome(
          outcome, MakeError(Status::kNotSupported, "this node serves no directories"));
      return kj::READY_NOW;
    }
    Result<kernel::HandleEntry> entry = services_.directories(*path, Rights(params.getRights()));
    if (!entry.ok()) {
      kernel::remote::SetOutcome(outcome, entry.error());
      return kj::READY_NOW;
    }
    kernel::remote::SetOutcome(
        outcome, kernel::remote::ExportHandle(link_, *entry, context.getResults().initHandle()));
    return kj::READY_NOW;
  }

  kj::Promise<void> openDevice(OpenDeviceContext context) override {
    auto params = context.getParams();
    auto outcome = context.getResults().initOutcome();
    Result<std::string> path = DevicePath(params.getPath().cStr(), params.getRights());
    if (!path.ok()) {
      kernel::remote::SetOutcome(outcome, path.error());
      return kj::READY_NOW;
    }
    if (!services_.devices) {
      kernel::remote::SetOutcome(outcome,
                                 MakeError(Status::kNotSupported, "this node serves no devices"));
      return kj::READY_NOW;
    }
    auto rights = Rights(params.getRights());
    return kernel::remote::Completion<Result<kernel::HandleEntry>>(
               [this, &path, rights](kernel::Provider::OpenDone done) {
                 services_.devices(*path, rights, std::move(done));
               })
        .then([link = link_, context](Result<kernel::HandleEntry> entry) mutable {
          auto results = context.getResults();
          if (!entry.ok()) {
            kernel::remote::SetOutcome(results.initOutcome(), entry.error());
            return;
          }
          kernel::remote::SetOutcome(
              results.initOutcome(),
              kernel::remote::ExportHandle(link, *entry, results.initHandle()));
        });
  }

  kj::Promise<void> spawner(SpawnerContext context) override {
    auto outcome = context.getResults().initOutcome();
    if (services_.spawner == nullptr) {
      kernel::remote::SetOutcome(outcome,
                                 MakeError(Status::kNotSupported, "this node serves no spawner"));
      return kj::READY_NOW;
    }
    kernel::HandleEntry entry{services_.spawner,
                              kernel::DefaultRights(kernel::ObjectType::kSpawner)};
    kernel::remote::SetOutcome(
        outcome, kernel::remote::ExportHandle(link_, entry, context.getResults().initHandle()));
    return kj::READY_NOW;
  }

  kj::Promise<void> migrateIn(MigrateInContext context) override {
    auto params = context.getParams();
    auto results = context.getResults();
    if (!services_.migrations) {
      kernel::remote::SetOutcome(results.initOutcome(),
                                 MakeError(Status::kNotSupported, "this node takes no migrations"));
      return kj::READY_NOW;
    }
    if (params.getImageBytes() > services_.max_image_bytes) {
      kernel::remote::SetOutcome(
          results.initOutcome(),
          MakeError(Status::kNoMemory, "an image of " + std::to_string(params.getImageBytes()) +
                                           " bytes is over what this node takes (" +
                                           std::to_string(services_.max_image_bytes) + ")"));
      return kj::READY_NOW;
    }
    // A module named ahead that this node has is not sent again.
    std::shared_ptr<const std::vector<uint8_t>> module;
    kernel::Sha256 module_sha256{};
    if (auto named = params.getModuleSha256(); named.size() == module_sha256.size()) {
      std::copy(named.begin(), named.end(), module_sha256.begin());
      if (services_.modules != nullptr) module = services_.modules->Find(module_sha256);
    }
    IncomingMove move;
    move.pid = params.getPid();
    move.move_id = params.getMoveId();
    move.image_bytes = params.getImageBytes();
    move.max_bytes = services_.max_image_bytes;
    move.module_sha256 = module_sha256;
    move.module = std::move(module);
    move.compile_module = services_.compile_module;
    if (params.getPostCopy()) {
      // Refused now, before the source freezes anything.
      Result<std::unique_ptr<migrate::UserFaults>> faults = migrate::UserFaults::Open();
      if (!faults.ok()) {
        kernel::remote::SetOutcome(results.initOutcome(), faults.error());
        return kj::READY_NOW;
      }
      move.faults = std::move(faults).value();
      move.post_copy_hooks = services_.post_copy_hooks;
    }
    if (move.image_bytes == 0 && move.faults == nullptr) {
      if (services_.page_host.empty()) {
        kernel::remote::SetOutcome(
            results.initOutcome(),
            MakeError(Status::kNotSupported, "this node takes no pre-copy (no page stream)"));
        return kj::READY_NOW;
      }
      move.page_stream = PageStreamPlace{services_.page_host, services_.page_tls};
    }
    const bool has_module = move.module != nullptr;
    Result<ServedMigration> served = ServeMigration(link_, services_.migrations, std::move(move));
    if (!served.ok()) {
      kernel::remote::SetOutcome(results.initOutcome(), served.error());
      return kj::READY_NOW;
    }
    results.setHasModule(has_module);
    results.setMigration(kj::mv(served->migration));
    results.setPagePort(served->page_port);
    results.setPageToken(kj::arrayPtr(served->page_token.data(), served->page_token.size()));
    return kj::READY_NOW;
  }

 private:
  const std::shared_ptr<kernel::remote::Link> link_;
  const NodeServices services_;
};

}  // namespace

proto::rpc::Node::Client ServeNode(const std::shared_ptr<kernel::remote::Link>& link,
                                   NodeServices services) {
  return kj::heap<NodeServer>(link, std::move(services));
}

DirectoryOpener HostDirectories(FileIo& io) {
  return [&io](const std::string& path, Rights requested) -> Result<kernel::HandleEntry> {
    // A metadata call on the local filesystem, answered at once.
    // TODO(async): a hung network filesystem would hold the data plane's
    // loop; open on the reactor.
    kernel::ErrnoResult<kernel::Ref<kernel::Directory>> dir = kernel::Directory::OpenRoot(path, io);
    if (!dir.ok()) {
      Status status = dir.error() == ENOENT ? Status::kNotFound : Status::kIoError;
      return MakeError(status, "cannot open directory " + path + ": " + std::strerror(dir.error()));
    }
    return kernel::HandleEntry{std::move(dir).value(), requested & kDirectoryGrantable};
  };
}

}  // namespace shoal::clusterd
