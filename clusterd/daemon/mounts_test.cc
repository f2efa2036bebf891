// Mounts between two data planes in one process (insecure-dev, loopback):
// node-a serves a synthetic camera at /dev/video0; node-b mounts it into a
// namespace of its own, opens it through the mount, lists it, records it
// in its data directory and binds it again from there, and unmounts it,
// which cuts what was opened through it. The errors of each step are
// checked too. The same with real daemons and the CLI is
// tests/cluster/mount_test.cc.
#include "clusterd/daemon/mounts.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "kernel/base/temp_dir.h"
#include "kernel/object/namespace.h"
#include "kernel/object/object_test_support.h"
#include "rdev/camera.h"
#include "rdev/synthetic_camera.h"

namespace shoal::clusterd {
namespace {

using kernel::HandleEntry;
using kernel::Rights;

std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class MountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    camera_ = rdev::CreateSyntheticCamera("Camera of node-a");
    ASSERT_TRUE(a_root_->Bind("/dev/video0", camera_->provider()).ok());
    a_ = StartNode("node-a");
    b_ = StartNode("node-b");
    ASSERT_TRUE(a_ && b_);
    Result<std::unique_ptr<Mounts>> mounts = Mounts::Open(dir_.path(), "node-b", *b_root_, *b_);
    ASSERT_TRUE(mounts.ok()) << mounts.error().message;
    mounts_ = std::move(mounts).value();
  }
  void TearDown() override {
    mounts_.reset();
    camera_->Unplug();
  }

  std::unique_ptr<DataPlane> StartNode(const std::string& name) {
    DataPlaneOptions o;
    o.self = name;
    o.listen = "127.0.0.1:0";
    o.resolve = [this](const std::string& n) -> Result<std::string> {
      std::lock_guard lock(mu_);
      auto it = addresses_.find(n);
      if (it == addresses_.end()) return MakeError(Status::kNotFound, "unknown node '" + n + "'");
      return it->second;
    };
    o.services.devices = [root = a_root_.get()](const std::string& path, Rights rights,
                                                kernel::Provider::OpenDone done) {
      root->OpenAsync(path, rights, std::move(done));
    };
    Result<std::unique_ptr<DataPlane>> plane = DataPlane::Start(std::move(o));
    EXPECT_TRUE(plane.ok()) << plane.error().message;
    if (!plane.ok()) return nullptr;
    std::lock_guard lock(mu_);
    addresses_[name] = (*plane)->address();
    return std::move(plane).value();
  }

  Status MountStatus(std::string_view source, std::string_view target) {
    VoidResult mounted = mounts_->Mount(source, target);
    return mounted.ok() ? Status::kOk : mounted.error().status;
  }

  shoal::testing::TempDir dir_;
  std::shared_ptr<rdev::LocalCamera> camera_;
  std::shared_ptr<kernel::Namespace> a_root_ = kernel::Namespace::Create();
  std::shared_ptr<kernel::Namespace> b_root_ = kernel::Namespace::Create();
  std::mutex mu_;
  std::map<std::string, std::string> addresses_;
  std::unique_ptr<DataPlane> a_;
  std::unique_ptr<DataPlane> b_;
  std::unique_ptr<Mounts> mounts_;  // node-b's.
};

TEST(MountSourceTest, IsANodeAndANormalPathBelowDev) {
  Result<MountSource> source = ParseMountSource("node-a:/dev/video0");
  ASSERT_TRUE(source.ok()) << source.error().message;
  EXPECT_EQ(source->node, "node-a");
  EXPECT_EQ(source->path, "/dev/video0");
  EXPECT_EQ(source->text(), "node-a:/dev/video0");
  for (const char* bad : {"", "/dev/video0", ":/dev/video0", "node-a:/etc/passwd", "node-a:/dev/",
                          "node-a:dev/video0", "node-a:/dev/../etc", "node-a:/dev//video0"}) {
    Result<MountSource> refused = ParseMountSource(bad);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().status, Status::kInvalidArgs) << bad;
  }
}

TEST_F(MountsTest, AMountedCameraOpensThroughTheMountAndIsRecorded) {
  ASSERT_EQ(MountStatus("node-a:/dev/video0", "/dev/video1"), Status::kOk);
  Result<HandleEntry> opened = b_root_->Open("/dev/video1", Rights::kRead);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_EQ(opened->object->type(), kernel::ObjectType::kCamera);
  auto camera = std::static_pointer_cast<rdev::CameraOps>(opened->object);
  Result<rdev::CameraInfo> info = camera->Info();
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_EQ(info->name, "Camera of node-a");

  std::vector<Mounts::Listing> listed = mounts_->List();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].target, "/dev/video1");
  EXPECT_EQ(listed[0].source.text(), "node-a:/dev/video0");
  EXPECT_EQ(listed[0].open_handles, 1u);
  EXPECT_EQ(ReadText(dir_.Join("mounts")), "/dev/video1\tnode-a:/dev/video0\n");

  // A restarted daemon binds it again from the record.
  std::shared_ptr<kernel::Namespace> again = kernel::Namespace::Create();
  Result<std::unique_ptr<Mounts>> reopened = Mounts::Open(dir_.path(), "node-b", *again, *b_);
  ASSERT_TRUE(reopened.ok()) << reopened.error().message;
  ASSERT_EQ((*reopened)->List().size(), 1u);
  Result<HandleEntry> through_record = again->Open("/dev/video1", Rights::kRead);
  ASSERT_TRUE(through_record.ok()) << through_record.error().message;
  EXPECT_EQ(through_record->object->type(), kernel::ObjectType::kCamera);
}

TEST_F(MountsTest, MountErrorsSayWhatIsWrongAndMountNothing) {
  EXPECT_EQ(MountStatus("node-b:/dev/video0", "/dev/video1"), Status::kInvalidArgs);  // Its own.
  EXPECT_EQ(MountStatus("node-a:/dev/video0", "/video1"), Status::kInvalidArgs);
  EXPECT_EQ(MountStatus("node-z:/dev/video0", "/dev/video1"), Status::kNotFound);
  EXPECT_EQ(MountStatus("node-a:/dev/video9", "/dev/video1"), Status::kNotFound);
  EXPECT_TRUE(mounts_->List().empty());
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("mounts")));
  ASSERT_EQ(MountStatus("node-a:/dev/video0", "/dev/video1"), Status::kOk);
  EXPECT_EQ(MountStatus("node-a:/dev/video0", "/dev/video1"), Status::kAlreadyExists);
  EXPECT_EQ(mounts_->List().size(), 1u);
}

TEST_F(MountsTest, UnmountCutsWhatWasOpenedAndLaterOpensFail) {
  ASSERT_EQ(MountStatus("node-a:/dev/video0", "/dev/video1"), Status::kOk);
  Result<HandleEntry> opened = b_root_->Open("/dev/video1", Rights::kRead);
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  EXPECT_EQ(mounts_->Unmount("/etc/video1").error().status, Status::kInvalidArgs);
  ASSERT_TRUE(mounts_->Unmount("/dev/video1").ok());
  EXPECT_TRUE(Any(kernel::testing::WaitForSignals(*opened->object, kernel::Signals::kPeerClosed),
                  kernel::Signals::kPeerClosed));
  Result<rdev::CameraInfo> info = std::static_pointer_cast<rdev::CameraOps>(opened->object)->Info();
  ASSERT_FALSE(info.ok());
  EXPECT_EQ(info.error().status, Status::kPeerGone) << info.error().message;
  EXPECT_EQ(b_root_->Open("/dev/video1", Rights::kRead).error().status, Status::kNotFound);
  EXPECT_TRUE(mounts_->List().empty());
  EXPECT_EQ(ReadText(dir_.Join("mounts")), "");
  VoidResult again = mounts_->Unmount("/dev/video1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().status, Status::kNotFound);
}

TEST_F(MountsTest, ARecordThatDoesNotParseIsMalformed) {
  std::ofstream(dir_.Join("mounts")) << "/dev/video1\tnode-a:/dev/video0\n/dev/video2 no tab\n";
  std::shared_ptr<kernel::Namespace> root = kernel::Namespace::Create();
  Result<std::unique_ptr<Mounts>> opened = Mounts::Open(dir_.path(), "node-b", *root, *b_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().status, Status::kMalformed);
  EXPECT_NE(opened.error().message.find("line 2"), std::string::npos) << opened.error().message;
  std::ofstream(dir_.Join("mounts")) << "/etc/passwd\tnode-a:/dev/video0\n";
  opened = Mounts::Open(dir_.path(), "node-b", *root, *b_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().status, Status::kMalformed);
  EXPECT_NE(opened.error().message.find("below /dev/"), std::string::npos)
      << opened.error().message;
}

}  // namespace
}  // namespace shoal::clusterd
