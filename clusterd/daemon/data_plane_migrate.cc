// DataPlane, the sending side of a live migration (proto/node.capnp,
// Node.migrateIn and Migration): a pre-copy's page batches on the move's
// page stream (migrate/page_stream.h), from the caller's thread, then the image
// in order in 1 MiB stream writes, which Cap'n Proto's flow control paces,
// and prepare right behind the last carrying the live handles as
// capabilities, then commit, which answers the process's handle.
#include <kj/vector.h>

#include "clusterd/daemon/data_plane.h"
#include "kernel/base/thread_annotations.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/names.h"
#include "kernel/remote/outcome.h"

namespace shoal::clusterd {

using kernel::HandleEntry;
using kernel::remote::Link;

namespace {

constexpr size_t kWriteBytes = 1 << 20;

// Runs `start` (which returns kj::Promise<R>) on the loop and waits for its
// result until `deadline`; past it, or when the loop has stopped, `late`.
template <typename R, typename Start>
R RunUntil(kernel::remote::Loop& loop, Start start, DataPlane::Deadline deadline, Error late) {
  struct Slot {
    Mutex mu;
    CondVar cv;
    std::optional<R> value GUARDED_BY(mu);
  };
  auto slot = std::make_shared<Slot>();
  auto deliver = [slot](R value) {
    MutexLock lock(&slot->mu);
    if (!slot->value) slot->value.emplace(std::move(value));
    slot->cv.SignalAll();
  };
  bool posted = loop.Post([&loop, start = std::move(start), deliver] {
    loop.Detach(start().then([deliver](R value) { deliver(std::move(value)); },
                             [deliver](kj::Exception&& e) {
                               deliver(R(MakeError(Status::kInternal, e.getDescription().cStr())));
                             }),
                "migration");
  });
  if (!posted) return R(late);
  MutexLock lock(&slot->mu);
  while (!slot->value.has_value()) {
    if (!slot->cv.WaitUntil(slot->mu, deadline)) break;
  }
  if (!slot->value.has_value()) return R(late);
  return std::move(*slot->value);
}

}  // namespace

// Lives on the loop (LoopShared): it holds the Migration capability.
struct OutboundState {
  explicit OutboundState(std::shared_ptr<kernel::remote::Loop> loop) : loop(std::move(loop)) {}
  ~OutboundState() {
    if (committed) return;
    KJ_IF_MAYBE (m, migration) {
      loop->Detach(m->abortRequest().send().ignoreResult(), "migration abort");
    }
  }
  std::shared_ptr<kernel::remote::Loop> loop;
  kj::Maybe<proto::rpc::Migration::Client> migration;
  std::shared_ptr<Link> link;
  std::string peer;
  kj::Maybe<proto::rpc::PageSink::Client> sink;  // A post-copy's.
  // Where the move's page stream is (port 0: none), from migrateIn.
  std::string page_host;
  uint16_t page_port = 0;
  migrate::PageToken page_token{};
  bool announce_image = false;  // Opened with no image size: SendImage tells it.
  uint64_t module_bytes_sent = 0;
  bool committed = false;
};

namespace {

// Asks for the commit; from here an abort would come too late to mean
// anything.
kj::Promise<Result<DataPlane::Committed>> SendCommit(const std::shared_ptr<OutboundState>& state,
                                                     proto::rpc::Migration::Client& migration) {
  state->committed = true;
  auto committed = std::make_shared<DataPlane::Committed>();
  committed->sent_ns = MonotonicNow();
  return migration.commitRequest()
      .send()
      .then(
          [state, committed](auto&& response) -> kj::Promise<Result<HandleEntry>> {
            committed->answered_ns = MonotonicNow();
            committed->started_after_ns = response.getStartedAfterNs();
            committed->answered_after_ns = response.getAnsweredAfterNs();
            VoidResult started = kernel::remote::ReadOutcome(response.getOutcome());
            if (!started.ok()) return Result<HandleEntry>(started.error());
            return kernel::remote::ImportHandle(state->link, response.getProcess());
          },
          [state](kj::Exception&& e) -> Result<HandleEntry> {
            return kernel::remote::FromException(e, state->peer);
          })
      .then([committed](Result<HandleEntry> process) -> Result<DataPlane::Committed> {
        committed->process = TRY(std::move(process));
        return *committed;
      });
}

}  // namespace

Result<std::unique_ptr<DataPlane::Outbound>> DataPlane::OpenMigration(
    const std::string& peer, uint64_t pid, uint64_t move_id, uint64_t image_bytes,
    std::shared_ptr<const std::vector<uint8_t>> module, const kernel::Sha256& module_sha256,
    Deadline deadline, bool post_copy) {
  auto state = kernel::remote::LoopShared(loop_, new OutboundState(loop_));
  state->peer = peer;
  state->announce_image = image_bytes == 0;
  auto start = [this, peer, pid, move_id, image_bytes, module, module_sha256, state,
                post_copy]() -> kj::Promise<VoidResult> {
    return Node(peer).then([this, peer, pid, move_id, image_bytes, module, module_sha256, state,
                            post_copy](Result<PeerNode> node) -> kj::Promise<VoidResult> {
      if (!node.ok()) return VoidResult(node.error());
      // The page stream is dialled at the host the connection was.
      Result<std::string> address = options_.resolve(peer);
      if (!address.ok()) return VoidResult(address.error());
      state->page_host = kernel::remote::HostOf(*address);
      state->link = node->link;
      auto request = node->node.migrateInRequest();
      request.setPid(pid);
      request.setImageBytes(image_bytes);
      request.setMoveId(move_id);
      request.setPostCopy(post_copy);
      if (module != nullptr) {
        request.setModuleSha256(kj::arrayPtr(module_sha256.data(), module_sha256.size()));
      }
      return request.send()
          .then([module, state](auto&& response) -> kj::Promise<VoidResult> {
            VoidResult taken = kernel::remote::ReadOutcome(response.getOutcome());
            if (!taken.ok()) return taken;
            proto::rpc::Migration::Client migration = response.getMigration();
            state->migration = migration;
            state->page_port = response.getPagePort();
            auto token = response.getPageToken();
            if (state->page_port != 0 && token.size() != state->page_token.size()) {
              return VoidResult(MakeError(Status::kMalformed,
                                          "node " + state->peer + " sent a malformed page token"));
            }
            if (state->page_port != 0) {
              std::copy(token.begin(), token.end(), state->page_token.begin());
            }
            if (module == nullptr || response.getHasModule()) return taken;
            state->module_bytes_sent = module->size();
            auto send = migration.moduleRequest();
            send.setBytes(kj::arrayPtr(module->data(), module->size()));
            return send.send().then([](auto&&) -> VoidResult { return Ok(); });
          })
          .catch_([state](kj::Exception&& e) -> VoidResult {
            return kernel::remote::FromException(e, state->peer);
          });
    });
  };
  VoidResult opened = RunUntil<VoidResult>(
      *loop_, std::move(start), deadline,
      MakeError(Status::kPeerGone, "node " + peer + " did not answer the move in time"));
  if (!opened.ok()) return opened.error();  // `state` aborts on its way out.
  auto outbound = std::make_unique<Outbound>(state);
  outbound->module_bytes_sent_ = state->module_bytes_sent;
  if (image_bytes == 0 && !post_copy) {
    // Written after the RPC answered: the loop is done with these fields.
    if (state->page_port == 0) {
      return MakeError(Status::kNotSupported, "node " + peer + " opened no page stream");
    }
    outbound->pages_ = TRY(migrate::PageStreamSender::Connect(state->page_host, state->page_port,
                                                              state->page_token, page_tls_.get(),
                                                              peer, options_.connect_timeout));
  }
  return outbound;
}

DataPlane::Outbound::Outbound(std::shared_ptr<OutboundState> state) : state_(std::move(state)) {}
DataPlane::Outbound::~Outbound() = default;

VoidResult DataPlane::SendPages(Outbound& outbound, uint32_t index,
                                const migrate::PageBatch& batch) {
  if (outbound.pages_ == nullptr) {
    return MakeError(Status::kInvalidArgs, "this move has no page stream");
  }
  return outbound.pages_->Send(index, batch);
}

VoidResult DataPlane::FinishPages(Outbound& outbound) {
  if (outbound.pages_ == nullptr) {
    return MakeError(Status::kInvalidArgs, "this move has no page stream");
  }
  VoidResult finished = outbound.pages_->Finish();
  outbound.pages_.reset();
  return finished;
}

VoidResult DataPlane::SendImage(Outbound& outbound,
                                std::shared_ptr<const std::vector<uint8_t>> image,
                                std::vector<HandleEntry> objects, Deadline deadline) {
  std::shared_ptr<OutboundState> state = outbound.state_;
  auto shared_objects = std::make_shared<std::vector<HandleEntry>>(std::move(objects));
  auto start = [state, image, shared_objects]() -> kj::Promise<VoidResult> {
    proto::rpc::Migration::Client* open = nullptr;
    KJ_IF_MAYBE (migration, state->migration) {
      open = migration;
    }
    if (open == nullptr) return VoidResult(MakeError(Status::kInvalidArgs, "no move is open"));
    proto::rpc::Migration::Client migration = *open;
    // The handles first: one that cannot be exported stops the move before
    // anything is sent.
    auto prepare = migration.prepareRequest();
    auto out = prepare.initObjects(uint32_t(shared_objects->size()));
    for (uint32_t i = 0; i < out.size(); ++i) {
      VoidResult exported = kernel::remote::ExportHandle(state->link, (*shared_objects)[i], out[i]);
      if (!exported.ok()) return exported;
    }
    // No call waits for another's answer: calls on one capability arrive
    // in the order sent, and the destination keeps what a size or a write
    // got wrong for prepare to answer. Each write but the last waits for
    // flow control to take the one before (a stop and copy's image is the
    // whole memory), and prepare goes right behind the last: the frozen
    // image costs one round trip, where expectImage and prepare took one
    // each.
    if (state->announce_image && image->size() <= kWriteBytes) {
      // Small, as a pre-copy's frozen part is: all of it in one message.
      prepare.setImage(kj::arrayPtr(image->data(), image->size()));
      return prepare.send()
          .then([](auto&& answer) { return kernel::remote::ReadOutcome(answer.getOutcome()); })
          .catch_([state](kj::Exception&& e) -> VoidResult {
            return kernel::remote::FromException(e, state->peer);
          });
    }
    kj::Vector<kj::Promise<void>> answers;
    if (state->announce_image) {
      auto expect = migration.expectImageRequest();
      expect.setImageBytes(image->size());
      answers.add(expect.send().ignoreResult());
    }
    auto send_write = [migration, image](size_t index) mutable {
      auto write = migration.writeRequest();
      const size_t at = index * kWriteBytes;
      write.setBytes(kj::arrayPtr(image->data() + at, std::min(kWriteBytes, image->size() - at)));
      return write.send();
    };
    const size_t writes = (image->size() + kWriteBytes - 1) / kWriteBytes;
    kj::Promise<void> paced = kj::READY_NOW;
    for (size_t i = 0; i + 1 < writes; ++i) {
      paced = paced.then([send_write, i]() mutable { return send_write(i); });
    }
    return paced
        .then([send_write, writes, prepare = kj::mv(prepare),
               answers = kj::mv(answers)]() mutable -> kj::Promise<VoidResult> {
          if (writes > 0) answers.add(send_write(writes - 1));
          auto prepared = prepare.send().then(
              [](auto&& answer) { return kernel::remote::ReadOutcome(answer.getOutcome()); });
          return kj::joinPromises(answers.releaseAsArray())
              .then([prepared = kj::mv(prepared)]() mutable { return kj::mv(prepared); });
        })
        .catch_([state](kj::Exception&& e) -> VoidResult {
          return kernel::remote::FromException(e, state->peer);
        });
  };
  return RunUntil<VoidResult>(
      *loop_, std::move(start), deadline,
      MakeError(Status::kPeerGone, "node " + state->peer + " did not take the process in time"));
}

VoidResult DataPlane::StartPostCopy(Outbound& outbound, std::shared_ptr<PostCopySource> source,
                                    std::vector<uint32_t> memory_pages, Deadline deadline) {
  std::shared_ptr<OutboundState> state = outbound.state_;
  // Not waited for: the sink is used through the promise (pipelined), and
  // a destination that refused the post-copy refuses the prepare.
  auto start = [state, source, memory_pages]() -> kj::Promise<VoidResult> {
    KJ_IF_MAYBE (migration, state->migration) {
      auto request = migration->postCopyRequest();
      request.setSource(source->Serve());
      auto pages = request.initMemoryPages(uint32_t(memory_pages.size()));
      for (uint32_t i = 0; i < pages.size(); ++i) pages.set(i, memory_pages[i]);
      auto sent = request.send();
      state->sink = sent.getSink();
      state->loop->Detach(sent.ignoreResult(), "post-copy");
      return VoidResult(Ok());
    }
    return VoidResult(MakeError(Status::kInvalidArgs, "no move is open"));
  };
  return RunUntil<VoidResult>(
      *loop_, std::move(start), deadline,
      MakeError(Status::kPeerGone, "node " + state->peer + " did not take the post-copy in time"));
}

VoidResult DataPlane::SendLazyPages(Outbound& outbound, uint32_t index,
                                    std::shared_ptr<capnp::MallocMessageBuilder> batch,
                                    Deadline deadline) {
  std::shared_ptr<OutboundState> state = outbound.state_;
  auto start = [state, index, batch]() -> kj::Promise<VoidResult> {
    KJ_IF_MAYBE (sink, state->sink) {
      auto request = sink->pagesRequest();
      request.setIndex(index);
      request.setPages(batch->getRoot<proto::image::Memory>().asReader());
      return request.send().then([]() -> VoidResult { return Ok(); },
                                 [state](kj::Exception&& e) -> VoidResult {
                                   return kernel::remote::FromException(e, state->peer);
                                 });
    }
    return VoidResult(MakeError(Status::kInvalidArgs, "no post-copy is open"));
  };
  return RunUntil<VoidResult>(
      *loop_, std::move(start), deadline,
      MakeError(Status::kPeerGone, "node " + state->peer + " stopped taking pages in time"));
}

Result<uint64_t> DataPlane::FinishPostCopy(Outbound& outbound, Deadline deadline) {
  std::shared_ptr<OutboundState> state = outbound.state_;
  auto start = [state]() -> kj::Promise<Result<uint64_t>> {
    KJ_IF_MAYBE (sink, state->sink) {
      return sink->doneRequest().send().then(
          [](auto&& response) -> Result<uint64_t> {
            TRY(kernel::remote::ReadOutcome(response.getOutcome()));
            return response.getDemandPages();
          },
          [state](kj::Exception&& e) -> Result<uint64_t> {
            return kernel::remote::FromException(e, state->peer);
          });
    }
    return Result<uint64_t>(MakeError(Status::kInvalidArgs, "no post-copy is open"));
  };
  return RunUntil<Result<uint64_t>>(
      *loop_, std::move(start), deadline,
      MakeError(Status::kPeerGone, "node " + state->peer + " did not confirm the pages in time"));
}

Result<std::unique_ptr<DataPlane::Outbound>> DataPlane::SendProcess(
    const std::string& peer, uint64_t pid, uint64_t move_id,
    std::shared_ptr<const std::vector<uint8_t>> image, std::vector<HandleEntry> objects,
    Deadline deadline) {
  std::unique_ptr<Outbound> outbound =
      TRY(OpenMigration(peer, pid, move_id, image->size(), nullptr, {}, deadline));
  TRY(SendImage(*outbound, std::move(image), std::move(objects), deadline));
  return outbound;
}

std::optional<MonotonicNs> DataPlane::Committed::StartedNs() const {
  if (started_after_ns == kNotStartedYet) return std::nullopt;
  const uint64_t round_trip = answered_ns - sent_ns;
  const uint64_t there = round_trip > answered_after_ns ? (round_trip - answered_after_ns) / 2 : 0;
  return sent_ns + there + started_after_ns;
}

Result<DataPlane::Committed> DataPlane::Commit(Outbound& outbound, Deadline deadline) {
  std::shared_ptr<OutboundState> state = outbound.state_;
  auto start = [state]() -> kj::Promise<Result<Committed>> {
    KJ_IF_MAYBE (migration, state->migration) {
      return SendCommit(state, *migration);
    }
    return Result<Committed>(MakeError(Status::kInvalidArgs, "nothing was sent"));
  };
  return RunUntil<Result<Committed>>(
      *loop_, std::move(start), deadline,
      MakeError(Status::kPeerGone, "node " + state->peer + " did not confirm the commit in time"));
}

}  // namespace shoal::clusterd
