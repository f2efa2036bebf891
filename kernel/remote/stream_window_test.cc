#include "kernel/remote/stream_window.h"

#include <gtest/gtest.h>
#include <kj/async-io.h>
#include <sys/socket.h>

namespace shoal::kernel::remote {
namespace {

TEST(StreamWindowTest, CapnpSeesTheWindowAndTheBytesStillFlow) {
  kj::EventLoop loop;
  kj::WaitScope wait(loop);
  kj::TwoWayPipe pipe = kj::newTwoWayPipe();
  kj::Own<kj::AsyncIoStream> windowed = WithStreamWindow(kj::mv(pipe.ends[0]));

  // What TwoPartyVatNetwork asks to size its streaming window (an in-memory
  // pipe, like a TLS stream, has no SO_SNDBUF of its own).
  int window = 0;
  kj::uint length = sizeof(window);
  windowed->getsockopt(SOL_SOCKET, SO_SNDBUF, &window, &length);
  EXPECT_EQ(size_t(window), kStreamWindow);
  EXPECT_EQ(length, sizeof(window));

  // An in-memory pipe completes a write when the other end reads it.
  char got[4] = {};
  kj::Promise<size_t> reading = pipe.ends[1]->read(got, 4, 4);
  windowed->write("ping", 4).wait(wait);
  EXPECT_EQ(reading.wait(wait), 4u);
  EXPECT_EQ(std::string(got, 4), "ping");
  reading = windowed->read(got, 4, 4);
  pipe.ends[1]->write("pong", 4).wait(wait);
  EXPECT_EQ(reading.wait(wait), 4u);
  EXPECT_EQ(std::string(got, 4), "pong");
}

}  // namespace
}  // namespace shoal::kernel::remote
