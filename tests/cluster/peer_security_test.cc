// The Peer service admits only the node a certificate names: a real shoald
// presenting a CA-signed certificate for another name while claiming to be
// node-b is refused and never becomes a member, and malformed peer requests
// (no or unproven node name, unknown node, bad event batches) get precise
// errors. Peer calls are made here with the cluster's own certificates.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <thread>

#include "proto/peer.grpc.pb.h"
#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

namespace pb = shoal::admin::v1;
namespace peerpb = shoal::peer::v1;

class PeerSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_ = std::make_unique<TestCluster>(3);
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
  }

  // A Peer stub to node i presenting `cert_name`'s certificate.
  std::unique_ptr<peerpb::Peer::Stub> PeerAs(const std::string& cert_name, int i) {
    cluster_->MintCertificate(cert_name);
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFile(cluster_->ca());
    tls.pem_cert_chain = ReadFile(cluster_->cert(cert_name));
    tls.pem_private_key = ReadFile(cluster_->key(cert_name));
    return peerpb::Peer::NewStub(
        grpc::CreateChannel(cluster_->peer_address(i), grpc::SslCredentials(tls)));
  }

  // A context claiming to be `node` ("": no claim), with a deadline.
  static std::unique_ptr<grpc::ClientContext> Claiming(const std::string& node) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!node.empty()) context->AddMetadata("shoal-node", node);
    return context;
  }

  // A heartbeat from `name` (node id 9) with `events` origin_seqs from
  // `origin`.
  static peerpb::HeartbeatRequest HeartbeatFrom(const std::string& name, const std::string& origin,
                                                std::vector<uint64_t> seqs) {
    peerpb::HeartbeatRequest request;
    request.mutable_from()->set_name(name);
    request.mutable_from()->set_node_id(9);
    request.mutable_from()->set_peer_address("127.0.0.1:" + std::to_string(FreePort()));
    request.mutable_from()->set_incarnation(1);
    for (uint64_t seq : seqs) {
      pb::Event* e = request.add_events();
      e->set_kind(pb::Event::KIND_PROCESS_STARTED);
      e->set_node(origin);
      e->set_pid(seq << 12 | 9);
      e->set_origin(origin);
      e->set_origin_seq(seq);
    }
    return request;
  }

  bool IsMember(const std::string& needle) {
    return cluster_->Shoal("nodes -o json").output.find(needle) != std::string::npos;
  }

  std::unique_ptr<TestCluster> cluster_;
};

TEST_F(PeerSecurityTest, DaemonWithAnotherNodesCertificateClaimingNodeBIsRefused) {
  // A real shoald named node-b, with node-b's id, holding a valid
  // CA-signed certificate that is node-x's.
  int impostor = cluster_->StartExtra("node-b", 2, "node-x");
  std::string refusal = "the peer's certificate is for 'node-x', but it claims to be node 'node-b'";
  // It heartbeats every 100 ms once started.
  ASSERT_TRUE(WaitForText(cluster_->log(0), refusal)) << ReadFile(cluster_->log(0));
  ASSERT_TRUE(WaitForText(cluster_->log(impostor), refusal)) << ReadFile(cluster_->log(impostor));
  // Several heartbeat intervals later it is still no member anywhere: no
  // node lists its address, and node-b is the real one on every node.
  std::this_thread::sleep_for(std::chrono::milliseconds(5 * TestCluster::kHeartbeatMs));
  for (int i = 0; i < 3; ++i) {
    Ran nodes = Shell(std::string(SHOAL_BIN) + " nodes -o json" + cluster_->ConnectionFlags(i));
    ASSERT_EQ(nodes.exit_code, 0) << nodes.output;
    EXPECT_EQ(nodes.output.find(cluster_->peer_address(impostor)), std::string::npos)
        << nodes.output;
    EXPECT_NE(nodes.output.find(cluster_->peer_address(1)), std::string::npos) << nodes.output;
  }
  Ran nodes = cluster_->Shoal("nodes");
  EXPECT_EQ(nodes.output.find("dead"), std::string::npos) << nodes.output;
  EXPECT_EQ(nodes.output.find("suspect"), std::string::npos) << nodes.output;
}

TEST_F(PeerSecurityTest, CallsThatDoNotProveTheirNodeAreRefused) {
  auto stub = PeerAs("node-t", 0);
  peerpb::LocateRequest locate;
  locate.set_pid(4097);
  peerpb::LocateResponse where;

  grpc::Status none = stub->Locate(Claiming("").get(), locate, &where);
  EXPECT_EQ(none.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(none.error_message().find("must name its node in 'shoal-node' metadata"),
            std::string::npos)
      << none.error_message();

  grpc::Status other = stub->Locate(Claiming("node-b").get(), locate, &where);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(other.error_message().find("certificate is for 'node-t', but it claims to be node "
                                       "'node-b'"),
            std::string::npos)
      << other.error_message();

  // Proven, but not a member: only a heartbeat may come from a stranger.
  grpc::Status stranger = stub->Locate(Claiming("node-t").get(), locate, &where);
  EXPECT_EQ(stranger.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(stranger.error_message().find("node 'node-t' is not a member"), std::string::npos)
      << stranger.error_message();

  // A heartbeat whose `from` is not the proven caller.
  peerpb::HeartbeatResponse response;
  grpc::Status mismatch =
      stub->Heartbeat(Claiming("node-t").get(), HeartbeatFrom("node-q", "node-q", {}), &response);
  EXPECT_EQ(mismatch.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_NE(mismatch.error_message().find("heartbeat is from node 'node-q'"), std::string::npos)
      << mismatch.error_message();
  EXPECT_FALSE(IsMember("node-t"));
  EXPECT_FALSE(IsMember("node-q"));
}

TEST_F(PeerSecurityTest, MalformedEventBatchesAreRefusedWholeAndRepeatsShownOnce) {
  auto stub = PeerAs("node-t", 0);
  peerpb::HeartbeatResponse response;
  auto send = [&](const peerpb::HeartbeatRequest& request) {
    return stub->Heartbeat(Claiming("node-t").get(), request, &response);
  };

  grpc::Status foreign = send(HeartbeatFrom("node-t", "node-c", {1}));
  EXPECT_EQ(foreign.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(foreign.error_message().find("event origin 'node-c' is not the sender 'node-t'"),
            std::string::npos)
      << foreign.error_message();

  grpc::Status zero = send(HeartbeatFrom("node-t", "node-t", {0}));
  EXPECT_EQ(zero.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(zero.error_message().find("has no origin_seq"), std::string::npos)
      << zero.error_message();

  grpc::Status backwards = send(HeartbeatFrom("node-t", "node-t", {5, 3}));
  EXPECT_EQ(backwards.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(backwards.error_message().find("origin_seq 3 from 'node-t' follows 5"),
            std::string::npos)
      << backwards.error_message();

  std::vector<uint64_t> many;
  for (uint64_t seq = 1; seq <= 257; ++seq) many.push_back(seq);
  grpc::Status oversized = send(HeartbeatFrom("node-t", "node-t", many));
  EXPECT_EQ(oversized.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(oversized.error_message().find("257 events in one heartbeat from 'node-t'; at most "
                                           "256"),
            std::string::npos)
      << oversized.error_message();
  // A refused heartbeat changes nothing: node-t did not join.
  EXPECT_FALSE(IsMember("node-t"));

  // A well-formed batch sent twice (as after a timed-out heartbeat) and
  // then overlapping a new one: each event is shown once.
  std::string out = cluster_->dir() + "/events.txt";
  Background watch(std::string(SHOAL_BIN) + " events" + cluster_->ConnectionFlags(0), out);
  ASSERT_TRUE(WaitForText(out, "ORIGIN")) << ReadFile(out);
  ASSERT_TRUE(send(HeartbeatFrom("node-t", "node-t", {1, 2})).ok());
  EXPECT_EQ(response.self().name(), "node-a");
  ASSERT_TRUE(send(HeartbeatFrom("node-t", "node-t", {1, 2})).ok());
  ASSERT_TRUE(send(HeartbeatFrom("node-t", "node-t", {2, 3})).ok());
  EXPECT_TRUE(WaitForText(out, "pid=" + std::to_string(3 << 12 | 9)));
  std::string text = ReadFile(out);
  for (uint64_t seq : {1, 2, 3}) {
    std::string pid = "pid=" + std::to_string(seq << 12 | 9) + "\n";
    size_t first = text.find(pid);
    ASSERT_NE(first, std::string::npos) << text;
    EXPECT_EQ(text.find(pid, first + 1), std::string::npos) << "twice: " << pid << text;
  }
  EXPECT_TRUE(IsMember("node-t"));
}

}  // namespace
}  // namespace shoal::testing
