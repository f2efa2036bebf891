#include "clusterd/daemon/migrator.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;
using Clock = std::chrono::steady_clock;

uint64_t MicrosSince(Clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
}

pb::MigrateProgress Stage(pb::MigrateProgress::Stage stage, uint64_t image_bytes) {
  pb::MigrateProgress progress;
  progress.set_stage(stage);
  progress.set_image_bytes(image_bytes);
  return progress;
}

}  // namespace

Result<pb::MigrateSummary> Migrator::Migrate(uint64_t pid, const std::string& to,
                                             const Progress& progress) {
  const Clock::time_point started = Clock::now();
  std::unique_ptr<KernelProcessHost::Departure> departure = TRY(host_.Depart(pid));
  const Clock::time_point frozen = Clock::now();
  std::shared_ptr<const std::vector<uint8_t>> image = departure->image();
  progress(Stage(pb::MigrateProgress::STAGE_FROZEN, image->size()));

  // Any return before the commit destroys `departure`: the process thaws.
  std::unique_ptr<DataPlane::Outbound> outbound =
      TRY(data_.SendProcess(to, pid, image, departure->objects(), Clock::now() + kSendTimeout));
  progress(Stage(pb::MigrateProgress::STAGE_PREPARED, image->size()));

  directory_.RecordMove(pid, to);
  Result<kernel::HandleEntry> committed = data_.Commit(*outbound, Clock::now() + kCommitTimeout);
  kernel::Ref<kernel::ProcessOps> moved_to;
  if (committed.ok()) {
    moved_to = std::static_pointer_cast<kernel::ProcessOps>(committed->object);
  } else if (committed.error().status != Status::kPeerGone) {
    directory_.ForgetMove(pid);  // The destination refused: it runs on here.
    return MakeError(committed.error().status, "node " + to + " did not start process " +
                                                   std::to_string(pid) + ": " +
                                                   committed.error().message);
  } else {
    // The answer was lost: the destination alone knows whether it runs it.
    Result<bool> there = MakeError(Status::kPeerGone, "not asked yet");
    const Clock::time_point give_up = Clock::now() + kResolveTimeout;
    while (!(there = hosts_(to, pid)).ok() && Clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    if (!there.ok()) {
      // Neither side may run it without knowing: it stays frozen here.
      (void)departure.release();
      spdlog::error("pid {}: node {} cannot say whether it took the process; it stays frozen here",
                    pid, to);
      return MakeError(Status::kPeerGone, "node " + to + " stopped answering at the commit of " +
                                              std::to_string(pid) +
                                              "; the process stays frozen on " + self_ +
                                              " until it is known where it runs");
    }
    if (!*there) {
      directory_.ForgetMove(pid);
      return MakeError(Status::kPeerGone, "node " + to + " did not start process " +
                                              std::to_string(pid) + " (" +
                                              committed.error().message + "); it runs on here");
    }
  }
  departure->Commit(std::move(moved_to), to);

  pb::MigrateSummary summary;
  summary.set_pid(pid);
  summary.set_from_node(self_);
  summary.set_to_node(to);
  summary.set_image_bytes(image->size());
  summary.set_total_us(MicrosSince(started));
  summary.set_freeze_us(MicrosSince(frozen));
  summary.set_rounds(1);
  pb::MigrateProgress done = Stage(pb::MigrateProgress::STAGE_COMMITTED, image->size());
  *done.mutable_summary() = summary;
  progress(done);
  if (moved_) moved_(summary);
  spdlog::info("pid {} moved to {}: {} bytes, frozen {} us", pid, to, image->size(),
               summary.freeze_us());
  return summary;
}

}  // namespace shoal::clusterd
