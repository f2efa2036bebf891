// Real programs through the real VM: the example apps (apps/*.c built with
// wasi-libc) and hand-written modules (testdata/*.wat) run by RunWasiMain.
#include "kernel/wasi/run_main.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "kernel/wasi/test_support.h"

namespace shoal::wasi {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

// One program run with captured output.
struct Ran {
  RunOutcome outcome;
  std::string out;
  std::string err;
};

class RunMainTest : public ::testing::Test {
 protected:
  // Runs `path` with `config` (its sinks replaced by captures).
  Ran Run(const std::string& path, WasiConfig config, RunOptions options = {}) {
    Ran ran;
    auto bytes = ReadFile(path);
    EXPECT_FALSE(bytes.empty()) << "missing " << path;
    auto out = std::make_shared<StringSink>();
    auto err = std::make_shared<StringSink>();
    config.stdout_sink = out;
    config.stderr_sink = err;
    auto outcome = RunWasiMain(bytes, std::move(config), options);
    EXPECT_TRUE(outcome.ok()) << outcome.error().message;
    if (outcome.ok()) ran.outcome = outcome.value();
    ran.out = out->contents();
    ran.err = err->contents();
    return ran;
  }
  std::string App(const std::string& name) {
    return std::string(SHOAL_APPS_DIR) + "/" + name + ".wasm";
  }
  std::string Data(const std::string& name) {
    return std::string(SHOAL_WASI_TESTDATA_DIR) + "/" + name + ".wasm";
  }
};

TEST_F(RunMainTest, HelloPrintsArgumentsAndEnvironment) {
  WasiConfig config;
  config.args = {"hello.wasm", "shoal", "-x", "--dir"};
  config.env = {"GREETING=hi there"};
  Ran r = Run(App("hello"), std::move(config));
  EXPECT_EQ(r.outcome.exit_code, 0);
  EXPECT_EQ(r.out,
            "hello, shoal\nargc=4\nargv[0]=hello.wasm\nargv[1]=shoal\nargv[2]=-x\n"
            "argv[3]=--dir\nGREETING=hi there\n");
  EXPECT_EQ(r.err, "hello: done\n");
}

TEST_F(RunMainTest, ExitCodeOfMainIsTheProcessExitCode) {
  WasiConfig config;
  config.args = {"hello.wasm", "x", "--exit=42"};
  Ran r = Run(App("hello"), std::move(config));
  EXPECT_EQ(r.outcome.exit_code, 42);
}

TEST_F(RunMainTest, WcCountsFilesInAPreopenAndStdin) {
  TempDir tmp;
  std::ofstream(tmp.Join("a.txt")) << "one two\nthree\n";
  WasiConfig config;
  config.args = {"wc", "/data/a.txt", "/data/missing.txt"};
  config.preopens = {{tmp.path(), "/data"}};
  Ran r = Run(App("wc"), std::move(config));
  EXPECT_EQ(r.outcome.exit_code, 1);
  EXPECT_NE(r.out.find("       2       3      14 /data/a.txt"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("missing.txt"), std::string::npos);

  WasiConfig from_stdin;
  from_stdin.args = {"wc"};
  from_stdin.stdin_source = std::make_shared<StringSource>("a b c\nd\n");
  Ran s = Run(App("wc"), std::move(from_stdin));
  EXPECT_EQ(s.outcome.exit_code, 0);
  EXPECT_EQ(s.out, "       2       4       8\n");
}

TEST_F(RunMainTest, WcCannotReadOutsideItsPreopen) {
  TempDir tmp;
  fs::create_directories(tmp.Join("root"));
  std::ofstream(tmp.Join("secret.txt")) << "secret\n";
  fs::create_symlink(tmp.Join("secret.txt"), tmp.Join("root/link"));
  WasiConfig config;
  config.args = {"wc", "/data/../secret.txt", "/data/link", "/etc/passwd"};
  config.preopens = {{tmp.Join("root"), "/data"}};
  Ran r = Run(App("wc"), std::move(config));
  EXPECT_EQ(r.outcome.exit_code, 1);
  // Not one of them was counted: only the (empty) total is printed.
  EXPECT_EQ(r.out, "       0       0       0 total\n");
}

TEST_F(RunMainTest, LifeIsDeterministic) {
  auto run = [&] {
    WasiConfig config;
    config.args = {"life", "60", "20", "32"};
    return Run(App("life"), std::move(config));
  };
  Ran a = run();
  Ran b = run();
  EXPECT_EQ(a.outcome.exit_code, 0);
  EXPECT_EQ(a.out, b.out);
  EXPECT_EQ(std::count(a.out.begin(), a.out.end(), '\n'), 3);
  EXPECT_EQ(a.out.rfind("gen 20 checksum ", 0), 0u) << a.out;
  EXPECT_NE(a.out.find("gen 60 checksum "), std::string::npos);
}

TEST_F(RunMainTest, FilesExercisesTheFileSystemClockAndRandom) {
  TempDir tmp;
  fs::create_directories(tmp.Join("work"));
  WasiConfig config;
  config.args = {"files", "/work"};
  config.preopens = {{tmp.Join("work"), "/work"}};
  Ran r = Run(App("files"), std::move(config));
  EXPECT_EQ(r.outcome.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("failures=0"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(tmp.Join("work/sub")));
  EXPECT_FALSE(fs::exists(tmp.Join("escape.txt")));
  EXPECT_FALSE(fs::exists(tmp.Join("escape_dir")));
}

TEST_F(RunMainTest, WildIovecPointersGetEfaultNotACrash) {
  Ran r = Run(Data("wild_iovec"), WasiConfig{});
  EXPECT_EQ(r.outcome.end, RunEnd::kExited);
  EXPECT_EQ(r.outcome.exit_code, 2121);  // EFAULT twice.
  EXPECT_EQ(r.out, "");
}

TEST_F(RunMainTest, UnknownWasiFunctionReturnsEnosys) {
  Ran r = Run(Data("unknown_wasi"), WasiConfig{});
  EXPECT_EQ(r.outcome.exit_code, int(Errno::kNosys));
}

TEST_F(RunMainTest, TrapPrintsTheMessageAndExits134) {
  Ran r = Run(Data("trap"), WasiConfig{});
  EXPECT_EQ(r.outcome.end, RunEnd::kTrapped);
  EXPECT_EQ(r.outcome.exit_code, kTrapExitCode);
  EXPECT_EQ(r.out, "before\n");
  EXPECT_EQ(r.err.rfind("trap: unreachable", 0), 0u) << r.err;
}

TEST_F(RunMainTest, FuelLimitStopsAnEndlessLoop) {
  RunOptions options;
  options.fuel = 100'000;
  options.slice = 10'000;
  Ran r = Run(Data("spin"), WasiConfig{}, options);
  EXPECT_EQ(r.outcome.end, RunEnd::kOutOfFuel);
  EXPECT_EQ(r.outcome.exit_code, kOutOfFuelExitCode);
  EXPECT_GE(r.outcome.fuel_used, 100'000u);
}

TEST_F(RunMainTest, ShouldStopEndsAnEndlessLoopBetweenSlices) {
  RunOptions options;
  options.slice = 10'000;
  int asked = 0;
  options.should_stop = [&asked] { return ++asked == 5; };
  Ran r = Run(Data("spin"), WasiConfig{}, options);
  EXPECT_EQ(r.outcome.end, RunEnd::kStopped);
  EXPECT_EQ(r.outcome.exit_code, kStoppedExitCode);
  EXPECT_EQ(asked, 5);
  EXPECT_GE(r.outcome.fuel_used, 40'000u);
}

TEST_F(RunMainTest, MalformedModuleIsAnError) {
  std::vector<uint8_t> junk = {0, 'a', 's', 'n', 9, 9};
  auto outcome = RunWasiMain(junk, WasiConfig{});
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status, Status::kMalformed);
}

TEST_F(RunMainTest, MissingPreopenIsAnError) {
  WasiConfig config;
  config.preopens = {{"/nonexistent/shoal/dir", "/x"}};
  auto outcome = RunWasiMain(ReadFile(App("hello")), std::move(config));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().status, Status::kNotFound);
}

}  // namespace
}  // namespace shoal::wasi
