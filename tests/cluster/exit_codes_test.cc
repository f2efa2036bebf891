// Every exit code docs/cli.md documents, produced by the real `shoal` for the
// reason the table gives: here (a local `run`) and through a 2-node cluster
// of real daemons, where the same failure must give the same code.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <vector>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

namespace fs = std::filesystem;

const std::string kApps = SHOAL_APPS_DIR;

// (module (func (export "_start") unreachable))
const std::vector<uint8_t> kTrapsAtStart = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00,
    0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, '_',  's',  't',  'a',
    'r',  't',  0x00, 0x00, 0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b};
// (module): valid, but no _start.
const std::vector<uint8_t> kNoStart = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
// (module (import "env" "nope" (func)) (func (export "_start")))
const std::vector<uint8_t> kUnknownImport = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60, 0x00,
    0x00, 0x02, 0x0c, 0x01, 0x03, 'e',  'n',  'v',  0x04, 'n',  'o',  'p',  'e',
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x0a, 0x01, 0x06, '_',  's',  't',
    'a',  'r',  't',  0x00, 0x01, 0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};

class ExitCodesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    cluster_ = new TestCluster(2);
    ASSERT_TRUE(cluster_->WaitAllUp());
  }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }

  // Writes `bytes` to a file of the cluster's directory and returns its path.
  static std::string Module(const std::string& name, const std::vector<uint8_t>& bytes) {
    std::string path = cluster_->dir() + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return path;
  }

  // `shoal ARGS` with no cluster settings at all.
  static Ran Local(const std::string& args) {
    return Shell(std::string(SHOAL_BIN) + " " + args + " 2>&1 </dev/null");
  }

  // Expects `ran` to exit `code` with `text` in its output.
  static void Expect(const Ran& ran, int code, const std::string& text) {
    EXPECT_EQ(ran.exit_code, code) << ran.output;
    EXPECT_NE(ran.output.find(text), std::string::npos) << ran.output;
  }

  static TestCluster* cluster_;
};

TestCluster* ExitCodesTest::cluster_ = nullptr;

TEST_F(ExitCodesTest, UsageErrorsAre64AndNameTheWordAtFault) {
  Expect(Local(""), 64, "shoal: missing command; the commands are run, nodes");
  Expect(Local("frobnicate"), 64, "shoal: unknown command 'frobnicate'");
  Expect(Local("migrat 1"), 64, "(did you mean migrate?)");
  Expect(Local("run --on node-b --folow x.wasm"), 64,
         "shoal run: unknown option --folow (did you mean --follow?)");
  Expect(Local("run -on node-b x.wasm"), 64, "shoal run: unknown option -on (did you mean --on?)");
  Expect(Local("kill -1"), 64, "shoal kill: PID: '-1' is not a whole number");
  Expect(Local("kill 0"), 64, "shoal kill: PID: '0' is not a whole number of 1 or more");
  Expect(Local("events --count -1"), 64, "shoal events: --count: '-1' is not a whole number");
  Expect(Local("run --fuel -5 x.wasm"), 64, "shoal run: --fuel: '-5' is not a whole number");
  Expect(Local("run --fuel abc x.wasm"), 64, "shoal run: --fuel: 'abc' is not a whole number");
  Expect(Local("wait 5 --timeout soon"), 64, "'soon' is not a number of seconds");
  Expect(Local("wait"), 64, "shoal wait: PID is required (see shoal wait --help)");
  Expect(Local("ps --output yaml"), 64, "shoal ps: ");
  Expect(Local("completion fish"), 64, "shoal completion: ");
}

TEST_F(ExitCodesTest, VersionHelpAndCompletionExit0) {
  Ran version = Local("--version");
  Expect(version, 0, "shoal 0.");
  EXPECT_NE(version.output.find("(commit "), std::string::npos);
  Ran shoald = Shell(std::string(SHOALD_BIN) + " --version 2>&1");
  Expect(shoald, 0, "shoald 0.");
  // Every subcommand's help shows the connection options it accepts.
  for (const char* sub : {"ps", "kill", "migrate", "mount", "run"}) {
    Expect(Local(std::string(sub) + " --help"), 0, "--endpoint");
  }
  Ran bash = Local("completion bash");
  Expect(bash, 0, "complete -o default -F _shoal shoal");
  EXPECT_NE(bash.output.find("--max-freeze-ms"), std::string::npos);
  Ran words = Shell("bash -c 'eval \"$(" + std::string(SHOAL_BIN) +
                    " completion bash)\"; COMP_WORDS=(shoal mig); COMP_CWORD=1; _shoal; "
                    "echo \"${COMPREPLY[@]}\"'");
  EXPECT_EQ(words.output, "migrate\n");
}

TEST_F(ExitCodesTest, ModuleFailuresGiveTheSameCodeHereAndOnANode) {
  std::string garbage = cluster_->dir() + "/garbage.wasm";
  std::ofstream(garbage) << "not wasm at all";
  std::string no_start = Module("no_start.wasm", kNoStart);
  std::string bad_import = Module("bad_import.wasm", kUnknownImport);
  std::string traps = Module("traps.wasm", kTrapsAtStart);
  for (const std::string& where : {std::string(), std::string("--on node-b ")}) {
    SCOPED_TRACE(where.empty() ? "here" : where);
    auto run = [&](const std::string& rest) {
      return where.empty() ? Local("run " + rest) : cluster_->Shoal("run " + where + rest);
    };
    Expect(run(garbage), 65, "garbage.wasm");
    Expect(run(cluster_->dir() + "/missing.wasm"), 66, "cannot read");
    Expect(run(no_start), 67, "the module exports no _start function");
    Expect(run(bad_import), 67, "unknown import \"env\" \"nope\"");
    Expect(run("--dir " + cluster_->dir() + "/no-such-dir " + kApps + "/hello.wasm"), 68,
           "no-such-dir': No such file or directory");
    Expect(run("--memory 64K " + kApps + "/hello.wasm"), 71, "over its cap of 64 KiB");
  }
  // The start function's trap is the program's end here, but a refused
  // start there: either way 134 with the trap's message.
  Expect(Local("run " + traps), 134, "unreachable");
  Expect(cluster_->Shoal("run --on node-b --remote-path /no/such/module.wasm"), 66,
         "cannot read module /no/such/module.wasm on node node-b: No such file or directory");
}

TEST_F(ExitCodesTest, ClusterFailuresMapToTheirRows) {
  // 69: nothing listens at the endpoint.
  Expect(Local("ps --insecure --endpoint 127.0.0.1:9"), 69, "cannot reach shoald at 127.0.0.1:9");
  // 69 too: TLS refused, said in the CLI's words with the CA it used.
  Expect(Local("ps --endpoint " + cluster_->admin_address(0) + " --token-file " +
               cluster_->token_file()),
         69,
         "TLS handshake with shoald at " + cluster_->admin_address(0) +
             " failed, checked against the system's CA roots");
  // 77: a wrong token.
  std::string wrong = "--endpoint " + cluster_->admin_address(0) + " --ca " + cluster_->ca() +
                      " --token not-the-token ps";
  Expect(Local(wrong), 77, "not authorized");
  // 79: unknown pid, unknown node (listing the known ones).
  Expect(cluster_->Shoal("kill 99999"), 79, "no process 99999 in the cluster");
  Expect(cluster_->Shoal("ps --node node-z"), 79,
         "unknown node 'node-z' (known nodes: node-a, node-b)");
  Expect(cluster_->Shoal("run --on node-b --dir node-a:/no/such:/d " + kApps + "/hello.wasm"), 79,
         "node node-a cannot open /no/such");
  // 75: wait --timeout passes first, said in words.
  uint64_t pid = cluster_->StartOn("node-b", kApps + "/life.wasm 100000000 1000000");
  ASSERT_NE(pid, 0u);
  Expect(cluster_->Shoal("wait --timeout 0.5 " + std::to_string(pid)), 75, "timed out after 0.5 s");
  // 137: killed, as `wait` reports it.
  Expect(cluster_->Shoal("kill " + std::to_string(pid)), 0, "killed");
  Expect(cluster_->Shoal("wait " + std::to_string(pid)), 137, "killed");
}

}  // namespace
}  // namespace shoal::testing
