// ArrivalLog: the durable record of the moves this node committed as their
// destination, kept in the data directory (file "arrivals"), so that a
// source which lost a commit's answer can learn from this node, even after
// its daemon restarted, whether the process started here
// (docs/migration.md, "Settling a lost commit").
//
// One line per commit, appended and fdatasync'd: "commit PID MOVE FROM",
// durable before anything the process does leaves it ("void PID MOVE",
// which earlier versions wrote when the start then failed, still reads as
// no commit).
// A commit recorded by an earlier run of the daemon is one whose process
// ended with that run, if it had not ended before. The file keeps the last
// kKeep commits; a torn last line (a crash mid-write) is skipped.
//
// The lines are followed by zeros, written and made durable ahead
// (kReserveBytes at a time), into which the next lines are written: an
// append that does not change the file's size flushes its own block
// alone, where one that grows the file waits for a journal commit, and
// with it for whatever else the daemon wrote to that file system. The
// process runs during that flush, its effects held (RecordingArrivals).
//
// Threading: safe from any thread.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "clusterd/daemon/node_server.h"
#include "kernel/base/result.h"
#include "kernel/base/thread_annotations.h"

namespace shoal::clusterd {

class ArrivalLog {
 public:
  static constexpr size_t kKeep = 4096;
  // Zeros kept ahead of the lines: about kKeep records' worth.
  static constexpr size_t kReserveBytes = 256 << 10;

  // Reads `dir`/arrivals (or starts it) and rewrites it with the commits it
  // keeps. kIoError when it cannot be read or written.
  static Result<std::unique_ptr<ArrivalLog>> Open(const std::filesystem::path& dir);
  ~ArrivalLog();
  ArrivalLog(const ArrivalLog&) = delete;
  ArrivalLog& operator=(const ArrivalLog&) = delete;

  // Durably, before anything process `pid` of move `move_id` does here
  // leaves it. kIoError: nothing is recorded, and the process must end
  // without a trace.
  VoidResult RecordCommit(uint64_t pid, uint64_t move_id, const std::string& from);

  enum class Seen : uint8_t {
    kNever,       // No commit of that move here (or it was void).
    kThisRun,     // Committed by this run of the daemon: it started here.
    kEarlierRun,  // Committed by an earlier run, which ended.
  };
  Seen Find(uint64_t pid, uint64_t move_id) const;

 private:
  struct Commit {
    std::string from;
    uint64_t order = 0;  // Appended order, for the bound.
    bool this_run = false;
  };
  using Key = std::pair<uint64_t, uint64_t>;  // pid, move id

  ArrivalLog(std::filesystem::path file, std::map<Key, Commit> commits, uint64_t next_order)
      : file_(std::move(file)), commits_(std::move(commits)), next_order_(next_order) {}
  // Writes the kept commits to a new file and appends to it from then on.
  VoidResult RewriteLocked() REQUIRES(mu_);
  VoidResult AppendLocked(const std::string& line) REQUIRES(mu_);

  const std::filesystem::path file_;
  mutable Mutex mu_;
  std::map<Key, Commit> commits_ GUARDED_BY(mu_);
  uint64_t next_order_ GUARDED_BY(mu_) = 0;
  size_t appended_ GUARDED_BY(mu_) = 0;  // Lines since the last rewrite.
  int fd_ GUARDED_BY(mu_) = -1;          // Open for writing.
  uint64_t end_ GUARDED_BY(mu_) = 0;     // Where the lines end and the zeros start.
  uint64_t size_ GUARDED_BY(mu_) = 0;    // The file's size: the lines and the zeros.
};

// `receiver`, with each process it prepares recorded in `log` as it
// starts (ArrivingProcess::move_id, ::from): it runs from the start, but
// nothing it does leaves it before the record is durable
// (IncomingProcess::Start). A record that cannot be written ends it
// unseen and refuses the start (kIoError): the source then resumes it.
MigrationReceiver RecordingArrivals(MigrationReceiver receiver, ArrivalLog& log);

}  // namespace shoal::clusterd
