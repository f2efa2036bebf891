// Handles received from the wire (handles.h), over every transport of
// remote::Pair: one that comes back to the node that exported it is the
// object itself with no more rights than it left with, whatever the sender
// claims, and one that breaks the protocol (an unknown type or right, no
// capability, a type that is not the object's, a camera reader's position
// on another type) is refused as malformed.
#include <capnp/message.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>

#include "kernel/object/channel.h"
#include "kernel/remote/handles.h"
#include "kernel/remote/pair.h"
#include "kernel/remote/remote_test_support.h"

namespace shoal::kernel::remote {
namespace {

class HandlesRemoteTest : public testing::PairTest {
 protected:
  // Side B exports `object` with `exported`, then imports a Handle naming
  // that capability (or none, for `object` null) with `type` and `claimed`
  // rights, as if a peer had sent it back.
  Result<HandleEntry> ImportHome(Ref<KernelObject> object, Rights exported, uint8_t type,
                                 uint32_t claimed,
                                 std::optional<uint64_t> camera_last_read = std::nullopt) {
    std::shared_ptr<Link> link = pair_->link_b();
    return link->loop()->RunAsync<Result<HandleEntry>>([&]() -> kj::Promise<Result<HandleEntry>> {
      auto message = kj::heap<capnp::MallocMessageBuilder>();
      auto handle = message->initRoot<proto::rpc::Handle>();
      if (object != nullptr) {
        Result<proto::rpc::Object::Client> capability = ExportObject(link, object, exported);
        if (!capability.ok()) return Result<HandleEntry>(capability.error());
        handle.setObject(*capability);
      }
      handle.setType(type);
      handle.setRights(claimed);
      if (camera_last_read) handle.initState().setCameraLastRead(*camera_last_read);
      return ImportHandle(link, handle.asReader()).attach(kj::mv(message));
    });
  }

  Ref<Channel> channel_ = Channel::Create().value().first;
};

constexpr uint8_t kChannelType = uint8_t(ObjectType::kChannel);

TEST_P(HandlesRemoteTest, AHandleComingHomeHasNoMoreRightsThanItLeftWith) {
  Rights exported = Rights::kRead | Rights::kTransfer;
  Result<HandleEntry> entry = ImportHome(channel_, exported, kChannelType, uint32_t(Rights::kAll));
  ASSERT_TRUE(entry.ok()) << entry.error().message;
  EXPECT_EQ(entry->object, channel_);  // The object itself, not a proxy.
  EXPECT_EQ(entry->rights, exported);
  // Claiming fewer rights narrows them.
  entry = ImportHome(channel_, exported, kChannelType, uint32_t(Rights::kRead));
  ASSERT_TRUE(entry.ok()) << entry.error().message;
  EXPECT_EQ(entry->rights, Rights::kRead);
}

TEST_P(HandlesRemoteTest, AHandleThatBreaksTheProtocolIsMalformed) {
  uint32_t read = uint32_t(Rights::kRead);
  Rights exported = DefaultRights(ObjectType::kChannel);
  EXPECT_EQ(ImportHome(channel_, exported, 0, read).error().status, Status::kMalformed);
  EXPECT_EQ(ImportHome(channel_, exported, kMaxObjectType + 1, read).error().status,
            Status::kMalformed);
  EXPECT_EQ(ImportHome(channel_, exported, kChannelType, 1u << 31).error().status,
            Status::kMalformed);
  EXPECT_EQ(ImportHome(nullptr, exported, kChannelType, read).error().status, Status::kMalformed);
  // A timer's type on a channel's capability.
  EXPECT_EQ(ImportHome(channel_, exported, uint8_t(ObjectType::kTimer), read).error().status,
            Status::kMalformed);
  // A camera reader's position on a channel.
  Result<HandleEntry> stated = ImportHome(channel_, exported, kChannelType, read, 7);
  ASSERT_FALSE(stated.ok());
  EXPECT_EQ(stated.error().status, Status::kMalformed);
  EXPECT_NE(stated.error().message.find("camera reader's position"), std::string::npos)
      << stated.error().message;
}

INSTANTIATE_TEST_SUITE_P(Transports, HandlesRemoteTest, testing::AllTransports(),
                         testing::TransportName());

}  // namespace
}  // namespace shoal::kernel::remote
