#include "kernel/object/path_beneath.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kernel/base/temp_dir.h"

namespace shoal::kernel {
namespace {

using shoal::testing::TempDir;

std::string Norm(std::string_view path) {
  auto r = NormalizeRelativePath(path);
  return r.ok() ? r.value() : "errno " + std::to_string(r.error());
}

TEST(NormalizeRelativePath, DropsDotsAndSlashes) {
  EXPECT_EQ(Norm("a/./b//c/"), "a/b/c");
  EXPECT_EQ(Norm("a/b/../c"), "a/c");
  EXPECT_EQ(Norm("."), ".");
  EXPECT_EQ(Norm("a/.."), ".");
}

TEST(NormalizeRelativePath, RefusesClimbingAboveTheStart) {
  EXPECT_EQ(NormalizeRelativePath("..").error(), kErrnoNotCapable);
  EXPECT_EQ(NormalizeRelativePath("a/../..").error(), kErrnoNotCapable);
  EXPECT_EQ(NormalizeRelativePath("a/../../b").error(), kErrnoNotCapable);
  EXPECT_EQ(NormalizeRelativePath("./../etc/passwd").error(), kErrnoNotCapable);
}

TEST(NormalizeRelativePath, RefusesAbsoluteEmptyAndNul) {
  EXPECT_EQ(NormalizeRelativePath("/etc/passwd").error(), kErrnoNotCapable);
  EXPECT_EQ(NormalizeRelativePath("").error(), ENOENT);
  EXPECT_EQ(NormalizeRelativePath(std::string_view("a\0b", 3)).error(), EINVAL);
}

// A root directory with a file inside and a secret outside it, plus
// symlinks pointing out in both absolute and relative form.
class BeneathTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    SetForceOpenatFallbackForTesting(GetParam());
    std::filesystem::create_directories(tmp_.Join("root/sub"));
    std::ofstream(tmp_.Join("root/sub/inside.txt")) << "inside";
    std::ofstream(tmp_.Join("secret.txt")) << "secret";
    std::filesystem::create_symlink(tmp_.Join("secret.txt"), tmp_.Join("root/abs_link"));
    std::filesystem::create_symlink("../secret.txt", tmp_.Join("root/rel_link"));
    std::filesystem::create_symlink("..", tmp_.Join("root/sub/up"));
    std::filesystem::create_symlink("sub/inside.txt", tmp_.Join("root/good_link"));
    root_ = UniqueFd(::open(tmp_.Join("root").c_str(), O_RDONLY | O_DIRECTORY));
    ASSERT_TRUE(root_.valid());
  }
  void TearDown() override { SetForceOpenatFallbackForTesting(false); }

  ErrnoResult<UniqueFd> Open(const std::string& path, FollowLast follow = FollowLast::kYes) {
    return OpenBeneath(root_.get(), path, O_RDONLY, 0, follow);
  }

  TempDir tmp_;
  UniqueFd root_;
};

TEST_P(BeneathTest, OpensFilesInside) {
  auto fd = Open("sub/inside.txt");
  ASSERT_TRUE(fd.ok());
  char buf[6];
  EXPECT_EQ(::read(fd.value().get(), buf, 6), 6);
  EXPECT_EQ(std::string(buf, 6), "inside");
}

TEST_P(BeneathTest, AbsoluteSymlinkCannotEscape) { EXPECT_FALSE(Open("abs_link").ok()); }

TEST_P(BeneathTest, RelativeSymlinkCannotEscape) { EXPECT_FALSE(Open("rel_link").ok()); }

TEST_P(BeneathTest, SymlinkToParentCannotBeWalkedOutOf) {
  EXPECT_FALSE(Open("sub/up/../secret.txt").ok());
  EXPECT_FALSE(Open("sub/up/sub/up/secret.txt").ok());
}

TEST_P(BeneathTest, RawDotDotIsRefusedByTheKernelToo) {
  // Bypassing the lexical check: the kernel-side wall still holds.
  EXPECT_FALSE(Open("../secret.txt").ok());
}

TEST_P(BeneathTest, SymlinkInsideFollowedOnlyWithOpenat2) {
  auto fd = Open("good_link");
  // The fallback refuses every symlink; openat2 follows ones that stay inside.
  EXPECT_EQ(fd.ok(), !GetParam());
}

TEST_P(BeneathTest, ParentOfLeafIsOpenedBeneath) {
  auto at = OpenParentBeneath(root_.get(), "sub/inside.txt");
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at.value().leaf, "inside.txt");
  EXPECT_FALSE(OpenParentBeneath(root_.get(), "abs_link/x").ok());
}

INSTANTIATE_TEST_SUITE_P(Openat2AndFallback, BeneathTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Fallback" : "Openat2"; });

}  // namespace
}  // namespace shoal::kernel
