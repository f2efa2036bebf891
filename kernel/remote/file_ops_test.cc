// File and Directory behaviour, run against local objects (host files, data
// IO on a real io_uring reactor) and against proxies of them over every
// transport (ops_test_support.h).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "kernel/base/temp_dir.h"
#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/ops_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::kRootRights;
using namespace testing;  // ops_test_support.h

ErrnoResult<std::vector<uint8_t>> ReadAt(FileOps& file, uint64_t offset, size_t max) {
  return file.Read(offset, max);
}
ErrnoResult<size_t> WriteAt(FileOps& file, uint64_t offset, std::string_view text) {
  return file.Write(offset, Bytes(text));
}

OpenOptions ReadWriteCreate() {
  OpenOptions o;
  o.read = o.write = o.create = true;
  return o;
}

class FileTest : public OpsTest {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(tmp_.Join("root/sub"));
    std::ofstream(tmp_.Join("root/hello.txt")) << "hello, world";
    std::ofstream(tmp_.Join("secret.txt")) << "secret";
    root_ = objects_.OpenRoot(tmp_.Join("root"));
    ASSERT_NE(root_, nullptr);
  }

  // Opens `path` beneath the root with the root's rights.
  ErrnoResult<HandleEntry> Open(std::string_view path, OpenOptions options = {}) {
    if (!options.write) options.read = true;
    return root_->Open(path, options, kRootRights, kRootRights);
  }
  Ref<FileOps> OpenFile(std::string_view path, OpenOptions options = {}) {
    auto entry = Open(path, options);
    EXPECT_TRUE(entry.ok()) << "errno " << entry.error();
    if (!entry.ok()) return nullptr;
    EXPECT_EQ(entry->object->type(), ObjectType::kFile);
    return std::static_pointer_cast<FileOps>(entry->object);
  }

  shoal::testing::TempDir tmp_;
  Ref<DirectoryOps> root_;  // Goes before objects_, which holds its server.
};

TEST_P(FileTest, ReadsAtAnyOffsetAndNothingPastTheEnd) {
  auto file = OpenFile("hello.txt");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(*ReadAt(*file, 0, 100), Bytes("hello, world"));
  EXPECT_EQ(*ReadAt(*file, 7, 3), Bytes("wor"));
  EXPECT_TRUE(ReadAt(*file, 100, 10)->empty());
  EXPECT_EQ(file->Stat()->size, 12u);
  EXPECT_TRUE(S_ISREG(file->Stat()->mode));
}

TEST_P(FileTest, WritesAtOffsetsSetSizeAndSync) {
  auto file = OpenFile("new.txt", ReadWriteCreate());
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(*WriteAt(*file, 0, "abcdef"), 6u);
  EXPECT_EQ(*WriteAt(*file, 2, "XY"), 2u);
  EXPECT_EQ(*ReadAt(*file, 0, 100), Bytes("abXYef"));
  ASSERT_TRUE(file->SetSize(3).ok());
  EXPECT_EQ(file->Stat()->size, 3u);
  EXPECT_TRUE(file->Sync(SyncScope::kDataOnly).ok());
  EXPECT_TRUE(file->Sync(SyncScope::kAll).ok());
  std::ifstream in(tmp_.Join("root/new.txt"));
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "abX");
}

TEST_P(FileTest, AppendGoesToTheEndOnlyForAppendFiles) {
  OpenOptions append;
  append.write = append.append = true;
  auto file = OpenFile("hello.txt", append);
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(*WriteAt(*file, FileOps::kAppend, "!"), 1u);
  EXPECT_EQ(file->Stat()->size, 13u);
  OpenOptions plain;
  plain.write = true;
  auto other = OpenFile("hello.txt", plain);
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(WriteAt(*other, FileOps::kAppend, "?").error(), EINVAL);
}

TEST_P(FileTest, HostErrnosComeBackUnchanged) {
  EXPECT_EQ(Open("missing.txt").error(), ENOENT);
  EXPECT_EQ(root_->StatAt("missing", true).error(), ENOENT);
  OpenOptions create_excl = ReadWriteCreate();
  create_excl.exclusive = true;
  EXPECT_EQ(Open("hello.txt", create_excl).error(), EEXIST);
  OpenOptions dir_only;
  dir_only.directory = true;
  EXPECT_EQ(Open("hello.txt", dir_only).error(), ENOTDIR);
  std::ofstream(tmp_.Join("root/sub/x")) << "x";
  EXPECT_EQ(root_->Unlink("sub", true).error(), ENOTEMPTY);
  EXPECT_EQ(root_->Unlink("sub", false).error(), EISDIR);
}

TEST_P(FileTest, DirectoriesListCreateRenameAndRemove) {
  ASSERT_TRUE(root_->MakeDirectory("made").ok());
  EXPECT_TRUE(S_ISDIR(root_->StatAt("made", true)->mode));
  ASSERT_TRUE(root_->Rename("hello.txt", *root_, "made/moved.txt").ok());
  EXPECT_EQ(root_->StatAt("made/moved.txt", true)->size, 12u);
  auto entries = root_->ReadDir();
  ASSERT_TRUE(entries.ok());
  std::vector<std::string> names;
  for (const DirEntry& e : *entries) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{".", "..", "made", "sub"}));
  ASSERT_TRUE(root_->Unlink("made/moved.txt", false).ok());
  ASSERT_TRUE(root_->Unlink("made", true).ok());
  EXPECT_EQ(root_->StatAt("made", true).error(), ENOENT);
  EXPECT_EQ(root_->Unlink(".", true).error(), EBUSY);
}

TEST_P(FileTest, SubdirectoriesOpenAsDirectories) {
  OpenOptions dir_only;
  dir_only.directory = true;
  auto entry = Open("sub", dir_only);
  ASSERT_TRUE(entry.ok());
  ASSERT_EQ(entry->object->type(), ObjectType::kDirectory);
  auto sub = std::static_pointer_cast<DirectoryOps>(entry->object);
  auto created = sub->Open("inner.txt", ReadWriteCreate(), kRootRights, entry->rights);
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(root_->StatAt("sub/inner.txt", true).ok());
  // The subdirectory is a root of its own: `..` does not climb out of it.
  EXPECT_EQ(sub->StatAt("../hello.txt", true).error(), kErrnoNotCapable);
}

TEST_P(FileTest, SymlinksResolveOnlyBeneathTheRoot) {
  ASSERT_TRUE(root_->Symlink("hello.txt", "good").ok());
  EXPECT_EQ(*root_->ReadLink("good"), "hello.txt");
  auto file = OpenFile("good");
  ASSERT_NE(file, nullptr);
  EXPECT_EQ(*ReadAt(*file, 0, 5), Bytes("hello"));
  // Links that point out can be made (they are only text) but not followed.
  ASSERT_TRUE(root_->Symlink("../secret.txt", "rel_out").ok());
  ASSERT_TRUE(root_->Symlink(tmp_.Join("secret.txt"), "abs_out").ok());
  EXPECT_FALSE(Open("rel_out").ok());
  EXPECT_FALSE(Open("abs_out").ok());
  EXPECT_FALSE(root_->StatAt("abs_out", true).ok());
}

TEST_P(FileTest, PathsCannotLeaveTheRoot) {
  EXPECT_EQ(Open("../secret.txt").error(), kErrnoNotCapable);
  EXPECT_EQ(Open("sub/../../secret.txt").error(), kErrnoNotCapable);
  EXPECT_EQ(Open(tmp_.Join("secret.txt")).error(), kErrnoNotCapable);
  EXPECT_EQ(root_->MakeDirectory("../escape").error(), kErrnoNotCapable);
  EXPECT_EQ(root_->Unlink("../secret.txt", false).error(), kErrnoNotCapable);
  EXPECT_FALSE(std::filesystem::exists(tmp_.Join("escape")));
  EXPECT_TRUE(std::filesystem::exists(tmp_.Join("secret.txt")));
}

TEST_P(FileTest, OpenedObjectsNeverGainRights) {
  Rights read_only = Rights::kRead | Rights::kDuplicate;
  auto entry = root_->Open("hello.txt", OpenOptions{.read = true}, kRootRights, read_only);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->rights, read_only);
  EXPECT_EQ(root_->Open("new.txt", ReadWriteCreate(), kRootRights, read_only).error(),
            kErrnoNotCapable);
  EXPECT_EQ(
      root_->Open("hello.txt", OpenOptions{.read = true}, kRootRights, Rights::kWrite).error(),
      kErrnoNotCapable);
  EXPECT_FALSE(std::filesystem::exists(tmp_.Join("root/new.txt")));
}

TEST_P(FileTest, TransfersAreCappedAtOneMegabyte) {
  auto file = OpenFile("big.bin", ReadWriteCreate());
  ASSERT_NE(file, nullptr);
  std::vector<uint8_t> big(FileOps::kMaxTransfer + 1, 'x');
  auto too_big = file->Write(0, big);
  EXPECT_EQ(too_big.error(), EFBIG);
  big.pop_back();
  EXPECT_EQ(*file->Write(0, big), big.size());
  ASSERT_TRUE(file->SetSize(2 * FileOps::kMaxTransfer).ok());
  EXPECT_EQ(ReadAt(*file, 0, 4 * FileOps::kMaxTransfer)->size(), FileOps::kMaxTransfer);
}

INSTANTIATE_TEST_SUITE_P(Local, FileTest, ::testing::Values(Where()), WhereName());
INSTANTIATE_TEST_SUITE_P(Wire, FileTest, testing::AllTransports(), WhereName());

}  // namespace
}  // namespace shoal::kernel::remote
