// Timers and ports moved by value (kernel/proc/moved_by_value.h): which
// objects a frozen image carries as their state, and a process that keeps
// using them on another kernel after the first one is gone.
#include "kernel/proc/moved_by_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <tuple>

#include "kernel/object/channel.h"
#include "kernel/proc/proc_test_support.h"

namespace shoal::kernel {
namespace {

using testing::RequestFor;
using testing::TextOf;
using testing::WaitCode;
using testing::WaitUntil;

// The image's handle that stood for startup handle `index`.
const HandleImage& StartupHandle(const ProcessImage& image, size_t index) {
  HandleValue value = image.startup_handles.at(index);
  auto it = std::find_if(image.handles.begin(), image.handles.end(),
                         [&](const HandleImage& h) { return h.value == value; });
  EXPECT_NE(it, image.handles.end());
  return *it;
}

TEST(MovedByValueTest, OnlyWhatTheProcessAloneHoldsAndWatchesMovesByValue) {
  std::unique_ptr<Kernel> kernel = testing::OneWorkerKernel();
  Ref<Channel> ours, theirs;
  std::tie(ours, theirs) = std::move(Channel::Create()).value();
  Ref<Timer> alone = std::move(Timer::Create(kernel->timers())).value();
  Ref<Timer> shared = std::move(Timer::Create(kernel->timers())).value();
  Ref<Timer> watched_from_outside = std::move(Timer::Create(kernel->timers())).value();
  Ref<Port> watching_alone = std::move(Port::Create()).value();
  Ref<Port> watching_shared = std::move(Port::Create()).value();
  Ref<Port> outside = std::move(Port::Create()).value();
  ASSERT_TRUE(alone->Set(MonotonicNow() + 10'000'000'000).ok());
  ASSERT_TRUE(watching_alone->WaitAsync(alone, Signals::kSignaled, 1).ok());
  ASSERT_TRUE(watching_alone->Queue(Packet{.key = 9, .user = {0x42}}).ok());
  ASSERT_TRUE(watching_shared->WaitAsync(shared, Signals::kSignaled, 2).ok());
  ASSERT_TRUE(outside->WaitAsync(watched_from_outside, Signals::kSignaled, 3).ok());

  SpawnRequest request = RequestFor("idle");  // Parks reading startup handle 0.
  for (Ref<KernelObject> object : std::vector<Ref<KernelObject>>{
           theirs, alone, shared, watched_from_outside, watching_alone, watching_shared}) {
    request.handles.push_back({object, DefaultRights(object->type())});
  }
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  theirs.reset();
  alone.reset();
  watched_from_outside.reset();
  watching_alone.reset();
  watching_shared.reset();

  Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const ProcessImage& image = (*frozen)->image();
  EXPECT_EQ(StartupHandle(image, 0).origin, HandleOrigin::kObject);  // A channel.

  const HandleImage& timer = StartupHandle(image, 1);
  ASSERT_EQ(timer.origin, HandleOrigin::kTimer);
  EXPECT_EQ(timer.object, nullptr);
  EXPECT_EQ(timer.timer.state, TimerValue::State::kArmed);
  EXPECT_GT(timer.timer.remaining_ns, 0u);
  EXPECT_LE(timer.timer.remaining_ns, 10'000'000'000u);

  EXPECT_EQ(StartupHandle(image, 2).origin, HandleOrigin::kObject);  // The test holds it.
  EXPECT_EQ(StartupHandle(image, 3).origin, HandleOrigin::kObject);  // Watched from outside.

  const HandleImage& port = StartupHandle(image, 4);
  ASSERT_EQ(port.origin, HandleOrigin::kPort);
  ASSERT_EQ(port.port.packets.size(), 1u);
  EXPECT_EQ(port.port.packets[0].key, 9u);
  EXPECT_EQ(port.port.packets[0].user[0], 0x42u);
  ASSERT_EQ(port.port.watches.size(), 1u);
  EXPECT_EQ(port.port.watches[0].handle, timer.value);
  EXPECT_EQ(port.port.watches[0].signals, Signals::kSignaled);
  EXPECT_EQ(port.port.watches[0].key, 1u);

  // A port may watch what stays behind: the watch is made again on it.
  const HandleImage& second = StartupHandle(image, 5);
  ASSERT_EQ(second.origin, HandleOrigin::kPort);
  ASSERT_EQ(second.port.watches.size(), 1u);
  EXPECT_EQ(second.port.watches[0].handle, StartupHandle(image, 2).value);
  EXPECT_FALSE(image.terminate_watch.has_value());
  frozen->reset();
  ours.reset();
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 107);  // The peer closed.
}

// A port's watch is made again only once the moved process may have
// effects: made at prepare, a watch of a proxy would start it fetching
// ahead, and a destination that then died would take what it fetched.
TEST(MovedByValueTest, APortWatchesAgainOnlyOnceTheMovedProcessMayHaveEffects) {
  std::unique_ptr<Kernel> a = testing::OneWorkerKernel();
  std::unique_ptr<Kernel> b = testing::OneWorkerKernel();
  Ref<Channel> ours, theirs;
  std::tie(ours, theirs) = std::move(Channel::Create()).value();
  Ref<Timer> watched = std::move(Timer::Create(a->timers())).value();  // The test holds it.
  Ref<Port> watching = std::move(Port::Create()).value();
  ASSERT_TRUE(watching->WaitAsync(watched, Signals::kSignaled, 2).ok());
  SpawnRequest request = RequestFor("idle");  // Parks reading startup handle 0.
  for (Ref<KernelObject> object : std::vector<Ref<KernelObject>>{theirs, watched, watching}) {
    request.handles.push_back({object, DefaultRights(object->type())});
  }
  Result<SpawnResult> spawned = a->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  theirs.reset();
  watching.reset();
  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(spawned->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const HandleImage port_image = StartupHandle((*frozen)->image(), 2);
  ASSERT_EQ(port_image.origin, HandleOrigin::kPort);
  ASSERT_EQ(port_image.port.watches.size(), 1u);
  // What it watches is signaled before it is prepared there.
  ASSERT_TRUE(watched->Set(MonotonicNow()).ok());
  ASSERT_TRUE(
      WaitUntil([&] { return (watched->signals() & Signals::kSignaled) != Signals::kNone; }));

  RestoreRequest restore;
  restore.image = (*frozen)->image();
  Result<std::unique_ptr<PreparedProcess>> prepared = b->Prepare(std::move(restore));
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  auto released = std::make_shared<IoWait>();
  Result<SpawnResult> moved = b->Start(std::move(prepared).value(), Reaping::kOnWait, released);
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  (*frozen)->Release(moved->object);
  std::shared_ptr<Process> held = b->Find(spawned->pid);
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(WaitUntil([&] { return held->first_step_ns() != 0; }));
  Result<Ref<PortOps>> port = held->handles().Get<PortOps>(port_image.value, Rights::kNone);
  ASSERT_TRUE(port.ok()) << port.error().message;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ((*port)->signals() & Signals::kReadable, Signals::kNone);  // No watch yet.

  released->Complete();
  EXPECT_TRUE(
      WaitUntil([&] { return ((*port)->signals() & Signals::kReadable) != Signals::kNone; }));
  frozen->reset();
  ours.reset();
  EXPECT_EQ(WaitCode(*b, spawned->pid), 107);  // The peer closed.
}

TEST(MovedByValueTest, ATimerAndPortKeepWorkingWhenTheirFirstKernelIsGone) {
  std::unique_ptr<Kernel> a = testing::OneWorkerKernel();
  std::unique_ptr<Kernel> b = testing::OneWorkerKernel();
  Ref<Channel> ours, theirs;
  std::tie(ours, theirs) = std::move(Channel::Create()).value();
  SpawnRequest request = RequestFor("timer_port");
  request.handles.push_back({theirs, DefaultRights(ObjectType::kChannel)});
  Result<SpawnResult> first = a->Spawn(std::move(request));
  ASSERT_TRUE(first.ok()) << first.error().message;
  theirs.reset();
  ASSERT_TRUE(WaitUntil([&] { return TextOf(first->console) == "ready\n"; }));

  // Parked reading the channel, its timer a second from firing.
  Result<std::unique_ptr<FrozenProcess>> frozen = a->Freeze(first->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const ProcessImage& image = (*frozen)->image();
  auto count = [&](HandleOrigin origin) {
    return std::count_if(image.handles.begin(), image.handles.end(),
                         [&](const HandleImage& h) { return h.origin == origin; });
  };
  EXPECT_EQ(count(HandleOrigin::kTimer), 1);
  EXPECT_EQ(count(HandleOrigin::kPort), 1);
  ASSERT_TRUE(image.terminate_watch.has_value());
  EXPECT_EQ(image.terminate_watch->key, 5u);

  RestoreRequest restore;
  restore.image = image;
  Result<std::unique_ptr<PreparedProcess>> prepared = b->Prepare(std::move(restore));
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  Result<SpawnResult> moved = b->Start(std::move(prepared).value());
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  (*frozen)->Release(moved->object);
  frozen->reset();
  a.reset();  // Nothing of the process may depend on its first kernel now.

  ASSERT_TRUE(ours->Write(std::vector<uint8_t>{'g', 'o'}, {}).ok());
  ASSERT_TRUE(WaitUntil([&] { return TextOf(moved->console) == "ready\nfired\n"; }));
  ASSERT_TRUE(b->Terminate(moved->pid).ok());  // Its terminate port moved too.
  EXPECT_EQ(WaitCode(*b, moved->pid), 7);
}

TEST(MovedByValueTest, AWatchOfAHandleTheImageLacksIsRefused) {
  std::unique_ptr<Kernel> kernel = testing::OneWorkerKernel();
  HandleTable table;
  HandleImage port;
  port.value = 1;
  port.type = ObjectType::kPort;
  port.origin = HandleOrigin::kPort;
  port.port.watches.push_back({7, Signals::kSignaled, 1});
  std::vector<HandleImage> images{port};
  auto objects = RestoreObjectsByValue(images, kernel->timers(), MonotonicNow());
  ASSERT_TRUE(objects.ok()) << objects.error().message;
  Result<HandleValue> value = table.Add((*objects)[1], Rights::kAll);
  ASSERT_TRUE(value.ok());
  images[0].value = *value;
  Result<std::vector<PortWatchAgain>> watched = WatchesAgain(images, table);
  ASSERT_FALSE(watched.ok());
  EXPECT_EQ(watched.error().status, Status::kInvalidArgs);
  EXPECT_NE(watched.error().message.find("watches handle 7"), std::string::npos);
}

TEST(MovedByValueTest, AChannelOnlyTheProcessCanReachMovesWithItsQueues) {
  std::unique_ptr<Kernel> kernel = testing::OneWorkerKernel();
  Ref<Channel> ours, theirs, a, b, lonely, gone, held, kept, carrying, carried;
  std::tie(ours, theirs) = std::move(Channel::Create()).value();
  std::tie(a, b) = std::move(Channel::Create()).value();
  std::tie(lonely, gone) = std::move(Channel::Create()).value();
  std::tie(held, kept) = std::move(Channel::Create()).value();
  std::tie(carrying, carried) = std::move(Channel::Create()).value();
  auto bytes = [](const std::string& text) {
    return std::vector<uint8_t>(text.begin(), text.end());
  };
  ASSERT_TRUE(b->Write(bytes("to a 1"), {}).ok());
  ASSERT_TRUE(b->Write(bytes("to a 2"), {}).ok());
  ASSERT_TRUE(a->Write(bytes("to b"), {}).ok());
  ASSERT_TRUE(gone->Write(bytes("last words"), {}).ok());
  gone.reset();
  Ref<Timer> timer = std::move(Timer::Create(kernel->timers())).value();
  ASSERT_TRUE(carried->Write(bytes("with a timer"), {{timer, Rights::kAll}}).ok());
  timer.reset();

  SpawnRequest request = RequestFor("idle");
  for (Ref<KernelObject> object :
       std::vector<Ref<KernelObject>>{theirs, a, b, lonely, held, carrying}) {
    request.handles.push_back({object, DefaultRights(object->type())});
  }
  Result<SpawnResult> spawned = kernel->Spawn(std::move(request));
  ASSERT_TRUE(spawned.ok()) << spawned.error().message;
  for (Ref<Channel>* end : {&theirs, &a, &b, &lonely, &held, &carrying}) end->reset();

  Result<std::unique_ptr<FrozenProcess>> frozen = kernel->Freeze(spawned->pid);
  ASSERT_TRUE(frozen.ok()) << frozen.error().message;
  const ProcessImage& image = (*frozen)->image();
  EXPECT_EQ(StartupHandle(image, 0).origin, HandleOrigin::kObject);  // The test has its peer.
  const HandleImage& end_a = StartupHandle(image, 1);
  const HandleImage& end_b = StartupHandle(image, 2);
  ASSERT_EQ(end_a.origin, HandleOrigin::kChannel);
  ASSERT_EQ(end_b.origin, HandleOrigin::kChannel);
  EXPECT_EQ(end_a.channel.peer, end_b.value);
  EXPECT_EQ(end_b.channel.peer, end_a.value);
  EXPECT_EQ(end_a.channel.inbox,
            (std::vector<std::vector<uint8_t>>{bytes("to a 1"), bytes("to a 2")}));
  EXPECT_EQ(end_b.channel.inbox, (std::vector<std::vector<uint8_t>>{bytes("to b")}));
  const HandleImage& alone = StartupHandle(image, 3);
  ASSERT_EQ(alone.origin, HandleOrigin::kChannel);
  EXPECT_EQ(alone.channel.peer, kInvalidHandle);
  EXPECT_EQ(alone.channel.inbox, (std::vector<std::vector<uint8_t>>{bytes("last words")}));
  EXPECT_EQ(StartupHandle(image, 4).origin, HandleOrigin::kObject);  // Its peer is the test's.
  EXPECT_EQ(StartupHandle(image, 5).origin, HandleOrigin::kObject);  // A message holds a handle.

  // Made again on another kernel, every end reads what was queued for it.
  std::unique_ptr<Kernel> other = testing::OneWorkerKernel();
  auto objects = RestoreObjectsByValue(image.handles, other->timers(), MonotonicNow());
  ASSERT_TRUE(objects.ok()) << objects.error().message;
  auto read = [&](HandleValue value) {
    auto channel = std::static_pointer_cast<Channel>((*objects)[value]);
    std::vector<std::string> got;
    for (;;) {
      Result<Message> message = channel->Read({});
      if (!message.ok()) {
        got.push_back(message.error().status == Status::kPeerClosed ? "(peer closed)" : "(empty)");
        return got;
      }
      got.emplace_back(message->bytes.begin(), message->bytes.end());
    }
  };
  EXPECT_EQ(read(end_a.value), (std::vector<std::string>{"to a 1", "to a 2", "(empty)"}));
  EXPECT_EQ(read(end_b.value), (std::vector<std::string>{"to b", "(empty)"}));
  EXPECT_EQ(read(alone.value), (std::vector<std::string>{"last words", "(peer closed)"}));
  auto restored_a = std::static_pointer_cast<Channel>((*objects)[end_a.value]);
  ASSERT_TRUE(restored_a->Write(bytes("again"), {}).ok());
  EXPECT_EQ(read(end_b.value), (std::vector<std::string>{"again", "(empty)"}));

  frozen->reset();
  ours.reset();
  EXPECT_EQ(WaitCode(*kernel, spawned->pid), 107);
}

TEST(MovedByValueTest, AChannelEndTheImageDoesNotPairIsRefused) {
  std::unique_ptr<Kernel> kernel = testing::OneWorkerKernel();
  HandleImage end;
  end.value = 1;
  end.type = ObjectType::kChannel;
  end.origin = HandleOrigin::kChannel;
  end.channel.peer = 2;
  auto objects =
      RestoreObjectsByValue(std::vector<HandleImage>{end}, kernel->timers(), MonotonicNow());
  ASSERT_FALSE(objects.ok());
  EXPECT_EQ(objects.error().status, Status::kInvalidArgs);
  EXPECT_NE(objects.error().message.find("does not pair"), std::string::npos);
}

TEST(MovedByValueTest, ATimerComesBackInTheStateItLeft) {
  std::unique_ptr<Kernel> kernel = testing::OneWorkerKernel();
  const MonotonicNs now = MonotonicNow();
  Ref<Timer> fired =
      std::move(Timer::CreateFrom(kernel->timers(), {TimerValue::State::kFired, 0}, now)).value();
  EXPECT_TRUE(Any(fired->signals(), Signals::kSignaled));
  EXPECT_EQ(fired->ValueAt(now).state, TimerValue::State::kFired);

  Ref<Timer> armed = std::move(Timer::CreateFrom(kernel->timers(),
                                                 {TimerValue::State::kArmed, 5'000'000'000}, now))
                         .value();
  EXPECT_FALSE(Any(armed->signals(), Signals::kSignaled));
  TimerValue value = armed->ValueAt(now + 1'000'000'000);
  EXPECT_EQ(value.state, TimerValue::State::kArmed);
  EXPECT_EQ(value.remaining_ns, 4'000'000'000u);

  Ref<Timer> idle = std::move(Timer::CreateFrom(kernel->timers(), {}, now)).value();
  EXPECT_EQ(idle->ValueAt(now).state, TimerValue::State::kIdle);
  ASSERT_TRUE(armed->Cancel().ok());
  EXPECT_EQ(armed->ValueAt(now).state, TimerValue::State::kIdle);
}

}  // namespace
}  // namespace shoal::kernel
