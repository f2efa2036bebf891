// The dashboard's server side against real daemons: its login guards
// everything but the login page, and its bridge carries Admin calls as JSON
// (unary answers with their errors, streams as NDJSON) over HTTPS with the
// node certificate. The page itself is tested in a browser
// (tests/dashboard/).
#include <gtest/gtest.h>
#include <kj/encoding.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <optional>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/cluster/cluster_fixture.h"
#include "tests/cluster/https_client.h"

namespace shoal::testing {
namespace {

const std::string kApps = SHOAL_APPS_DIR;
const std::string kApi = "/api/shoal.admin.v1.Admin/";

int PortOf(const std::string& url) {
  size_t colon = url.rfind(':');
  return std::stoi(url.substr(colon + 1));
}

std::string Base64File(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  std::string data = bytes.str();
  return kj::encodeBase64(kj::arrayPtr(reinterpret_cast<const kj::byte*>(data.data()), data.size()))
      .cStr();
}

// The JSON objects of an NDJSON body, keep-alive lines skipped.
std::vector<nlohmann::json> Lines(const std::string& body) {
  std::vector<nlohmann::json> out;
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    out.push_back(nlohmann::json::parse(line, nullptr, false));
  }
  return out;
}

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/shoal-dashboard-files-XXXXXX";
    files_ = ::mkdtemp(tmpl);
    Write("index.html", "<!doctype html><title>cluster</title>INDEX");
    Write("login.html", "<!doctype html><title>login</title>LOGIN");
    Write("app.js", "console.log('app');");
    cluster_ = std::make_unique<TestCluster>(
        2,
        std::vector<std::string>{"--workers", "1", "--dashboard-dir", files_, "--device",
                                 "/dev/video0=synthetic-camera"},
        true);
    ASSERT_TRUE(cluster_->WaitAllUp()) << Shell("tail -n 20 " + cluster_->log(0)).output;
    token_ = ReadFile(cluster_->token_file());
    token_ = token_.substr(0, token_.find('\n'));
    client_ = std::make_unique<HttpsClient>(PortOf(cluster_->dashboard_url(0)), cluster_->ca());
  }
  void TearDown() override {
    cluster_.reset();
    std::filesystem::remove_all(files_);
  }

  void Write(const std::string& name, const std::string& text) {
    std::ofstream(files_ + "/" + name) << text;
  }
  HttpsClient::Headers Bearer() const { return {{"Authorization", "Bearer " + token_}}; }
  HttpReply Call(const std::string& method, const std::string& json) {
    return client_->Post(kApi + method, json, Bearer());
  }

  std::string files_;
  std::string token_;
  std::unique_ptr<TestCluster> cluster_;
  std::unique_ptr<HttpsClient> client_;
};

TEST_F(DashboardTest, OnlyTheLoginPageIsServedWithoutTheToken) {
  HttpReply login = client_->Get("/login");
  ASSERT_EQ(login.error, "");
  EXPECT_EQ(login.status, 200);
  EXPECT_NE(login.body.find("LOGIN"), std::string::npos);

  HttpReply page = client_->Get("/");
  EXPECT_EQ(page.status, 302);
  EXPECT_EQ(page.location, "/login");
  EXPECT_EQ(page.body.find("INDEX"), std::string::npos);
  EXPECT_EQ(client_->Get("/app.js").status, 302);

  HttpReply api = client_->Post(kApi + "ListNodes", "{}");
  EXPECT_EQ(api.status, 401);
  EXPECT_NE(api.body.find("UNAUTHENTICATED"), std::string::npos) << api.body;

  HttpReply wrong = client_->Post("/login", R"({"token": "not-the-token"})");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.set_cookie, "");
  EXPECT_EQ(client_->Post(kApi + "ListNodes", "{}", {{"Cookie", "shoal_token=not-the-token"}}).status,
            401);

  HttpReply right = client_->Post("/login", nlohmann::json{{"token", token_}}.dump());
  EXPECT_EQ(right.status, 204);
  EXPECT_NE(right.set_cookie.find("shoal_token=" + token_), std::string::npos);
  EXPECT_NE(right.set_cookie.find("HttpOnly"), std::string::npos);
  EXPECT_NE(right.set_cookie.find("Secure"), std::string::npos);
  EXPECT_NE(right.set_cookie.find("SameSite=Strict"), std::string::npos);

  HttpsClient::Headers cookie = {{"Cookie", "theme=dark; shoal_token=" + token_}};
  HttpReply index = client_->Get("/", cookie);
  EXPECT_EQ(index.status, 200);
  EXPECT_NE(index.body.find("INDEX"), std::string::npos);
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  HttpReply script = client_->Get("/app.js?v=1", cookie);
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(client_->Post(kApi + "ListNodes", "{}", cookie).status, 200);

  // Nothing outside the directory, hidden, or missing.
  std::filesystem::create_directories(files_ + "/sub");
  Write(".secret", "SECRET");
  for (const char* path : {"/../index.html", "/%2e%2e/index.html", "/.secret", "/sub/", "/nope.js",
                           "/sub//x"}) {
    HttpReply r = client_->Get(path, cookie);
    EXPECT_EQ(r.status, 404) << path;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << path;
  }

  HttpReply logout = client_->Post("/logout", "");
  EXPECT_EQ(logout.status, 204);
  EXPECT_NE(logout.set_cookie.find("Max-Age=0"), std::string::npos);
}

TEST_F(DashboardTest, UnaryCallsAnswerJsonAndTheirErrorsKeepTheirCodes) {
  HttpReply nodes = Call("ListNodes", "{}");
  ASSERT_EQ(nodes.status, 200) << nodes.error << nodes.body;
  EXPECT_EQ(nodes.content_type, "application/json");
  nlohmann::json listed = nlohmann::json::parse(nodes.body);
  ASSERT_EQ(listed["nodes"].size(), 2u) << nodes.body;
  for (const auto& node : listed["nodes"]) {
    EXPECT_EQ(node["state"], "NODE_STATE_UP") << node;
    // Zero values are printed, so the page need not guess them.
    EXPECT_TRUE(node.contains("processes")) << node;
    // Its load, as its heartbeats carry it (--workers 1).
    EXPECT_EQ(node["load"]["workers"], 1) << node;
    uint64_t resident = std::stoull(node["load"]["memoryBytes"].get<std::string>());
    uint64_t total = std::stoull(node["load"]["memoryTotalBytes"].get<std::string>());
    EXPECT_GT(resident, 1u << 20) << node;
    EXPECT_GT(total, resident) << node;
  }
  HttpReply empty_body = Call("ListNodes", "");
  EXPECT_EQ(empty_body.status, 200);

  HttpReply unknown_node = Call("GetNode", R"({"name": "node-z"})");
  EXPECT_EQ(unknown_node.status, 404);
  nlohmann::json error = nlohmann::json::parse(unknown_node.body);
  EXPECT_EQ(error["status"], "NOT_FOUND");
  EXPECT_EQ(error["code"], 5);
  EXPECT_NE(error["message"].get<std::string>().find("node-z"), std::string::npos) << error;

  HttpReply not_json = Call("Kill", "{pid: 1");
  EXPECT_EQ(not_json.status, 400);
  EXPECT_NE(not_json.body.find("shoal.admin.v1.KillRequest"), std::string::npos) << not_json.body;
  HttpReply typo = Call("Kill", R"({"pdi": "12"})");
  EXPECT_EQ(typo.status, 400);
  EXPECT_NE(typo.body.find("pdi"), std::string::npos) << typo.body;

  HttpReply no_method = Call("Reboot", "{}");
  EXPECT_EQ(no_method.status, 404);
  EXPECT_NE(no_method.body.find("Reboot"), std::string::npos);
  HttpReply restore = Call("Restore", "{}");
  EXPECT_EQ(restore.status, 501);
  EXPECT_NE(restore.body.find("shoal CLI"), std::string::npos) << restore.body;

  HttpsClient::Headers text = Bearer();
  text.push_back({"Content-Type", "text/plain"});
  EXPECT_EQ(client_->Post(kApi + "ListNodes", "{}", text).status, 415);
  EXPECT_EQ(client_->Get(kApi + "ListNodes", Bearer()).status, 405);
  HttpReply wrong_bearer =
      client_->Post(kApi + "ListNodes", "{}", {{"Authorization", "Bearer nope"}});
  EXPECT_EQ(wrong_bearer.status, 401);
}

TEST_F(DashboardTest, AProcessIsStartedFollowedMovedAndKilledThroughTheBridge) {
  // From the start of the event log: the start is in it whenever it came.
  std::string watch_body;
  // Joined however the test ends (an ASSERT returns early); bounded below.
  struct Joined : std::thread {
    using std::thread::thread;
    ~Joined() {
      if (joinable()) join();
    }
  };
  Joined watcher([&] {
    HttpReply r = client_->PostStream(
        kApi + "Watch", R"({"afterSeq": "0"})", Bearer(),
        [](const std::string& body) { return body.find("KIND_PROCESS_MOVED") != std::string::npos; },
        std::chrono::seconds(60));
    watch_body = r.body;
  });

  nlohmann::json spawn = {{"node", "node-a"},
                          {"moduleBytes", Base64File(kApps + "/life.wasm")},
                          {"args", {"life", "200000", "400", "24"}}};
  HttpReply spawned = Call("Spawn", spawn.dump());
  ASSERT_EQ(spawned.status, 200) << spawned.error << spawned.body;
  nlohmann::json started = nlohmann::json::parse(spawned.body);
  std::string pid = started["pid"];  // uint64 travels as a string.
  EXPECT_EQ(started["node"], "node-a");

  // A busy process shows in its node's CPU, over the next heartbeats.
  EXPECT_TRUE(WaitUntil(
      [&] {
        HttpReply node = Call("GetNode", R"({"name": "node-a"})");
        return node.status == 200 &&
               nlohmann::json::parse(node.body)["load"]["cpuPermille"].get<int>() > 100;
      },
      std::chrono::seconds(15)));

  HttpReply logs = client_->PostStream(
      kApi + "Logs", nlohmann::json{{"pid", pid}, {"follow", true}}.dump(), Bearer(),
      [](const std::string& body) { return Lines(body).size() >= 2; }, std::chrono::seconds(60));
  ASSERT_EQ(logs.status, 200) << logs.error << logs.body;
  EXPECT_EQ(logs.content_type, "application/x-ndjson");
  std::vector<nlohmann::json> chunks = Lines(logs.body);
  ASSERT_GE(chunks.size(), 2u) << logs.body;
  std::string output;
  for (const auto& chunk : chunks) {
    ASSERT_TRUE(chunk.contains("result")) << chunk;
    std::string data = chunk["result"]["data"];
    kj::Array<kj::byte> bytes = kj::decodeBase64(kj::StringPtr(data.c_str()));
    output.append(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
  }
  EXPECT_NE(output.find("gen "), std::string::npos) << output;

  HttpReply moved = client_->PostStream(
      kApi + "Migrate", nlohmann::json{{"pid", pid}, {"toNode", "node-b"}}.dump(), Bearer(),
      [](const std::string&) { return false; }, std::chrono::seconds(90));
  ASSERT_EQ(moved.status, 200) << moved.error << moved.body;
  std::vector<nlohmann::json> stages = Lines(moved.body);
  ASSERT_FALSE(stages.empty());
  const nlohmann::json& last = stages.back();
  ASSERT_TRUE(last.contains("result")) << moved.body;
  EXPECT_EQ(last["result"]["stage"], "STAGE_COMMITTED") << moved.body;
  EXPECT_EQ(last["result"]["summary"]["toNode"], "node-b");

  HttpReply listed = Call("ListProcesses", "{}");
  ASSERT_EQ(listed.status, 200);
  bool on_b = false;
  nlohmann::json processes = nlohmann::json::parse(listed.body)["processes"];
  for (const auto& p : processes) {
    if (p["pid"] != pid) continue;
    on_b = p["node"] == "node-b" && p["moves"] == 1;
    // Its linear memory, as the node running it sees it after a step.
    EXPECT_GE(std::stoull(p["memoryBytes"].get<std::string>()), 65536u) << p;
  }
  EXPECT_TRUE(on_b) << listed.body;

  // A stream that fails says why in its last line.
  HttpReply again = client_->PostStream(
      kApi + "Migrate", nlohmann::json{{"pid", pid}, {"toNode", "node-z"}}.dump(), Bearer(),
      [](const std::string&) { return false; }, std::chrono::seconds(30));
  EXPECT_EQ(again.status, 200) << again.body;
  std::vector<nlohmann::json> refused = Lines(again.body);
  ASSERT_EQ(refused.size(), 1u) << again.body;
  EXPECT_EQ(refused[0]["error"]["status"], "NOT_FOUND") << again.body;
  EXPECT_NE(refused[0]["error"]["message"].get<std::string>().find("node-z"), std::string::npos);

  HttpReply killed = Call("Kill", nlohmann::json{{"pid", pid}}.dump());
  EXPECT_EQ(killed.status, 200) << killed.body;
  HttpReply waited = Call("Wait", nlohmann::json{{"pid", pid}}.dump());
  ASSERT_EQ(waited.status, 200) << waited.body;
  EXPECT_EQ(nlohmann::json::parse(waited.body)["exit"]["kind"], "EXIT_KIND_KILLED");

  watcher.join();
  EXPECT_NE(watch_body.find("KIND_PROCESS_STARTED"), std::string::npos) << watch_body;
  EXPECT_NE(watch_body.find("KIND_PROCESS_MOVED"), std::string::npos) << watch_body;
  EXPECT_NE(watch_body.find(pid), std::string::npos);
}

TEST_F(DashboardTest, CameraPreviewsStreamFramesOfThisNodeAndOfAnother) {
  for (const std::string node : {"node-a", "node-b"}) {
    nlohmann::json request = {
        {"node", node}, {"path", "/dev/video0"}, {"mode", "yuyv 320x240 30/1"}, {"maxFps", 10},
        {"count", 3}};
    HttpReply frames = client_->PostStream(
        kApi + "WatchCamera", request.dump(), Bearer(), [](const std::string&) { return false; },
        std::chrono::seconds(30));
    ASSERT_EQ(frames.status, 200) << frames.error << frames.body.substr(0, 500);
    std::vector<nlohmann::json> lines = Lines(frames.body);
    ASSERT_EQ(lines.size(), 3u) << node << ": " << frames.body.substr(0, 500);
    std::optional<uint64_t> previous;
    for (const auto& line : lines) {
      ASSERT_TRUE(line.contains("result")) << line.dump().substr(0, 300);
      const auto& frame = line["result"];
      EXPECT_EQ(frame["mode"], "yuyv 320x240 30/1");
      EXPECT_EQ(frame["width"], 320);
      std::string data = frame["data"];
      EXPECT_EQ(kj::decodeBase64(kj::StringPtr(data.c_str())).size(), 320u * 240u * 2u);
      uint64_t sequence = std::stoull(frame["sequence"].get<std::string>());
      if (previous) {
        EXPECT_GT(sequence, *previous) << node;
      }
      previous = sequence;
    }
  }
  HttpReply missing = client_->PostStream(
      kApi + "WatchCamera", R"({"path": "/dev/video9"})", Bearer(),
      [](const std::string&) { return false; }, std::chrono::seconds(30));
  EXPECT_NE(missing.body.find("NOT_FOUND"), std::string::npos) << missing.body;
  HttpReply not_camera = client_->PostStream(
      kApi + "WatchCamera", R"({"node": "node-b", "path": "/dev/null"})", Bearer(),
      [](const std::string&) { return false; }, std::chrono::seconds(30));
  EXPECT_NE(not_camera.body.find("FAILED_PRECONDITION"), std::string::npos) << not_camera.body;
  EXPECT_NE(not_camera.body.find("not a camera"), std::string::npos) << not_camera.body;
}

TEST_F(DashboardTest, ADaemonStopsCleanlyWhileAPageFollowsItsEvents) {
  std::atomic<bool> open{false};
  HttpReply watch;
  std::thread watcher([&] {
    watch = client_->PostStream(
        kApi + "Watch", "{}", Bearer(),
        [&](const std::string&) {
          open = true;  // Headers came: the stream is open.
          return false;
        },
        std::chrono::seconds(30));
  });
  EXPECT_TRUE(WaitUntil([&] { return open.load(); }, std::chrono::seconds(10)));
  cluster_->Signal(0, SIGTERM);
  // The open stream does not hold the stop up (TestCluster would SIGKILL
  // after 10 s).
  EXPECT_TRUE(WaitUntil([&] { return !cluster_->Alive(0); }, std::chrono::seconds(8)));
  watcher.join();
  EXPECT_EQ(watch.status, 200);
  EXPECT_NE(ReadFile(cluster_->log(0)).find("msg=\"stopped\""), std::string::npos)
      << Shell("tail -n 20 " + cluster_->log(0)).output;
}

}  // namespace
}  // namespace shoal::testing
