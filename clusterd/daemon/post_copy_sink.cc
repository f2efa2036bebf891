#include "clusterd/daemon/post_copy_sink.h"

#include <spdlog/spdlog.h>
#include <sys/mman.h>

#include <algorithm>

#include "kernel/base/thread_annotations.h"
#include "kernel/remote/outcome.h"
#include "migrate/page_runs.h"

namespace shoal::clusterd {
namespace {

constexpr uint64_t kPage = migrate::UserFaults::kPageBytes;
// What a fault asks for: the 64 KiB around it, as the process likely reads on.
constexpr uint64_t kDemandPages = 16;
// A source that neither answers a read nor goes away within this is taken
// for gone: the process must not wait for good.
constexpr auto kDemandTimeout = 30 * kj::SECONDS;

enum PageState : uint8_t {
  kMissing,
  kRequested,  // A read for it is on its way.
  kZero,       // The source said it is all zero; placed when touched.
  kPresent,
};

}  // namespace

// The address ranges of the memories of a process that ended before its
// post-copy did (vm::Memory::ReleaseHook): kept reserved until the arrival
// stops placing pages, so that a page meant for them never lands in
// memory mapped there since. Any thread.
struct PostCopyArrival::AddressKeeper {
  bool Keep(void* start, uint64_t bytes) {
    MutexLock lock(&mu);
    if (closed) return false;
    kept.emplace_back(start, bytes);
    return true;
  }
  void Close() {
    MutexLock lock(&mu);
    closed = true;
    for (const auto& [start, bytes] : kept) munmap(start, bytes);
    kept.clear();
  }
  Mutex mu;
  bool closed GUARDED_BY(mu) = false;
  std::vector<std::pair<void*, uint64_t>> kept GUARDED_BY(mu);
};

struct PostCopyArrival::Region {
  uint8_t* base = nullptr;
  uint64_t bytes = 0;
  std::vector<uint8_t> pages;  // PageState, one per 4 KiB page.
};

class PostCopyArrival::Server final : public proto::rpc::PageSink::Server {
 public:
  explicit Server(std::shared_ptr<PostCopyArrival> arrival) : arrival_(std::move(arrival)) {}
  ~Server() noexcept(false) {
    if (!arrival_->finished_) arrival_->Fail(arrival_->LetGo());
  }

  kj::Promise<void> pages(PagesContext context) override {
    auto params = context.getParams();
    VoidResult placed = arrival_->Place(params.getIndex(), params.getPages(), /*demand=*/false);
    if (!placed.ok()) {
      arrival_->Fail("node " + arrival_->link_->peer() +
                     " sent bad pages: " + placed.error().message);
    }
    // While batches keep coming the loop may not get to poll the fault
    // descriptor (a socket with data ready is read at once): a waiting
    // process is served between batches, not after the last.
    arrival_->ServeFaults();
    return kj::READY_NOW;
  }

  kj::Promise<void> done(DoneContext context) override {
    auto results = context.getResults();
    kernel::remote::SetOutcome(results.initOutcome(), arrival_->Finish());
    results.setDemandPages(arrival_->demand_pages_);
    return kj::READY_NOW;
  }

 private:
  const std::shared_ptr<PostCopyArrival> arrival_;
};

PostCopyArrival::PostCopyArrival(std::shared_ptr<kernel::remote::Link> link, uint64_t pid,
                                 std::unique_ptr<migrate::UserFaults> faults,
                                 proto::rpc::PageSource::Client source, PostCopyHooks hooks)
    : link_(std::move(link)),
      pid_(pid),
      faults_(std::move(faults)),
      source_(std::move(source)),
      hooks_(std::move(hooks)) {}

Result<std::shared_ptr<PostCopyArrival>> PostCopyArrival::Create(
    std::shared_ptr<kernel::remote::Link> link, uint64_t pid,
    std::unique_ptr<migrate::UserFaults> faults, const migrate::StagedMemories& memories,
    proto::rpc::PageSource::Client source, PostCopyHooks hooks) {
  std::shared_ptr<PostCopyArrival> arrival(new PostCopyArrival(
      std::move(link), pid, std::move(faults), std::move(source), std::move(hooks)));
  arrival->self_ = arrival;
  arrival->keeper_ = std::make_shared<AddressKeeper>();
  for (const std::unique_ptr<vm::Memory>& memory : memories.memories()) {
    Region& region = arrival->regions_.emplace_back();
    region.base = memory->data();
    region.bytes = memory->size_bytes();
    region.pages.assign(region.bytes / kPage, kMissing);
    memory->set_release_hook([keeper = arrival->keeper_](void* start, uint64_t bytes) {
      return keeper->Keep(start, bytes);
    });
    if (region.bytes > 0) TRY(arrival->faults_->Register(region.base, region.bytes));
  }
  arrival->observer_ = kj::heap<kj::UnixEventPort::FdObserver>(
      arrival->link_->loop()->event_port(), arrival->faults_->fd(),
      kj::UnixEventPort::FdObserver::OBSERVE_READ);
  arrival->watching_ = arrival->Watch().eagerlyEvaluate(nullptr);
  if (arrival->hooks_.fetching) arrival->hooks_.fetching(pid);
  return arrival;
}

PostCopyArrival::~PostCopyArrival() {
  if (started_ && !finished_ && !failed_) Fail(LetGo());
  TearDown();
}

std::string PostCopyArrival::LetGo() const {
  return "node " + link_->peer() + (link_->gone() ? " went away" : " let go of the move") +
         " before all its memory came";
}

proto::rpc::PageSink::Client PostCopyArrival::Sink() { return kj::heap<Server>(self_.lock()); }

void PostCopyArrival::Started() { started_ = true; }

kj::Promise<void> PostCopyArrival::Watch() {
  return observer_->whenBecomesReadable().then([this]() -> kj::Promise<void> {
    ServeFaults();
    if (faults_ == nullptr || failed_) return kj::NEVER_DONE;
    return Watch();
  });
}

void PostCopyArrival::ServeFaults() {
  while (faults_ != nullptr && !failed_) {
    Result<std::optional<uint64_t>> fault = faults_->NextFault();
    if (!fault.ok()) {
      Fail("its page faults cannot be read: " + fault.error().message);
      return;
    }
    if (!fault->has_value()) return;
    OnFault(**fault);
  }
}

void PostCopyArrival::OnFault(uint64_t address) {
  for (uint32_t index = 0; index < regions_.size(); ++index) {
    Region& region = regions_[index];
    const uint64_t base = reinterpret_cast<uint64_t>(region.base);
    if (address < base || address >= base + region.bytes) continue;
    const uint64_t page = (address - base) / kPage;
    switch (region.pages[page]) {
      case kPresent:
      case kRequested:
        return;  // Placed since, or on its way: the thread wakes then.
      case kZero: {
        Result<uint64_t> zeroed = faults_->Zero(region.base + page * kPage, kPage);
        if (!zeroed.ok() && zeroed.error().status == Status::kNotFound) {
          gone_ = true;
        } else if (!zeroed.ok()) {
          Fail(zeroed.error().message);
        }
        region.pages[page] = kPresent;
        return;
      }
      case kMissing:
        break;
    }
    const uint64_t first = page - page % kDemandPages;
    const uint64_t count = std::min<uint64_t>(kDemandPages, region.pages.size() - first);
    for (uint64_t p = first; p < first + count; ++p) {
      if (region.pages[p] == kMissing) region.pages[p] = kRequested;
    }
    auto read = source_.readRequest();
    read.setIndex(index);
    read.setFirstPage(uint32_t(first));
    read.setCount(uint32_t(count));
    std::weak_ptr<PostCopyArrival> weak = self_;
    const std::string peer = link_->peer();
    auto timeout = link_->loop()->timer().afterDelay(kDemandTimeout).then([weak, peer] {
      if (auto self = weak.lock()) {
        self->Fail("node " + peer + " did not answer for its pages in 30 s");
      }
    });
    link_->loop()->Detach(
        read.send()
            .then(
                [weak, index, peer](auto&& response) {
                  std::shared_ptr<PostCopyArrival> self = weak.lock();
                  if (self == nullptr) return;
                  VoidResult placed = self->Place(index, response.getPages(), /*demand=*/true);
                  if (!placed.ok()) {
                    self->Fail("node " + peer + " sent bad pages: " + placed.error().message);
                  }
                },
                [weak, peer](kj::Exception&& e) {
                  if (auto self = weak.lock()) {
                    self->Fail("node " + peer + " went away before all its memory came (" +
                               std::string(e.getDescription().cStr()) + ")");
                  }
                })
            .exclusiveJoin(kj::mv(timeout)),
        "post-copy read");
    return;
  }
  spdlog::warn("pid {}: a page fault at {:#x}, outside its memories, is not ours", pid_, address);
}

VoidResult PostCopyArrival::Place(uint32_t index, proto::image::Memory::Reader pages, bool demand) {
  if (faults_ == nullptr || gone_) return Ok();  // Finished, failed, or it ended here.
  if (index >= regions_.size()) {
    return MakeError(Status::kMalformed, "pages of memory " + std::to_string(index) +
                                             ", which the process does not have");
  }
  Region& region = regions_[index];
  if (uint64_t(pages.getPageCount()) * vm::kPageSize != region.bytes) {
    return MakeError(Status::kMalformed,
                     "pages of memory " + std::to_string(index) + " for a memory of another size");
  }
  uint64_t placed_pages = 0;
  VoidResult walked = migrate::ForEachRun(
      pages, index, [&](uint64_t first, uint64_t count, const uint8_t* data) -> VoidResult {
        uint8_t* at = region.base + first * kPage;
        if (data == nullptr && !demand) {
          // A zero page is placed only when touched: it costs nothing until
          // then. One asked for already is known now too: `done` may come
          // before the answer, which then finds it placed or the memory an
          // ordinary one (its waiting thread reads the zeros it is).
          for (uint64_t p = first; p < first + count; ++p) {
            if (region.pages[p] != kPresent) region.pages[p] = kZero;
          }
          return Ok();
        }
        Result<uint64_t> placed = data != nullptr ? faults_->Place(at, data, count * kPage)
                                                  : faults_->Zero(at, count * kPage);
        if (!placed.ok()) return placed.error();
        placed_pages += *placed;
        std::fill(region.pages.begin() + first, region.pages.begin() + first + count, kPresent);
        return Ok();
      });
  if (!walked.ok() && walked.error().status == Status::kNotFound) {
    gone_ = true;  // Its memory was unmapped: the process ended here.
    return Ok();
  }
  if (demand) demand_pages_ += placed_pages;
  return walked;
}

uint64_t PostCopyArrival::MissingPages() const {
  uint64_t missing = 0;
  for (const Region& region : regions_) {
    missing += std::count_if(region.pages.begin(), region.pages.end(), [](uint8_t state) {
      return state == kMissing || state == kRequested;
    });
  }
  return missing;
}

VoidResult PostCopyArrival::Finish() {
  if (failed_) return MakeError(Status::kIoError, "the process was lost: " + failure_);
  if (finished_) return Ok();
  if (!gone_) {
    if (uint64_t missing = MissingPages(); missing > 0) {
      const std::string why = std::to_string(missing) + " of its pages never came";
      Fail(why);
      return MakeError(Status::kInvalidArgs, "the process was lost: " + why);
    }
  }
  finished_ = true;
  // The pages known to be zero and never touched become ordinary ones.
  TearDown();
  if (gone_) {
    spdlog::info("pid {} ended before all its memory came from node {}", pid_, link_->peer());
  } else {
    spdlog::info("pid {}: all its memory came from node {} ({} pages fetched on demand)", pid_,
                 link_->peer(), demand_pages_);
  }
  return Ok();
}

void PostCopyArrival::Fail(const std::string& why) {
  if (finished_ || failed_) return;
  failed_ = true;
  failure_ = why;
  if (!started_) {
    TearDownLater();
    return;
  }
  spdlog::error("pid {}: post-copy from node {} failed: {}", pid_, link_->peer(), why);
  // Ended first, then woken: a thread waiting for a page runs on only to
  // the kill (its missing pages read as zeros meanwhile).
  if (hooks_.lost) {
    hooks_.lost(pid_,
                "its memory was lost during a post-copy from node " + link_->peer() + ": " + why);
  }
  TearDownLater();
}

void PostCopyArrival::TearDownLater() {
  // Not here: Fail may run inside the fault watcher, which TearDown destroys.
  std::weak_ptr<PostCopyArrival> weak = self_;
  link_->loop()->Detach(kj::evalLater([weak] {
                          if (auto self = weak.lock()) self->TearDown();
                        }),
                        "post-copy teardown");
}

void PostCopyArrival::TearDown() {
  if (faults_ == nullptr) return;
  watching_ = nullptr;
  observer_ = nullptr;
  // Closing it unregisters this arrival's ranges (and no one else's, as an
  // unregister by address might), and wakes any thread still waiting.
  faults_.reset();
  keeper_->Close();
  if (hooks_.fetched) hooks_.fetched(pid_);
}

}  // namespace shoal::clusterd
