// The destination's side of a post-copy (docs/migration.md, "Post-copy"):
// the memories of a process that runs here before their pages came.
//
// Each memory is registered with a userfaultfd (migrate/user_faults.h). A
// page the process touches before it came stops its thread in the fault;
// the loop reads the fault, asks the source for the 64 KiB around it
// (PageSource.read) and places the answer, which wakes the thread.
// Meanwhile the source sends every page into the PageSink this serves; a
// page already placed (and maybe written since) is never overwritten. On
// `done` every page is in place and the memories become ordinary ones.
//
// If the source goes away first (its PageSink capability dropped, a read
// that fails), the process cannot go on: it ends as trapped with the
// reason (PostCopyHooks::lost), never waiting for good and never running
// on with pages missing. Its waiting threads are woken as it ends.
//
// Threading: the data plane's loop thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "kernel/base/result.h"
#include "kernel/remote/link.h"
#include "migrate/page_batch.h"
#include "migrate/user_faults.h"
#include "proto/node.capnp.h"

namespace shoal::clusterd {

// What a post-copy's destination tells its node of the process (the
// daemon's KernelProcessHost); any may be null. Called on the loop thread.
struct PostCopyHooks {
  // Its memory is arriving: it must not move or be checkpointed meanwhile.
  std::function<void(uint64_t pid)> fetching;
  // Every page came (or it ended): it may move again.
  std::function<void(uint64_t pid)> fetched;
  // Its pages were lost: end it as trapped with `why`.
  std::function<void(uint64_t pid, const std::string& why)> lost;
};

// One post-copy arriving here; the migration's server holds it from
// Migration.postCopy on, and tells it when the process starts.
class PostCopyArrival {
 public:
  // Registers `memories` (already at their sizes, no page touched) with
  // `faults`. Errors: the registration's.
  static Result<std::shared_ptr<PostCopyArrival>> Create(
      std::shared_ptr<kernel::remote::Link> link, uint64_t pid,
      std::unique_ptr<migrate::UserFaults> faults, const migrate::StagedMemories& memories,
      proto::rpc::PageSource::Client source, PostCopyHooks hooks);
  ~PostCopyArrival();
  PostCopyArrival(const PostCopyArrival&) = delete;
  PostCopyArrival& operator=(const PostCopyArrival&) = delete;

  // The sink to answer the source with. It holds this arrival: when the
  // source lets go of it before `done` (it gave up, its node went away),
  // the process is lost.
  proto::rpc::PageSink::Client Sink();
  // The process runs (commit): from now on its faults are served, and a
  // source that goes away ends it.
  void Started();

  // For the sink (post_copy_sink.cc).
  class Server;

 private:
  struct Region;
  struct AddressKeeper;
  PostCopyArrival(std::shared_ptr<kernel::remote::Link> link, uint64_t pid,
                  std::unique_ptr<migrate::UserFaults> faults,
                  proto::rpc::PageSource::Client source, PostCopyHooks hooks);

  // Serves the faults waiting whenever the descriptor is readable.
  kj::Promise<void> Watch();
  // Reads the faults waiting and asks for their pages.
  void ServeFaults();
  void OnFault(uint64_t address);
  // Places one batch's runs into memory `index`; `demand`: fetched for a fault.
  VoidResult Place(uint32_t index, proto::image::Memory::Reader pages, bool demand);
  // Every page is in place: the memories become ordinary ones.
  VoidResult Finish();
  // The source went away, or a batch was bad: the process ends with `why`.
  void Fail(const std::string& why);
  // Lets go of the userfaultfd (the memories become ordinary ones) and of
  // the address ranges kept, now or from the loop's next turn.
  void TearDown();
  void TearDownLater();
  // Why the sink was dropped before `done`.
  std::string LetGo() const;
  // The pages not yet in place (neither placed nor known to be zero).
  uint64_t MissingPages() const;

  const std::shared_ptr<kernel::remote::Link> link_;
  const uint64_t pid_;
  std::unique_ptr<migrate::UserFaults> faults_;  // Null once finished or failed.
  proto::rpc::PageSource::Client source_;
  const PostCopyHooks hooks_;
  std::vector<Region> regions_;
  std::shared_ptr<AddressKeeper> keeper_;
  kj::Own<kj::UnixEventPort::FdObserver> observer_;
  kj::Maybe<kj::Promise<void>> watching_;
  bool started_ = false;
  bool finished_ = false;  // Every page came.
  bool failed_ = false;
  std::string failure_;
  bool gone_ = false;  // Its memory was unmapped: it ended here.
  uint64_t demand_pages_ = 0;
  std::weak_ptr<PostCopyArrival> self_;
};

}  // namespace shoal::clusterd
