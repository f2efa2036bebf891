// Directories across the wire, over both transports of remote::Pair: a real
// temp dir opened on side A and proxied to side B. Files and directories
// opened through the proxy come back as proxies that read and write the
// host files; readdir, mkdir, unlink, rename, link, symlink and readlink change
// the host directory; a read-only capability cannot change anything; paths
// cannot leave the directory (kErrnoNotCapable passes through); rename to a
// directory that is not of the same link is EXDEV; a cut connection fails
// every call promptly with EHOSTUNREACH.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kernel/base/temp_dir.h"
#include "kernel/object/directory.h"
#include "kernel/object/file.h"
#include "kernel/object/object_test_support.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/proxy.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

using kernel::testing::kRootRights;
using kernel::testing::LocalObjects;

std::vector<uint8_t> Bytes(const std::string& text) { return {text.begin(), text.end()}; }
std::string Text(const std::vector<uint8_t>& bytes) { return {bytes.begin(), bytes.end()}; }

// Drops the handle `opened` holds (its proxy, while the loops run).
void Release(ErrnoResult<HandleEntry>& opened) { opened = HostError{EBADF}; }

OpenOptions ReadWriteCreate() {
  OpenOptions options;
  options.read = true;
  options.write = true;
  options.create = true;
  return options;
}
OpenOptions ReadOnly() {
  OpenOptions options;
  options.read = true;
  return options;
}

class DirectoryRemoteTest : public testing::PairTest {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    ASSERT_FALSE(tmp_.path().empty());
    root_ = objects_.OpenRoot(tmp_.path());
    ASSERT_NE(root_, nullptr);
    remote_ = ProxyOf<DirectoryOps>(root_, kRootRights);
    ASSERT_NE(remote_, nullptr);
  }
  void TearDown() override {
    remote_.reset();  // While its loop runs.
    PairTest::TearDown();
    root_.reset();
  }

  bool HostExists(const std::string& name) {
    return std::filesystem::exists(std::filesystem::symlink_status(tmp_.Join(name)));
  }
  void WriteHost(const std::string& name, const std::string& text) {
    std::ofstream(tmp_.Join(name)) << text;
  }
  std::string HostContents(const std::string& name) {
    std::ifstream in(tmp_.Join(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  std::vector<std::string> Names(DirectoryOps& dir) {
    ErrnoResult<std::vector<DirEntry>> entries = dir.ReadDir();
    EXPECT_TRUE(entries.ok()) << entries.error();
    std::vector<std::string> names;
    if (entries.ok()) {
      for (const DirEntry& entry : *entries) names.push_back(entry.name);
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  shoal::testing::TempDir tmp_;
  LocalObjects objects_;
  Ref<DirectoryOps> root_;
  Ref<DirectoryOps> remote_;
};

TEST_P(DirectoryRemoteTest, OpensAFileAsAProxyThatReadsAndWritesTheHostFile) {
  WriteHost("in.txt", "from the host");
  ErrnoResult<HandleEntry> opened = remote_->Open("in.txt", ReadOnly(), kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  ASSERT_EQ(opened->object->type(), ObjectType::kFile);
  EXPECT_NE(AsRemote(*opened->object), nullptr);
  auto file = std::static_pointer_cast<FileOps>(opened->object);
  EXPECT_EQ(Text(*file->Read(0, 100)), "from the host");
  // Opened read-only: the host descriptor refuses writes.
  EXPECT_EQ(file->Write(0, Bytes("x")).error(), EBADF);
  EXPECT_EQ(HostContents("in.txt"), "from the host");
  file.reset();
  Release(opened);

  opened = remote_->Open("out.txt", ReadWriteCreate(), kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  file = std::static_pointer_cast<FileOps>(opened->object);
  ASSERT_EQ(*file->Write(0, Bytes("through the wire")), 16u);
  EXPECT_EQ(HostContents("out.txt"), "through the wire");
  EXPECT_EQ(file->Stat()->size, 16u);
  ASSERT_TRUE(file->SetSize(7).ok());
  EXPECT_EQ(HostContents("out.txt"), "through");
  file.reset();
  Release(opened);

  OpenOptions append = ReadWriteCreate();
  append.append = true;
  opened = remote_->Open("out.txt", append, kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  file = std::static_pointer_cast<FileOps>(opened->object);
  ASSERT_TRUE(file->Write(FileOps::kAppend, Bytes(" more")).ok());
  EXPECT_EQ(HostContents("out.txt"), "through more");
  file.reset();
  Release(opened);
}

TEST_P(DirectoryRemoteTest, MissingEntryIsENOENT) {
  EXPECT_EQ(remote_->Open("nope", ReadOnly(), kRootRights, kRootRights).error(), ENOENT);
  EXPECT_EQ(remote_->StatAt("nope", true).error(), ENOENT);
}

TEST_P(DirectoryRemoteTest, ChangesTheHostDirectory) {
  ASSERT_TRUE(remote_->MakeDirectory("sub").ok());
  EXPECT_TRUE(std::filesystem::is_directory(tmp_.Join("sub")));
  EXPECT_EQ(remote_->MakeDirectory("sub").error(), EEXIST);
  WriteHost("a.txt", "A");

  EXPECT_EQ(Names(*remote_), (std::vector<std::string>{".", "..", "a.txt", "sub"}));
  ErrnoResult<std::vector<DirEntry>> entries = remote_->ReadDir();
  ASSERT_TRUE(entries.ok());
  for (const DirEntry& entry : *entries) {
    if (entry.name == "sub") {
      EXPECT_TRUE(entry.mode == 0 || S_ISDIR(entry.mode));
    }
  }

  ErrnoResult<FileAttr> attr = remote_->StatAt("a.txt", true);
  ASSERT_TRUE(attr.ok()) << attr.error();
  EXPECT_EQ(attr->size, 1u);
  EXPECT_TRUE(S_ISDIR(remote_->Stat()->mode));

  ASSERT_TRUE(remote_->Symlink("a.txt", "link").ok());
  ErrnoResult<std::string> target = remote_->ReadLink("link");
  ASSERT_TRUE(target.ok()) << target.error();
  EXPECT_EQ(*target, "a.txt");
  EXPECT_TRUE(S_ISLNK(remote_->StatAt("link", false)->mode));
  EXPECT_TRUE(S_ISREG(remote_->StatAt("link", true)->mode));

  ASSERT_TRUE(remote_->Rename("a.txt", *remote_, "sub/b.txt").ok());
  EXPECT_FALSE(HostExists("a.txt"));
  EXPECT_EQ(HostContents("sub/b.txt"), "A");

  EXPECT_EQ(remote_->Unlink("sub", true).error(), ENOTEMPTY);
  ASSERT_TRUE(remote_->Unlink("sub/b.txt", false).ok());
  ASSERT_TRUE(remote_->Unlink("link", false).ok());
  ASSERT_TRUE(remote_->Unlink("sub", true).ok());
  EXPECT_EQ(Names(*remote_), (std::vector<std::string>{".", ".."}));
}

TEST_P(DirectoryRemoteTest, OpensASubdirectoryAsADirectoryProxy) {
  ASSERT_TRUE(remote_->MakeDirectory("sub").ok());
  OpenOptions options = ReadOnly();
  options.directory = true;
  ErrnoResult<HandleEntry> opened = remote_->Open("sub", options, kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  ASSERT_EQ(opened->object->type(), ObjectType::kDirectory);
  auto sub = std::static_pointer_cast<DirectoryOps>(opened->object);
  EXPECT_NE(AsRemote(*sub), nullptr);
  ASSERT_TRUE(sub->MakeDirectory("deeper").ok());
  EXPECT_TRUE(std::filesystem::is_directory(tmp_.Join("sub/deeper")));

  // Rename between two directories of the same link.
  WriteHost("moving", "M");
  ASSERT_TRUE(remote_->Rename("moving", *sub, "moved").ok());
  EXPECT_EQ(HostContents("sub/moved"), "M");
  // The subdirectory cannot reach above itself.
  EXPECT_EQ(sub->StatAt("../moving", true).error(), kErrnoNotCapable);
  sub.reset();
  Release(opened);
}

// The same link semantics as the local Directory (directory_test.cc), through
// the proxy: hard links between directories of the link, POSIX errors for
// trailing slashes, and links pointing out that lead nowhere.
TEST_P(DirectoryRemoteTest, LinksBehaveAsLocallyAndStayBeneath) {
  WriteHost("file", "F");
  std::ofstream(tmp_.Join("../secret_of_" + std::to_string(::getpid()))) << "secret";
  ASSERT_TRUE(remote_->MakeDirectory("sub").ok());
  OpenOptions dir_options = ReadOnly();
  dir_options.directory = true;
  ErrnoResult<HandleEntry> opened = remote_->Open("sub", dir_options, kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  auto sub = std::static_pointer_cast<DirectoryOps>(opened->object);

  ASSERT_TRUE(remote_->HardLink("file", *sub, "again").ok());
  EXPECT_EQ(HostContents("sub/again"), "F");
  EXPECT_EQ(std::filesystem::hard_link_count(tmp_.Join("file")), 2u);
  EXPECT_EQ(remote_->HardLink("file", *remote_, "file").error(), EEXIST);
  EXPECT_EQ(remote_->HardLink("sub", *remote_, "dirlink").error(), EPERM);
  EXPECT_EQ(remote_->HardLink("file", *remote_, "new/").error(), ENOENT);
  EXPECT_EQ(remote_->HardLink("file", *root_, "other_kind").error(), EXDEV);
  EXPECT_EQ(remote_->HardLink("file", *remote_, "../planted").error(), kErrnoNotCapable);
  EXPECT_EQ(sub->HardLink("../file", *remote_, "stolen").error(), kErrnoNotCapable);

  EXPECT_EQ(remote_->Symlink("file", "new/").error(), ENOENT);
  EXPECT_EQ(remote_->Open("file/", ReadOnly(), kRootRights, kRootRights).error(), ENOTDIR);
  const std::string out = "../secret_of_" + std::to_string(::getpid());
  ASSERT_TRUE(remote_->Symlink(out, "up").ok());
  ASSERT_TRUE(remote_->Symlink("up", "to_up").ok());
  ASSERT_TRUE(remote_->HardLink("to_up", *remote_, "hard_to_up").ok());
  for (const char* name : {"up", "to_up", "hard_to_up"}) {
    EXPECT_NE(remote_->Open(name, ReadOnly(), kRootRights, kRootRights).error(), 0) << name;
  }
  std::filesystem::remove(tmp_.Join(out));
  sub.reset();
  Release(opened);
}

TEST_P(DirectoryRemoteTest, RenameToADirectoryOfAnotherKindIsEXDEV) {
  WriteHost("x", "X");
  // A local directory is not of the proxy's link.
  EXPECT_EQ(remote_->Rename("x", *root_, "y").error(), EXDEV);
  EXPECT_TRUE(HostExists("x"));
  EXPECT_FALSE(HostExists("y"));
}

TEST_P(DirectoryRemoteTest, ReadOnlyCapabilityCannotChangeAnything) {
  WriteHost("keep", "K");
  Ref<DirectoryOps> read_only = ProxyOf<DirectoryOps>(root_, Rights::kRead | Rights::kWait);
  ASSERT_NE(read_only, nullptr);
  // Reading works.
  EXPECT_TRUE(read_only->StatAt("keep", true).ok());
  ErrnoResult<HandleEntry> opened = read_only->Open("keep", ReadOnly(), kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  EXPECT_FALSE(Any(opened->rights, Rights::kWrite));
  Release(opened);
  // Creating does not, even when the caller claims every right.
  EXPECT_NE(read_only->Open("new", ReadWriteCreate(), kRootRights, kRootRights).error(), 0);
  EXPECT_FALSE(HostExists("new"));
  EXPECT_EQ(read_only->MakeDirectory("d").error(), EACCES);
  EXPECT_FALSE(HostExists("d"));
  EXPECT_EQ(read_only->Unlink("keep", false).error(), EACCES);
  EXPECT_EQ(read_only->Symlink("keep", "l").error(), EACCES);
  EXPECT_EQ(read_only->Rename("keep", *read_only, "moved").error(), EACCES);
  EXPECT_EQ(read_only->HardLink("keep", *read_only, "linked").error(), EACCES);
  EXPECT_TRUE(HostExists("keep"));
  EXPECT_FALSE(HostExists("l"));
  read_only.reset();
}

TEST_P(DirectoryRemoteTest, PathsCannotEscape) {
  EXPECT_EQ(remote_->Open("../outside", ReadWriteCreate(), kRootRights, kRootRights).error(),
            kErrnoNotCapable);
  EXPECT_EQ(remote_->Open("/etc/passwd", ReadOnly(), kRootRights, kRootRights).error(),
            kErrnoNotCapable);
  EXPECT_EQ(remote_->StatAt("..", true).error(), kErrnoNotCapable);
  EXPECT_EQ(remote_->MakeDirectory("../escaped").error(), kErrnoNotCapable);
  ASSERT_TRUE(remote_->Symlink("/etc", "out").ok());  // Stored, never resolved here.
  EXPECT_EQ(remote_->Open("out/passwd", ReadOnly(), kRootRights, kRootRights).error(),
            kErrnoNotCapable);
}

TEST_P(DirectoryRemoteTest, CutConnectionFailsEveryCallPromptly) {
  ErrnoResult<HandleEntry> opened = remote_->Open("f", ReadWriteCreate(), kRootRights, kRootRights);
  ASSERT_TRUE(opened.ok()) << opened.error();
  auto file = std::static_pointer_cast<FileOps>(opened->object);
  Release(opened);
  pair_->Cut();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(remote_->Open("f", ReadOnly(), kRootRights, kRootRights).error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->Stat().error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->StatAt("f", true).error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->ReadDir().error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->MakeDirectory("d").error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->Unlink("f", false).error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->Rename("f", *remote_, "g").error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->Symlink("f", "l").error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->HardLink("f", *remote_, "h").error(), EHOSTUNREACH);
  EXPECT_EQ(remote_->ReadLink("l").error(), EHOSTUNREACH);
  EXPECT_EQ(file->Read(0, 1).error(), EHOSTUNREACH);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_FALSE(HostExists("d"));
  file.reset();
}

INSTANTIATE_TEST_SUITE_P(Transports, DirectoryRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
