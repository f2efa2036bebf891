#include "tests/cluster/cluster_fixture.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

namespace shoal::testing {

Ran Shell(const std::string& command) {
  Ran ran;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return ran;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) ran.output.append(buf, n);
  int status = ::pclose(pipe);
  ran.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

Background::Background(const std::string& command, const std::string& output_file) {
  // Made before the fork: the child of a process with threads must not
  // allocate (see TestCluster::Start).
  const std::string script = "exec " + command;
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
}

Background::~Background() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  ::waitpid(pid_, nullptr, 0);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

bool WaitForText(const std::string& path, const std::string& text) {
  return WaitUntil([&] { return ReadFile(path).find(text) != std::string::npos; });
}

bool PortFree(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  sa.sin_port = htons(uint16_t(port));
  bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return free;
}

int FreePort() {
  // Below Linux's ephemeral range (32768-60999 by default): a port the
  // kernel handed out once may be reused as the source port of some test's
  // outgoing connection before a daemon binds it. Each test process takes
  // its ports from its own slice (by pid), never the same one twice, so
  // processes running side by side (ctest -j) keep apart.
  constexpr int kFirst = 20000, kSlices = 8, kSlice = 1500;
  static std::mutex mu;
  static std::set<int> given;
  static int next = int(std::random_device{}() % kSlice);
  std::lock_guard lock(mu);
  const int base = kFirst + int(::getpid() % kSlices) * kSlice;
  for (int attempt = 0; attempt < kSlice; ++attempt) {
    int port = base + (next++ % kSlice);
    if (!given.insert(port).second) continue;
    if (PortFree(port)) return port;
  }
  ADD_FAILURE() << "no free port left in " << base << "-" << base + kSlice - 1;
  return 0;
}

TestCluster::TestCluster(int nodes, std::vector<std::string> daemon_flags, bool dashboard)
    : daemon_flags_(std::move(daemon_flags)), dashboard_(dashboard) {
  char tmpl[] = "/tmp/shoal-cluster-test-XXXXXX";
  dir_ = ::mkdtemp(tmpl);
  std::string names;
  for (int i = 0; i < nodes; ++i) {
    names_.push_back("node-" + std::string(1, char('a' + i)));
    node_ids_.push_back(i + 1);
    cert_names_.push_back(names_.back());
    names += " " + Name(i);
    admin_ports_.push_back(FreePort());
    peer_ports_.push_back(FreePort());
    data_ports_.push_back(FreePort());
    dashboard_ports_.push_back(dashboard_ ? FreePort() : 0);
  }
  metrics_port_ = FreePort();
  Shell(std::string(SHOAL_GEN_CERTS) + " " + dir_ + "/certs" + names);
  pids_.assign(nodes, 0);
  for (int i = 0; i < nodes; ++i) Start(i);
}

void TestCluster::MintCertificate(const std::string& name) const {
  // gen-certs keeps the existing CA and adds a certificate signed by it.
  Shell(std::string(SHOAL_GEN_CERTS) + " " + dir_ + "/certs " + name);
}

int TestCluster::StartExtra(const std::string& name, int node_id, const std::string& cert_name) {
  MintCertificate(cert_name);
  names_.push_back(name);
  node_ids_.push_back(node_id);
  cert_names_.push_back(cert_name);
  admin_ports_.push_back(FreePort());
  peer_ports_.push_back(FreePort());
  data_ports_.push_back(FreePort());
  dashboard_ports_.push_back(dashboard_ ? FreePort() : 0);
  pids_.push_back(0);
  int i = int(pids_.size()) - 1;
  Start(i);
  return i;
}

TestCluster::~TestCluster() {
  for (pid_t pid : pids_) {
    if (pid > 0) ::kill(pid, SIGTERM);
  }
  for (pid_t& pid : pids_) {
    if (pid <= 0) continue;
    // At most 10 s for a clean stop, then SIGKILL.
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid, nullptr, WNOHANG) == pid) {
        pid = 0;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  Shell("rm -rf " + dir_);
}

std::string TestCluster::log(int i) const {
  return dir_ + "/" + std::to_string(i) + "-" + Name(i) + ".log";
}

void TestCluster::Start(int i) {
  std::vector<std::string> args = {SHOALD_BIN,
                                   "--node-name",
                                   Name(i),
                                   "--node-id",
                                   std::to_string(node_ids_[i]),
                                   "--admin-listen",
                                   "127.0.0.1:" + std::to_string(admin_ports_[i]),
                                   "--peer-listen",
                                   "127.0.0.1:" + std::to_string(peer_ports_[i]),
                                   "--data-listen",
                                   data_address(i),
                                   "--data-dir",
                                   dir_ + "/" + std::to_string(i) + "-" + Name(i),
                                   "--tls-cert",
                                   cert(cert_names_[i]),
                                   "--tls-key",
                                   key(cert_names_[i]),
                                   "--tls-ca",
                                   ca(),
                                   "--token-file",
                                   token_file(),
                                   "--heartbeat-ms",
                                   std::to_string(kHeartbeatMs),
                                   "--suspect-ms",
                                   std::to_string(kSuspectMs),
                                   "--dead-ms",
                                   std::to_string(kDeadMs),
                                   "--log-level",
                                   "debug"};
  if (i == 0) {
    args.push_back("--metrics-listen");
    args.push_back("127.0.0.1:" + std::to_string(metrics_port_));
  }
  if (dashboard_) {
    args.push_back("--dashboard-listen");
    args.push_back("127.0.0.1:" + std::to_string(dashboard_ports_[i]));
  }
  args.insert(args.end(), daemon_flags_.begin(), daemon_flags_.end());
  if (size_t(i) < node_flags_.size()) {
    args.insert(args.end(), node_flags_[i].begin(), node_flags_[i].end());
  }
  for (size_t p = 0; p < peer_ports_.size(); ++p) {
    if (int(p) == i) continue;
    args.push_back("--peer");
    args.push_back("127.0.0.1:" + std::to_string(peer_ports_[p]));
  }
  // Everything the child needs is made before the fork: this process has
  // threads, and a child that allocates may wait forever for a malloc lock
  // another thread held at the fork (a relaunch that never started hung the
  // long fault run that way).
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log_path = log(i);
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pids_[i] = pid;
}

void TestCluster::SetNodeFlags(int i, std::vector<std::string> flags) {
  if (node_flags_.size() <= size_t(i)) node_flags_.resize(i + 1);
  node_flags_[i] = std::move(flags);
}

bool TestCluster::Alive(int i) {
  if (pids_[i] <= 0) return false;
  if (::waitpid(pids_[i], nullptr, WNOHANG) != pids_[i]) return true;
  pids_[i] = 0;
  return false;
}

void TestCluster::Signal(int i, int signal) {
  if (pids_[i] > 0) ::kill(pids_[i], signal);
}

void TestCluster::Kill9(int i) {
  if (pids_[i] <= 0) return;
  ::kill(pids_[i], SIGKILL);
  ::waitpid(pids_[i], nullptr, 0);
  pids_[i] = 0;
}

std::string TestCluster::ConnectionFlags(int i) const {
  return " --endpoint " + admin_address(i) + " --ca " + ca() + " --token-file " + token_file();
}

uint64_t TestCluster::StartOn(const std::string& node, const std::string& what) const {
  Ran r = Shoal("run --on " + node + " " + what);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  unsigned long long pid = 0;
  if (std::sscanf(r.output.c_str(), "started %llu", &pid) != 1) return 0;
  return pid;
}

std::string TestCluster::Logs(uint64_t pid) const {
  return Shoal("logs " + std::to_string(pid)).output;
}

Ran TestCluster::Shoal(const std::string& args) const { return ShoalAt(0, args); }

Ran TestCluster::ShoalAt(int i, const std::string& args) const {
  // Right after the subcommand: everything after `run`'s module is the
  // program's.
  size_t space = args.find(' ');
  std::string sub = args.substr(0, space);
  std::string rest = space == std::string::npos ? "" : args.substr(space);
  // Bounded: a CLI that hangs fails its test (exit 124) instead of stalling it.
  return Shell("timeout 150 " + std::string(SHOAL_BIN) + " " + sub + ConnectionFlags(i) + rest);
}

bool TestCluster::WaitAllUp() {
  // At most 30 s: daemons start in well under a second on an idle machine.
  for (int i = 0; i < 300; ++i) {
    Ran r = Shoal("nodes -o json");
    size_t up = 0;
    for (size_t at = 0; (at = r.output.find("NODE_STATE_UP", at)) != std::string::npos; ++at) ++up;
    if (r.exit_code == 0 && up == pids_.size()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

bool TestCluster::WaitNodeState(const std::string& name, const std::string& state) {
  for (int i = 0; i < 300; ++i) {
    Ran r = Shoal("nodes -o json");
    size_t at = r.output.find("\"name\":\"" + name + "\"");
    if (at != std::string::npos) {
      size_t end = r.output.find('}', at);
      if (r.output.substr(at, end - at).find(state) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

}  // namespace shoal::testing
