#include "clusterd/daemon/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace shoal::clusterd {
namespace {

DaemonConfig Dev() {
  DaemonConfig c;
  c.node_name = "a";
  c.node_id = 1;
  c.insecure_dev = true;
  return c;
}

TEST(ConfigTest, LoopbackAddressesAreRecognized) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:7400"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:1"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:7400"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:7400"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:7400"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.1:7400"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:7400"));
}

TEST(ConfigTest, InsecureDevNeedsEveryAddressOnLoopback) {
  EXPECT_TRUE(ValidateConfig(Dev()).ok());
  DaemonConfig peer = Dev();
  peer.peers = {"127.0.0.1:7501", "192.168.1.2:7500"};
  VoidResult r = ValidateConfig(peer);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("192.168.1.2:7500"), std::string::npos);
  DaemonConfig data = Dev();
  data.data_listen = "0.0.0.0:7600";
  VoidResult d = ValidateConfig(data);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.error().message.find("0.0.0.0:7600"), std::string::npos);
}

TEST(ConfigTest, TheDataPlaneHasItsOwnAddressInTheFileAndFlags) {
  DaemonConfig defaults;
  EXPECT_EQ(defaults.data_listen, "127.0.0.1:7600");
  std::string path = "/tmp/shoal-config-data-test-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "node_name = \"a\"\nnode_id = 1\ndata_listen = \"127.0.0.1:7700\"\n"
                         "data_advertise = \"127.0.0.2:7700\"\n";
  std::vector<std::string> args = {"shoald", "--config", path, "--data-listen", "127.0.0.1:7701"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  DaemonConfig c;
  EXPECT_FALSE(ParseCommandLine(int(argv.size()), argv.data(), c).has_value());
  EXPECT_EQ(c.data_listen, "127.0.0.1:7701");
  EXPECT_EQ(c.data_advertise, "127.0.0.2:7700");
  std::remove(path.c_str());
}

TEST(ConfigTest, WithoutInsecureDevTlsAndATokenAreRequired) {
  DaemonConfig c = Dev();
  c.insecure_dev = false;
  EXPECT_FALSE(ValidateConfig(c).ok());
  c.tls_cert = "c.pem";
  c.tls_key = "c.key";
  c.tls_ca = "ca.pem";
  VoidResult no_token = ValidateConfig(c);
  ASSERT_FALSE(no_token.ok());
  EXPECT_NE(no_token.error().message.find("--token-file"), std::string::npos);
  c.token_file = "token";
  EXPECT_TRUE(ValidateConfig(c).ok());
}

TEST(ConfigTest, FlagsOverrideTheTomlFile) {
  std::string path = "/tmp/shoal-config-test-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "node_name = \"from-file\"\nnode_id = 9\npeers = [\"127.0.0.1:1\", "
                         "\"127.0.0.1:2\"]\nheartbeat_ms = 50\n";
  std::vector<std::string> args = {"shoald", "--config", path, "--node-name", "from-flag"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  DaemonConfig c;
  EXPECT_FALSE(ParseCommandLine(int(argv.size()), argv.data(), c).has_value());
  EXPECT_EQ(c.node_name, "from-flag");
  EXPECT_EQ(c.node_id, 9u);
  EXPECT_EQ(c.peers.size(), 2u);
  EXPECT_EQ(c.heartbeat_ms, 50u);
  std::remove(path.c_str());
}

TEST(ConfigTest, UnknownKeysInTheFileAreAnError) {
  std::string path = "/tmp/shoal-config-bad-" + std::to_string(::getpid()) + ".toml";
  std::ofstream(path) << "node_nmae = \"typo\"\n";
  std::vector<std::string> args = {"shoald", "--config", path};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  DaemonConfig c;
  EXPECT_EQ(ParseCommandLine(int(argv.size()), argv.data(), c), 64);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace shoal::clusterd
