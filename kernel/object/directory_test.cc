// The local Directory's links and trailing slashes beneath its root: hard
// links and symlinks are made inside, a link may hold any target, and
// following one never reaches a file outside the root, with openat2 and with
// the component-walk fallback (path_beneath.h).
#include "kernel/object/directory.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "kernel/base/temp_dir.h"
#include "kernel/object/path_beneath.h"

namespace shoal::kernel {
namespace {

namespace fs = std::filesystem;
using shoal::testing::TempDir;

constexpr Rights kAll = Rights::kRead | Rights::kWrite;

OpenOptions Read() {
  OpenOptions o;
  o.read = true;
  return o;
}

// A root with a file and a subdirectory inside, and a secret beside it.
class DirectoryLinkTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    SetForceOpenatFallbackForTesting(GetParam());
    fs::create_directories(tmp_.Join("root/sub"));
    std::ofstream(tmp_.Join("root/file")) << "inside";
    std::ofstream(tmp_.Join("secret")) << "secret";
    auto root = Directory::OpenRoot(tmp_.Join("root"), InlineFileIo::Shared());
    ASSERT_TRUE(root.ok());
    root_ = *root;
  }
  void TearDown() override { SetForceOpenatFallbackForTesting(false); }

  int OpenError(const std::string& path, OpenOptions options = Read()) {
    auto opened = root_->Open(path, options, kAll, kAll);
    return opened.ok() ? 0 : opened.error();
  }
  std::string ReadAll(const std::string& path) {
    auto opened = root_->Open(path, Read(), kAll, kAll);
    if (!opened.ok()) return "errno " + std::to_string(opened.error());
    auto file = std::static_pointer_cast<FileOps>(opened->object);
    auto bytes = file->Read(0, 64);
    return bytes.ok() ? std::string(bytes->begin(), bytes->end()) : "read failed";
  }

  uint64_t SecretIno() {
    struct stat st;
    return ::stat(tmp_.Join("secret").c_str(), &st) == 0 ? st.st_ino : 0;
  }

  TempDir tmp_;
  Ref<Directory> root_;
};

TEST_P(DirectoryLinkTest, HardLinkSharesTheFileInsideTheRoot) {
  ASSERT_TRUE(root_->HardLink("file", *root_, "sub/again").ok());
  EXPECT_EQ(ReadAll("sub/again"), "inside");
  struct stat st;
  ASSERT_EQ(::stat(tmp_.Join("root/file").c_str(), &st), 0);
  EXPECT_EQ(st.st_nlink, 2u);
}

TEST_P(DirectoryLinkTest, HardLinkErrorsAreThoseOfPosix) {
  EXPECT_EQ(root_->HardLink("file", *root_, "file").error(), EEXIST);
  EXPECT_EQ(root_->HardLink("sub", *root_, "dirlink").error(), EPERM);
  EXPECT_EQ(root_->HardLink(".", *root_, "dirlink").error(), EPERM);
  EXPECT_EQ(root_->HardLink("file", *root_, "new/").error(), ENOENT);
  EXPECT_EQ(root_->HardLink("missing", *root_, "new").error(), ENOENT);
}

TEST_P(DirectoryLinkTest, HardLinkPathsCannotLeaveTheRoot) {
  EXPECT_EQ(root_->HardLink("../secret", *root_, "stolen").error(), kErrnoNotCapable);
  EXPECT_EQ(root_->HardLink("/etc/passwd", *root_, "stolen").error(), kErrnoNotCapable);
  EXPECT_EQ(root_->HardLink("file", *root_, "../planted").error(), kErrnoNotCapable);
  EXPECT_EQ(root_->HardLink("file", *root_, "sub/../../planted").error(), kErrnoNotCapable);
  EXPECT_FALSE(fs::exists(tmp_.Join("planted")));
  EXPECT_FALSE(fs::exists(tmp_.Join("root/stolen")));
}

// linkat without AT_SYMLINK_FOLLOW links the symlink itself, so a hard link
// to a symlink pointing out is another symlink pointing out: following it
// still fails.
TEST_P(DirectoryLinkTest, HardLinkToAnEscapingSymlinkStillLeadsNowhere) {
  ASSERT_TRUE(root_->Symlink("../secret", "out").ok());
  ASSERT_TRUE(root_->HardLink("out", *root_, "out2").ok());
  EXPECT_EQ(root_->ReadLink("out2").value(), "../secret");
  EXPECT_NE(OpenError("out2"), 0);
  EXPECT_NE(ReadAll("out2"), "secret");
}

TEST_P(DirectoryLinkTest, SymlinksPointingOutAreStoredButNeverFollowedOut) {
  ASSERT_TRUE(root_->Symlink(tmp_.Join("secret"), "abs").ok());
  ASSERT_TRUE(root_->Symlink("../secret", "up").ok());
  ASSERT_TRUE(root_->Symlink("../../../../../../../../secret", "far").ok());
  ASSERT_TRUE(root_->Symlink("sub/../../secret", "chain").ok());
  ASSERT_TRUE(root_->Symlink("up", "to_up").ok());  // A link to a link out.
  ASSERT_TRUE(root_->Symlink("..", "sub/parent").ok());
  for (const char* name : {"abs", "up", "far", "chain", "to_up", "sub/parent/secret"}) {
    EXPECT_NE(OpenError(name), 0) << name;
    EXPECT_NE(ReadAll(name), "secret") << name;
    // The fallback walk stats the link itself rather than follow it.
    auto attr = root_->StatAt(name, /*follow=*/true);
    EXPECT_TRUE(!attr.ok() || attr->ino != SecretIno()) << name;
  }
}

// One openat2 call resolves the whole path, so swapping a link's target
// after a caller looked at it changes what the open resolves, never where
// the resolution may go.
TEST_P(DirectoryLinkTest, ALinkReplacedAfterTheCheckIsStillResolvedBeneath) {
  ASSERT_TRUE(root_->Symlink("file", "swap").ok());
  ASSERT_TRUE(root_->StatAt("swap", /*follow=*/false).ok());  // The check.
  ASSERT_TRUE(root_->Unlink("swap", false).ok());
  ASSERT_TRUE(root_->Symlink("../secret", "swap").ok());
  EXPECT_NE(OpenError("swap"), 0);  // The use.
  EXPECT_NE(ReadAll("swap"), "secret");
}

TEST_P(DirectoryLinkTest, SymlinkWithATrailingSlashFollowsPosix) {
  EXPECT_EQ(root_->Symlink("file", "new/").error(), ENOENT);
  EXPECT_EQ(root_->Symlink("file", "sub/").error(), EEXIST);
  EXPECT_EQ(root_->Symlink("file", "sub").error(), EEXIST);
  EXPECT_EQ(root_->Symlink("x", "file").error(), EEXIST);
  EXPECT_FALSE(fs::exists(fs::symlink_status(tmp_.Join("root/new"))));
}

TEST_P(DirectoryLinkTest, TrailingSlashNamesOnlyADirectory) {
  EXPECT_EQ(OpenError("file/"), ENOTDIR);
  EXPECT_EQ(OpenError("file///"), ENOTDIR);
  EXPECT_EQ(OpenError("sub/"), 0);
  EXPECT_EQ(OpenError("sub/."), 0);
  EXPECT_EQ(root_->StatAt("file/", true).error(), ENOTDIR);
  OpenOptions create = Read();
  create.create = true;
  EXPECT_EQ(OpenError("made/", create), EISDIR);
  EXPECT_FALSE(fs::exists(tmp_.Join("root/made")));
}

TEST_P(DirectoryLinkTest, OpeningADirectoryForWritingIsEisdir) {
  OpenOptions write = Read();
  write.write = true;
  write.directory = true;
  EXPECT_EQ(OpenError(".", write), EISDIR);
  EXPECT_EQ(OpenError("sub", write), EISDIR);
}

INSTANTIATE_TEST_SUITE_P(Openat2AndFallback, DirectoryLinkTest, ::testing::Bool());

}  // namespace
}  // namespace shoal::kernel
