#include "clusterd/daemon/arrival_log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace shoal::clusterd {
namespace {

using Seen = ArrivalLog::Seen;

class ArrivalLogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shoal-arrivals-test-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<ArrivalLog> Open() {
    Result<std::unique_ptr<ArrivalLog>> log = ArrivalLog::Open(dir_);
    EXPECT_TRUE(log.ok()) << log.error().message;
    return log.ok() ? std::move(log).value() : nullptr;
  }
  // The file's lines, without the zeros kept after them.
  std::string Contents() const {
    std::string text = Raw();
    return text.substr(0, text.find('\0'));
  }
  std::string Raw() const {
    std::ifstream in(dir_ / "arrivals", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  std::filesystem::path dir_;
};

TEST_F(ArrivalLogTest, ACommitIsThisRunsUntilTheDaemonRestarts) {
  std::unique_ptr<ArrivalLog> log = Open();
  EXPECT_EQ(log->Find(4097, 11), Seen::kNever);
  ASSERT_TRUE(log->RecordCommit(4097, 11, "node-a").ok());
  EXPECT_EQ(log->Find(4097, 11), Seen::kThisRun);
  // Another move of the same pid is another question.
  EXPECT_EQ(log->Find(4097, 12), Seen::kNever);
  log.reset();

  log = Open();
  EXPECT_EQ(log->Find(4097, 11), Seen::kEarlierRun);
  EXPECT_EQ(log->Find(4097, 12), Seen::kNever);
}

// Earlier versions recorded a commit whose start then failed as void.
TEST_F(ArrivalLogTest, AVoidCommitOfAnEarlierVersionIsForgotten) {
  {
    std::ofstream out(dir_ / "arrivals", std::ios::binary);
    out << "commit 8193 5 node-b\ncommit 8194 6 node-b\nvoid 8193 5\n";
  }
  std::unique_ptr<ArrivalLog> log = Open();
  EXPECT_EQ(log->Find(8193, 5), Seen::kNever);
  EXPECT_EQ(log->Find(8194, 6), Seen::kEarlierRun);
}

TEST_F(ArrivalLogTest, ATornLastLineIsSkippedAndTheRestKept) {
  // A crash mid-write: in a file of lines alone (as written before the
  // zeros kept ahead), and before the zeros, where the torn line would
  // still parse as a commit that was never acknowledged.
  for (const std::string& torn :
       {std::string("commit 40"), "commit 4099 3 nod" + std::string(4096, '\0')}) {
    SCOPED_TRACE(torn.substr(0, 17));
    {
      std::ofstream out(dir_ / "arrivals", std::ios::binary);
      out << "commit 4097 1 node-a\ncommit 4098 2 node-a\n" << torn;
    }
    std::unique_ptr<ArrivalLog> log = Open();
    ASSERT_NE(log, nullptr);
    EXPECT_EQ(log->Find(4097, 1), Seen::kEarlierRun);
    EXPECT_EQ(log->Find(4098, 2), Seen::kEarlierRun);
    EXPECT_EQ(log->Find(4099, 3), Seen::kNever);
    // Rewritten whole: the torn line is gone.
    EXPECT_EQ(Contents(), "commit 4097 1 node-a\ncommit 4098 2 node-a\n");
  }
}

TEST_F(ArrivalLogTest, TheFileKeepsOnlyTheNewestCommits) {
  std::unique_ptr<ArrivalLog> log = Open();
  const uint64_t total = ArrivalLog::kKeep + 100;
  for (uint64_t i = 1; i <= total; ++i) ASSERT_TRUE(log->RecordCommit(i, i, "node-a").ok());
  log.reset();
  log = Open();
  EXPECT_EQ(log->Find(1, 1), Seen::kNever);
  EXPECT_EQ(log->Find(100, 100), Seen::kNever);
  EXPECT_EQ(log->Find(101, 101), Seen::kEarlierRun);
  EXPECT_EQ(log->Find(total, total), Seen::kEarlierRun);
  size_t lines = 0;
  for (char c : Contents()) lines += c == '\n';
  EXPECT_EQ(lines, ArrivalLog::kKeep);
}

// A record is written into zeros kept ahead, so its flush does not grow
// the file; past them the file grows by another reserve at once.
TEST_F(ArrivalLogTest, RecordsGoIntoZerosKeptAheadAndTheFileGrowsByWholeReserves) {
  std::unique_ptr<ArrivalLog> log = Open();
  ASSERT_EQ(Raw().size(), ArrivalLog::kReserveBytes);
  ASSERT_TRUE(log->RecordCommit(4097, 1, "node-a").ok());
  EXPECT_EQ(Raw().size(), ArrivalLog::kReserveBytes);
  EXPECT_EQ(Contents(), "commit 4097 1 node-a\n");
  // Long node names fill the reserve sooner: 1 KiB lines.
  const std::string from(1000, 'n');
  const uint64_t lines = ArrivalLog::kReserveBytes / 1000 + 2;
  for (uint64_t i = 2; i <= lines; ++i) ASSERT_TRUE(log->RecordCommit(4096 + i, i, from).ok());
  EXPECT_EQ(Raw().size(), 2 * ArrivalLog::kReserveBytes);
  log.reset();
  log = Open();
  EXPECT_EQ(log->Find(4097, 1), Seen::kEarlierRun);
  EXPECT_EQ(log->Find(4096 + lines, lines), Seen::kEarlierRun);
  // Every record reads back, and nothing else.
  size_t newlines = 0;
  for (char c : Contents()) newlines += c == '\n';
  EXPECT_EQ(newlines, lines);
}

TEST_F(ArrivalLogTest, ANodeNameThatWouldNotReadBackIsRefused) {
  std::unique_ptr<ArrivalLog> log = Open();
  for (const std::string& name : {std::string("node a"), std::string("node-a\nvoid 7 7"),
                                  std::string("node\0a", 6), std::string()}) {
    VoidResult recorded = log->RecordCommit(7, 7, name);
    ASSERT_FALSE(recorded.ok());
    EXPECT_EQ(recorded.error().status, Status::kInvalidArgs) << recorded.error().message;
    EXPECT_EQ(log->Find(7, 7), Seen::kNever);
  }
  EXPECT_EQ(Contents(), "");
}

TEST_F(ArrivalLogTest, AnUnwritableDirectoryIsAClearError) {
  Result<std::unique_ptr<ArrivalLog>> log = ArrivalLog::Open(dir_ / "missing" / "deeper");
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.error().status, Status::kIoError);
  EXPECT_NE(log.error().message.find("arrivals"), std::string::npos) << log.error().message;
}

}  // namespace
}  // namespace shoal::clusterd
