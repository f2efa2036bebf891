// The daemon's data plane between two nodes in one process (two loops, TLS
// with certificates from deploy/gen-certs): the first use dials, both
// directions share one connection, simultaneous dials settle on one, the
// Node bootstrap carries objects, a peer that goes away fails its proxies
// with kPeerGone and the next use reconnects to its new incarnation.
#include "clusterd/daemon/data_plane.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <mutex>
#include <thread>

#include "clusterd/daemon/node_server.h"
#include "kernel/base/file_io.h"
#include "kernel/object/channel.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/opened.h"
#include "kernel/remote/test_certificates.h"

namespace shoal::clusterd {
namespace {

using kernel::HandleEntry;
using kernel::KernelObject;
using kernel::Ref;
using kernel::Rights;
using std::chrono::milliseconds;

constexpr Rights kRights = Rights::kRead | Rights::kWrite | Rights::kWait | Rights::kTransfer;

// Host directories, plus "/chan": a new channel whose other end stays here.
class TestDirectories {
 public:
  DirectoryOpener Opener() {
    return [this](const std::string& path, Rights requested) -> Result<HandleEntry> {
      if (path != "/chan") return host_(path, requested);
      auto ends = kernel::Channel::Create();
      if (!ends.ok()) return ends.error();
      std::lock_guard lock(mu_);
      kept_.push_back(ends->first);
      return HandleEntry{ends->second, requested};
    };
  }
  Ref<kernel::ChannelOps> kept(size_t i) {
    std::lock_guard lock(mu_);
    return i < kept_.size() ? kept_[i] : nullptr;
  }

 private:
  DirectoryOpener host_ = HostDirectories(InlineFileIo::Shared());
  std::mutex mu_;
  std::vector<Ref<kernel::ChannelOps>> kept_;
};

// Where each test node listens, as membership would say.
class Members {
 public:
  void Set(const std::string& name, const std::string& address) {
    std::lock_guard lock(mu_);
    addresses_[name] = address;
  }
  Result<std::string> Resolve(const std::string& name) {
    std::lock_guard lock(mu_);
    auto it = addresses_.find(name);
    if (it == addresses_.end()) return MakeError(Status::kNotFound, "unknown node '" + name + "'");
    return it->second;
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::string> addresses_;
};

class DataPlaneTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto minted = kernel::remote::MintTestCertificates({"node-a", "node-b"});
    ASSERT_TRUE(minted.ok()) << minted.error().message;
    certs_ = new std::map<std::string, kernel::remote::TlsIdentity>(std::move(minted).value());
  }
  static void TearDownTestSuite() { delete certs_; }

  // Starts node `name` serving `dirs` (which must outlive it; null: its own).
  std::unique_ptr<DataPlane> StartNode(const std::string& name, TestDirectories* dirs = nullptr) {
    DataPlaneOptions o;
    o.self = name;
    o.listen = "127.0.0.1:0";
    o.tls = certs_->at(name);
    o.resolve = [this](const std::string& n) { return members_.Resolve(n); };
    o.services.directories = (dirs != nullptr ? dirs : &directories_)->Opener();
    o.connect_timeout = milliseconds(3000);
    auto plane = DataPlane::Start(std::move(o));
    EXPECT_TRUE(plane.ok()) << plane.error().message;
    if (!plane.ok()) return nullptr;
    members_.Set(name, (*plane)->address());
    return std::move(plane).value();
  }

  // Opens "/chan" of `peer` through `plane`'s Node capability: a proxy
  // (null, and a test failure, when that fails).
  static Ref<kernel::ChannelOps> OpenChannel(DataPlane& plane, const std::string& peer) {
    Result<Ref<KernelObject>> proxy = plane.loop()->RunAsync<Result<Ref<KernelObject>>>([&] {
      return plane.Node(peer).then(
          [](Result<PeerNode> node) -> kj::Promise<Result<Ref<KernelObject>>> {
            if (!node.ok()) return Result<Ref<KernelObject>>(std::move(node).error());
            auto link = node->link;
            auto request = node->node.openDirectoryRequest();
            request.setPath("/chan");
            request.setRights(uint32_t(kRights));
            return request.send()
                .then([link](auto&& response) {
                  return kernel::remote::ImportOpened(link, response.getOutcome(),
                                                      response.getHandle());
                })
                .then([](Result<HandleEntry> e) -> Result<Ref<KernelObject>> {
                  if (!e.ok()) return std::move(e).error();
                  return std::move(e->object);
                });
          });
    });
    EXPECT_TRUE(proxy.ok()) << proxy.error().message;
    return proxy.ok() ? std::static_pointer_cast<kernel::ChannelOps>(*proxy) : nullptr;
  }

  static DataPlane::Deadline Soon() {
    return std::chrono::steady_clock::now() + std::chrono::seconds(10);
  }

  // Polls (at most 10 s) until `plane` holds `n` live connections.
  static bool ConnectionsBecome(DataPlane& plane, size_t n) {
    for (int i = 0; i < 200; ++i) {
      if (plane.connections() == n) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  static std::map<std::string, kernel::remote::TlsIdentity>* certs_;
  Members members_;
  TestDirectories directories_;  // For nodes that were given none.
};

std::map<std::string, kernel::remote::TlsIdentity>* DataPlaneTest::certs_ = nullptr;

std::vector<uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// kOk, or the status of the error, with its message when a test fails.
::testing::AssertionResult Is(Status expected, const Result<HandleEntry>& got) {
  Status status = got.ok() ? Status::kOk : got.error().status;
  if (status == expected) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << StatusName(status) << " instead of " << StatusName(expected) << ": "
         << (got.ok() ? "" : got.error().message);
}

TEST_F(DataPlaneTest, FirstUseDialsAndBothDirectionsShareOneConnection) {
  TestDirectories dirs_a;
  auto a = StartNode("node-a", &dirs_a);
  auto b = StartNode("node-b");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->connections(), 0u);

  // An error of node-a's own travels back: the connection works.
  Result<HandleEntry> missing = b->OpenDirectory("node-a", "/no/such/dir", kRights, Soon());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().status, Status::kNotFound) << missing.error().message;
  EXPECT_NE(missing.error().message.find("node node-a cannot open /no/such/dir"), std::string::npos)
      << missing.error().message;
  EXPECT_TRUE(ConnectionsBecome(*a, 1));
  EXPECT_EQ(b->connections(), 1u);

  // The other way round uses the same connection.
  Result<HandleEntry> back = a->OpenDirectory("node-b", "/no/such/dir", kRights, Soon());
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().status, Status::kNotFound) << back.error().message;
  EXPECT_EQ(a->connections(), 1u);
  EXPECT_EQ(b->connections(), 1u);

  // Objects cross: a channel of node-a, held on node-b.
  Ref<kernel::ChannelOps> remote = OpenChannel(*b, "node-a");
  ASSERT_NE(remote, nullptr);
  ASSERT_TRUE(remote->Write(Bytes("from node-b"), {}).ok());
  Ref<kernel::ChannelOps> local = dirs_a.kept(0);
  ASSERT_NE(local, nullptr);
  kernel::testing::WaitForSignals(*local, kernel::Signals::kReadable);
  auto message = local->Read(kernel::ReadLimits{});
  ASSERT_TRUE(message.ok()) << message.error().message;
  EXPECT_EQ(std::string(message->bytes.begin(), message->bytes.end()), "from node-b");
}

TEST_F(DataPlaneTest, ThisNodeAndUnknownNodesAreRefused) {
  auto b = StartNode("node-b");
  ASSERT_TRUE(b);
  Result<HandleEntry> self = b->OpenDirectory("node-b", "/tmp", kRights, Soon());
  ASSERT_FALSE(self.ok());
  EXPECT_EQ(self.error().status, Status::kInvalidArgs);
  Result<HandleEntry> unknown = b->OpenDirectory("node-z", "/tmp", kRights, Soon());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().status, Status::kNotFound);
  EXPECT_NE(unknown.error().message.find("node-z"), std::string::npos);
}

TEST_F(DataPlaneTest, AnAnswerThatIsNoDirectoryIsMalformed) {
  auto a = StartNode("node-a");
  auto b = StartNode("node-b");
  ASSERT_TRUE(a && b);
  Result<HandleEntry> chan = b->OpenDirectory("node-a", "/chan", kRights, Soon());
  ASSERT_FALSE(chan.ok());
  EXPECT_EQ(chan.error().status, Status::kMalformed) << chan.error().message;
}

TEST_F(DataPlaneTest, OpenDirectoryGivesADirectoryOfThePeer) {
  auto a = StartNode("node-a");
  auto b = StartNode("node-b");
  ASSERT_TRUE(a && b);
  std::string root = ::testing::TempDir() + "/data-plane-dir-" + std::to_string(::getpid());
  std::filesystem::create_directories(root + "/inside");
  Result<HandleEntry> dir = b->OpenDirectory("node-a", root, kRights, Soon());
  ASSERT_TRUE(dir.ok()) << dir.error().message;
  EXPECT_EQ(dir->object->type(), kernel::ObjectType::kDirectory);
  EXPECT_TRUE(Contains(dir->rights, Rights::kRead));
  auto listed = std::static_pointer_cast<kernel::DirectoryOps>(dir->object)->ReadDir();
  ASSERT_TRUE(listed.ok());
  bool found = false;
  for (const kernel::DirEntry& e : listed.value()) found |= e.name == "inside";
  EXPECT_TRUE(found);
  std::filesystem::remove_all(root);
}

TEST_F(DataPlaneTest, SimultaneousDialsSettleOnOneConnection) {
  for (int round = 0; round < 5; ++round) {
    auto a = StartNode("node-a");
    auto b = StartNode("node-b");
    ASSERT_TRUE(a && b);
    Result<HandleEntry> from_a = MakeError(Status::kInternal, "not run");
    Result<HandleEntry> from_b = MakeError(Status::kInternal, "not run");
    std::thread ta([&] { from_a = a->OpenDirectory("node-b", "/missing", kRights, Soon()); });
    std::thread tb([&] { from_b = b->OpenDirectory("node-a", "/missing", kRights, Soon()); });
    ta.join();
    tb.join();
    // Both answered by the peer (kNotFound), neither lost to the race.
    EXPECT_TRUE(Is(Status::kNotFound, from_a)) << "round " << round;
    EXPECT_TRUE(Is(Status::kNotFound, from_b)) << "round " << round;
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_EQ(a->connections(), 1u) << "round " << round;
    EXPECT_EQ(b->connections(), 1u) << "round " << round;
    // And the one left carries calls both ways.
    Result<HandleEntry> again_a = a->OpenDirectory("node-b", "/missing", kRights, Soon());
    Result<HandleEntry> again_b = b->OpenDirectory("node-a", "/missing", kRights, Soon());
    EXPECT_TRUE(Is(Status::kNotFound, again_a));
    EXPECT_TRUE(Is(Status::kNotFound, again_b));
  }
}

TEST_F(DataPlaneTest, APeerThatGoesFailsItsProxiesAndTheNextUseReachesItsNewIncarnation) {
  auto a = StartNode("node-a");
  auto b = StartNode("node-b");
  ASSERT_TRUE(a && b);
  Ref<kernel::ChannelOps> remote = OpenChannel(*b, "node-a");
  ASSERT_NE(remote, nullptr);

  auto start = std::chrono::steady_clock::now();
  a.reset();  // Node-a's data plane goes, as with a killed daemon.
  EXPECT_TRUE(Contains(kernel::testing::WaitForSignals(*remote, kernel::Signals::kPeerClosed),
                       kernel::Signals::kPeerClosed));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  VoidResult write = remote->Write(Bytes("too late"), {});
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().status, Status::kPeerGone) << write.error().message;
  EXPECT_TRUE(ConnectionsBecome(*b, 0));

  // While it is down, a use fails at once with kPeerGone.
  Result<HandleEntry> down = b->OpenDirectory("node-a", "/missing", kRights, Soon());
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().status, Status::kPeerGone) << down.error().message;

  // Node-a comes back (a new address); the next use dials it.
  a = StartNode("node-a");
  ASSERT_TRUE(a);
  Result<HandleEntry> back = b->OpenDirectory("node-a", "/missing", kRights, Soon());
  ASSERT_FALSE(back.ok());
  EXPECT_EQ(back.error().status, Status::kNotFound) << back.error().message;
  EXPECT_EQ(b->connections(), 1u);
}

TEST_F(DataPlaneTest, DisconnectDropsTheConnectionAndTheNextUseDialsAgain) {
  auto a = StartNode("node-a");
  auto b = StartNode("node-b");
  ASSERT_TRUE(a && b);
  Ref<kernel::ChannelOps> remote = OpenChannel(*b, "node-a");
  ASSERT_NE(remote, nullptr);
  b->Disconnect("node-a", "membership declared node node-a dead");
  EXPECT_TRUE(Contains(kernel::testing::WaitForSignals(*remote, kernel::Signals::kPeerClosed),
                       kernel::Signals::kPeerClosed));
  EXPECT_TRUE(ConnectionsBecome(*a, 0));
  Result<HandleEntry> again = b->OpenDirectory("node-a", "/missing", kRights, Soon());
  EXPECT_TRUE(Is(Status::kNotFound, again));
  EXPECT_EQ(b->connections(), 1u);
}

TEST_F(DataPlaneTest, InsecureDevConnectsOnLoopbackWithAnnouncedNames) {
  auto start = [this](const std::string& name) {
    DataPlaneOptions o;
    o.self = name;
    o.listen = "127.0.0.1:0";
    o.resolve = [this](const std::string& n) { return members_.Resolve(n); };
    o.services.directories = directories_.Opener();
    auto plane = DataPlane::Start(std::move(o));
    EXPECT_TRUE(plane.ok()) << plane.error().message;
    members_.Set(name, (*plane)->address());
    return std::move(plane).value();
  };
  auto a = start("node-a");
  auto b = start("node-b");
  Result<HandleEntry> missing = b->OpenDirectory("node-a", "/no/such/dir", kRights, Soon());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().status, Status::kNotFound) << missing.error().message;
  DataPlaneOptions off;
  off.self = "node-c";
  off.listen = "0.0.0.0:0";
  off.resolve = [this](const std::string& n) { return members_.Resolve(n); };
  off.services.directories = directories_.Opener();
  auto refused = DataPlane::Start(std::move(off));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().status, Status::kInvalidArgs);
}

}  // namespace
}  // namespace shoal::clusterd
