#include "clusterd/daemon/arrival_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

#include "clusterd/daemon/durable_file.h"
#include "clusterd/daemon/fault_points.h"

namespace shoal::clusterd {

Result<std::unique_ptr<ArrivalLog>> ArrivalLog::Open(const std::filesystem::path& dir) {
  std::filesystem::path file = dir / "arrivals";
  std::map<Key, Commit> commits;
  uint64_t order = 0;
  std::ifstream in(file, std::ios::binary);
  std::stringstream whole;
  whole << in.rdbuf();
  if (in.bad()) return IoError(file, "cannot read");
  // The lines end where the zeros kept for the next ones start.
  std::string text = whole.str();
  text.resize(std::min(text.size(), text.find('\0')));
  if (!text.empty() && text.back() != '\n') {
    // A line a crash cut short ("commit 4097 1 nod" would still parse):
    // it was never acknowledged, so it is not a commit.
    const size_t torn = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    spdlog::warn("{}: a torn last line, skipped: '{}'", file.string(), text.substr(torn));
    text.resize(torn);
  }
  std::istringstream lines(text);
  std::string line;
  size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    std::istringstream words(line);
    std::string kind, from;
    uint64_t pid = 0, move_id = 0;
    words >> kind >> pid >> move_id;
    if (kind == "commit" && words >> from && pid != 0) {
      commits[{pid, move_id}] = Commit{from, order++, false};
    } else if (kind == "void" && !words.fail() && pid != 0) {
      commits.erase({pid, move_id});
    } else {
      // A torn write at a crash; nothing else writes here.
      spdlog::warn("{} line {}: not a record, skipped: '{}'", file.string(), number, line);
    }
  }
  std::unique_ptr<ArrivalLog> log(new ArrivalLog(std::move(file), std::move(commits), order));
  MutexLock lock(&log->mu_);
  TRY(log->RewriteLocked());
  return log;
}

ArrivalLog::~ArrivalLog() {
  if (fd_ >= 0) ::close(fd_);
}

VoidResult ArrivalLog::RewriteLocked() {
  // The newest kKeep commits, oldest first.
  std::vector<std::pair<uint64_t, const std::pair<const Key, Commit>*>> by_order;
  for (const auto& entry : commits_) by_order.emplace_back(entry.second.order, &entry);
  std::sort(by_order.begin(), by_order.end());
  const size_t drop = by_order.size() > kKeep ? by_order.size() - kKeep : 0;
  std::string text;
  std::vector<Key> dropped;
  for (size_t i = 0; i < by_order.size(); ++i) {
    const auto& [key, commit] = *by_order[i].second;
    if (i < drop) {
      dropped.push_back(key);
      continue;
    }
    text += "commit " + std::to_string(key.first) + " " + std::to_string(key.second) + " " +
            commit.from + "\n";
  }
  for (const Key& key : dropped) commits_.erase(key);

  const uint64_t end = text.size();
  text.resize(end + kReserveBytes, '\0');
  TRY(ReplaceFile(file_, text));
  int fd = ::open(file_.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return IoError(file_, "cannot open");
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  end_ = end;
  size_ = text.size();
  appended_ = 0;
  return Ok();
}

VoidResult ArrivalLog::AppendLocked(const std::string& line) {
  while (end_ + line.size() > size_) {
    // More zeros first, made durable with the line (this flush alone
    // grows the file).
    if (!WriteAll(fd_, std::string(kReserveBytes, '\0'), off_t(size_))) {
      return IoError(file_, "cannot grow");
    }
    size_ += kReserveBytes;
  }
  if (!WriteAll(fd_, line, off_t(end_)) || ::fdatasync(fd_) != 0) {
    return IoError(file_, "cannot append to");
  }
  end_ += line.size();
  if (++appended_ > kKeep) TRY(RewriteLocked());
  return Ok();
}

VoidResult ArrivalLog::RecordCommit(uint64_t pid, uint64_t move_id, const std::string& from) {
  // A record is one line of words: a name with a space, a line break or a
  // NUL in it would read back as another record, or cut the file short.
  if (from.empty() || std::any_of(from.begin(), from.end(), [](char c) {
        return static_cast<unsigned char>(c) <= ' ' || static_cast<unsigned char>(c) >= 0x7f;
      })) {
    return MakeError(Status::kInvalidArgs,
                     "node name '" + from + "' cannot be recorded: printable ASCII without spaces");
  }
  MutexLock lock(&mu_);
  // In the map first: a rewrite the append triggers keeps it.
  commits_[{pid, move_id}] = Commit{from, next_order_++, true};
  VoidResult written = AppendLocked("commit " + std::to_string(pid) + " " +
                                    std::to_string(move_id) + " " + from + "\n");
  if (!written.ok()) {
    commits_.erase({pid, move_id});
    // What of the line reached the file is not a record: write the file
    // again from what is.
    if (VoidResult rewritten = RewriteLocked(); !rewritten.ok()) {
      spdlog::error("{}", rewritten.error().message);
    }
  }
  return written;
}

namespace {

class RecordedArrival final : public IncomingProcess {
 public:
  RecordedArrival(std::unique_ptr<IncomingProcess> arrival, ArrivalLog& log, uint64_t move_id,
                  std::string from)
      : arrival_(std::move(arrival)), log_(log), move_id_(move_id), from_(std::move(from)) {}
  uint64_t pid() const override { return arrival_->pid(); }
  // The commit is recorded while the process already runs, its effects
  // held until the record is durable: a crash before then takes it away
  // unseen, and the source, finding no record, resumes it.
  Result<kernel::Ref<kernel::ProcessOps>> Start(
      const std::function<VoidResult()>& durable) override {
    return arrival_->Start([&]() -> VoidResult {
      fault::Hit("migrate.dest.running", from_);
      TRY(log_.RecordCommit(pid(), move_id_, from_));
      return durable ? durable() : Ok();
    });
  }
  MonotonicNs first_step_ns() const override { return arrival_->first_step_ns(); }

 private:
  const std::unique_ptr<IncomingProcess> arrival_;
  ArrivalLog& log_;
  const uint64_t move_id_;
  const std::string from_;
};

}  // namespace

MigrationReceiver RecordingArrivals(MigrationReceiver receiver, ArrivalLog& log) {
  return [receiver = std::move(receiver),
          &log](ArrivingProcess arriving) -> Result<std::unique_ptr<IncomingProcess>> {
    const uint64_t move_id = arriving.move_id;
    std::string from = arriving.from;
    std::unique_ptr<IncomingProcess> arrival = TRY(receiver(std::move(arriving)));
    return std::unique_ptr<IncomingProcess>(
        new RecordedArrival(std::move(arrival), log, move_id, std::move(from)));
  };
}

ArrivalLog::Seen ArrivalLog::Find(uint64_t pid, uint64_t move_id) const {
  MutexLock lock(&mu_);
  auto it = commits_.find({pid, move_id});
  if (it == commits_.end()) return Seen::kNever;
  return it->second.this_run ? Seen::kThisRun : Seen::kEarlierRun;
}

}  // namespace shoal::clusterd
