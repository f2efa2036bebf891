// LocalProcesses::Spawn with preopens of other nodes: the directory comes
// from the remote opener (the data plane in shoald) and is preopened under
// its guest path; an opener's failure fails the Spawn, naming the node and
// path, and leaves no process behind.
#include "clusterd/daemon/local_processes.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "clusterd/daemon/kernel_process_host.h"
#include "kernel/object/directory.h"

namespace shoal::clusterd {
namespace {

namespace pb = shoal::admin::v1;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class LocalProcessesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = ::testing::TempDir() + "/local-processes-" + std::to_string(::getpid());
    std::filesystem::create_directories(root_ + "/pids");
    std::filesystem::create_directories(root_ + "/served");
    std::ofstream(root_ + "/served/notes.txt") << "a b c\n";
    auto host = KernelProcessHost::Create();
    ASSERT_TRUE(host.ok()) << host.error().message;
    host_ = std::move(host).value();
    auto pids = PidAllocator::Create(2, root_ + "/pids");
    ASSERT_TRUE(pids.ok()) << pids.error().message;
    pids_ = std::move(pids).value();
  }
  void TearDown() override {
    host_.reset();
    std::filesystem::remove_all(root_);
  }

  pb::SpawnRequest WcOf(const std::string& node, const std::string& path) {
    pb::SpawnRequest request;
    request.set_module_bytes(ReadAll(std::string(SHOAL_APPS_DIR) + "/wc.wasm"));
    request.add_args("wc.wasm");
    request.add_args("/data/notes.txt");
    pb::Preopen* p = request.add_preopens();
    p->set_node(node);
    p->set_host_path(path);
    p->set_guest_path("/data");
    return request;
  }

  std::string root_;
  std::unique_ptr<KernelProcessHost> host_;
  std::unique_ptr<PidAllocator> pids_;
};

TEST_F(LocalProcessesTest, AnotherNodesDirectoryComesFromTheOpenerAndIsPreopened) {
  std::vector<std::string> asked;
  LocalProcesses local(
      "node-b", *host_, *pids_,
      [&](const std::string& node, const std::string& path,
          Deadline deadline) -> Result<kernel::HandleEntry> {
        asked.push_back(node + ":" + path);
        EXPECT_GT(deadline, std::chrono::steady_clock::now());
        // Stands for node-a's directory: a local one here.
        auto dir = kernel::Directory::OpenRoot(root_ + path, host_->file_io());
        if (!dir.ok()) return MakeError(Status::kNotFound, "no such directory");
        return kernel::HandleEntry{std::move(dir).value(), LocalProcesses::kPreopenRights};
      });
  pb::SpawnResponse response;
  grpc::Status status = local.Spawn(WcOf("node-a", "/served"), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(asked, std::vector<std::string>{"node-a:/served"});
  Result<ExitStatus> exit =
      host_->Wait(response.pid(), std::chrono::steady_clock::now() + std::chrono::seconds(60));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(exit->code, 0);
  Result<ConsoleRead> read =
      host_->ReadConsole(response.pid(), 0, 1 << 20, std::chrono::steady_clock::now());
  ASSERT_TRUE(read.ok());
  std::string out;
  for (const ConsoleChunk& c : read->chunks) out.append(c.bytes.begin(), c.bytes.end());
  EXPECT_NE(out.find("1       3       6 /data/notes.txt"), std::string::npos) << out;

  // This node's own name is a local directory: no opener.
  asked.clear();
  pb::SpawnRequest own = WcOf("node-b", root_ + "/served");
  ASSERT_TRUE(local.Spawn(own, &response).ok());
  EXPECT_TRUE(asked.empty());
}

TEST_F(LocalProcessesTest, AnOpenerFailureFailsTheSpawnNamingNodeAndPath) {
  LocalProcesses local(
      "node-b", *host_, *pids_,
      [](const std::string& node, const std::string&, Deadline) -> Result<kernel::HandleEntry> {
        return MakeError(Status::kPeerGone, "node " + node + " is gone");
      });
  pb::SpawnResponse response;
  grpc::Status status = local.Spawn(WcOf("node-a", "/srv/data"), &response);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  // "node ..." first: the CLI shows it as it is (not as an unreachable endpoint).
  EXPECT_EQ(status.error_message().rfind("node node-b cannot preopen node-a:/srv/data", 0), 0u)
      << status.error_message();
  EXPECT_TRUE(host_->List().empty());

  LocalProcesses without("node-b", *host_, *pids_);
  status = without.Spawn(WcOf("node-a", "/srv/data"), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace shoal::clusterd
