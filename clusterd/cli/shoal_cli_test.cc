// End-to-end tests of the `shoal` binary: exit codes, options, messages.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class ShoalCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("shoal_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `shoal` with `args`, stdin from /dev/null unless `input` is given.
  Result Shoal(const std::vector<std::string>& args, const std::string& input = "") {
    std::string cmd = Quote(SHOAL_BIN);
    for (const std::string& a : args) cmd += " " + Quote(a);
    fs::path in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    std::ofstream(in) << input;
    cmd += " <" + Quote(in) + " >" + Quote(out) + " 2>" + Quote(err);
    int status = std::system(cmd.c_str());
    Result r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }
  std::string App(const std::string& name) {
    return std::string(SHOAL_APPS_DIR) + "/" + name + ".wasm";
  }

  fs::path dir_;
};

TEST_F(ShoalCliTest, HelpOnEveryCommandExitsZero) {
  Result top = Shoal({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_NE(top.out.find("run"), std::string::npos);
  Result run = Shoal({"run", "--help"});
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("--dir"), std::string::npos);
  EXPECT_NE(run.out.find("--env"), std::string::npos);
  EXPECT_NE(run.out.find("--fuel"), std::string::npos);
  EXPECT_NE(run.out.find("--memory"), std::string::npos);
}

TEST_F(ShoalCliTest, UsageErrorsExit64) {
  EXPECT_EQ(Shoal({}).exit_code, 64);
  EXPECT_EQ(Shoal({"frobnicate"}).exit_code, 64);
  Result r = Shoal({"run"});
  EXPECT_EQ(r.exit_code, 64);
  EXPECT_NE(r.err.find("missing MODULE.wasm"), std::string::npos);
}

TEST_F(ShoalCliTest, MissingModuleExits66) {
  Result r = Shoal({"run", (dir_ / "nope.wasm").string()});
  EXPECT_EQ(r.exit_code, 66);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos);
}

TEST_F(ShoalCliTest, MalformedModuleExits65WithTheDecoderMessage) {
  std::ofstream(dir_ / "bad.wasm") << "this is not wasm";
  Result r = Shoal({"run", (dir_ / "bad.wasm").string()});
  EXPECT_EQ(r.exit_code, 65);
  EXPECT_NE(r.err.find("bad.wasm: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("offset"), std::string::npos) << r.err;
}

TEST_F(ShoalCliTest, ArgumentsAfterTheModuleGoToTheProgram) {
  Result r = Shoal({"run", "--env", "GREETING=yo", App("hello"), "you", "--dir", "-x", "--help"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("hello, you\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("argv[2]=--dir\nargv[3]=-x\nargv[4]=--help\n"), std::string::npos);
  EXPECT_NE(r.out.find("GREETING=yo\n"), std::string::npos);
}

TEST_F(ShoalCliTest, ExitCodeIsTheProgramsOwn) {
  EXPECT_EQ(Shoal({"run", App("hello"), "x", "--exit=3"}).exit_code, 3);
}

TEST_F(ShoalCliTest, DirMapsAHostDirectoryIntoTheGuest) {
  fs::create_directories(dir_ / "data");
  std::ofstream(dir_ / "data" / "f.txt") << "a b\nc\n";
  Result r = Shoal({"run", "--dir", (dir_ / "data").string() + ":/in", App("wc"), "/in/f.txt"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "       2       3       6 /in/f.txt\n");
  Result stdin_run = Shoal({"run", App("wc")}, "x y z\n");
  EXPECT_EQ(stdin_run.out, "       1       3       6\n");
}

TEST_F(ShoalCliTest, MissingDirExits68) {
  Result r = Shoal({"run", "--dir", (dir_ / "nope").string(), App("hello")});
  EXPECT_EQ(r.exit_code, 68);
  EXPECT_NE(r.err.find("nope"), std::string::npos);
}

TEST_F(ShoalCliTest, FuelLimitExits124) {
  Result r = Shoal({"run", "--fuel", "1000", App("life"), "1000000"});
  EXPECT_EQ(r.exit_code, 124);
  EXPECT_NE(r.err.find("out of fuel"), std::string::npos);
}

TEST_F(ShoalCliTest, MemoryCapRefusesAModuleThatStartsOverItExit71) {
  Result r = Shoal({"run", "--memory", "64K", App("hello")});
  EXPECT_EQ(r.exit_code, 71);
  EXPECT_NE(r.err.find("needs 128 KiB of initial memory, over its cap of 64 KiB"),
            std::string::npos)
      << r.err;
  Result fits = Shoal({"run", "--memory", "4G", App("hello"), "capped"});
  EXPECT_EQ(fits.exit_code, 0) << fits.err;
  EXPECT_NE(fits.out.find("hello, capped"), std::string::npos);
}

TEST_F(ShoalCliTest, MemoryCapOver4GiBOrNoSizeIsAUsageError) {
  Result over = Shoal({"run", "--memory", "5G", App("hello")});
  EXPECT_EQ(over.exit_code, 64);
  EXPECT_NE(over.err.find("over wasm32's 4 GiB"), std::string::npos) << over.err;
  Result junk = Shoal({"run", "--memory", "1.5G", App("hello")});
  EXPECT_EQ(junk.exit_code, 64);
  EXPECT_NE(junk.err.find("'1.5G' is not a size"), std::string::npos) << junk.err;
}

// The multi-process apps run as kernel processes: children are spawned from
// the parent's own module (read through --dir) and talk over channels.
TEST_F(ShoalCliTest, PingpongBouncesMessagesBetweenTwoProcesses) {
  Result r = Shoal({"run", "--dir", SHOAL_APPS_DIR, App("pingpong"), "5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ping 8\npong 8\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("pingpong: 5 rounds, final 10, child exited 0"), std::string::npos);
}

TEST_F(ShoalCliTest, PipelineRunsThreeProcesses) {
  Result r = Shoal({"run", "--dir", SHOAL_APPS_DIR, App("pipeline"), "1000"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("consumer: 500 values, sum 166666500"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(correct); filter exited 0, consumer 0"), std::string::npos) << r.out;
}

TEST_F(ShoalCliTest, SpawnerWaitsForAllChildren) {
  Result r = Shoal({"run", "--dir", SHOAL_APPS_DIR, App("spawner"), "5"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("spawner: child 4 exited 121\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("spawner: 5 children done"), std::string::npos);
}

// apps/dice opens /dev/random and /dev/null through its namespace.
TEST_F(ShoalCliTest, DiceRollsFromDevRandomThroughItsNamespace) {
  Result r = Shoal({"run", App("dice"), "8"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("dice: /dev/random is class=random\nname=random\nsource=getrandom\n"),
            std::string::npos)
      << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("rolls:( [1-6]){8} \\(total "))) << r.out;
  EXPECT_NE(r.out.find("bytes to /dev/null"), std::string::npos);
  EXPECT_NE(r.out.find("/dev/video1: not found"), std::string::npos);
}

TEST_F(ShoalCliTest, SpawningWithoutTheModuleDirectoryFailsCleanly) {
  Result r = Shoal({"run", App("pingpong"), "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot read"), std::string::npos) << r.err;
}

}  // namespace
