// The dashboard in a real browser against a real 3-node cluster: runs
// e2e.mjs (playwright-core driving Debian's Chromium) and checks that every
// step passed and left its screenshot (build/dashboard-screenshots/).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/cluster/cluster_fixture.h"

namespace shoal::testing {
namespace {

TEST(DashboardBrowserTest, AnOperatorLogsInRunsFollowsMovesAndKillsAnAppAndWatchesACamera) {
  TestCluster cluster(3, {"--workers", "1", "--device", "/dev/video0=synthetic-camera"},
                      /*dashboard=*/true);
  ASSERT_TRUE(cluster.WaitAllUp()) << Shell("tail -n 20 " + cluster.log(0)).output;

  const std::string shots = SHOAL_SCREENSHOTS_DIR;
  std::filesystem::remove_all(shots);
  // Each browser step waits at most 30 s; the whole run at most 240 s.
  Ran e2e = Shell("timeout 240 node " SHOAL_E2E_SCRIPT " --url " + cluster.dashboard_url(0) +
                  " --token-file " + cluster.token_file() + " --cert " + cluster.cert("node-a") +
                  " --wasm " SHOAL_APPS_DIR "/life.wasm --shots " + shots + " 2>&1");
  EXPECT_EQ(e2e.exit_code, 0) << e2e.output << "\nscreenshots in " << shots;
  EXPECT_NE(e2e.output.find("e2e: passed"), std::string::npos) << e2e.output;
  for (const char* shot : {"01-login-refused", "02-overview", "03-running", "04-migrated-picker",
                           "05-migrated-drag", "06-killed", "07-camera", "08-mounted"}) {
    std::string path = shots + "/" + shot + ".png";
    EXPECT_TRUE(std::filesystem::exists(path)) << path;
    if (std::filesystem::exists(path)) {
      EXPECT_GT(std::filesystem::file_size(path), 10000u) << path;
    }
  }
}

}  // namespace
}  // namespace shoal::testing
