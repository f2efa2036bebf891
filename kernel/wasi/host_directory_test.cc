#include "kernel/wasi/host_directory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "kernel/wasi/test_support.h"

namespace shoal::wasi {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

class HostDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(tmp_.Join("root"));
    std::ofstream(tmp_.Join("outside.txt")) << "outside";
    auto dir = HostDirectory::OpenHost(tmp_.Join("root"));
    ASSERT_TRUE(dir.ok());
    dir_ = std::move(dir).value();
  }
  TempDir tmp_;
  std::shared_ptr<HostDirectory> dir_;
};

TEST_F(HostDirectoryTest, OpenHostFailsForMissingDirectory) {
  EXPECT_EQ(HostDirectory::OpenHost(tmp_.Join("nope")).error(), Errno::kNoent);
}

TEST_F(HostDirectoryTest, CreatesWritesAndStatsAFile) {
  OpenRequest req;
  req.oflags = kOflagCreat;
  req.write = true;
  auto file = dir_->Open("new.txt", req);
  ASSERT_TRUE(file.ok());
  std::string text = "12345";
  auto n = file.value()->Write({reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 5u);
  auto st = dir_->StatPath("new.txt", true);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().size, 5u);
  EXPECT_EQ(st.value().type, Filetype::kRegularFile);
  EXPECT_TRUE(fs::exists(tmp_.Join("root/new.txt")));
}

TEST_F(HostDirectoryTest, OpeningADirectoryGivesAHostDirectory) {
  ASSERT_EQ(dir_->CreateDirectory("d"), Errno::kSuccess);
  auto d = dir_->Open("d", OpenRequest{kOflagDirectory, 0, true, false, true});
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d.value()->AsDirectory(), nullptr);
  EXPECT_EQ(d.value()->type(), Filetype::kDirectory);
}

TEST_F(HostDirectoryTest, MkdirRenameUnlinkRmdir) {
  EXPECT_EQ(dir_->CreateDirectory("a"), Errno::kSuccess);
  EXPECT_EQ(dir_->CreateDirectory("a"), Errno::kExist);
  std::ofstream(tmp_.Join("root/a/f")) << "x";
  EXPECT_EQ(dir_->RemoveDirectory("a"), Errno::kNotempty);
  EXPECT_EQ(dir_->Rename("a/f", *dir_, "a/g"), Errno::kSuccess);
  EXPECT_TRUE(fs::exists(tmp_.Join("root/a/g")));
  EXPECT_EQ(dir_->UnlinkFile("a"), Errno::kIsdir);
  EXPECT_EQ(dir_->UnlinkFile("a/g"), Errno::kSuccess);
  EXPECT_EQ(dir_->UnlinkFile("a/g"), Errno::kNoent);
  EXPECT_EQ(dir_->RemoveDirectory("a"), Errno::kSuccess);
  EXPECT_FALSE(fs::exists(tmp_.Join("root/a")));
}

TEST_F(HostDirectoryTest, EntriesListsWhatIsThere) {
  std::ofstream(tmp_.Join("root/one")) << "1";
  ASSERT_EQ(dir_->CreateDirectory("two"), Errno::kSuccess);
  auto entries = dir_->Entries(true);
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> names;
  for (const DirEntry& e : *entries.value()) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "one", "two"}));
}

TEST_F(HostDirectoryTest, NoPathOperationReachesOutside) {
  fs::create_symlink(tmp_.Join("outside.txt"), tmp_.Join("root/link"));
  OpenRequest create{kOflagCreat, 0, false, true, true};
  EXPECT_EQ(dir_->Open("../evil.txt", create).error(), Errno::kNotcapable);
  EXPECT_EQ(dir_->Open("/etc/passwd", OpenRequest{}).error(), Errno::kNotcapable);
  EXPECT_FALSE(dir_->Open("link", OpenRequest{}).ok());
  EXPECT_FALSE(dir_->StatPath("link", /*follow=*/true).ok());
  EXPECT_EQ(dir_->CreateDirectory("../evil_dir"), Errno::kNotcapable);
  EXPECT_EQ(dir_->UnlinkFile("../outside.txt"), Errno::kNotcapable);
  EXPECT_EQ(dir_->Rename("link", *dir_, "../moved"), Errno::kNotcapable);
  EXPECT_EQ(dir_->RemoveDirectory("."), Errno::kBusy);
  EXPECT_FALSE(fs::exists(tmp_.Join("evil.txt")));
  EXPECT_FALSE(fs::exists(tmp_.Join("evil_dir")));
  EXPECT_TRUE(fs::exists(tmp_.Join("outside.txt")));
}

TEST_F(HostDirectoryTest, StatWithoutFollowSeesTheLinkItself) {
  fs::create_symlink(tmp_.Join("outside.txt"), tmp_.Join("root/link"));
  auto st = dir_->StatPath("link", /*follow=*/false);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().type, Filetype::kSymbolicLink);
}

}  // namespace
}  // namespace shoal::wasi
