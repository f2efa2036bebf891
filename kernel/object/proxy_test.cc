// The object protocol itself: what the server does with hostile or
// unexpected requests, export lifetimes, and traffic through the buffer. The
// behaviour of each object type through proxies is in its own typed test.
#include <capnp/message.h>
#include <gtest/gtest.h>

#include "kernel/object/loopback.h"
#include "kernel/object/object_test_support.h"
#include "kernel/object/wire.h"

namespace shoal::kernel {
namespace {

using testing::ProxiedObjects;

// Sends `build`'s request to the server and returns the response's status.
template <typename Build>
Status Send(ObjectServer& server, Build&& build) {
  capnp::MallocMessageBuilder message;
  auto request = message.initRoot<proto::ObjectRequest>();
  build(request);
  std::vector<uint8_t> response = server.Handle(wire::ToBytes(message));
  auto status = wire::ReadMessage<proto::ObjectResponse>(
      response,
      [](proto::ObjectResponse::Reader r) -> Result<Status> { return Status(r.getStatus()); });
  EXPECT_TRUE(status.ok());
  return status.ok() ? *status : Status::kInternal;
}

Status StatusOf(const std::vector<uint8_t>& response) {
  auto status = wire::ReadMessage<proto::ObjectResponse>(
      response,
      [](proto::ObjectResponse::Reader r) -> Result<Status> { return Status(r.getStatus()); });
  EXPECT_TRUE(status.ok());
  return status.ok() ? *status : Status::kInternal;
}

class DeviceObject final : public KernelObject {
 public:
  DeviceObject() : KernelObject(ObjectType::kDevice, Signals::kReadable) {}
};

TEST(ObjectProtocolTest, MalformedRequestBytesGetAMalformedResponse) {
  LoopbackConnection connection;
  ObjectServer& server = connection.server();
  EXPECT_EQ(StatusOf(server.Handle({})), Status::kMalformed);
  std::vector<uint8_t> odd(13, 0xab);
  EXPECT_EQ(StatusOf(server.Handle(odd)), Status::kMalformed);
  // A segment table promising more words than there are.
  std::vector<uint8_t> short_segment = {0, 0, 0, 0, 100, 0, 0, 0};
  EXPECT_EQ(StatusOf(server.Handle(short_segment)), Status::kMalformed);
  // A root pointer far outside the segment.
  std::vector<uint8_t> wild = {0, 0, 0, 0, 1, 0, 0, 0, 0xfc, 0xff, 0xff, 0x7f, 1, 0, 1, 0};
  EXPECT_EQ(StatusOf(server.Handle(wild)), Status::kMalformed);
}

TEST(ObjectProtocolTest, UnknownExportIsABadHandle) {
  LoopbackConnection connection;
  EXPECT_EQ(Send(connection.server(),
                 [](proto::ObjectRequest::Builder r) {
                   r.setTarget(99);
                   r.setGetSignals();
                 }),
            Status::kBadHandle);
}

TEST(ObjectProtocolTest, ServerChecksTypeBeforeRights) {
  LoopbackConnection connection;
  uint64_t id = *connection.server().Export(*Port::Create(), Rights::kRead);
  EXPECT_EQ(Send(connection.server(),
                 [&](proto::ObjectRequest::Builder r) {
                   r.setTarget(id);
                   r.initChannelWrite();
                 }),
            Status::kWrongType);
  EXPECT_EQ(Send(connection.server(),
                 [&](proto::ObjectRequest::Builder r) {
                   r.setTarget(id);
                   r.initPortQueue();
                 }),
            Status::kAccessDenied);
}

TEST(ObjectProtocolTest, ProxyCannotExceedTheRightsOfItsExport) {
  LoopbackConnection connection;
  auto [a, b] = std::move(Channel::Create()).value();
  auto proxy = std::static_pointer_cast<ChannelOps>(*connection.Proxy(a, Rights::kRead));
  EXPECT_EQ(proxy->Write({}, {}).error().status, Status::kAccessDenied);
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
}

TEST(ObjectProtocolTest, HandleClaimingRightsItsExportLacksIsRefused) {
  LoopbackConnection connection;
  auto [a, b] = std::move(Channel::Create()).value();
  uint64_t channel = *connection.server().Export(a, Rights::kWrite);
  uint64_t no_transfer = *connection.server().Export(*Port::Create(), Rights::kRead);
  uint64_t transferable =
      *connection.server().Export(*Port::Create(), Rights::kRead | Rights::kTransfer);
  auto write_with = [&](uint64_t id, Rights rights, uint8_t type) {
    return Send(connection.server(), [&](proto::ObjectRequest::Builder r) {
      r.setTarget(channel);
      auto ref = r.initChannelWrite().initHandles(1)[0];
      ref.setExportId(id);
      ref.setType(type);
      ref.setRights(uint32_t(rights));
    });
  };
  uint8_t port = uint8_t(ObjectType::kPort);
  EXPECT_EQ(write_with(no_transfer, Rights::kRead, port), Status::kAccessDenied);
  EXPECT_EQ(write_with(transferable, Rights::kRead | Rights::kWrite, port), Status::kAccessDenied);
  EXPECT_EQ(write_with(transferable, Rights::kRead, uint8_t(ObjectType::kTimer)),
            Status::kWrongType);
  EXPECT_EQ(write_with(12345, Rights::kRead, port), Status::kBadHandle);
  EXPECT_EQ(b->Read({}).error().status, Status::kShouldWait);
  EXPECT_EQ(write_with(transferable, Rights::kRead, port), Status::kOk);
  auto message = b->Read({});
  ASSERT_TRUE(message.ok());
  ASSERT_EQ(message->handles.size(), 1u);
  EXPECT_EQ(message->handles[0].rights, Rights::kRead);
}

TEST(ObjectProtocolTest, DroppingAProxyReleasesItsExportAndObservers) {
  LoopbackConnection connection;
  auto [a, b] = std::move(Channel::Create()).value();
  auto proxy = *connection.Proxy(a, DefaultRights(ObjectType::kChannel));
  EXPECT_EQ(connection.server().export_count(), 1u);
  ASSERT_TRUE(proxy->ObserveAsync(Signals::kReadable, [](Signals) {}).ok());
  EXPECT_EQ(connection.server().observer_count(), 1u);
  proxy.reset();
  EXPECT_EQ(connection.server().export_count(), 0u);
  EXPECT_EQ(connection.server().observer_count(), 0u);
  EXPECT_FALSE(Any(b->signals(), Signals::kPeerClosed)) << "a is still held here";
  a.reset();
  EXPECT_TRUE(Any(b->signals(), Signals::kPeerClosed));
}

TEST(ObjectProtocolTest, EveryOperationCrossesTheBuffer) {
  LoopbackConnection connection;
  auto console = std::static_pointer_cast<ConsoleOps>(
      *connection.Proxy(*Console::Create(), DefaultRights(ObjectType::kConsole)));
  uint64_t before = connection.traffic().requests;
  uint8_t byte = 'x';
  ASSERT_TRUE(console->Write({&byte, 1}).ok());
  ASSERT_TRUE(console->Read(0, 1).ok());
  (void)console->signals();
  ASSERT_TRUE(console->Close().ok());
  EXPECT_EQ(connection.traffic().requests - before, 4u);
  EXPECT_GT(connection.traffic().bytes, 0u);
}

TEST(ObjectProtocolTest, ObserverEventsComeBackAsMessages) {
  LoopbackConnection connection;
  auto [a, b] = std::move(Channel::Create()).value();
  auto proxy = *connection.Proxy(b, DefaultRights(ObjectType::kChannel));
  Signals seen = Signals::kNone;
  ASSERT_TRUE(proxy->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; }).ok());
  EXPECT_EQ(connection.traffic().events, 0u);
  ASSERT_TRUE(a->Write({}, {}).ok());
  EXPECT_EQ(connection.traffic().events, 1u);
  EXPECT_TRUE(Any(seen, Signals::kReadable));
  EXPECT_EQ(connection.server().observer_count(), 0u);
}

TEST(ObjectProtocolTest, ReusedObserverTokenIsRefused) {
  LoopbackConnection connection;
  uint64_t id = *connection.server().Export(std::make_shared<DeviceObject>(), Rights::kWait);
  auto observe = [&](proto::ObjectRequest::Builder r) {
    r.setTarget(id);
    auto o = r.initObserve();
    o.setMask(uint32_t(Signals::kPeerClosed));
    o.setToken(5);
  };
  EXPECT_EQ(Send(connection.server(), observe), Status::kOk);
  EXPECT_EQ(Send(connection.server(), observe), Status::kAlreadyExists);
}

TEST(ObjectProtocolTest, ObjectsFromElsewhereCannotBeSentThroughAProxy) {
  ProxiedObjects objects;
  auto [a, b] = objects.CreateChannel();
  auto local = std::move(Port::Create()).value();
  HandleTable table;
  HandleValue h = *table.Add(local, Rights::kTransfer);
  HandleValue values[] = {h};
  EXPECT_EQ(WriteFromTable(table, *a, {}, values).error().status, Status::kNotSupported);
  EXPECT_TRUE(table.GetEntry(h, Rights::kTransfer).ok());
}

TEST(ObjectProtocolTest, ReceivedHandlesArriveAsProxiesOfTheSameConnection) {
  ProxiedObjects objects;
  auto [a, b] = objects.CreateChannel();
  auto port = objects.CreatePort();
  size_t exports = objects.connection().server().export_count();
  ASSERT_TRUE(a->Write({}, {HandleEntry{port, Rights::kTransfer | Rights::kRead}}).ok());
  port.reset();
  auto message = b->Read({});
  ASSERT_TRUE(message.ok());
  ASSERT_EQ(message->handles.size(), 1u);
  auto* link = dynamic_cast<ProxyLink*>(message->handles[0].object.get());
  ASSERT_NE(link, nullptr);
  EXPECT_EQ(&link->client(), objects.connection().client().get());
  EXPECT_EQ(message->handles[0].object->type(), ObjectType::kPort);
  EXPECT_EQ(objects.connection().server().export_count(), exports);  // One released, one new.
  message->handles.clear();
  EXPECT_EQ(objects.connection().server().export_count(), exports - 1);
}

TEST(ObjectProtocolTest, TypesWithoutOperationsStillProxyTheirSignals) {
  LoopbackConnection connection;
  auto proxy = *connection.Proxy(std::make_shared<DeviceObject>(), Rights::kWait);
  EXPECT_EQ(proxy->type(), ObjectType::kDevice);
  EXPECT_EQ(proxy->signals(), Signals::kReadable);
  Signals seen = Signals::kNone;
  ASSERT_TRUE(proxy->ObserveAsync(Signals::kReadable, [&](Signals s) { seen = s; }).ok());
  EXPECT_EQ(seen, Signals::kReadable);
}

}  // namespace
}  // namespace shoal::kernel
