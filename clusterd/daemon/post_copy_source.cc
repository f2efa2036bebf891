#include "clusterd/daemon/post_copy_source.h"

#include <kj/debug.h>

#include <algorithm>
#include <numeric>

#include "migrate/page_runs.h"

namespace shoal::clusterd {
namespace {

constexpr uint64_t kPage = vm::Memory::kDirtyPageSize;
// At most this much per read: what a fault asks for is far less.
constexpr uint32_t kMaxReadPages = 256;

}  // namespace

// Loop thread only (made elsewhere, but its promises only there).
struct PostCopySource::State {
  // The promises, made on first use: kj needs the loop's thread for them.
  void Start() {
    if (fulfiller.get() != nullptr) return;
    auto paf = kj::newPromiseAndFulfiller<void>();
    ready = paf.promise.fork();
    fulfiller = kj::mv(paf.fulfiller);
  }
  kj::ForkedPromise<void> ready = nullptr;
  kj::Own<kj::PromiseFulfiller<void>> fulfiller;
  // Not owned: the migrator frees them on its thread once every page is
  // there (unmapping a GiB would hold up the loop for a good part of a
  // second).
  std::weak_ptr<const FrozenMemories> memories;
};

class PostCopySource::Server final : public proto::rpc::PageSource::Server {
 public:
  explicit Server(std::shared_ptr<State> state) : state_(std::move(state)) {}

  kj::Promise<void> read(ReadContext context) override {
    return state_->ready.addBranch().then([this, context]() mutable {
      auto params = context.getParams();
      std::shared_ptr<const FrozenMemories> held = state_->memories.lock();
      if (held == nullptr) KJ_FAIL_REQUIRE("the source has let go of the memory");
      const FrozenMemories& memories = *held;
      const uint32_t index = params.getIndex();
      if (index >= memories.size()) {
        KJ_FAIL_REQUIRE("no such memory", index);
      }
      const vm::Memory& memory = *memories[index];
      const uint64_t total = memory.size_bytes() / kPage;
      const uint64_t first = std::min<uint64_t>(params.getFirstPage(), total);
      const uint64_t count = std::min<uint64_t>({params.getCount(), kMaxReadPages, total - first});
      std::vector<uint32_t> pages(count);
      std::iota(pages.begin(), pages.end(), uint32_t(first));
      VoidResult written = migrate::WritePages(memory.data(), memory.size_bytes(), pages,
                                               /*zstd_level=*/0, context.getResults().initPages());
      if (!written.ok()) KJ_FAIL_REQUIRE("cannot write the pages", written.error().message.c_str());
    });
  }

 private:
  const std::shared_ptr<State> state_;
};

PostCopySource::PostCopySource(std::shared_ptr<kernel::remote::Loop> loop)
    : loop_(std::move(loop)), state_(kernel::remote::LoopShared(loop_, new State())) {}

PostCopySource::~PostCopySource() {
  if (!settled_) Withhold("the move did not commit");
}

proto::rpc::PageSource::Client PostCopySource::Serve() {
  state_->Start();
  return kj::heap<Server>(state_);
}

void PostCopySource::Provide(std::weak_ptr<const FrozenMemories> memories) {
  settled_ = true;
  (void)loop_->Post([state = state_, memories = std::move(memories)]() mutable {
    state->Start();
    state->memories = std::move(memories);
    state->fulfiller->fulfill();
  });
}

void PostCopySource::Withhold(const std::string& why) {
  settled_ = true;
  (void)loop_->Post([state = state_, why] {
    state->Start();
    state->fulfiller->reject(
        KJ_EXCEPTION(DISCONNECTED, "the source withheld its pages", why.c_str()));
  });
}

}  // namespace shoal::clusterd
