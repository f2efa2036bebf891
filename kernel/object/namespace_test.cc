// Namespaces: path checks, longest-prefix resolution, runtime binding.
#include "kernel/object/namespace.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "kernel/object/device.h"

namespace shoal::kernel {
namespace {

constexpr Rights kDeviceRights = Rights::kRead | Rights::kWrite | Rights::kWait;

// Records what it was asked to open; serves one device for any path.
class RecordingProvider final : public Provider {
 public:
  void OpenAsync(std::string_view relative, Rights requested, OpenDone done) override {
    last_relative = std::string(relative);
    done(HandleEntry{device, requested});
  }
  Ref<BasicDevice> device = BasicDevice::Create(BasicDeviceKind::kZero).value();
  std::string last_relative = "(none)";
};

Ref<ObjectProvider> DeviceAt(BasicDeviceKind kind) {
  return ObjectProvider::Create(BasicDevice::Create(kind).value(), kDeviceRights);
}

TEST(NamespaceTest, PathsMustBeInNormalForm) {
  for (std::string_view good : {"/", "/dev", "/dev/null", "/a/b.c/..d/.e"}) {
    EXPECT_TRUE(Namespace::CheckPath(good).ok()) << good;
  }
  for (std::string_view bad : {"", "dev/null", "//dev", "/dev/", "/dev//null", "/dev/./null",
                               "/dev/../etc", "/..", "/.", "/dev/null/.."}) {
    Result<std::string> checked = Namespace::CheckPath(bad);
    ASSERT_FALSE(checked.ok()) << bad;
    EXPECT_EQ(checked.error().status, Status::kInvalidArgs) << bad;
  }
  EXPECT_EQ(Namespace::CheckPath(std::string_view("/dev/nu\0ll", 10)).error().status,
            Status::kInvalidArgs);
  EXPECT_EQ(Namespace::CheckPath("/" + std::string(Namespace::kMaxPathBytes, 'a')).error().status,
            Status::kInvalidArgs);
}

TEST(NamespaceTest, LongestWholeComponentPrefixWins) {
  auto ns = Namespace::Create();
  auto root = std::make_shared<RecordingProvider>();
  auto dev = std::make_shared<RecordingProvider>();
  auto video1 = std::make_shared<RecordingProvider>();
  ASSERT_TRUE(ns->Bind("/", root).ok());
  ASSERT_TRUE(ns->Bind("/dev", dev).ok());
  ASSERT_TRUE(ns->Bind("/dev/video1", video1).ok());

  ASSERT_TRUE(ns->Open("/dev/video1", Rights::kRead).ok());
  EXPECT_EQ(video1->last_relative, "");
  ASSERT_TRUE(ns->Open("/dev/video1/controls/gain", Rights::kRead).ok());
  EXPECT_EQ(video1->last_relative, "controls/gain");
  ASSERT_TRUE(ns->Open("/dev/video10", Rights::kRead).ok());  // Not under /dev/video1.
  EXPECT_EQ(dev->last_relative, "video10");
  ASSERT_TRUE(ns->Open("/home/x", Rights::kRead).ok());
  EXPECT_EQ(root->last_relative, "home/x");
  ASSERT_TRUE(ns->Open("/", Rights::kRead).ok());
  EXPECT_EQ(root->last_relative, "");
}

TEST(NamespaceTest, EscapeAttemptsAreRefusedBeforeAnyProviderSeesThem) {
  auto ns = Namespace::Create();
  auto dev = std::make_shared<RecordingProvider>();
  ASSERT_TRUE(ns->Bind("/dev", dev).ok());
  for (std::string_view path :
       {"/dev/../etc/passwd", "/dev/./null", "/dev//null", "dev/null", "/dev/null/"}) {
    EXPECT_EQ(ns->Open(path, Rights::kRead).error().status, Status::kInvalidArgs) << path;
  }
  EXPECT_EQ(dev->last_relative, "(none)");
}

TEST(NamespaceTest, UnboundPathsAreNotFound) {
  auto ns = Namespace::Create();
  ASSERT_TRUE(ns->Bind("/dev/null", DeviceAt(BasicDeviceKind::kNull)).ok());
  EXPECT_EQ(ns->Open("/dev/zero", Rights::kRead).error().status, Status::kNotFound);
  EXPECT_EQ(ns->Open("/dev", Rights::kRead).error().status, Status::kNotFound);
  // An object provider has nothing below its mount point.
  EXPECT_EQ(ns->Open("/dev/null/x", Rights::kRead).error().status, Status::kNotFound);
  EXPECT_EQ(ns->Unbind("/dev/zero").error().status, Status::kNotFound);
}

TEST(NamespaceTest, OpenGrantsExactlyTheRequestedRightsOrRefuses) {
  auto ns = Namespace::Create();
  ASSERT_TRUE(ns->Bind("/dev/zero", DeviceAt(BasicDeviceKind::kZero)).ok());
  Result<HandleEntry> read_only = ns->Open("/dev/zero", Rights::kRead);
  ASSERT_TRUE(read_only.ok());
  EXPECT_EQ(read_only->rights, Rights::kRead);
  EXPECT_EQ(read_only->object->type(), ObjectType::kDevice);
  EXPECT_EQ(ns->Open("/dev/zero", Rights::kRead | Rights::kManage).error().status,
            Status::kAccessDenied);
}

TEST(NamespaceTest, BindRefusesTakenPathsAndBadInput) {
  auto ns = Namespace::Create();
  ASSERT_TRUE(ns->Bind("/dev/null", DeviceAt(BasicDeviceKind::kNull)).ok());
  EXPECT_EQ(ns->Bind("/dev/null", DeviceAt(BasicDeviceKind::kZero)).error().status,
            Status::kAlreadyExists);
  EXPECT_EQ(ns->Bind("/dev/x", nullptr).error().status, Status::kInvalidArgs);
  EXPECT_EQ(ns->Bind("/dev/../x", DeviceAt(BasicDeviceKind::kZero)).error().status,
            Status::kInvalidArgs);
}

TEST(NamespaceTest, AnOpenedObjectOutlivesItsUnbinding) {
  auto ns = Namespace::Create();
  ASSERT_TRUE(ns->Bind("/dev/zero", DeviceAt(BasicDeviceKind::kZero)).ok());
  Result<HandleEntry> opened = ns->Open("/dev/zero", Rights::kRead);
  ASSERT_TRUE(opened.ok());
  ASSERT_TRUE(ns->Unbind("/dev/zero").ok());
  EXPECT_EQ(ns->Open("/dev/zero", Rights::kRead).error().status, Status::kNotFound);
  auto device = std::static_pointer_cast<DeviceOps>(opened->object);
  EXPECT_EQ(*device->Read(3), std::vector<uint8_t>(3, 0));
}

TEST(NamespaceTest, ACloneIsIndependentOfItsOriginal) {
  auto node = Namespace::Create();
  ASSERT_TRUE(node->Bind("/dev/null", DeviceAt(BasicDeviceKind::kNull)).ok());
  auto process = node->Clone();
  ASSERT_TRUE(node->Bind("/dev/video1", DeviceAt(BasicDeviceKind::kZero)).ok());
  ASSERT_TRUE(process->Unbind("/dev/null").ok());
  EXPECT_EQ(process->Open("/dev/video1", Rights::kRead).error().status, Status::kNotFound);
  EXPECT_TRUE(node->Open("/dev/null", Rights::kRead).ok());
  EXPECT_EQ(node->paths(), (std::vector<std::string>{"/dev/null", "/dev/video1"}));
  EXPECT_TRUE(process->paths().empty());
}

TEST(NamespaceTest, BindAndUnbindWhileOthersOpen) {
  auto ns = Namespace::Create();
  ASSERT_TRUE(ns->Bind("/dev/null", DeviceAt(BasicDeviceKind::kNull)).ok());
  constexpr int kOpens = 5000;
  std::atomic<bool> done{false};
  std::atomic<int> opened{0};
  std::thread opener([&] {
    for (int i = 0; i < kOpens; ++i) {
      if (ns->Open("/dev/null", Rights::kRead).ok()) ++opened;
      Result<HandleEntry> maybe = ns->Open("/dev/video1", Rights::kRead);
      if (!maybe.ok()) {
        EXPECT_EQ(maybe.error().status, Status::kNotFound);
      }
    }
    done = true;
  });
  for (int i = 0; i < 1'000'000 && !done; ++i) {
    ASSERT_TRUE(ns->Bind("/dev/video1", DeviceAt(BasicDeviceKind::kZero)).ok());
    ASSERT_TRUE(ns->Unbind("/dev/video1").ok());
  }
  opener.join();
  EXPECT_EQ(opened.load(), kOpens);  // A neighbour's churn never hides a binding.
}

}  // namespace
}  // namespace shoal::kernel
