// Files across the wire, over both transports of remote::Pair: a real host
// file beneath a temp dir, opened on side A and proxied to side B, is read,
// written, appended to, stat'ed and resized through the proxy; the server
// enforces the capability's rights; ReadNow never waits on a proxy; a cut
// connection fails every call promptly with EHOSTUNREACH.
#include <gtest/gtest.h>

#include <chrono>
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

class FileRemoteTest : public testing::PairTest {
 protected:
  void SetUp() override {
    PairTest::SetUp();
    ASSERT_FALSE(tmp_.path().empty());
    root_ = objects_.OpenRoot(tmp_.path());
    ASSERT_NE(root_, nullptr);
  }
  void TearDown() override {
    PairTest::TearDown();
    root_.reset();
  }

  // A local file `name` beneath the temp dir, opened with `options`.
  Ref<FileOps> OpenLocal(const std::string& name, OpenOptions options) {
    ErrnoResult<HandleEntry> entry = root_->Open(name, options, kRootRights, kRootRights);
    EXPECT_TRUE(entry.ok()) << "errno " << entry.error();
    return entry.ok() ? std::static_pointer_cast<FileOps>(entry->object) : nullptr;
  }
  std::string HostContents(const std::string& name) {
    std::ifstream in(tmp_.Join(name));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  shoal::testing::TempDir tmp_;
  LocalObjects objects_;
  Ref<DirectoryOps> root_;
};

OpenOptions ReadWriteCreate() {
  OpenOptions options;
  options.read = true;
  options.write = true;
  options.create = true;
  return options;
}

TEST_P(FileRemoteTest, WritesReadsStatsAndResizesARealFile) {
  Ref<FileOps> remote = ProxyOf<FileOps>(OpenLocal("f.txt", ReadWriteCreate()), kRootRights);
  ASSERT_NE(remote, nullptr);
  ASSERT_NE(AsRemote(*remote), nullptr);

  ErrnoResult<size_t> written = remote->Write(0, Bytes("hello world"));
  ASSERT_TRUE(written.ok()) << written.error();
  EXPECT_EQ(*written, 11u);
  EXPECT_EQ(HostContents("f.txt"), "hello world");

  ErrnoResult<std::vector<uint8_t>> read = remote->Read(6, 100);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(Text(*read), "world");
  read = remote->Read(100, 10);  // Past the end: nothing.
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->empty());

  ErrnoResult<FileAttr> attr = remote->Stat();
  ASSERT_TRUE(attr.ok()) << attr.error();
  EXPECT_EQ(attr->size, 11u);
  EXPECT_TRUE(S_ISREG(attr->mode));

  ASSERT_TRUE(remote->SetSize(5).ok());
  EXPECT_EQ(HostContents("f.txt"), "hello");
  EXPECT_EQ(remote->Stat()->size, 5u);
  EXPECT_TRUE(remote->Sync(SyncScope::kAll).ok());
  remote.reset();
}

TEST_P(FileRemoteTest, AppendsAtTheEnd) {
  OpenOptions options = ReadWriteCreate();
  options.append = true;
  Ref<FileOps> remote = ProxyOf<FileOps>(OpenLocal("log", options), kRootRights);
  ASSERT_NE(remote, nullptr);
  ASSERT_TRUE(remote->Write(FileOps::kAppend, Bytes("one ")).ok());
  ASSERT_TRUE(remote->Write(FileOps::kAppend, Bytes("two")).ok());
  EXPECT_EQ(HostContents("log"), "one two");
  remote.reset();
}

TEST_P(FileRemoteTest, AppendOnAFileNotOpenedForAppendIsInvalid) {
  Ref<FileOps> remote = ProxyOf<FileOps>(OpenLocal("f", ReadWriteCreate()), kRootRights);
  ASSERT_NE(remote, nullptr);
  EXPECT_EQ(remote->Write(FileOps::kAppend, Bytes("x")).error(), EINVAL);
  remote.reset();
}

TEST_P(FileRemoteTest, ReadNowAlwaysSaysWait) {
  Ref<FileOps> remote = ProxyOf<FileOps>(OpenLocal("f", ReadWriteCreate()), kRootRights);
  ASSERT_NE(remote, nullptr);
  ASSERT_TRUE(remote->Write(0, Bytes("abc")).ok());
  uint8_t buffer[8];
  EXPECT_EQ(remote->ReadNow(0, buffer).error(), EAGAIN);
  remote.reset();
}

TEST_P(FileRemoteTest, TransfersAtMostKMaxTransfer) {
  Ref<FileOps> remote = ProxyOf<FileOps>(OpenLocal("big", ReadWriteCreate()), kRootRights);
  ASSERT_NE(remote, nullptr);
  EXPECT_EQ(remote->Write(0, std::vector<uint8_t>(FileOps::kMaxTransfer + 1, 'x')).error(), EFBIG);
  std::vector<uint8_t> full(FileOps::kMaxTransfer, 'y');
  ASSERT_EQ(*remote->Write(0, full), FileOps::kMaxTransfer);
  ASSERT_EQ(*remote->Write(FileOps::kMaxTransfer, Bytes("tail")), 4u);
  ErrnoResult<std::vector<uint8_t>> read = remote->Read(0, FileOps::kMaxTransfer + 100);
  ASSERT_TRUE(read.ok()) << read.error();
  EXPECT_EQ(read->size(), FileOps::kMaxTransfer);
  EXPECT_EQ(*read, full);
  remote.reset();
}

TEST_P(FileRemoteTest, ServerEnforcesTheCapabilitysRights) {
  Ref<FileOps> local = OpenLocal("ro", ReadWriteCreate());
  ASSERT_NE(local, nullptr);
  ASSERT_TRUE(local->Write(0, Bytes("data")).ok());
  Ref<FileOps> read_only = ProxyOf<FileOps>(local, Rights::kRead);
  ASSERT_NE(read_only, nullptr);
  EXPECT_EQ(Text(*read_only->Read(0, 10)), "data");
  EXPECT_EQ(read_only->Write(0, Bytes("x")).error(), EACCES);
  EXPECT_EQ(read_only->SetSize(0).error(), EACCES);
  EXPECT_EQ(read_only->Sync(SyncScope::kDataOnly).error(), EACCES);
  EXPECT_EQ(HostContents("ro"), "data");

  Ref<FileOps> write_only = ProxyOf<FileOps>(local, Rights::kWrite);
  ASSERT_NE(write_only, nullptr);
  EXPECT_EQ(write_only->Read(0, 10).error(), EACCES);
  EXPECT_EQ(write_only->Stat().error(), EACCES);
  read_only.reset();
  write_only.reset();
}

TEST_P(FileRemoteTest, CutConnectionFailsEveryCallPromptly) {
  Ref<FileOps> remote = ProxyOf<FileOps>(OpenLocal("f", ReadWriteCreate()), kRootRights);
  ASSERT_NE(remote, nullptr);
  ASSERT_TRUE(remote->Write(0, Bytes("abc")).ok());
  pair_->Cut();
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(remote->Read(0, 3).error(), EHOSTUNREACH);
  EXPECT_EQ(remote->Write(0, Bytes("x")).error(), EHOSTUNREACH);
  EXPECT_EQ(remote->Stat().error(), EHOSTUNREACH);
  EXPECT_EQ(remote->SetSize(0).error(), EHOSTUNREACH);
  EXPECT_EQ(remote->Sync(SyncScope::kAll).error(), EHOSTUNREACH);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  remote.reset();
}

INSTANTIATE_TEST_SUITE_P(Transports, FileRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
