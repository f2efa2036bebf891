#include "clusterd/daemon/migrator.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>

#include "clusterd/daemon/fault_points.h"
#include "migrate/image_codec.h"
#include "migrate/page_batch.h"

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
using Clock = std::chrono::steady_clock;

// Pages per batch sent ahead: 1 MiB, as the image's writes.
constexpr size_t kBatchPages = 256;
constexpr uint64_t kPageBytes = vm::Memory::kDirtyPageSize;
// Until a round is large enough to time, the link is taken to carry this.
constexpr double kAssumedBytesPerSecond = 100.0 * (1 << 20);
constexpr uint64_t kTimedRoundBytes = 4 << 20;
// A round that sends more than this share of the one before does not
// converge: the process is slowed, halving its share of time each time.
constexpr double kConverging = 0.8;
constexpr double kSlowestShare = 0.01;
constexpr auto kProgressEvery = std::chrono::milliseconds(250);

uint64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// A move's name for the destination's record (ArrivalLog): random, so that
// no two moves of a pid share one, across restarts of either node too.
uint64_t NewMoveId() {
  static Mutex mu;
  static std::mt19937_64 random{(uint64_t(std::random_device{}()) << 32) ^ std::random_device{}()};
  MutexLock lock(&mu);
  uint64_t id = 0;
  while (id == 0) id = random();
  return id;
}

pb::MigrateProgress Stage(pb::MigrateProgress::Stage stage, uint64_t image_bytes) {
  pb::MigrateProgress progress;
  progress.set_stage(stage);
  progress.set_image_bytes(image_bytes);
  return progress;
}

}  // namespace

struct Migrator::Lazy {
  std::shared_ptr<PostCopySource> source;
  // Once committed. Their only owner: freed on this thread when the move
  // ends, the source's reads answering from them until then.
  std::shared_ptr<const FrozenMemories> memories;
};

struct Migrator::Rounds {
  Clock::time_point started = Clock::now();
  uint32_t count = 0;  // Rounds sent ahead.
  uint64_t bytes_sent = 0;
  uint64_t module_bytes = 0;  // Sent ahead.
  // Per memory: whether zstd pays on it, carried from batch to batch.
  std::vector<migrate::ZstdTrials> zstd;
  // Hashed before the freeze (the module goes ahead by it), so that the
  // freeze need not hash it again.
  std::optional<kernel::Sha256> module_sha256;
};

Result<pb::MigrateSummary> Migrator::Migrate(uint64_t pid, const std::string& to,
                                             const pb::MigrateRequest& request,
                                             const Progress& progress) {
  Rounds figures;
  const uint64_t move_id = NewMoveId();
  if (request.postcopy()) {
    if (request.stop_and_copy() || request.max_freeze_ms() != 0) {
      return MakeError(Status::kInvalidArgs,
                       "a post-copy neither copies before the freeze nor needs a freeze cap: "
                       "--postcopy goes with neither --stop-and-copy nor --max-freeze-ms");
    }
    return PostCopy(pid, to, move_id, progress);
  }
  if (request.stop_and_copy()) {
    return FreezeAndCommit(pid, to, move_id, nullptr, kernel::FreezeMemory::kWhole, figures,
                           progress);
  }
  // What cannot move is refused here, before a page is sent.
  std::unique_ptr<kernel::MemoryRounds> rounds = TRY(host_.StartMemoryRounds(pid));
  // The module goes ahead by its hash; its bytes only if `to` lacks it.
  const kernel::Sha256 module_sha256 = migrate::HashBytes(*rounds->module());
  figures.module_sha256 = module_sha256;
  host_.modules().Add(module_sha256, rounds->module());
  std::unique_ptr<DataPlane::Outbound> outbound = TRY(data_.OpenMigration(
      to, pid, move_id, 0, rounds->module(), module_sha256, Clock::now() + kCommitTimeout));
  fault::Hit("migrate.source.rounds", to);
  figures.module_bytes = outbound->module_bytes_sent();
  figures.bytes_sent += figures.module_bytes;
  TRY(PreCopy(pid, to, *rounds, *outbound, request.max_freeze_ms(), figures, progress));
  // The last round's pages are all in place before the freeze: the frozen
  // part then waits behind none, and a batch the destination refused
  // ends the move while the process still runs.
  TRY(data_.FinishPages(*outbound));
  return FreezeAndCommit(pid, to, move_id, outbound.get(), kernel::FreezeMemory::kDelta, figures,
                         progress);
}

Result<pb::MigrateSummary> Migrator::PostCopy(uint64_t pid, const std::string& to, uint64_t move_id,
                                              const Progress& progress) {
  Rounds figures;
  std::shared_ptr<const std::vector<uint8_t>> module;
  {
    // What cannot move is refused here, before the process stops.
    std::unique_ptr<kernel::MemoryRounds> probe = TRY(host_.StartMemoryRounds(pid));
    module = probe->module();
  }
  const kernel::Sha256 module_sha256 = migrate::HashBytes(*module);
  figures.module_sha256 = module_sha256;
  host_.modules().Add(module_sha256, module);
  // A destination that cannot take a post-copy refuses here, also before.
  std::unique_ptr<DataPlane::Outbound> outbound =
      TRY(data_.OpenMigration(to, pid, move_id, 0, module, module_sha256,
                              Clock::now() + kCommitTimeout, /*post_copy=*/true));
  figures.module_bytes = outbound->module_bytes_sent();
  figures.bytes_sent += figures.module_bytes;
  Lazy lazy{std::make_shared<PostCopySource>(data_.loop()), nullptr};
  pb::MigrateSummary summary = TRY(FreezeAndCommit(
      pid, to, move_id, outbound.get(), kernel::FreezeMemory::kLazy, figures, progress, &lazy));
  const Clock::time_point committed = Clock::now();
  fault::Hit("migrate.source.postcopy", to);

  // It runs there now: every page follows, while it asks for those it
  // touches first. Lost pages end it there, so a failure here is reported
  // as the end of the process it is.
  auto lost = [&](const Error& error) {
    spdlog::error("pid {}: node {} stopped taking its memory: {}", pid, to, error.message);
    return MakeError(Status::kPeerGone, "process " + std::to_string(pid) + " runs on node " + to +
                                            ", but its memory could not follow (" + error.message +
                                            "); it ends there");
  };
  const Clock::time_point deadline = Clock::now() + kSendTimeout;
  uint64_t memory_bytes = 0;
  for (const std::unique_ptr<vm::Memory>& memory : *lazy.memories) {
    memory_bytes += memory->size_bytes();
  }
  uint64_t sent = 0;
  Clock::time_point reported = Clock::now();
  for (size_t index = 0; index < lazy.memories->size(); ++index) {
    const vm::Memory& memory = *(*lazy.memories)[index];
    const uint32_t pages = uint32_t(memory.size_bytes() / kPageBytes);
    std::vector<uint32_t> batch_pages;
    migrate::ZstdTrials zstd;
    for (uint32_t first = 0; first < pages; first += kBatchPages) {
      batch_pages.clear();
      for (uint32_t page = first; page < std::min<uint64_t>(pages, first + kBatchPages); ++page) {
        batch_pages.push_back(page);
      }
      Result<migrate::PageBatch> batch = migrate::EncodePageBatch(
          memory.data(), memory.size_bytes(), batch_pages, /*zstd_level=*/1, &zstd);
      if (!batch.ok()) return lost(batch.error());
      VoidResult pushed =
          data_.SendLazyPages(*outbound, uint32_t(index), std::move(batch->message), deadline);
      if (!pushed.ok()) return lost(pushed.error());
      fault::Hit("migrate.source.lazy_batch", to);
      sent += batch_pages.size() * kPageBytes;
      if (Clock::now() - reported >= kProgressEvery) {
        pb::MigrateProgress fetching = Stage(pb::MigrateProgress::STAGE_FETCHING, 0);
        fetching.set_bytes_sent(sent);
        fetching.set_memory_bytes(memory_bytes);
        progress(fetching);
        reported = Clock::now();
      }
    }
  }
  Result<uint64_t> demand_pages = data_.FinishPostCopy(*outbound, Clock::now() + kCommitTimeout);
  if (!demand_pages.ok()) return lost(demand_pages.error());

  summary.set_postcopy(true);
  summary.set_fetch_us(MicrosSince(committed));
  summary.set_demand_pages(*demand_pages);
  summary.set_total_us(MicrosSince(figures.started));
  summary.set_bytes_sent(summary.bytes_sent() + sent);
  pb::MigrateProgress done = Stage(pb::MigrateProgress::STAGE_COMMITTED, summary.image_bytes());
  *done.mutable_summary() = summary;
  progress(done);
  spdlog::info("pid {}: all its memory reached {} in {} us, {} pages on demand", pid, to,
               summary.fetch_us(), summary.demand_pages());
  return summary;
}

VoidResult Migrator::PreCopy(uint64_t pid, const std::string& to, kernel::MemoryRounds& rounds,
                             DataPlane::Outbound& outbound, uint32_t max_freeze_ms, Rounds& figures,
                             const Progress& progress) {
  const double target_s = (max_freeze_ms != 0 ? max_freeze_ms : kDefaultFreezeTargetMs) / 1000.0;
  double link_bytes_per_s = kAssumedBytesPerSecond;
  double share = 1.0;
  uint64_t previous_bytes = UINT64_MAX;
  double previous_s = 0;
  for (;;) {
    const Clock::time_point round_start = Clock::now();
    std::vector<std::vector<uint32_t>> pages = rounds.Take();
    if (pages.empty()) {
      return MakeError(Status::kNotFound,
                       "process " + std::to_string(pid) + " ended while its memory was being sent");
    }
    uint64_t round_bytes = 0;
    for (const std::vector<uint32_t>& memory : pages) round_bytes += memory.size() * kPageBytes;
    const bool first = figures.count == 0;
    const bool last = !first && (double(round_bytes) / link_bytes_per_s <= target_s ||
                                 figures.count >= kMaxRounds);
    if (last && figures.count >= kMaxRounds && max_freeze_ms != 0 &&
        double(round_bytes) / link_bytes_per_s > target_s) {
      return MakeError(Status::kExhausted,
                       "after " + std::to_string(figures.count) + " rounds it still writes " +
                           std::to_string(round_bytes >> 10) + " KiB between rounds, more than " +
                           std::to_string(max_freeze_ms) + " ms of the link (--max-freeze-ms)");
    }
    if (!first && !last && double(round_bytes) > kConverging * double(previous_bytes)) {
      share = std::max(share / 2, kSlowestShare);
      rounds.Throttle(share);
    }

    // Send the round: every memory (the first round names each, even an
    // empty one), in batches.
    Clock::time_point reported = Clock::now();
    for (size_t index = 0; index < pages.size(); ++index) {
      const std::vector<uint32_t>& list = pages[index];
      for (size_t at = 0; at < list.size() || (first && at == 0); at += kBatchPages) {
        const std::span<const uint32_t> batch_pages =
            std::span(list).subspan(at, std::min(kBatchPages, list.size() - at));
        Result<migrate::PageBatch> batch =
            MakeError(Status::kNotFound,
                      "process " + std::to_string(pid) + " ended while its memory was being sent");
        if (figures.zstd.size() <= index) figures.zstd.resize(index + 1);
        if (!rounds.Read(index, [&](const uint8_t* data, uint64_t size) {
              batch = migrate::EncodePageBatch(data, size, batch_pages, /*zstd_level=*/1,
                                               &figures.zstd[index], migrate::RawPages::kFollowing);
            })) {
          return batch.error();
        }
        if (!batch.ok()) return batch.error();
        TRY(data_.SendPages(outbound, uint32_t(index), *batch));
        if (first && index == 0 && at == 0) fault::Hit("migrate.source.first_batch", to);
        figures.bytes_sent += batch_pages.size() * kPageBytes;
        if (Clock::now() - reported >= kProgressEvery) {
          pb::MigrateProgress busy = Stage(pb::MigrateProgress::STAGE_COPYING, 0);
          busy.set_round(figures.count + 1);
          busy.set_bytes_sent(figures.bytes_sent);
          progress(busy);
          reported = Clock::now();
        }
      }
    }
    ++figures.count;
    const double round_s = SecondsSince(round_start);
    if (round_bytes >= kTimedRoundBytes && round_s > 0) {
      link_bytes_per_s = double(round_bytes) / round_s;
    }
    pb::MigrateProgress done = Stage(pb::MigrateProgress::STAGE_COPYING, 0);
    done.set_round(figures.count);
    done.set_bytes_sent(figures.bytes_sent);
    done.set_round_bytes(round_bytes);
    if (!first && previous_s > 0) done.set_dirty_bytes_per_s(uint64_t(round_bytes / previous_s));
    done.set_run_share_permille(uint32_t(share * 1000 + 0.5));
    progress(done);
    if (!first) fault::Hit("migrate.source.round", to);
    if (last) return Ok();
    previous_bytes = round_bytes;
    previous_s = round_s;
  }
}

Result<pb::MigrateSummary> Migrator::FreezeAndCommit(uint64_t pid, const std::string& to,
                                                     uint64_t move_id,
                                                     DataPlane::Outbound* outbound,
                                                     kernel::FreezeMemory memory, Rounds& figures,
                                                     const Progress& progress, Lazy* lazy) {
  // After a pre-copy (or with a post-copy) the freeze is short: its stages
  // are reported after the commit rather than spend it writing to the
  // client.
  const bool pre_copied = outbound != nullptr;
  std::unique_ptr<DataPlane::Outbound> stop_and_copy;
  std::vector<pb::MigrateProgress> held;
  auto report = [&](pb::MigrateProgress stage) {
    if (pre_copied) {
      held.push_back(std::move(stage));
    } else {
      progress(stage);
    }
  };
  // From the freeze request: the process may stop any moment after it.
  const Clock::time_point frozen = Clock::now();
  std::unique_ptr<KernelProcessHost::Departure> departure =
      TRY(host_.Depart(pid, memory, figures.module_sha256 ? &*figures.module_sha256 : nullptr));
  std::shared_ptr<const std::vector<uint8_t>> image = departure->image();
  report(Stage(pb::MigrateProgress::STAGE_FROZEN, image->size()));
  fault::Hit("migrate.source.frozen", to);

  // Any return before the commit destroys `departure`: the process thaws.
  // The commit waits for the prepare's answer: sent behind it, a commit
  // whose answer was lost with a destination that then died would leave
  // the process frozen here for good, not knowing whether it ran there.
  if (lazy != nullptr) {
    // The memories' sizes, and the source of their pages.
    std::vector<uint32_t> memory_pages;
    for (uint64_t bytes : departure->memory_sizes()) {
      memory_pages.push_back(uint32_t(bytes / vm::kPageSize));
    }
    TRY(data_.StartPostCopy(*outbound, lazy->source, std::move(memory_pages),
                            Clock::now() + kSendTimeout));
  }
  if (pre_copied) {
    TRY(data_.SendImage(*outbound, image, departure->objects(), Clock::now() + kSendTimeout));
  } else {
    stop_and_copy = TRY(data_.SendProcess(to, pid, move_id, image, departure->objects(),
                                          Clock::now() + kSendTimeout));
    outbound = stop_and_copy.get();
  }
  report(Stage(pb::MigrateProgress::STAGE_PREPARED, image->size()));
  fault::Hit("migrate.source.prepared", to);
  directory_.RecordMove(pid, to);
  fault::Hit("migrate.source.recorded", to);
  Result<DataPlane::Committed> committed = data_.Commit(*outbound, Clock::now() + kCommitTimeout);
  const uint64_t held_us = MicrosSince(frozen);
  // Without an answer, the time held bounds it.
  uint64_t freeze_us = held_us;
  kernel::Ref<kernel::ProcessOps> moved_to;
  if (committed.ok()) {
    moved_to = std::static_pointer_cast<kernel::ProcessOps>(committed->process.object);
    const std::optional<MonotonicNs> started = committed->StartedNs();
    const MonotonicNs stopped = departure->stopped_ns();
    if (started) freeze_us = *started > stopped ? (*started - stopped) / 1000 : 0;
  } else if (committed.error().status != Status::kPeerGone) {
    directory_.ForgetMove(pid);  // The destination refused: it runs on here.
    return MakeError(committed.error().status, "node " + to + " did not start process " +
                                                   std::to_string(pid) + ": " +
                                                   committed.error().message);
  } else {
    // The answer was lost: the destination alone knows whether it started
    // it. Neither side may run it without knowing: until it answers, it
    // stays frozen here.
    const std::string p = std::to_string(pid);
    Result<Landed> landed = AskUntil(to, pid, move_id, Clock::now() + kResolveTimeout);
    if (!landed.ok()) {
      spdlog::error(
          "pid {}: node {} cannot say whether it took the process; it stays frozen "
          "here until it answers",
          pid, to);
      SettleLater(pid, to, move_id, std::move(departure));
      return MakeError(Status::kPeerGone,
                       "node " + to + " did not answer the commit of " + p + " (" +
                           landed.error().message + "); the process stays frozen on " + self_ +
                           " until node " + to + " answers, then runs on where it started");
    }
    if (*landed == Landed::kNotTaken) {
      Settle(Landed::kNotTaken, pid, to, std::move(departure));
      return MakeError(Status::kPeerGone, "node " + to + " did not start process " + p + " (" +
                                              committed.error().message + "); it runs on here");
    }
    if (*landed == Landed::kLost) {
      Settle(Landed::kLost, pid, to, std::move(departure));
      return MakeError(Status::kPeerGone, "node " + to + " started process " + p +
                                              " and restarted before it answered: the "
                                              "process was lost with it");
    }
  }
  fault::Hit("migrate.source.committed", to);
  if (lazy != nullptr) {
    // It runs there: its memories leave the frozen process for the source
    // of their pages.
    Result<std::vector<std::unique_ptr<vm::Memory>>> memories = departure->TakeMemories();
    if (memories.ok()) {
      lazy->memories = std::make_shared<const FrozenMemories>(std::move(memories).value());
      lazy->source->Provide(lazy->memories);
    } else {
      lazy->source->Withhold(memories.error().message);
    }
  }
  departure->Commit(std::move(moved_to), to);
  for (const pb::MigrateProgress& stage : held) progress(stage);

  figures.bytes_sent += image->size();
  pb::MigrateSummary summary;
  summary.set_pid(pid);
  summary.set_from_node(self_);
  summary.set_to_node(to);
  summary.set_image_bytes(image->size());
  summary.set_total_us(MicrosSince(figures.started));
  summary.set_freeze_us(freeze_us);
  summary.set_held_us(held_us);
  summary.set_rounds(figures.count + 1);
  summary.set_bytes_sent(figures.bytes_sent);
  summary.set_module_bytes(figures.module_bytes);
  if (moved_) moved_(summary);
  if (lazy != nullptr) {
    if (lazy->memories == nullptr) {
      return MakeError(Status::kNoMemory, "process " + std::to_string(pid) + " runs on node " + to +
                                              ", but its memory could not be served: it "
                                              "ends there");
    }
    return summary;
  }
  pb::MigrateProgress done = Stage(pb::MigrateProgress::STAGE_COMMITTED, image->size());
  *done.mutable_summary() = summary;
  progress(done);
  spdlog::info("pid {} moved to {}: {} rounds, {} bytes, frozen {} us", pid, to, summary.rounds(),
               summary.bytes_sent(), summary.freeze_us());
  return summary;
}

Result<Migrator::Landed> Migrator::AskUntil(const std::string& to, uint64_t pid, uint64_t move_id,
                                            Clock::time_point until) {
  for (;;) {
    Result<Landed> landed = ask_(to, pid, move_id);
    if (landed.ok() || Clock::now() >= until) return landed;
    MutexLock lock(&settling_mu_);
    auto deadline = Clock::now() + std::chrono::milliseconds(200);
    while (!stopping_) {
      if (!settling_cv_.WaitUntil(settling_mu_, deadline)) break;
    }
    if (stopping_) return landed;
  }
}

void Migrator::Settle(Landed landed, uint64_t pid, const std::string& to,
                      std::unique_ptr<KernelProcessHost::Departure> departure) {
  switch (landed) {
    case Landed::kNotTaken:
      directory_.ForgetMove(pid);
      departure.reset();  // Thaws: it runs on here, having noticed nothing.
      spdlog::warn("pid {}: node {} did not start it; it runs on here", pid, to);
      return;
    case Landed::kTaken:
      departure->Commit(nullptr, to);
      spdlog::info("pid {}: node {} started it; released here", pid, to);
      return;
    case Landed::kLost:
      departure->Commit(nullptr, to);
      directory_.ForgetMove(pid);
      directory_.RecordLost(pid, to);
      spdlog::error("pid {}: node {} started it and then restarted: lost with it", pid, to);
      return;
  }
}

void Migrator::SettleLater(uint64_t pid, std::string to, uint64_t move_id,
                           std::unique_ptr<KernelProcessHost::Departure> departure) {
  MutexLock lock(&settling_mu_);
  if (stopping_) {
    (void)host_.Kill(pid);  // Not thawed: it may run on there.
    return;
  }
  settling_.emplace_back(
      [this, pid, to = std::move(to), move_id, departure = std::move(departure)]() mutable {
        for (;;) {
          Result<Landed> landed = ask_(to, pid, move_id);
          if (landed.ok()) {
            if (*landed == Landed::kTaken) {
              pb::MigrateSummary summary;
              summary.set_pid(pid);
              summary.set_from_node(self_);
              summary.set_to_node(to);
              Settle(*landed, pid, to, std::move(departure));
              if (moved_) moved_(summary);
            } else {
              Settle(*landed, pid, to, std::move(departure));
            }
            return;
          }
          MutexLock lock(&settling_mu_);
          auto deadline = Clock::now() + kSettleEvery;
          while (!stopping_) {
            if (!settling_cv_.WaitUntil(settling_mu_, deadline)) break;
          }
          if (stopping_) {
            // The daemon stops: killed, not thawed, as it may run on there.
            lock.Unlock();
            (void)host_.Kill(pid);
            return;
          }
        }
      });
}

void Migrator::Stop() {
  std::list<std::thread> threads;
  {
    MutexLock lock(&settling_mu_);
    stopping_ = true;
    threads.swap(settling_);
  }
  settling_cv_.SignalAll();
  for (std::thread& thread : threads) thread.join();
}

}  // namespace shoal::clusterd
