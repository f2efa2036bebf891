#include "clusterd/daemon/migration_server.h"

#include <kj/debug.h>
#include <spdlog/spdlog.h>

#include <future>
#include <optional>
#include <string>
#include <vector>

#include "clusterd/daemon/fault_points.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/outcome.h"
#include "migrate/image_codec.h"
#include "migrate/page_batch.h"
#include "migrate/page_stream.h"

namespace shoal::clusterd {
namespace {

class MigrationServer final : public proto::rpc::Migration::Server {
 public:
  MigrationServer(std::shared_ptr<kernel::remote::Link> link, MigrationReceiver receiver,
                  IncomingMove move)
      : link_(std::move(link)),
        receiver_(std::move(receiver)),
        pid_(move.pid),
        move_id_(move.move_id),
        max_bytes_(move.max_bytes),
        module_sha256_(move.module_sha256),
        expected_(move.image_bytes),
        // A post-copy's memories must stay missing for its faults.
        ahead_(move.max_bytes, /*prefault=*/move.faults == nullptr),
        module_(std::move(move.module)),
        faults_(std::move(move.faults)),
        post_copy_hooks_(std::move(move.post_copy_hooks)),
        compile_module_(std::move(move.compile_module)) {
    image_.reserve(expected_);
    CompileAhead();
  }

  ~MigrationServer() noexcept(false) {
    if (prepared_) spdlog::info("migration of pid {} abandoned before commit: dropped", pid_);
  }

  kj::Promise<void> write(WriteContext context) override {
    auto bytes = context.getParams().getBytes();
    if (state_ != State::kReceiving || image_.size() + bytes.size() > expected_) {
      // A stream call cannot answer an outcome: prepare reports it.
      overflow_ = true;
      return kj::READY_NOW;
    }
    image_.insert(image_.end(), bytes.begin(), bytes.end());
    if (image_.size() == expected_) fault::Hit("migrate.dest.image", link_->peer());
    return kj::READY_NOW;
  }

  kj::Promise<void> expectImage(ExpectImageContext context) override {
    const uint64_t bytes = context.getParams().getImageBytes();
    if (expected_ != 0 || !image_.empty()) {
      failure_ = MakeError(Status::kInvalidArgs, "the image's size was told twice");
    } else if (bytes > max_bytes_) {
      failure_ = MakeError(Status::kNoMemory, "an image of " + std::to_string(bytes) +
                                                  " bytes is more than this node takes");
    } else {
      expected_ = bytes;
      image_.reserve(bytes);
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> module(ModuleContext context) override {
    auto bytes = context.getParams().getBytes();
    if (module_ != nullptr || !image_.empty()) {
      failure_ = MakeError(Status::kInvalidArgs, "the module came twice or after the image");
    } else if (bytes.size() > max_bytes_) {
      failure_ = MakeError(Status::kNoMemory, "a module of " + std::to_string(bytes.size()) +
                                                  " bytes is more than this node takes");
    } else if (migrate::HashBytes(std::span<const uint8_t>(bytes.begin(), bytes.size())) !=
               module_sha256_) {
      // Checked here, while the process still runs on the source.
      failure_ = MakeError(Status::kInvalidArgs, "the module sent ahead is not the one named");
    } else {
      module_ = std::make_shared<const std::vector<uint8_t>>(bytes.begin(), bytes.end());
      CompileAhead();
    }
    return kj::READY_NOW;
  }

  kj::Promise<void> postCopy(PostCopyContext context) override {
    if (faults_ == nullptr) {
      KJ_FAIL_REQUIRE("post-copy was not asked for when the move opened, or was asked twice");
    }
    if (state_ != State::kReceiving || !image_.empty() || failure_) {
      KJ_FAIL_REQUIRE("post-copy must come before the image, after the memories' sizes");
    }
    auto sizes = context.getParams().getMemoryPages();
    for (uint32_t index = 0; index < sizes.size(); ++index) {
      VoidResult made = ahead_.Reserve(index, sizes[index]);
      if (!made.ok()) KJ_FAIL_REQUIRE("cannot take a post-copy", made.error().message.c_str());
    }
    Result<std::shared_ptr<PostCopyArrival>> arrival = PostCopyArrival::Create(
        link_, pid_, std::move(faults_), ahead_, context.getParams().getSource(), post_copy_hooks_);
    if (!arrival.ok()) KJ_FAIL_REQUIRE("cannot take a post-copy", arrival.error().message.c_str());
    post_copy_ = std::move(arrival).value();
    context.getResults().setSink(post_copy_->Sink());
    return kj::READY_NOW;
  }

  kj::Promise<void> prepare(PrepareContext context) override {
    if (state_ != State::kReceiving) {
      kernel::remote::SetOutcome(context.getResults().initOutcome(),
                                 MakeError(Status::kInvalidArgs, "prepare came twice"));
      return kj::READY_NOW;
    }
    if (auto bytes = context.getParams().getImage(); bytes.size() > 0) TakeWholeImage(bytes);
    if (VoidResult laid = PagesLaid(); !laid.ok() && !failure_) failure_ = laid.error();
    if (failure_) {
      state_ = State::kDone;
      kernel::remote::SetOutcome(context.getResults().initOutcome(), *failure_);
      return kj::READY_NOW;
    }
    if (faults_ != nullptr) {
      // Without its source, the process would run on memories with no pages.
      state_ = State::kDone;
      kernel::remote::SetOutcome(
          context.getResults().initOutcome(),
          MakeError(Status::kInvalidArgs, "a post-copy was asked for, but no page source came"));
      return kj::READY_NOW;
    }
    if (overflow_ || image_.size() != expected_) {
      kernel::remote::SetOutcome(
          context.getResults().initOutcome(),
          MakeError(Status::kInvalidArgs,
                    "the image was announced as " + std::to_string(expected_) + " bytes; " +
                        (overflow_ ? "more" : std::to_string(image_.size())) + " came"));
      return kj::READY_NOW;
    }
    state_ = State::kPreparing;
    kj::ForkedPromise<void>& done = preparing_.emplace(
        kernel::remote::ImportHandles(link_, context.getParams().getObjects())
            .then([this, context](Result<std::vector<kernel::HandleEntry>> objects) mutable {
              auto outcome = context.getResults().initOutcome();
              if (!objects.ok()) {
                state_ = State::kDone;
                return kernel::remote::SetOutcome(outcome, objects.error());
              }
              // Compiled by now, as a rule: the pages took longer.
              if (compiled_.valid()) compiled_.wait();
              ArrivingProcess arriving;
              arriving.image = image_;
              arriving.objects = std::move(objects).value();
              arriving.memories_ahead = ahead_.Take();
              arriving.module = std::move(module_);
              arriving.module_sha256 = module_sha256_;
              arriving.from = link_->peer();
              arriving.move_id = move_id_;
              Result<std::unique_ptr<IncomingProcess>> prepared = receiver_(std::move(arriving));
              std::vector<uint8_t>().swap(image_);  // The process holds what it needs.
              if (!prepared.ok()) {
                state_ = State::kDone;
                return kernel::remote::SetOutcome(outcome, prepared.error());
              }
              prepared_ = std::move(prepared).value();
              state_ = State::kPrepared;
              fault::Hit("migrate.dest.prepared", link_->peer());
            })
            .fork());
    return done.addBranch();
  }

  kj::Promise<void> commit(CommitContext context) override {
    if (commit_came_ns_ == 0) commit_came_ns_ = MonotonicNow();
    // A commit sent right behind its prepare (pipelined) waits for it.
    if (state_ == State::kPreparing) {
      KJ_IF_MAYBE (preparing, preparing_) {
        return preparing->addBranch().then([this, context]() mutable { return commit(context); });
      }
    }
    auto results = context.getResults();
    if (state_ != State::kPrepared) {
      kernel::remote::SetOutcome(results.initOutcome(),
                                 MakeError(Status::kInvalidArgs, "nothing prepared to commit"));
      return kj::READY_NOW;
    }
    state_ = State::kDone;
    std::unique_ptr<IncomingProcess> process = std::move(prepared_);
    fault::Hit("migrate.dest.commit", link_->peer());
    Result<kernel::Ref<kernel::ProcessOps>> started = process->Start();
    if (!started.ok()) {
      kernel::remote::SetOutcome(results.initOutcome(), started.error());
      return kj::READY_NOW;
    }
    // Its faults are served from the loop, this thread: none before this.
    // (It ran held while its arrival was made durable, a fault waiting
    // meanwhile; had that failed, it was killed, and dropping post_copy_
    // wakes a thread still waiting for a page.)
    if (post_copy_) post_copy_->Started();
    spdlog::info("pid {} arrived from node {} and runs here", pid_, link_->peer());
    fault::Hit("migrate.dest.started", link_->peer());
    kernel::HandleEntry handle{std::move(started).value(),
                               kernel::Rights::kWait | kernel::Rights::kManage};
    kernel::remote::SetOutcome(results.initOutcome(),
                               kernel::remote::ExportHandle(link_, handle, results.initProcess()));
    const MonotonicNs answered = MonotonicNow();
    const MonotonicNs first_step = process->first_step_ns();
    // Not run yet (a worker slower than the disk): the source then counts
    // the whole time it held the process.
    results.setStartedAfterNs(first_step == 0                ? kNotStartedYet
                              : first_step > commit_came_ns_ ? first_step - commit_came_ns_
                                                             : 0);
    results.setAnsweredAfterNs(answered - commit_came_ns_);
    return kj::READY_NOW;
  }

  kj::Promise<void> abort(AbortContext context) override {
    state_ = State::kDone;
    page_stream_.reset();  // Its thread lets go of ahead_ first.
    prepared_.reset();
    std::vector<uint8_t>().swap(image_);
    (void)ahead_.Take();
    module_.reset();
    post_copy_.reset();
    return kj::READY_NOW;
  }

  // Listens for the move's page stream (migrate/page_stream.h), whose
  // batches go into ahead_. Errors: PageStreamReceiver::Start's.
  VoidResult OpenPageStream(const PageStreamPlace& place) {
    page_tls_ = place.tls;  // Before the thread that uses it.
    migrate::PageStreamReceiver::Options options;
    options.host = place.host;
    options.tls = place.tls.get();
    options.peer = link_->peer();
    options.on_batch = [peer = link_->peer()] { fault::Hit("migrate.dest.pages", peer); };
    page_stream_ = TRY(migrate::PageStreamReceiver::Start(std::move(options), ahead_));
    return Ok();
  }
  const migrate::PageStreamReceiver* page_stream() const { return page_stream_.get(); }

 private:
  // A small image that came whole with prepare, in place of expectImage
  // and write; what is wrong with it is prepare's to answer.
  void TakeWholeImage(capnp::Data::Reader bytes) {
    if (expected_ != 0 || !image_.empty()) {
      failure_ = MakeError(Status::kInvalidArgs, "the image came twice");
    } else if (bytes.size() > max_bytes_) {
      failure_ = MakeError(Status::kNoMemory, "an image of " + std::to_string(bytes.size()) +
                                                  " bytes is more than this node takes");
    } else {
      expected_ = bytes.size();
      image_.assign(bytes.begin(), bytes.end());
      fault::Hit("migrate.dest.image", link_->peer());
    }
  }

  // Has module_, once here, compiled before the freeze (ModuleCompiler),
  // so that prepare finds it compiled.
  void CompileAhead() {
    if (module_ == nullptr || !compile_module_ || compiled_.valid()) return;
    compiled_ = compile_module_(module_);
  }

  enum class State : uint8_t { kReceiving, kPreparing, kPrepared, kDone };

  // Whether the page stream ended with every batch in ahead_ (then ahead_
  // is this thread's again), or why not. Ok for a move without one.
  VoidResult PagesLaid() {
    if (page_stream_ == nullptr) return Ok();
    std::optional<VoidResult> verdict = page_stream_->Verdict();
    if (!verdict) {
      return MakeError(Status::kInvalidArgs,
                       "the page stream from node " + link_->peer() + " had not ended");
    }
    page_stream_.reset();
    return *verdict;
  }

  const std::shared_ptr<kernel::remote::Link> link_;
  const MigrationReceiver receiver_;
  const uint64_t pid_;
  const uint64_t move_id_;
  const uint64_t max_bytes_;
  const kernel::Sha256 module_sha256_;
  uint64_t expected_;  // The image's size; 0 until expectImage after a pre-copy.
  std::vector<uint8_t> image_;
  migrate::StagedMemories ahead_;                       // A pre-copy's pages.
  std::shared_ptr<const std::vector<uint8_t>> module_;  // A pre-copy's, checked.
  kj::Maybe<kj::ForkedPromise<void>> preparing_;        // While state_ is kPreparing.
  std::optional<Error> failure_;  // Of a stream call, which cannot answer: prepare reports it.
  bool overflow_ = false;
  State state_ = State::kReceiving;
  std::unique_ptr<IncomingProcess> prepared_;
  MonotonicNs commit_came_ns_ = 0;
  std::unique_ptr<migrate::UserFaults> faults_;  // A post-copy's, until postCopy.
  const PostCopyHooks post_copy_hooks_;
  std::shared_ptr<PostCopyArrival> post_copy_;
  const ModuleCompiler compile_module_;
  std::shared_future<void> compiled_;  // Ready once module_ is compiled ahead.
  // After ahead_, which its thread fills: it goes first.
  std::shared_ptr<const kernel::remote::TlsContext> page_tls_;
  std::unique_ptr<migrate::PageStreamReceiver> page_stream_;
};

}  // namespace

Result<ServedMigration> ServeMigration(const std::shared_ptr<kernel::remote::Link>& link,
                                       MigrationReceiver receiver, IncomingMove move) {
  std::optional<PageStreamPlace> place = std::move(move.page_stream);
  auto server = kj::heap<MigrationServer>(link, std::move(receiver), std::move(move));
  ServedMigration served;
  if (place) {
    TRY(server->OpenPageStream(*place));
    served.page_port = server->page_stream()->port();
    served.page_token = server->page_stream()->token();
  }
  served.migration = kj::mv(server);
  return served;
}

}  // namespace shoal::clusterd
