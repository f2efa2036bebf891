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
  PendingCall call_;  // A local directory answers at once: nothing is ever left in it.
  std::shared_ptr<HostDirectory> dir_;
};

TEST_F(HostDirectoryTest, OpenHostFailsForMissingDirectory) {
  EXPECT_EQ(HostDirectory::OpenHost(tmp_.Join("nope")).error(), Errno::kNoent);
}

TEST_F(HostDirectoryTest, CreatesWritesAndStatsAFile) {
  OpenRequest req;
  req.oflags = kOflagCreat;
  req.write = true;
  auto file = dir_->Open(call_, "new.txt", req);
  ASSERT_TRUE(file.ok());
  std::string text = "12345";
  auto n = file.value()->Write(call_, {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.value(), 5u);
  auto st = dir_->StatPath(call_, "new.txt", true);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().size, 5u);
  EXPECT_EQ(st.value().type, Filetype::kRegularFile);
  EXPECT_TRUE(fs::exists(tmp_.Join("root/new.txt")));
}

TEST_F(HostDirectoryTest, OpeningADirectoryGivesAHostDirectory) {
  ASSERT_EQ(dir_->CreateDirectory(call_, "d"), Errno::kSuccess);
  auto d = dir_->Open(call_, "d", OpenRequest{kOflagDirectory, 0, true, false, true});
  ASSERT_TRUE(d.ok());
  EXPECT_NE(d.value()->AsDirectory(), nullptr);
  EXPECT_EQ(d.value()->type(), Filetype::kDirectory);
}

TEST_F(HostDirectoryTest, MkdirRenameUnlinkRmdir) {
  EXPECT_EQ(dir_->CreateDirectory(call_, "a"), Errno::kSuccess);
  EXPECT_EQ(dir_->CreateDirectory(call_, "a"), Errno::kExist);
  std::ofstream(tmp_.Join("root/a/f")) << "x";
  EXPECT_EQ(dir_->RemoveDirectory(call_, "a"), Errno::kNotempty);
  EXPECT_EQ(dir_->Rename(call_, "a/f", *dir_, "a/g"), Errno::kSuccess);
  EXPECT_TRUE(fs::exists(tmp_.Join("root/a/g")));
  EXPECT_EQ(dir_->UnlinkFile(call_, "a"), Errno::kIsdir);
  EXPECT_EQ(dir_->UnlinkFile(call_, "a/g"), Errno::kSuccess);
  EXPECT_EQ(dir_->UnlinkFile(call_, "a/g"), Errno::kNoent);
  EXPECT_EQ(dir_->RemoveDirectory(call_, "a"), Errno::kSuccess);
  EXPECT_FALSE(fs::exists(tmp_.Join("root/a")));
}

TEST_F(HostDirectoryTest, EntriesListsWhatIsThere) {
  std::ofstream(tmp_.Join("root/one")) << "1";
  ASSERT_EQ(dir_->CreateDirectory(call_, "two"), Errno::kSuccess);
  auto entries = dir_->Entries(call_, true);
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> names;
  for (const DirEntry& e : *entries.value()) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "one", "two"}));
}

TEST_F(HostDirectoryTest, NoPathOperationReachesOutside) {
  fs::create_symlink(tmp_.Join("outside.txt"), tmp_.Join("root/link"));
  OpenRequest create{kOflagCreat, 0, false, true, true};
  EXPECT_EQ(dir_->Open(call_, "../evil.txt", create).error(), Errno::kNotcapable);
  EXPECT_EQ(dir_->Open(call_, "/etc/passwd", OpenRequest{}).error(), Errno::kNotcapable);
  EXPECT_FALSE(dir_->Open(call_, "link", OpenRequest{}).ok());
  EXPECT_FALSE(dir_->StatPath(call_, "link", /*follow=*/true).ok());
  EXPECT_EQ(dir_->CreateDirectory(call_, "../evil_dir"), Errno::kNotcapable);
  EXPECT_EQ(dir_->UnlinkFile(call_, "../outside.txt"), Errno::kNotcapable);
  EXPECT_EQ(dir_->Rename(call_, "link", *dir_, "../moved"), Errno::kNotcapable);
  EXPECT_EQ(dir_->RemoveDirectory(call_, "."), Errno::kBusy);
  EXPECT_FALSE(fs::exists(tmp_.Join("evil.txt")));
  EXPECT_FALSE(fs::exists(tmp_.Join("evil_dir")));
  EXPECT_TRUE(fs::exists(tmp_.Join("outside.txt")));
}

TEST_F(HostDirectoryTest, StatWithoutFollowSeesTheLinkItself) {
  fs::create_symlink(tmp_.Join("outside.txt"), tmp_.Join("root/link"));
  auto st = dir_->StatPath(call_, "link", /*follow=*/false);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value().type, Filetype::kSymbolicLink);
}

TEST_F(HostDirectoryTest, ASymlinkIsMadeAndReadButFollowedOnlyBeneath) {
  ASSERT_EQ(dir_->Symlink(call_, "../outside.txt", "out"), Errno::kSuccess);
  ASSERT_EQ(dir_->Symlink(call_, "target.txt", "in"), Errno::kSuccess);
  std::ofstream(tmp_.Join("root/target.txt")) << "inside";
  auto target = dir_->ReadLink(call_, "out");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target.value(), "../outside.txt");
  EXPECT_EQ(dir_->Open(call_, "out", OpenRequest{}).error(), Errno::kNotcapable);
  auto in = dir_->StatPath(call_, "in", /*follow=*/true);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in.value().size, 6u);
  EXPECT_EQ(dir_->Symlink(call_, "x", "../escape"), Errno::kNotcapable);
  EXPECT_EQ(dir_->ReadLink(call_, "target.txt").error(), Errno::kInval);
  EXPECT_FALSE(call_.live());
}

}  // namespace
}  // namespace shoal::wasi
