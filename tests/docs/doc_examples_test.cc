// Every ```console transcript in README.md and docs/*.md runs, as a reader
// would type it, against a real local cluster: one bash session per page
// (state carries from block to block, as in the reader's shell), in a
// scratch copy of the repository's top level whose build/ is this build, and
// each command's output and exit code must match what the page shows
// (doc_transcript.h has the matching rules, docs/doc-tests.md the format).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/cluster/cluster_fixture.h"
#include "tests/docs/doc_pages.h"
#include "tests/docs/doc_transcript.h"

namespace shoal::testing {
namespace {

namespace fs = std::filesystem;
using doctest::Command;
using doctest::Transcript;

const fs::path kRepo = SHOAL_SOURCE_DIR;
const fs::path kBuild = SHOAL_BUILD_DIR;
constexpr std::string_view kMarker = "\n@@shoal-doc ";
// A page's whole session, cluster start included, ends within this.
constexpr int kPageSeconds = 240;

std::vector<fs::path> Pages() { return doctest::DocPages(kRepo); }

std::string Read(const fs::path& path) { return doctest::ReadPage(path); }

std::vector<Transcript> TranscriptsOf(const fs::path& page, std::string* error) {
  return doctest::ParseTranscripts(Read(page), error);
}

// Pages with at least one transcript, by name ("README", "cli", ...).
std::vector<std::string> PagesWithTranscripts() {
  std::vector<std::string> names;
  for (const fs::path& page : Pages()) {
    std::string error;
    std::vector<Transcript> found = TranscriptsOf(page, &error);
    if (!found.empty() || !error.empty()) names.push_back(page.stem().string());
  }
  return names;
}

fs::path PageNamed(const std::string& name) {
  return name == "README" ? kRepo / "README.md" : kRepo / "docs" / (name + ".md");
}

// A slot of 500 ports (sim/local-cluster's admin, peer, metrics, data
// plane and dashboard ranges) from 10000 up, below the cluster tests' 20000+ and the QEMU
// test's 19000+; an flock on a file per slot keeps pages that run side by
// side (ctest -j) apart. The lock is held until the process ends.
int LockPortSlot() {
  constexpr int kFirst = 10000, kSlots = 16, kSlot = 500;
  for (int k = 0; k < kSlots; ++k) {
    int slot = int((::getpid() + k) % kSlots);
    std::string lock = "/tmp/shoal-doc-ports-" + std::to_string(slot) + ".lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      continue;
    }
    int base = kFirst + slot * kSlot;
    bool free = true;
    for (int range = 0; range < 4; ++range) {
      for (int i = 1; i <= 8; ++i) free = free && PortFree(base + range * 100 + i);
    }
    if (free) return base;  // fd stays open: the slot stays ours
    ::close(fd);
  }
  return 0;
}

// The scratch directory a page runs in: DIR/repo holds a link to every
// top-level entry of the repository but build/, which is a directory of its
// own whose bin/ and share/ are this build's (so `build/bin/shoal` is the
// binary under test, the dashboard is served, and `sim/local-cluster` keeps
// its cluster under DIR); DIR/shared is
// the repository's ../shared, which the docs name as `../shared/...`.
class Workspace {
 public:
  Workspace() {
    char tmpl[] = "/tmp/shoal-doc-XXXXXX";
    root_ = ::mkdtemp(tmpl);
    fs::create_directories(repo() / "build");
    for (const auto& entry : fs::directory_iterator(kRepo)) {
      std::string name = entry.path().filename().string();
      if (name == "build" || name == ".git" || name.rfind("build-", 0) == 0) continue;
      fs::create_directory_symlink(entry.path(), repo() / name);
    }
    fs::create_directory_symlink(kBuild / "bin", repo() / "build" / "bin");
    fs::create_directory_symlink(kBuild / "share", repo() / "build" / "share");
    if (fs::exists(kRepo.parent_path() / "shared")) {
      fs::create_directory_symlink(kRepo.parent_path() / "shared", root_ / "shared");
    }
    for (const char* dir : {"home", "state", "config", "cache"}) fs::create_directory(root_ / dir);
  }
  ~Workspace() {
    // Whatever the page left running stops here, whether or not it said so.
    Shell("cd " + repo().string() + " && sim/local-cluster down --dir " +
          (repo() / "build" / "local-cluster").string() + " >/dev/null");
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  fs::path root() const { return root_; }
  fs::path repo() const { return root_ / "repo"; }

 private:
  fs::path root_;
};

// The page's commands as one bash script. After each, a marker line with
// the command's index and exit code splits the output; it starts with a
// newline of its own, so output without a final newline still ends there.
std::string Script(const std::vector<Transcript>& transcripts) {
  std::string script = "exec 2>&1\n";
  int index = 0;
  for (const Transcript& transcript : transcripts) {
    for (const Command& command : transcript.commands) {
      script += command.text + "\n";
      script += "__doc_rc=$?; printf '\\n@@shoal-doc %d %d\\n' " + std::to_string(index++) +
                " \"$__doc_rc\"\n";
    }
  }
  return script;
}

struct Outcome {
  std::string output;
  int exit_code = -1;
  bool ran = false;
};

// Splits the session's output at the markers; a command whose marker never
// came (the session died or timed out there) did not run.
std::vector<Outcome> SplitSession(const std::string& session, size_t commands) {
  std::vector<Outcome> outcomes(commands);
  size_t from = 0;
  for (size_t i = 0; i < commands; ++i) {
    std::string marker = std::string(kMarker) + std::to_string(i) + " ";
    size_t at = session.find(marker, from);
    if (at == std::string::npos) break;
    outcomes[i].output = session.substr(from, at - from);
    size_t code_at = at + marker.size();
    size_t end = session.find('\n', code_at);
    outcomes[i].exit_code = std::atoi(session.substr(code_at, end - code_at).c_str());
    outcomes[i].ran = true;
    from = end == std::string::npos ? session.size() : end + 1;
  }
  return outcomes;
}

class DocExamples : public ::testing::TestWithParam<std::string> {};

TEST_P(DocExamples, RunAsShown) {
  fs::path page = PageNamed(GetParam());
  std::string error;
  std::vector<Transcript> transcripts = TranscriptsOf(page, &error);
  ASSERT_TRUE(error.empty()) << page << ": " << error;
  size_t commands = 0;
  for (const Transcript& transcript : transcripts) commands += transcript.commands.size();
  ASSERT_GT(commands, 0u);

  int base = LockPortSlot();
  ASSERT_NE(base, 0) << "no free port slot in 10000-17999";
  Workspace workspace;
  fs::path script = workspace.root() / "session.sh";
  std::ofstream(script) << Script(transcripts);

  const fs::path root = workspace.root();
  std::string env =
      "env -i HOME=" + (root / "home").string() + " XDG_STATE_HOME=" + (root / "state").string() +
      " XDG_CONFIG_HOME=" + (root / "config").string() +
      " XDG_CACHE_HOME=" + (root / "cache").string() +
      " PATH=" + (workspace.repo() / "build" / "bin").string() + ":" + ::getenv("PATH") +
      " LANG=C.UTF-8 SHOAL_LOCAL_CLUSTER_PORT=" + std::to_string(base);
  Ran session = Shell("cd " + workspace.repo().string() + " && " + env + " timeout " +
                      std::to_string(kPageSeconds) + " bash --noprofile --norc " + script.string() +
                      " </dev/null");

  // The whole session, for a reader of a failure or of a page's real output.
  fs::create_directories(kBuild / "doc-sessions");
  std::ofstream(kBuild / "doc-sessions" / (GetParam() + ".out")) << session.output;

  std::vector<Outcome> outcomes = SplitSession(session.output, commands);
  size_t index = 0;
  std::string where = fs::relative(page, kRepo).string() + ":";
  for (const Transcript& transcript : transcripts) {
    for (const Command& command : transcript.commands) {
      const Outcome& got = outcomes[index++];
      std::string at = where + std::to_string(command.line) + ": $ " + command.text;
      if (!got.ran) {
        ADD_FAILURE() << at << "\nnever finished (the session ended or passed " << kPageSeconds
                      << " s):\n"
                      << session.output.substr(
                             session.output.size() > 4000 ? session.output.size() - 4000 : 0);
        return;
      }
      std::string why;
      EXPECT_TRUE(doctest::Matches(command.expected, doctest::SplitLines(got.output), &why))
          << at << "\n"
          << why << "\n--- it printed:\n"
          << got.output;
      EXPECT_EQ(got.exit_code, command.exit_code) << at << "\n--- it printed:\n" << got.output;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Pages, DocExamples, ::testing::ValuesIn(PagesWithTranscripts()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// A fenced block that shows "$ " commands but is not a ```console block
// would be a transcript no test runs.
TEST(DocTranscripts, EveryShownSessionIsAConsoleBlock) {
  std::vector<std::string> untested;
  for (const fs::path& page : Pages()) {
    for (int line : doctest::UntestedPromptLines(Read(page))) {
      untested.push_back(fs::relative(page, kRepo).string() + ":" + std::to_string(line));
    }
  }
  EXPECT_TRUE(untested.empty()) << ::testing::PrintToString(untested);
}

}  // namespace
}  // namespace shoal::testing
