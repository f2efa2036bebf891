// The WASI handlers, called directly on plain bytes standing in for linear
// memory: argument checking, guest pointer faults, and effects on the host.
#include "kernel/wasi/host_calls.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "kernel/base/clock.h"
#include "kernel/wasi/test_support.h"

namespace shoal::wasi {
namespace {

using testing::CallHarness;
using testing::TempDir;
namespace fs = std::filesystem;

constexpr uint32_t kWild = 0xfffffff0;  // Far beyond the 64 KiB test memory.

class HostCallsTest : public ::testing::Test {
 protected:
  HostCallsTest() {
    fs::create_directories(tmp_.Join("root"));
    WasiConfig config;
    config.args = {"prog", "one", "-x"};
    config.env = {"A=1", "GREETING=hi"};
    config.preopens = {{tmp_.Join("root"), "/data", {}}};
    config.stdin_source = std::make_shared<StringSource>("typed input");
    config.stdout_sink = out_;
    config.stderr_sink = err_;
    h_ = std::make_unique<CallHarness>(std::move(config));
  }

  // Opens `path` in the preopen (fd 3); returns the new fd or -errno.
  int64_t OpenPath(const std::string& path, uint32_t oflags, Rights rights) {
    h_->PutBytes(1000, path);
    Errno e = h_->Call(PathOpen, {3, 1, 1000, path.size(), oflags, rights, rights, 0, 2000},
                       /*i64_mask=*/0b1100000);
    if (e != Errno::kSuccess) return -int64_t(e);
    return h_->U32(2000);
  }

  TempDir tmp_;
  std::shared_ptr<StringSink> out_ = std::make_shared<StringSink>();
  std::shared_ptr<StringSink> err_ = std::make_shared<StringSink>();
  std::unique_ptr<CallHarness> h_;
};

TEST(WasiFunctionTable, IsSortedAndFindsEveryEntry) {
  auto fns = WasiFunctions();
  for (size_t i = 1; i < fns.size(); ++i) EXPECT_LT(fns[i - 1].name, fns[i].name);
  for (const WasiFunctionSpec& f : fns) EXPECT_EQ(FindWasiFunction(f.name), &f);
  EXPECT_EQ(FindWasiFunction("sock_accept"), nullptr);
}

TEST_F(HostCallsTest, FdWriteGathersIovecsToTheStdoutSink) {
  h_->PutBytes(100, "hello, ");
  h_->PutBytes(200, "world\n");
  h_->PutIovec(300, 100, 7);
  h_->PutIovec(308, 200, 6);
  EXPECT_EQ(h_->Call(FdWrite, {1, 300, 2, 400}), Errno::kSuccess);
  EXPECT_EQ(h_->U32(400), 13u);
  EXPECT_EQ(out_->contents(), "hello, world\n");
}

TEST_F(HostCallsTest, FdWriteWithWildIovecPointerIsEfault) {
  EXPECT_EQ(h_->Call(FdWrite, {1, kWild, 1, 400}), Errno::kFault);
  h_->PutIovec(300, kWild, 16);  // The array is fine, its buffer is not.
  EXPECT_EQ(h_->Call(FdWrite, {1, 300, 1, 400}), Errno::kFault);
  h_->PutIovec(300, 65530, 100);  // Straddles the end of memory.
  EXPECT_EQ(h_->Call(FdWrite, {1, 300, 1, 400}), Errno::kFault);
  h_->PutIovec(300, 100, 4);
  EXPECT_EQ(h_->Call(FdWrite, {1, 300, 1, kWild}), Errno::kFault);         // Result pointer.
  EXPECT_EQ(h_->Call(FdWrite, {1, 300, 0x20000000, 400}), Errno::kFault);  // Count overflows.
  EXPECT_EQ(out_->contents(), "");
}

TEST_F(HostCallsTest, MissingMemoryFaultsInsteadOfCrashing) {
  std::vector<vm::Value> args = {vm::Value::I32(1), vm::Value::I32(0), vm::Value::I32(1),
                                 vm::Value::I32(8)};
  WasiCall call(h_->process(), GuestMemory(nullptr), args);
  EXPECT_EQ(FdWrite(call), Errno::kFault);
}

TEST_F(HostCallsTest, FdWriteToBadOrReadOnlyDescriptor) {
  h_->PutIovec(300, 100, 1);
  EXPECT_EQ(h_->Call(FdWrite, {42, 300, 1, 400}), Errno::kBadf);
  EXPECT_EQ(h_->Call(FdWrite, {0, 300, 1, 400}), Errno::kNotcapable);
}

TEST_F(HostCallsTest, FdReadFromStdin) {
  h_->PutIovec(300, 100, 5);
  h_->PutIovec(308, 200, 64);
  EXPECT_EQ(h_->Call(FdRead, {0, 300, 2, 400}), Errno::kSuccess);
  EXPECT_EQ(h_->U32(400), 11u);
  EXPECT_EQ(h_->Bytes(100, 5) + h_->Bytes(200, 6), "typed input");
  EXPECT_EQ(h_->Call(FdRead, {0, 300, 2, 400}), Errno::kSuccess);
  EXPECT_EQ(h_->U32(400), 0u);  // End of input.
}

TEST_F(HostCallsTest, ArgsAndEnvironAreNulTerminatedStrings) {
  EXPECT_EQ(h_->Call(ArgsSizesGet, {100, 104}), Errno::kSuccess);
  EXPECT_EQ(h_->U32(100), 3u);
  EXPECT_EQ(h_->U32(104), 5u + 4 + 3);
  EXPECT_EQ(h_->Call(ArgsGet, {200, 300}), Errno::kSuccess);
  EXPECT_EQ(h_->U32(200), 300u);
  EXPECT_EQ(h_->Bytes(h_->U32(204), 4), std::string("one\0", 4));
  EXPECT_EQ(h_->Bytes(h_->U32(208), 3), std::string("-x\0", 3));
  EXPECT_EQ(h_->Call(EnvironSizesGet, {100, 104}), Errno::kSuccess);
  EXPECT_EQ(h_->U32(100), 2u);
  EXPECT_EQ(h_->Call(EnvironGet, {200, 300}), Errno::kSuccess);
  EXPECT_EQ(h_->Bytes(h_->U32(204), 12), std::string("GREETING=hi\0", 12));
  EXPECT_EQ(h_->Call(ArgsGet, {kWild, 300}), Errno::kFault);
  EXPECT_EQ(h_->Call(EnvironGet, {200, 65534}), Errno::kFault);
}

TEST_F(HostCallsTest, PrestatNamesThePreopen) {
  EXPECT_EQ(h_->Call(FdPrestatGet, {3, 100}), Errno::kSuccess);
  EXPECT_EQ(h_->memory()[100], 0);
  EXPECT_EQ(h_->U32(104), 5u);
  EXPECT_EQ(h_->Call(FdPrestatDirName, {3, 200, 5}), Errno::kSuccess);
  EXPECT_EQ(h_->Bytes(200, 5), "/data");
  EXPECT_EQ(h_->Call(FdPrestatDirName, {3, 200, 2}), Errno::kNametoolong);
  EXPECT_EQ(h_->Call(FdPrestatGet, {1, 100}), Errno::kBadf);
  EXPECT_EQ(h_->Call(FdPrestatGet, {4, 100}), Errno::kBadf);
}

TEST_F(HostCallsTest, FdstatReportsTypeAndRights) {
  EXPECT_EQ(h_->Call(FdFdstatGet, {3, 100}), Errno::kSuccess);
  EXPECT_EQ(h_->memory()[100], uint8_t(Filetype::kDirectory));
  EXPECT_TRUE(h_->U64(108) & kRightPathOpen);
  EXPECT_EQ(h_->Call(FdFdstatGet, {1, 100}), Errno::kSuccess);
  EXPECT_EQ(h_->memory()[100], uint8_t(Filetype::kCharacterDevice));
  EXPECT_TRUE(h_->U64(108) & kRightFdWrite);
  EXPECT_FALSE(h_->U64(108) & kRightFdRead);
}

TEST_F(HostCallsTest, PathOpenWriteSeekReadRoundTrip) {
  int64_t fd = OpenPath("f.txt", kOflagCreat, kFileRights);
  ASSERT_GE(fd, 4);
  h_->PutBytes(100, "abcdef");
  h_->PutIovec(300, 100, 6);
  ASSERT_EQ(h_->Call(FdWrite, {uint64_t(fd), 300, 1, 400}), Errno::kSuccess);
  EXPECT_EQ(h_->Call(FdSeek, {uint64_t(fd), 2, 0, 500}, 0b10), Errno::kSuccess);
  EXPECT_EQ(h_->U64(500), 2u);
  h_->PutIovec(300, 600, 3);
  ASSERT_EQ(h_->Call(FdRead, {uint64_t(fd), 300, 1, 400}), Errno::kSuccess);
  EXPECT_EQ(h_->Bytes(600, 3), "cde");
  EXPECT_EQ(h_->Call(FdTell, {uint64_t(fd), 500}), Errno::kSuccess);
  EXPECT_EQ(h_->U64(500), 5u);
  ASSERT_EQ(h_->Call(FdPread, {uint64_t(fd), 300, 1, 0, 400}, 0b1000), Errno::kSuccess);
  EXPECT_EQ(h_->Bytes(600, 3), "abc");
  EXPECT_EQ(h_->Call(FdFilestatGet, {uint64_t(fd), 700}), Errno::kSuccess);
  EXPECT_EQ(h_->U64(700 + 32), 6u);
  EXPECT_EQ(h_->Call(FdFilestatSetSize, {uint64_t(fd), 2}, 0b10), Errno::kSuccess);
  EXPECT_EQ(fs::file_size(tmp_.Join("root/f.txt")), 2u);
  EXPECT_EQ(h_->Call(FdClose, {uint64_t(fd)}), Errno::kSuccess);
  EXPECT_EQ(h_->Call(FdClose, {uint64_t(fd)}), Errno::kBadf);
}

// Without a reactor (InlineFileIo) a sync completes within the call.
TEST_F(HostCallsTest, FdSyncAndFdDatasyncCompleteAtOnceWithoutAReactor) {
  int64_t fd = OpenPath("synced", kOflagCreat, kFileRights);
  ASSERT_GE(fd, 4);
  EXPECT_EQ(h_->Call(FdSync, {uint64_t(fd)}), Errno::kSuccess);
  EXPECT_EQ(h_->Call(FdDatasync, {uint64_t(fd)}), Errno::kSuccess);
}

// Outside the kernel a FIFO blocks unless the guest asked for
// FDFLAGS_NONBLOCK, which the host descriptor then follows.
TEST_F(HostCallsTest, NonblockFlagMakesAnEmptyFifoReadEagain) {
  ASSERT_EQ(::mkfifo(tmp_.Join("root/pipe").c_str(), 0600), 0);
  int64_t fd = OpenPath("pipe", 0, kFileRights);  // Read and write: no wait.
  ASSERT_GE(fd, 4);
  ASSERT_EQ(h_->Call(FdFdstatSetFlags, {uint64_t(fd), kFdflagNonblock}), Errno::kSuccess);
  EXPECT_EQ(h_->Call(FdFdstatGet, {uint64_t(fd), 700}), Errno::kSuccess);
  EXPECT_EQ(h_->U16(700 + 2), kFdflagNonblock);  // fs_flags.
  h_->PutIovec(300, 600, 1);
  EXPECT_EQ(h_->Call(FdRead, {uint64_t(fd), 300, 1, 400}), Errno::kAgain);

  ASSERT_EQ(h_->Call(FdFdstatSetFlags, {uint64_t(fd), 0}), Errno::kSuccess);
  h_->PutBytes(100, "x");
  h_->PutIovec(200, 100, 1);
  ASSERT_EQ(h_->Call(FdWrite, {uint64_t(fd), 200, 1, 400}), Errno::kSuccess);
  ASSERT_EQ(h_->Call(FdRead, {uint64_t(fd), 300, 1, 400}), Errno::kSuccess);
  EXPECT_EQ(h_->Bytes(600, 1), "x");
}

TEST_F(HostCallsTest, PathOpenRefusesEscapes) {
  std::ofstream(tmp_.Join("outside.txt")) << "secret";
  fs::create_symlink(tmp_.Join("outside.txt"), tmp_.Join("root/abs"));
  fs::create_symlink("../outside.txt", tmp_.Join("root/rel"));
  EXPECT_EQ(OpenPath("../outside.txt", 0, kFileRights), -int64_t(Errno::kNotcapable));
  EXPECT_EQ(OpenPath("/etc/passwd", 0, kFileRights), -int64_t(Errno::kNotcapable));
  EXPECT_LT(OpenPath("abs", 0, kFileRights), 0);
  EXPECT_LT(OpenPath("rel", 0, kFileRights), 0);
  EXPECT_EQ(OpenPath("a/../../outside.txt", kOflagCreat | kOflagTrunc, kFileRights),
            -int64_t(Errno::kNotcapable));
  EXPECT_EQ(fs::file_size(tmp_.Join("outside.txt")), 6u);
}

TEST_F(HostCallsTest, PathOpenOnANonDirectoryIsNotdir) {
  int64_t fd = OpenPath("g.txt", kOflagCreat, kFileRights);
  ASSERT_GE(fd, 0);
  h_->PutBytes(1000, "x");
  EXPECT_EQ(h_->Call(PathOpen, {uint64_t(fd), 0, 1000, 1, 0, 0, 0, 0, 2000}, 0b1100000),
            Errno::kNotdir);
  EXPECT_EQ(h_->Call(PathOpen, {3, 0, kWild, 1, 0, 0, 0, 0, 2000}, 0b1100000), Errno::kFault);
}

TEST_F(HostCallsTest, PathCallsChangeTheHostTree) {
  h_->PutBytes(100, "dir");
  h_->PutBytes(200, "dir/new");
  EXPECT_EQ(h_->Call(PathCreateDirectory, {3, 100, 3}), Errno::kSuccess);
  EXPECT_TRUE(fs::is_directory(tmp_.Join("root/dir")));
  EXPECT_EQ(h_->Call(PathFilestatGet, {3, 1, 100, 3, 700}), Errno::kSuccess);
  EXPECT_EQ(h_->memory()[700 + 16], uint8_t(Filetype::kDirectory));
  EXPECT_EQ(h_->Call(PathRename, {3, 100, 3, 3, 200, 7}), Errno::kInval);  // Into itself.
  h_->PutBytes(300, "renamed");
  EXPECT_EQ(h_->Call(PathRename, {3, 100, 3, 3, 300, 7}), Errno::kSuccess);
  EXPECT_TRUE(fs::is_directory(tmp_.Join("root/renamed")));
  EXPECT_EQ(h_->Call(PathRemoveDirectory, {3, 300, 7}), Errno::kSuccess);
  EXPECT_FALSE(fs::exists(tmp_.Join("root/renamed")));
  std::ofstream(tmp_.Join("root/file")) << "x";
  h_->PutBytes(400, "file");
  EXPECT_EQ(h_->Call(PathUnlinkFile, {3, 400, 4}), Errno::kSuccess);
  EXPECT_FALSE(fs::exists(tmp_.Join("root/file")));
  h_->PutBytes(500, "../x");
  EXPECT_EQ(h_->Call(PathCreateDirectory, {3, 500, 4}), Errno::kNotcapable);
  EXPECT_EQ(h_->Call(PathUnlinkFile, {1, 400, 4}), Errno::kNotdir);  // stdout
  EXPECT_EQ(h_->Call(PathUnlinkFile, {9, 400, 4}), Errno::kBadf);
}

TEST_F(HostCallsTest, ReaddirPagesThroughEntriesWithCookies) {
  for (const char* name : {"a", "b", "c"}) std::ofstream(tmp_.Join(std::string("root/") + name));
  std::vector<std::string> names;
  uint64_t cookie = 0;
  for (int guard = 0; guard < 100; ++guard) {
    // A buffer big enough for exactly one entry with a 1-byte name.
    ASSERT_EQ(h_->Call(FdReaddir, {3, 1000, kDirentSize + 1, cookie, 900}, 0b1000),
              Errno::kSuccess);
    uint32_t used = h_->U32(900);
    if (used == 0) break;
    uint32_t namelen = h_->U32(1000 + 16);
    if (used < kDirentSize + namelen) {  // Cut short: ".." needs 2 bytes.
      ASSERT_EQ(h_->Call(FdReaddir, {3, 2000, 256, cookie, 900}, 0b1000), Errno::kSuccess);
      names.push_back(h_->Bytes(2000 + kDirentSize, h_->U32(2000 + 16)));
      cookie = h_->U64(2000);
    } else {
      names.push_back(h_->Bytes(1000 + kDirentSize, namelen));
      cookie = h_->U64(1000);
    }
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "a", "b", "c"}));
}

TEST_F(HostCallsTest, PollOneoffWithAClockYieldsUntilTheDeadline) {
  // One relative monotonic clock subscription of 30 ms.
  uint8_t* sub = h_->memory().data() + 100;
  PutLe64(sub, 77);
  sub[8] = kEventClock;
  PutLe32(sub + 16, uint32_t(ClockId::kMonotonic));
  PutLe64(sub + 24, 30'000'000);
  uint64_t start = MonotonicNow();
  EXPECT_EQ(h_->Call(PollOneoff, {100, 200, 1, 300}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kYield);
  ASSERT_TRUE(h_->process().pending_poll().has_value());
  uint64_t wake = h_->process().pending_poll()->wake_ns;
  EXPECT_GE(wake, start + 30'000'000);
  EXPECT_LE(wake, MonotonicNow() + 30'000'000);
  // Retried before the deadline: still parked, same deadline.
  EXPECT_EQ(h_->Call(PollOneoff, {100, 200, 1, 300}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kYield);
  EXPECT_EQ(h_->process().pending_poll()->wake_ns, wake);
  while (MonotonicNow() < wake) {
  }
  EXPECT_EQ(h_->Call(PollOneoff, {100, 200, 1, 300}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kReturn);
  EXPECT_EQ(h_->U32(300), 1u);
  EXPECT_EQ(h_->U64(200), 77u);
  EXPECT_EQ(h_->memory()[210], kEventClock);
  EXPECT_FALSE(h_->process().pending_poll().has_value());
}

TEST_F(HostCallsTest, PollOneoffReportsDescriptorsReadyAtOnce) {
  uint8_t* sub = h_->memory().data() + 100;
  PutLe64(sub, 5);
  sub[8] = kEventFdRead;
  PutLe32(sub + 16, 0);
  PutLe64(sub + 48, 6);
  sub[48 + 8] = kEventFdWrite;
  PutLe32(sub + 48 + 16, 99);  // Not open.
  EXPECT_EQ(h_->Call(PollOneoff, {100, 200, 2, 300}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kReturn);
  EXPECT_EQ(h_->U32(300), 2u);
  EXPECT_EQ(h_->U16(208), uint16_t(Errno::kSuccess));
  EXPECT_EQ(h_->U16(232 + 8), uint16_t(Errno::kBadf));
  EXPECT_EQ(h_->Call(PollOneoff, {100, 200, 0, 300}), Errno::kInval);
  EXPECT_EQ(h_->Call(PollOneoff, {kWild, 200, 1, 300}), Errno::kFault);
}

TEST_F(HostCallsTest, ProcExitEndsTheProcessWithItsCode) {
  EXPECT_EQ(h_->Call(ProcExit, {7}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kExit);
  EXPECT_EQ(h_->last_exit_code(), 7);
  EXPECT_EQ(h_->Call(ProcRaise, {6}), Errno::kNosys);
}

TEST_F(HostCallsTest, SchedYieldParksOnceThenReturns) {
  EXPECT_EQ(h_->Call(SchedYield, {}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kYield);
  EXPECT_EQ(h_->Call(SchedYield, {}), Errno::kSuccess);
  EXPECT_EQ(h_->last_action(), vm::HostAction::kReturn);
}

TEST_F(HostCallsTest, ClocksAndRandom) {
  EXPECT_EQ(h_->Call(ClockTimeGet, {uint32_t(ClockId::kRealtime), 1, 100}, 0b10), Errno::kSuccess);
  EXPECT_GT(h_->U64(100), 1'600'000'000ull * 1'000'000'000ull);
  EXPECT_EQ(h_->Call(ClockTimeGet, {uint32_t(ClockId::kProcessCputime), 1, 100}, 0b10),
            Errno::kSuccess);
  EXPECT_EQ(h_->Call(ClockTimeGet, {9, 1, 100}, 0b10), Errno::kInval);
  EXPECT_EQ(h_->Call(ClockResGet, {uint32_t(ClockId::kMonotonic), 100}), Errno::kSuccess);
  EXPECT_GT(h_->U64(100), 0u);
  EXPECT_EQ(h_->Call(ClockTimeGet, {0, 1, kWild}, 0b10), Errno::kFault);
  EXPECT_EQ(h_->Call(RandomGet, {1000, 64}), Errno::kSuccess);
  EXPECT_NE(h_->Bytes(1000, 64), std::string(64, '\0'));
  EXPECT_EQ(h_->Call(RandomGet, {65000, 1000}), Errno::kFault);
}

TEST_F(HostCallsTest, SetTimesChangesModificationTime) {
  std::ofstream(tmp_.Join("root/t")) << "x";
  h_->PutBytes(100, "t");
  const uint64_t mtime = 1'000'000'000ull * 1'000'000'000ull;  // 2001-09-09.
  EXPECT_EQ(h_->Call(PathFilestatSetTimes, {3, 1, 100, 1, 0, mtime, kFstflagMtim}, 0b110000),
            Errno::kSuccess);
  EXPECT_EQ(h_->Call(PathFilestatGet, {3, 1, 100, 1, 700}), Errno::kSuccess);
  EXPECT_EQ(h_->U64(700 + 48), mtime);
  EXPECT_EQ(h_->Call(PathFilestatSetTimes, {3, 1, 100, 1, 0, mtime, kFstflagMtim | kFstflagMtimNow},
                     0b110000),
            Errno::kInval);
  int64_t fd = OpenPath("t", 0, kFileRights);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(h_->Call(FdFilestatSetTimes, {uint64_t(fd), 0, mtime + 5, kFstflagMtim}, 0b110),
            Errno::kSuccess);
  EXPECT_EQ(h_->Call(FdFilestatGet, {uint64_t(fd), 700}), Errno::kSuccess);
  EXPECT_EQ(h_->U64(700 + 48), mtime + 5);
}

TEST_F(HostCallsTest, RenumberMovesADescriptor) {
  int64_t fd = OpenPath("r.txt", kOflagCreat, kFileRights);
  ASSERT_GE(fd, 0);
  EXPECT_EQ(h_->Call(FdRenumber, {uint64_t(fd), 1}), Errno::kSuccess);
  h_->PutBytes(100, "to file");
  h_->PutIovec(300, 100, 7);
  EXPECT_EQ(h_->Call(FdWrite, {1, 300, 1, 400}), Errno::kSuccess);
  EXPECT_EQ(out_->contents(), "");
  EXPECT_EQ(fs::file_size(tmp_.Join("root/r.txt")), 7u);
}

}  // namespace
}  // namespace shoal::wasi

namespace shoal::wasi {
namespace {

// path_filestat in the suite: the durability flag a file was created with
// reads back from fd_fdstat_get.
TEST_F(HostCallsTest, SyncFlagsFromPathOpenAreReported) {
  const std::pair<uint16_t, uint16_t> cases[] = {
      {kFdflagSync, kFdflagSync}, {kFdflagDsync, kFdflagDsync}, {0, 0}};
  for (auto [asked, reported] : cases) {
    const std::string path = "synced" + std::to_string(asked);
    h_->PutBytes(1000, path);
    ASSERT_EQ(
        h_->Call(PathOpen,
                 {3, 1, 1000, path.size(), kOflagCreat, kFileRights, kFileRights, asked, 2000},
                 /*i64_mask=*/0b1100000),
        Errno::kSuccess);
    EXPECT_EQ(h_->Call(FdFdstatGet, {h_->U32(2000), 700}), Errno::kSuccess);
    EXPECT_EQ(h_->U16(700 + 2), reported) << path;
  }
}

// path_link in the suite: a hard link inside the preopen shares the file; a
// followed source is refused, as linkat would resolve it outside the wall.
TEST_F(HostCallsTest, PathLinkMakesAHardLinkBeneathThePreopen) {
  std::ofstream(tmp_.Join("root/file")) << "data";
  std::ofstream(tmp_.Join("secret")) << "secret";
  h_->PutBytes(1000, "file");
  h_->PutBytes(1100, "link");
  h_->PutBytes(1200, "../secret");
  EXPECT_EQ(h_->Call(PathLink, {3, 0, 1000, 4, 3, 1100, 4}), Errno::kSuccess);
  EXPECT_EQ(fs::hard_link_count(tmp_.Join("root/link")), 2u);
  EXPECT_EQ(h_->Call(PathLink, {3, 0, 1000, 4, 3, 1100, 4}), Errno::kExist);
  EXPECT_EQ(h_->Call(PathLink, {3, 1, 1000, 4, 3, 1100, 4}), Errno::kInval);
  EXPECT_EQ(h_->Call(PathLink, {3, 0, 1200, 9, 3, 1100, 4}), Errno::kNotcapable);
  EXPECT_EQ(h_->Call(PathLink, {1, 0, 1000, 4, 3, 1100, 4}), Errno::kNotdir);
}

// symlink_create in the suite: an absolute target is refused when made; a
// relative one pointing out is stored, and following it fails.
TEST_F(HostCallsTest, PathSymlinkRefusesAbsoluteTargetsAndNeverFollowsOut) {
  std::ofstream(tmp_.Join("secret")) << "secret";
  h_->PutBytes(1000, "/");
  h_->PutBytes(1100, "link");
  h_->PutBytes(1200, "../secret");
  EXPECT_EQ(h_->Call(PathSymlink, {1000, 1, 3, 1100, 4}), Errno::kNotcapable);
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp_.Join("root/link"))));
  EXPECT_EQ(h_->Call(PathSymlink, {1200, 9, 3, 1100, 4}), Errno::kSuccess);
  EXPECT_EQ(OpenPath("link", 0, kFileRights), -int64_t(Errno::kNotcapable));
}

// interesting_paths and path_open_preopen in the suite.
TEST_F(HostCallsTest, PathOpenTrailingSlashAndWritableDirectory) {
  std::ofstream(tmp_.Join("root/file")) << "data";
  EXPECT_EQ(OpenPath("file/", 0, kFileRights), -int64_t(Errno::kNotdir));
  EXPECT_EQ(OpenPath(".", kOflagDirectory, kRightFdRead | kRightFdWrite), -int64_t(Errno::kIsdir));
  EXPECT_GE(OpenPath(".", kOflagDirectory, kRightFdRead), 4);
}

// The C suite's sock_shutdown tests: a file is no socket, a closed fd is bad.
TEST_F(HostCallsTest, SockShutdownIsNotsockOnAFileAndBadfOnNothing) {
  EXPECT_EQ(h_->Call(SockShutdown, {1, 3}), Errno::kNotsock);  // stdout.
  EXPECT_EQ(h_->Call(SockShutdown, {3, 3}), Errno::kNotsock);  // The preopen.
  EXPECT_EQ(h_->Call(SockShutdown, {99, 3}), Errno::kBadf);
}

}  // namespace
}  // namespace shoal::wasi
