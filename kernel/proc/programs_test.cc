// Real programs as kernel processes: the example apps (apps/*.c built with
// wasi-libc) and hand-written modules (testdata/*.wat) run end to end, the
// way `shoal run` runs them, with their output read from their consoles.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "kernel/abi/link.h"
#include "kernel/base/temp_dir.h"
#include "kernel/proc/kernel.h"
#include "kernel/proc/proc_test_support.h"
#include "kernel/wasi/errno.h"
#include "kernel/wasi/stdio_sink.h"

namespace shoal::kernel {
namespace {

namespace fs = std::filesystem;
using testing::AppRequest;
using testing::RequestFor;
using testing::TextOf;

// One program run to its end.
struct Ran {
  ExitStatus status;
  std::string out;
  std::string err;
};

class ProgramsTest : public ::testing::Test {
 protected:
  Ran Run(SpawnRequest request) {
    Ran ran;
    Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
    if (!spawned.ok()) {
      ADD_FAILURE() << spawned.error().message;
      return ran;
    }
    Result<ExitStatus> status = kernel_->Wait(spawned->pid, testing::kWaitLimit);
    EXPECT_TRUE(status.ok()) << status.error().message;
    if (status.ok()) ran.status = *status;
    ran.out = TextOf(spawned->console);
    ran.err = TextOf(spawned->console, ConsoleStream::kStderr);
    return ran;
  }

  std::unique_ptr<Kernel> kernel_ = testing::AbiKernel();
};

TEST_F(ProgramsTest, HelloPrintsArgumentsAndEnvironment) {
  SpawnRequest request = AppRequest("hello", {"shoal", "-x", "--dir"});
  request.env = {"GREETING=hi there"};
  Ran r = Run(std::move(request));
  EXPECT_EQ(r.status.reason, ExitReason::kReturned);
  EXPECT_EQ(r.status.code, 0);
  EXPECT_EQ(r.out,
            "hello, shoal\nargc=4\nargv[0]=hello\nargv[1]=shoal\nargv[2]=-x\n"
            "argv[3]=--dir\nGREETING=hi there\n");
  EXPECT_EQ(r.err, "hello: done\n");
}

TEST_F(ProgramsTest, ExitCodeOfMainIsTheProcessExitCode) {
  Ran r = Run(AppRequest("hello", {"x", "--exit=42"}));
  EXPECT_EQ(r.status.reason, ExitReason::kExited);
  EXPECT_EQ(r.status.code, 42);
}

TEST_F(ProgramsTest, WcCountsFilesInAPreopenAndStdin) {
  shoal::testing::TempDir tmp;
  std::ofstream(tmp.Join("a.txt")) << "one two\nthree\n";
  SpawnRequest request = AppRequest("wc", {"/data/a.txt", "/data/missing.txt"});
  request.preopens = {{tmp.path(), "/data", {}}};
  Ran r = Run(std::move(request));
  EXPECT_EQ(r.status.code, 1);
  EXPECT_NE(r.out.find("       2       3      14 /data/a.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos);

  SpawnRequest from_stdin = AppRequest("wc", {});
  from_stdin.stdin_source = std::make_shared<wasi::StringSource>("a b c\nd\n");
  Ran s = Run(std::move(from_stdin));
  EXPECT_EQ(s.status.code, 0);
  EXPECT_EQ(s.out, "       2       4       8\n");
}

TEST_F(ProgramsTest, WcCannotReadOutsideItsPreopen) {
  shoal::testing::TempDir tmp;
  fs::create_directories(tmp.Join("root"));
  std::ofstream(tmp.Join("secret.txt")) << "secret\n";
  fs::create_symlink(tmp.Join("secret.txt"), tmp.Join("root/link"));
  SpawnRequest request = AppRequest("wc", {"/data/../secret.txt", "/data/link", "/etc/passwd"});
  request.preopens = {{tmp.Join("root"), "/data", {}}};
  Ran r = Run(std::move(request));
  EXPECT_EQ(r.status.code, 1);
  // Not one of them was counted: only the (empty) total is printed.
  EXPECT_EQ(r.out, "       0       0       0 total\n");
}

TEST_F(ProgramsTest, LifeIsDeterministic) {
  Ran a = Run(AppRequest("life", {"60", "20", "32"}));
  Ran b = Run(AppRequest("life", {"60", "20", "32"}));
  EXPECT_EQ(a.status.code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 3);
  EXPECT_EQ(a.out.rfind("gen 20 checksum ", 0), 0u) << a.out;
  EXPECT_NE(a.out.find("gen 60 checksum "), std::string::npos);
}

TEST_F(ProgramsTest, FilesExercisesTheFileSystemClockAndRandom) {
  shoal::testing::TempDir tmp;
  fs::create_directories(tmp.Join("work"));
  SpawnRequest request = AppRequest("files", {"/work"});
  request.preopens = {{tmp.Join("work"), "/work", {}}};
  Ran r = Run(std::move(request));
  EXPECT_EQ(r.status.code, 0) << r.out;
  EXPECT_NE(r.out.find("failures=0"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(tmp.Join("work/sub")));
  EXPECT_FALSE(fs::exists(tmp.Join("escape.txt")));
  EXPECT_FALSE(fs::exists(tmp.Join("escape_dir")));
}

TEST_F(ProgramsTest, WildIovecPointersGetEfaultNotACrash) {
  Ran r = Run(RequestFor("wild_iovec"));
  EXPECT_EQ(r.status.reason, ExitReason::kExited);
  EXPECT_EQ(r.status.code, 2121);  // EFAULT twice.
  EXPECT_EQ(r.out, "");
}

TEST_F(ProgramsTest, UnknownWasiFunctionReturnsEnosys) {
  Ran r = Run(RequestFor("unknown_wasi"));
  EXPECT_EQ(r.status.code, int(wasi::Errno::kNosys));
}

TEST_F(ProgramsTest, MissingPreopenIsASpawnError) {
  SpawnRequest request = AppRequest("hello", {});
  request.preopens = {{"/nonexistent/shoal/dir", "/x", {}}};
  Result<SpawnResult> spawned = kernel_->Spawn(std::move(request));
  ASSERT_FALSE(spawned.ok());
  EXPECT_EQ(spawned.error().status, Status::kNotFound);
}

}  // namespace
}  // namespace shoal::kernel
